"""The real server, started the way the README starts it, for the browser tests and the live-view benchmark.

Every server runs ``bash scripts/start.sh --server.port <free port>`` in a session of its own
(``start_new_session=True``), so the server and the training workers it spawns share one process group and
session id. Stopping ends that group (SIGTERM, then SIGKILL) and checks that no process of the session is left.
Only processes of the sessions started here are ever signalled.

This module imports no pytest: ``tests/browser/conftest.py`` wraps it in fixtures, and
``benchmarks/live_view.py`` uses it directly. It also holds how both launch Chromium.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import psutil

REPO_ROOT = Path(__file__).resolve().parents[2]
#: Debian's Chromium (``scripts/test.sh`` and ``scripts/bench.sh`` install it) and how it is launched.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 1240}  # tall enough for the whole live view
#: The first start of a fresh checkout installs the packages before it serves.
HEALTH_TIMEOUT_S = 120.0
#: How long a SIGTERMed server group gets before SIGKILL.
TERM_GRACE_S = 5.0

ProcessRef = TypeVar("ProcessRef", int, psutil.Process)


class ServerError(AssertionError):
    """The server did not become healthy, or processes of its session outlived it. An ``AssertionError``, so
    that under pytest it reads as a failed check."""


def free_port(following: int = 0) -> int:
    """A free port, and with ``following`` the next that many ports are free too (for a server's replicas)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port + following < 65536 and all(port_is_free(port + index) for index in range(1, following + 1)):
            return port


def gone(process: int | psutil.Process) -> bool:
    """True when the process has exited. A zombie counts as gone: it runs nothing and holds no port, and an
    orphan's zombie waits for an init process that may never reap it. Given a ``psutil.Process`` recorded
    earlier, a pid since reused by another process counts as gone too."""
    try:
        if isinstance(process, int):
            process = psutil.Process(process)
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_until_gone(pids: list[ProcessRef], timeout: float) -> list[ProcessRef]:
    """Wait up to ``timeout`` s for every pid (or process) to exit; returns the ones still running."""
    deadline = time.monotonic() + timeout
    while True:
        alive = [pid for pid in pids if not gone(pid)]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.1)


def describe(pids: list[int]) -> str:
    lines = []
    for pid in pids:
        try:
            process = psutil.Process(pid)
            lines.append(f"{pid} ({process.status()}): {' '.join(process.cmdline())[:200]}")
        except psutil.NoSuchProcess:
            lines.append(f"{pid}: gone")
    return "; ".join(lines)


def port_is_free(port: int) -> bool:
    """Nothing listens on the port and a new server could bind it (as uvicorn does, with SO_REUSEADDR)."""
    with contextlib.suppress(psutil.AccessDenied):
        for connection in psutil.net_connections(kind="tcp"):
            if connection.status == psutil.CONN_LISTEN and connection.laddr and connection.laddr.port == port:
                return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


