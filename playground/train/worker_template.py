"""Light workers: one template process imports PyTorch and the engine once, and forks each run's worker from it.

A worker started as a fresh Python process imports torch, NumPy and the engine by itself: about 2 s before it is
ready, and about 235 MB of memory of its own, so a class of thirty needed about 9 GB. Forked from a template that
has imported all of it, a worker shares those pages with the template (copy on write) and is ready in a fraction
of a second (figures in the README, from ``benchmarks/light_workers.py``).

The template is a child of the server, started the first time a worker is wanted (``warm_up`` starts it early).
The server hands it a socket for each new worker over a Unix socket (the file descriptor travels with the
request); the template forks, the child becomes the worker (``worker_process.run_worker``) and the template says
its process id, and later its exit code, since only a parent can learn that. ``TemplateProcess`` gives the worker's
handle the part of ``subprocess.Popen`` it uses.

The template never runs a PyTorch operation itself: a process that has used OpenMP's threads cannot safely fork.
It ends when the server does (its socket closes), and its workers then end too (their parent is gone). Linux only
(elsewhere, or with ``PLAYGROUND_WORKER_TEMPLATE=off``, each worker is its own Python process).
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from typing import NoReturn

from playground.train.ray_backend import RayProcess, connect_ray, ray_address, start_ray_worker

#: Set to ``off`` to start every worker as its own Python process (as on systems without ``fork``).
TEMPLATE_ENV = "PLAYGROUND_WORKER_TEMPLATE"
#: The modules a worker may import, imported once by the template so that no worker imports them again.
PRELOADED_MODULES = (
    "numpy",
    "torch",
    "torch.nn.functional",
    "torch.optim",
    "torch._dynamo",  # an optimizer's first use imports it: 1.4 s and 70 MB in every worker otherwise
    "torch.profiler._cupti_monitor",  # the first optimizer step imports it
    "mlxtend.data",
    "safetensors.torch",
    "PIL.Image",
    "sklearn.datasets",
    "playground.checkpoint",
    "playground.data.registry",
    "playground.train.compare",
    "playground.train.descent",
    "playground.train.one_step",
    "playground.train.probes",
    "playground.train.probes.choices",
    "playground.train.trainer",
    "playground.train.worker_process",
)
#: How long a request waits for the template's answer: the first one waits while it imports torch, which takes
#: seconds on a busy 2-core server.
SPAWN_TIMEOUT_S = 120.0
#: Bytes of one message between the server and the template at most: a JSON object of a few numbers and names,
#: and the server's environment (under the system's usual 208 KB for one message on a local socket).
MESSAGE_BYTES = 200_000


def template_enabled() -> bool:
    """Whether workers are forked from a template here: on Linux, unless ``PLAYGROUND_WORKER_TEMPLATE=off``."""
    setting = os.environ.get(TEMPLATE_ENV, "on").strip().lower()
    return sys.platform.startswith("linux") and setting not in ("off", "0", "no", "false")


class TemplateProcess:
    """A worker forked by the template, seen from the server: what the worker's handle uses of ``subprocess.Popen``
    (``pid``, ``poll``, ``wait``, ``terminate``, ``kill``, ``returncode``). Signals go through a pidfd, which names
    this very process even after it ended and its id went to another."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._exited = threading.Event()
        self._lock = threading.Lock()
        self._pidfd: int | None = None
        with contextlib.suppress(OSError, AttributeError):  # gone already, or a kernel without pidfds
            self._pidfd = os.pidfd_open(pid)

    def _ended(self, code: int) -> None:
        with self._lock:
            self.returncode = code
            if self._pidfd is not None:
                os.close(self._pidfd)
                self._pidfd = None
        self._exited.set()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._exited.wait(timeout):
            raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout or 0.0)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, number: int) -> None:
        with self._lock, contextlib.suppress(ProcessLookupError):
            if self._pidfd is not None:
                signal.pidfd_send_signal(self._pidfd, number)
            elif self.returncode is None:  # a kernel without pidfds (before Linux 5.3): by its id, while it runs
                os.kill(self.pid, number)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class WorkerTemplate:
    """The server's side of the template process: asks it for workers and learns when they end."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        launcher = "from playground.train.worker_template import template_main; template_main()"
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", launcher, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
            )
        except OSError:
            ours.close()
            raise
        finally:
            theirs.close()
        self._socket = ours
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._answers: dict[int, tuple[threading.Event, list[TemplateProcess | str]]] = {}
        self._workers: dict[int, TemplateProcess] = {}
        self.alive = True
        threading.Thread(target=self._read_forever, daemon=True, name="playground-template").start()

    def spawn(self, worker_fd: int, arguments: list[str], timeout: float = SPAWN_TIMEOUT_S) -> TemplateProcess:
        """Fork a worker that talks over socket ``worker_fd`` (``worker_process.worker_arguments``); OSError if the
        template is gone or does not answer in time."""
        number = next(self._numbers)
        answered, answer = threading.Event(), []
        request = json.dumps({"number": number, "arguments": arguments, "environment": dict(os.environ)}).encode()
        if len(request) > MESSAGE_BYTES:
            raise OSError(f"the server's environment is too large to hand to a worker: {len(request):,} bytes")
        with self._lock:
            if not self.alive:
                raise OSError("the worker template has ended")
            self._answers[number] = (answered, answer)
            try:
                socket.send_fds(self._socket, [request], [worker_fd])
            except OSError:
                del self._answers[number]
                raise
        if not answered.wait(timeout):
            with self._lock:
                self._answers.pop(number, None)
            raise OSError(f"the worker template did not start a worker within {timeout:.0f} s")
        result = answer[0]
        if isinstance(result, str):
            raise OSError(result)
        return result

    def _read_forever(self) -> None:
        with contextlib.suppress(OSError):
            while message := self._socket.recv(MESSAGE_BYTES):
                news = json.loads(message)
                with self._lock:
                    if "exited" in news:
                        worker = self._workers.pop(news["exited"], None)
                        if worker is not None:
                            worker._ended(news["code"])
                        continue
                    waiting = self._answers.pop(news["number"], None)
                    result: TemplateProcess | str = news.get("error", "")
                    if "pid" in news:
                        result = self._workers[news["pid"]] = TemplateProcess(news["pid"])
                if waiting is not None:
                    waiting[1].append(result)
                    waiting[0].set()
        self._gone()

    def _gone(self) -> None:
        """The template ended (killed, or out of memory): its workers end with it (they see their parent gone), and
        the requests waiting for it fail."""
        with self._lock:
            self.alive = False
            workers, self._workers = list(self._workers.values()), {}
            waiting, self._answers = list(self._answers.values()), {}
        for worker in workers:
            worker.kill()
            worker._ended(-signal.SIGKILL)
        for answered, answer in waiting:
            answer.append("the worker template has ended")
            answered.set()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5.0)

    def close(self) -> None:
        """End the template (its workers end with it)."""
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)


#: A run's worker as its handle sees it: its own process, a fork of the template, or an actor on a Ray cluster.
WorkerProcess = subprocess.Popen | TemplateProcess | RayProcess

_TEMPLATE: WorkerTemplate | None = None
_TEMPLATE_LOCK = threading.Lock()


def worker_template() -> WorkerTemplate:
    """This server's template, started on first use and again if it has ended."""
    global _TEMPLATE
    with _TEMPLATE_LOCK:
        if _TEMPLATE is None or not _TEMPLATE.alive:
            _TEMPLATE = WorkerTemplate()
        return _TEMPLATE


