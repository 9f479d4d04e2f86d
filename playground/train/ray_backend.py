"""Training off the web servers: each run's worker as an actor on a Ray cluster.

Set ``PLAYGROUND_RAY_ADDRESS`` (``auto``, ``ray://head:10001``, or ``local`` for a cluster of this machine that the
server starts itself) and every run trains in a Ray actor instead of a process of the web server: a school's CPU or
GPU cluster trains while small web servers serve the pages. Needs the optional extra: ``pip install -e ".[ray]"``
on the web servers and on every node of the cluster (the actors import this package).

The worker protocol does not change (commands in, snapshots out): the actor connects back to the web server over
TCP, to a port opened for that run alone and authenticated with a key of its own, and a relay thread joins that
connection to the socket the run's handle reads, so the handle cannot tell an actor from a local process.
``RayProcess`` gives the handle the part of ``subprocess.Popen`` it uses. The nodes must reach the web server at
``PLAYGROUND_RAY_CALLBACK_HOST`` (this machine's address by default) on any port. With ``PLAYGROUND_RAY_GPUS`` each
actor holds a share of a GPU, and runs may train on it (``training.device`` cuda).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import threading
from multiprocessing.connection import Client, Listener
from typing import Any

#: Where the Ray cluster is: ``auto`` (the cluster this machine belongs to), ``ray://host:port``, or ``local``.
RAY_ADDRESS_ENV = "PLAYGROUND_RAY_ADDRESS"
#: The address at which the cluster's nodes reach this web server (default: this machine's address).
CALLBACK_HOST_ENV = "PLAYGROUND_RAY_CALLBACK_HOST"
#: The share of a GPU each run's actor asks the cluster for (``0.25``: four runs per GPU; default 0, no GPU): only
#: runs whose actor holds a share may choose ``training.device`` cuda, and the pages offer it when this is set.
GPUS_ENV = "PLAYGROUND_RAY_GPUS"
#: The most of one GPU a run's actor may ask for.
MAX_GPUS_PER_RUN = 1.0
#: How long a run waits for its actor to connect back (the cluster may have to start a worker process for it).
CONNECT_TIMEOUT_S = 120.0
#: Object store of a ``local`` cluster: actors send their snapshots over their own connection, not through it.
LOCAL_OBJECT_STORE_BYTES = 100 * 2**20
#: The environment variables an actor takes from the web server: the budgets (``playground.limits``) and the
#: folder of uploaded data (which must then be one the nodes reach too).
SETTINGS_PREFIXES = ("PLAYGROUND_", "NN_PLAYGROUND_")
#: Bytes the relay moves at once.
RELAY_CHUNK = 1 << 16

_RAY_LOCK = threading.Lock()


def ray_address() -> str | None:
    """The Ray cluster runs train on, or None to train in processes of this server (the default)."""
    return os.environ.get(RAY_ADDRESS_ENV, "").strip() or None


def ray_gpus() -> float:
    """The share of a GPU each run's actor asks for (``PLAYGROUND_RAY_GPUS``); ValueError in one line if it is not a
    number from 0 to 1."""
    text = os.environ.get(GPUS_ENV, "").strip() or "0"
    try:
        share = float(text)
    except ValueError:
        share = float("nan")
    if not 0 <= share <= MAX_GPUS_PER_RUN:
        raise ValueError(f"{GPUS_ENV}: {text} is not a share of a GPU from 0 to {MAX_GPUS_PER_RUN:g}")
    return share


def connect_ray() -> Any:
    """The ``ray`` module, connected to the cluster (on first use)."""
    try:
        import ray
    except ImportError as error:
        raise OSError(f"{RAY_ADDRESS_ENV} is set but Ray is not installed: pip install -e '.[ray]'") from error
    with _RAY_LOCK:
        if not ray.is_initialized():
            address = ray_address()
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if address == "local":
                options["object_store_memory"] = LOCAL_OBJECT_STORE_BYTES
            else:
                options["address"] = address
            ray.init(**options)
    return ray


def _callback_host() -> str:
    if os.environ.get(CALLBACK_HOST_ENV):
        return os.environ[CALLBACK_HOST_ENV]
    if ray_address() == "local":
        return "127.0.0.1"
    return socket.gethostbyname(socket.gethostname())


class TrainerActor:
    """A run's worker on the cluster (a Ray actor class once ``start_ray_worker`` wraps it)."""

    def pid(self) -> int:
        return os.getpid()

    def run(self, address: tuple[str, int], authkey: bytes, arguments: list[str]) -> int:
        """Connect back to the web server and train what its handle asks for until it stops the run; returns the
        exit code a local worker would have (``worker_process.serve_owner``)."""
        from playground.train.worker_process import serve_owner

        return serve_owner(Client(tuple(address), authkey=authkey), arguments)