@dataclass
class Server:
    """One ``scripts/start.sh`` server in a session of its own."""

    port: int
    log_path: Path
    extra_args: tuple[str, ...] = ()
    #: Another script to start instead of ``start.sh`` (``scripts/serve-class.sh``), with its arguments.
    command: tuple[str, ...] = ()
    process: subprocess.Popen | None = None
    #: Every process of the session seen while it ran, by pid: ``stop`` finds them even if they left the group.
    seen: dict[int, psutil.Process] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def pid(self) -> int:
        """The server's pid: start.sh ``exec``s streamlit, so it is the pid that ``start`` started."""
        if self.process is None:
            raise RuntimeError("the server is not running")
        return self.process.pid

    @property
    def sid(self) -> int:
        # start_new_session=True makes the child a session (and process group) leader: sid == pgid == pid.
        return self.pid

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def start(self) -> None:
        # `--server.fileWatcherType none`: other people may edit files while the suite runs; a file watcher
        # would only add load. `--browser.gatherUsageStats false`: the machine may have no internet.
        command = list(self.command) or [
            "bash",
            str(REPO_ROOT / "scripts" / "start.sh"),
            "--server.port",
            str(self.port),
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
            *self.extra_args,
        ]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._record([self.pid])
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise ServerError(
                    f"the server exited with {self.process.returncode} before it was healthy:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() >= deadline:
                self.stop(check=False)
                raise ServerError(
                    f"no healthy server on {self.url} within {HEALTH_TIMEOUT_S:.0f} s:\n{self.log_tail()}"
                )
            time.sleep(0.25)

    def _record(self, pids: list[int]) -> None:
        for pid in pids:
            if pid not in self.seen:
                with contextlib.suppress(psutil.NoSuchProcess):
                    self.seen[pid] = psutil.Process(pid)

    def session_pids(self) -> list[int]:
        """The live processes of this server's session (the server and its workers), zombies excluded."""
        if self.process is None:
            return []
        pids = []
        for process in psutil.process_iter(["pid"]):
            try:
                if os.getsid(process.pid) == self.sid and not gone(process.pid):
                    pids.append(process.pid)
            except (ProcessLookupError, PermissionError):
                continue
        self._record(pids)
        return pids

    def workers(self) -> list[int]:
        """The training workers: the server's descendants that ``is_training_worker`` tells."""
        if self.process is None:
            return []
        try:
            children = psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        found = []
        for child in children:
            try:
                if is_training_worker(child) and not gone(child.pid):
                    found.append(child.pid)
            except psutil.NoSuchProcess:
                continue
        self._record(found)
        return found

    def wait_for_no_workers(self, timeout: float = 15.0) -> bool:
        """Wait up to ``timeout`` s until the server runs no training worker; False if one is still there."""
        deadline = time.monotonic() + timeout
        while self.workers():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)
        return True

    # The tests use these through the fixture, so they need not import this module.
    wait_until_gone = staticmethod(wait_until_gone)
    describe = staticmethod(describe)

    def port_is_free(self) -> bool:
        return port_is_free(self.port)

    def stop(self, check: bool = True) -> list[int]:
        """End the server's whole process group (SIGTERM, then SIGKILL). Returns the pids of its session that
        outlived that (they are then killed one by one); with ``check``, raises ``ServerError`` if there are any.
        """
        if self.process is None:
            return []
        self.session_pids()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.sid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(TERM_GRACE_S)
        leftovers = wait_until_gone(self.session_pids(), 1.0 if self.process.poll() is not None else 0.0)
        if leftovers or self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.sid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(TERM_GRACE_S)
        # Processes that left the group (setsid) would escape killpg; the recorded ones catch those too.
        self.session_pids()
        remaining = wait_until_gone(list(self.seen.values()), 2.0)
        pids = sorted(process.pid for process in remaining)
        report = describe(pids)
        for process in remaining:  # only processes of this server's session, recorded while it ran
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()  # psutil checks that the pid was not reused
        self.process = None
        if check and pids:
            raise ServerError(f"processes of the server's session outlived it: {report}")
        return pids


def is_training_worker(process: psutil.Process) -> bool:
    """Whether ``process`` is a training worker: one started as its own Python process (it runs ``worker_main``),
    or one the workers' template forked (it runs the template's code, as a child of the template)."""
    command = " ".join(process.cmdline())
    if "worker_main" in command:
        return True
    parent = process.parent()
    return "template_main" in command and parent is not None and "template_main" in " ".join(parent.cmdline())


@contextlib.contextmanager
def running_server(
    log_dir: Path,
    name: str = "server",
    *extra_args: str,
    check: bool = True,
    command: tuple[str, ...] = (),
    following_ports: int = 0,
) -> Iterator[Server]:
    """A started server (``command`` with ``{port}`` in it: another script that serves on that port, and needs the
    ``following_ports`` after it), stopped at the end. If the body raises, the server is stopped without the check;
    if processes outlive a server whose ``check`` is off, a warning names them."""
    port = free_port(following_ports)
    command = tuple(part.format(port=port) for part in command)
    server = Server(port=port, log_path=log_dir / f"{name}.log", extra_args=extra_args, command=command)
    try:
        server.start()
        yield server
    except BaseException:
        server.stop(check=False)
        raise
    left = server.stop(check=check)
    if left:
        print(f"warning: processes of the server outlived it and were killed: {left}", file=sys.stderr)