def start_worker_process(worker_fd: int, arguments: list[str]) -> WorkerProcess:
    """Start a worker that talks over socket ``worker_fd`` (``arguments`` from ``worker_process.worker_arguments``):
    forked from the template where there is one, else as its own Python process; or, with ``PLAYGROUND_RAY_ADDRESS``
    set, as an actor on that Ray cluster (``ray_backend``). OSError if none can start."""
    if ray_address():
        return start_ray_worker(worker_fd, arguments)
    if template_enabled():
        return worker_template().spawn(worker_fd, arguments)
    launcher = "from playground.train.worker_process import worker_main; worker_main()"
    return subprocess.Popen(
        [sys.executable, "-c", launcher, str(worker_fd), *arguments], pass_fds=(worker_fd,), stdin=subprocess.DEVNULL
    )


def warm_up() -> None:
    """Start the template now (or join the Ray cluster), so that the first run does not wait for it."""
    if ray_address():
        connect_ray()
    elif template_enabled():
        worker_template()


# The template process ---------------------------------------------------------------------------------------
def template_main() -> NoReturn:
    """Entry point of the template process: ``argv[1]`` is the socket to the server."""
    server = socket.socket(fileno=int(sys.argv[1]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal stops the server, which then ends this
    for name in PRELOADED_MODULES:
        __import__(name)
    gc.collect()
    gc.freeze()  # the collector never touches what is here now, so it stays shared with every worker
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so that an ended worker wakes the loop
    with contextlib.suppress(OSError):
        while True:
            ready, _, _ = select.select([server, wake_read], [], [])
            if wake_read in ready:
                os.read(wake_read, 512)
            _report_ended(server)
            if server in ready:
                message, fds, _, _ = socket.recv_fds(server, MESSAGE_BYTES, 1)
                if not message:
                    break  # the server is gone
                _fork_worker(server, json.loads(message), fds, (wake_read, wake_write))
    os._exit(0)  # the workers see their parent gone and end too


def _report_ended(server: socket.socket) -> None:
    """Reap the workers that ended and tell the server their exit codes."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        server.send(json.dumps({"exited": pid, "code": os.waitstatus_to_exitcode(status)}).encode())


def _fork_worker(server: socket.socket, request: dict, fds: list[int], wake: tuple[int, int]) -> None:
    """Fork one worker for ``request`` and tell the server its process id (or why there is none)."""
    number = request["number"]
    if len(fds) != 1:
        for fd in fds:
            os.close(fd)
        server.send(json.dumps({"number": number, "error": "no socket came with the request"}).encode())
        return
    try:
        pid = os.fork()
    except OSError as error:
        os.close(fds[0])
        server.send(json.dumps({"number": number, "error": f"could not start a worker: {error}"}).encode())
        return
    if pid == 0:
        _become_worker(server, fds[0], request, wake)
    os.close(fds[0])
    server.send(json.dumps({"number": number, "pid": pid}).encode())


def _become_worker(server: socket.socket, fd: int, request: dict, wake: tuple[int, int]) -> NoReturn:
    """In the forked child: drop what belongs to the template, take the server's environment as it is now (its
    budgets, where uploads are stored) and train (``worker_process.run_worker``)."""
    from playground.train.worker_process import run_worker

    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    server.close()
    for end in wake:
        os.close(end)
    os.environ.clear()
    os.environ.update(request["environment"])
    run_worker(fd, request["arguments"])