class RayProcess:
    """A run's actor, seen from the server: what the worker's handle uses of ``subprocess.Popen``."""

    def __init__(self, ray: Any, actor: Any, done: Any) -> None:
        self._ray, self._actor, self._done = ray, actor, done
        self.returncode: int | None = None
        self._pid: int | None = None

    @property
    def pid(self) -> int:
        """The actor's process id on its node (asked once; the actor may still be starting)."""
        if self._pid is None:
            self._pid = int(self._ray.get(self._actor.pid.remote(), timeout=CONNECT_TIMEOUT_S))
        return self._pid

    def _ended(self) -> int:
        if self.returncode is None:
            try:
                self.returncode = int(self._ray.get(self._done))
            except Exception:  # the actor was killed or its process died
                self.returncode = -9
            with contextlib.suppress(Exception):
                self._ray.kill(self._actor, no_restart=True)  # its work is done: free its process on the cluster
        return self.returncode

    def poll(self) -> int | None:
        ready, _ = self._ray.wait([self._done], timeout=0)
        return self._ended() if ready else None

    def wait(self, timeout: float | None = None) -> int:
        ready, _ = self._ray.wait([self._done], timeout=timeout)
        if not ready:
            raise subprocess.TimeoutExpired(f"ray actor for {self._actor}", timeout or 0.0)
        return self._ended()

    def terminate(self) -> None:
        with contextlib.suppress(Exception):
            self._ray.kill(self._actor, no_restart=True)

    kill = terminate


def start_ray_worker(worker_fd: int, arguments: list[str]) -> RayProcess:
    """Start a run's worker as an actor on the cluster, talking to the handle at the other end of ``worker_fd``
    through a relay; OSError if Ray cannot be reached."""
    ray = connect_ray()
    authkey = secrets.token_bytes(32)
    try:
        listener = Listener((_callback_host(), 0), authkey=authkey)
        # two threads: ``pid`` answers while ``run`` trains; the server's budgets and upload folder travel along
        settings = {name: value for name, value in os.environ.items() if name.startswith(SETTINGS_PREFIXES)}
        actor = ray.remote(num_cpus=1, num_gpus=ray_gpus(), max_restarts=0, max_concurrency=2)(TrainerActor).options(
            runtime_env={"env_vars": settings}
        ).remote()
        done = actor.run.remote(listener.address, authkey, arguments)
    except Exception as error:
        raise OSError(f"could not start a training actor on the Ray cluster: {error}") from error
    local = socket.socket(fileno=os.dup(worker_fd))
    threading.Thread(target=_relay, args=(listener, local), daemon=True, name="playground-ray-relay").start()
    return RayProcess(ray, actor, done)


def _relay(listener: Listener, local: socket.socket) -> None:
    """Wait for the actor to connect back, then pass bytes both ways until either side closes (the handle's
    messages and the worker's keep their framing: both ends are ``multiprocessing`` connections)."""
    give_up = threading.Timer(CONNECT_TIMEOUT_S, listener.close)  # a closed listener ends the accept below
    give_up.start()
    try:
        with listener:
            connection = listener.accept()
        remote = socket.socket(fileno=os.dup(connection.fileno()))
        connection.close()
    except (OSError, EOFError, AttributeError):  # the actor never came, or failed the key: the handle sees its
        local.close()  # socket close
        return
    finally:
        give_up.cancel()
    backwards = threading.Thread(target=_pump, args=(remote, local), daemon=True, name="playground-ray-relay")
    backwards.start()
    _pump(local, remote)
    backwards.join()
    local.close()
    remote.close()


def _pump(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(RELAY_CHUNK):
            target.sendall(data)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)
