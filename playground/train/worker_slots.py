"""The training processes of one server, all sessions together: at most ``limits().max_workers`` at once, the
runs past that waiting in a queue, and how busy the cores are (a page says so while its run shares them)."""

from __future__ import annotations

import collections
import contextlib
import sys
import threading
import time
import types
from typing import TYPE_CHECKING

from playground.limits import limits, server_cores

if TYPE_CHECKING:
    from playground.train.worker import WorkerHandle


class _Slots:
    """The training processes of this server, all sessions together, and the runs waiting for one: at most
    ``limits().max_workers`` train at once, and the waiting ones start first come, first served."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.training: set[WorkerHandle] = set()
        self.waiting: collections.deque[WorkerHandle] = collections.deque()
        self.closed = False  # the server is exiting: nothing starts any more

    def admit(self, handle: WorkerHandle) -> None:
        """Start ``handle``'s process now if there is room, else queue it (it says so) until a slot frees."""
        with self.lock:
            self.waiting.append(handle)
            starting = self._take_waiting()
            if handle not in starting:
                handle._mark_queued(len(self.training))
        for started in starting:
            started._launch()

    def release(self, handle: WorkerHandle) -> None:
        """``handle``'s process ended (or it stopped waiting): give its slot to the run that waited longest."""
        with self.lock:
            self.training.discard(handle)
            with contextlib.suppress(ValueError):
                self.waiting.remove(handle)
            starting = self._take_waiting()
        for started in starting:
            started._launch()

    def _take_waiting(self) -> list[WorkerHandle]:
        """Move waiting runs to training while there is room; called with the lock held."""
        starting: list[WorkerHandle] = []
        room = 0 if self.closed else limits().max_workers - len(self.training)
        while room > 0 and self.waiting:
            handle = self.waiting.popleft()
            self.training.add(handle)
            starting.append(handle)
            room -= 1
        return starting


def worker_slots() -> _Slots:
    """The server's one ``_Slots``. It lives in an entry of ``sys.modules`` that no file backs: Streamlit imports
    a fresh copy of this module when a source file changes, and the fresh copy must count the workers the old
    one started."""
    holder = sys.modules.get("_nn_playground_worker_slots")
    if holder is None:
        candidate = types.ModuleType("_nn_playground_worker_slots", "Training processes of this server.")
        candidate.slots = _Slots()  # type: ignore[attr-defined]
        holder = sys.modules.setdefault("_nn_playground_worker_slots", candidate)
    return holder.slots  # type: ignore[attr-defined]


def training_processes() -> tuple[int, int]:
    """How many runs train in a process of their own on this server now, and how many wait for one."""
    slots = worker_slots()
    with slots.lock:
        return len(slots.training), len(slots.waiting)


#: How long a count of the running runs is reused: every frame of every page asks for it.
RUNNING_COUNT_TTL_S = 0.5
_running_count: tuple[float, int] = (-1.0, 0)  # (when it was counted, the count)


def running_runs() -> int:
    """How many runs of this server train right now (counted at most every ``RUNNING_COUNT_TTL_S``): their
    processes share the cores."""
    global _running_count
    counted_at, count = _running_count
    now = time.monotonic()
    if now - counted_at > RUNNING_COUNT_TTL_S:
        slots = worker_slots()
        with slots.lock:
            handles = list(slots.training)
        count = sum(1 for handle in handles if handle.snapshot()[0].status == "running")
        _running_count = (now, count)
    return count


def busy_share(running: int, cores: int | None = None) -> float | None:
    """How many times slower than alone each of ``running`` runs trains when they share the server's cores (each
    process gets an equal share from the system's scheduler), or None when every run has a core of its own."""
    cores = cores or server_cores()
    return running / cores if running > cores else None


#: Snapshots a second that all runs together send while more of them train than the server has cores: each
#: snapshot costs the server's one Python process its reading, and each frame built from it its encoding (with 30
#: runs on 2 cores sending what they could, 9 a second each, the server spent 43 % of its time on them and a Pause
#: waited 1-2 s for it).
SHARED_SNAPSHOTS_HZ = 160.0
#: The fewest snapshots a second a run is asked to send, however many share the server.
MIN_SNAPSHOT_HZ = 4.0


def snapshot_rate(full_hz: float, running: int, cores: int | None = None) -> float:
    """How many snapshots a second a run may send while ``running`` runs train: ``full_hz`` while each has a core,
    else a share of ``SHARED_SNAPSHOTS_HZ`` (never below ``MIN_SNAPSHOT_HZ``)."""
    cores = cores or server_cores()
    if running <= cores:
        return full_hz
    return min(full_hz, max(MIN_SNAPSHOT_HZ, round(SHARED_SNAPSHOTS_HZ / running, 1)))
