"""The trainer in its own process, steered by commands and publishing snapshots at a bounded rate.

Training in a thread of the Streamlit server starves both the training and the page on the GIL, so every
run lives in a child process. The server keeps a ``WorkerHandle``: it sends commands through a pipe and a
reader thread keeps the newest snapshot, so the worker never blocks on a page that is not looking.

A worker dies with its owner: ``WorkerHandle.stop`` ends it, and the worker itself exits as soon as its
parent process is gone (the pipe closes or its parent id changes), so a killed server leaves nothing behind. The
process side lives in ``worker_process``, what travels between them in ``protocol``.

One server holds the workers of every browser session, so they live within budgets (``playground.limits``): at
most ``max_workers`` processes train at once, all sessions together, and a run past that waits in a queue, first
come first served, until one ends; each process may allocate ``worker_memory_mb`` (past it the run reports that
it ran out of memory, and the worker stays to train a smaller setup); and a run whose live view stopped asking
for frames (a hidden tab, a page left open) is paused after ``UNWATCHED_PAUSE_S``.
"""

from __future__ import annotations

import atexit
import bisect
import contextlib
import itertools
import socket
import subprocess
import threading
import time
import weakref
from collections.abc import Callable
from multiprocessing.connection import Connection

import numpy as np

from playground.config import RunConfig, TrainConfig
from playground.limits import limits
from playground.train.batch_curve import thinned
from playground.train.protocol import (
    NEWEST_ONLY,
    UNDONE_BY_RESET,
    Command,
    Compare,
    Descend,
    EditParameter,
    Pause,
    Play,
    Reset,
    SaveCheckpoint,
    SetDrawing,
    SetFocus,
    SetProbes,
    SetRate,
    SetSample,
    SetTemperature,
    SetTraining,
    Snapshot,
    Step,
    Stop,
    StopComparison,
    TakeStep,
    TrainSteps,
    readable,
)
from playground.train.worker_process import worker_arguments
from playground.train.worker_slots import running_runs, snapshot_rate, worker_slots
from playground.train.worker_template import WorkerProcess, start_worker_process

#: Snapshots a training worker sends a second at most: a page paints each one it gets (long polling), and 30
#: complete redraws a second on screen need a little more than 30 (the default 2D setup sends 35 a second at 40,
#: 27 at 30; at 40 it trains 4 % slower than at 30, at 60 9 %).
SNAPSHOT_RATE_HZ = 40.0

_HANDLE_SERIALS = itertools.count(1)

#: A run whose live view has not asked for a frame for this long (a hidden tab, a page left open) is paused.
UNWATCHED_PAUSE_S = 30.0
#: How often the owner's reader thread looks whether a run is still watched when no snapshot arrives.
UNWATCHED_CHECK_S = 1.0
#: Per-batch points a handle keeps of its run (a few tens of KB); a longer run's line is thinned to fit.
MAX_KEPT_BATCH_POINTS = 4000
#: Training settings a running model takes without starting over.
LIVE_TRAINING_FIELDS = {
    "learning_rate",
    "regularization",
    "reg_rate",
    "schedule",
    "step_every",
    "step_factor",
    "epochs",
    "stop_at_epochs",
    "target_test_loss",
    "patience",
}


_LIVE_HANDLES: weakref.WeakSet[WorkerHandle] = weakref.WeakSet()
#: Numbers for one-off requests (``take_step``, ``descend``), unique in this server: a page tells its answer from
#: an older one by it, whichever worker answered.
_REQUEST_NUMBERS = itertools.count(1)


@atexit.register
def _stop_all_workers() -> None:
    slots = worker_slots()
    with slots.lock:
        slots.closed = True  # a stopped worker must not start a waiting one on the way out
    for handle in list(_LIVE_HANDLES):
        handle.stop(timeout=1.0)


class WorkerHandle:
    """Owns one worker process: sends it commands and keeps its newest snapshot and full history.

    When the server already trains ``limits().max_workers`` runs, the run waits with status "queued" and no
    process (``process`` is None) until one ends; every method works meanwhile, and the commands are kept (the
    newest of each setting) and handed over when the process starts.
    """

    def __init__(self, config: RunConfig, probes: tuple[str, ...] = (), rate_hz: float = SNAPSHOT_RATE_HZ) -> None:
        self.config = config
        self.probes = list(probes)
        self.rate_hz = rate_hz
        self._sent_rate = rate_hz  # the snapshot rate the worker was last asked for
        self.wants_to_run = False
        self.sample_index = 0  # what this worker was last told to explain (it keeps these across resets)
        self.drawing: np.ndarray | None = None
        self.temperature: float | None = None  # None: never set, the trainer's default
        self.unwatched_pause_s = UNWATCHED_PAUSE_S  # see ``touch``
        self._watched_at: float | None = None  # when a live view last asked for a frame; None: none ever did
        self._stopping = False  # set by stop(): the pipe closing is then expected, not a crash
        self._start_failed = False  # the process could not be started (the message says why)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._changes = 0  # how often the newest snapshot (or the status shown) changed: see ``changes``
        self.serial = next(_HANDLE_SERIALS)  # tells this run's changes from those of a run before it (``changes``)
        self._listeners: list[Callable[[], None]] = []  # called on every change (``on_change``)
        # one command at a time: they come from page scripts, from the reader thread (an unwatched run's pause),
        # and while the run waits for its process they are kept here, in order, instead
        self._send_lock = threading.Lock()
        self._waiting_commands: list[Command] = []
        self._first_config = config.model_dump_json()
        self._history: list[dict[str, float]] = []
        self._batch_points: list[tuple[int, float, float, float | None]] = []  # see ``batch_points``
        self._answers: dict[str, dict] = {}  # the newest answer of each kind of one-off request
        self._latest = Snapshot(
            run_id="", status="starting", epoch=0, step=0, learning_rate=config.training.learning_rate
        )
        self.process: WorkerProcess | None = None  # None while the run waits in the queue
        self._conn: Connection | None = None
        self._reader: threading.Thread | None = None
        _LIVE_HANDLES.add(self)
        worker_slots().admit(self)

    def _mark_queued(self, training: int) -> None:
        """The run waits for a slot: say so on the page, with how many runs train now."""
        english = f"The server is busy: {training} runs are training. Yours starts by itself when one of them ends."
        with self._changed:
            latest = self._latest
            latest.status, latest.message = "queued", english
            latest.message_key, latest.message_args = "msg_queued", {"running": training}
            self._notify()

    def _launch(self) -> None:
        """Start the worker process (the run has its slot) and hand it what was asked while the run waited."""
        with self._send_lock:
            with self._lock:
                stopping = self._stopping
            if not stopping:
                try:
                    self._start_process()
                except OSError as error:  # no process to be had (the server is out of memory or processes)
                    self._start_failed = stopping = True
                    with self._changed:
                        self._latest.status, self._latest.message = "error", readable(error)
                        self._latest.message_key = "msg_worker_error"
                        self._latest.message_args = {"detail": readable(error)}
                        self._notify()
        if stopping:
            worker_slots().release(self)

    def _start_process(self) -> None:
        """Spawn the worker and send it its first config and the commands kept while the run waited; called with
        the send lock held."""
        parent_socket, child_socket = socket.socketpair()
        child_fd = child_socket.fileno()
        arguments = worker_arguments(self.rate_hz, self.probes, limits().worker_memory_mb)
        try:
            self.process = start_worker_process(child_fd, arguments)
        except OSError:
            parent_socket.close()
            raise
        finally:
            child_socket.close()
        conn = Connection(parent_socket.detach())
        commands, self._waiting_commands = self._waiting_commands, []
        first = self._first_config
        resets = [index for index, command in enumerate(commands) if isinstance(command, Reset)]
        last_reset = commands[resets[-1]] if resets else None
        if isinstance(last_reset, Reset) and last_reset.checkpoint_path is None:  # a plain reset: its config first
            first = last_reset.config_json  # what is before it is kept across resets (focus, sample, ...)
            del commands[resets[-1]]
        with self._changed:
            if self._latest.status == "queued":
                self._latest.status, self._latest.message = "starting", None
                self._latest.message_key, self._latest.message_args = None, {}
                self._notify()
        with contextlib.suppress(OSError):  # a worker that died at once is reported by the reader thread
            conn.send(first)
            for command in commands:
                conn.send(command)
        self._conn = conn
        self._reader = threading.Thread(target=self._read_forever, daemon=True, name="playground-reader")
        self._reader.start()

    def _keep_command(self, command: Command) -> None:
        """Keep a command for the process to come, dropping the ones it makes pointless, so a run that waits long
        keeps a short list: the newest of each setting, what a later reset does not undo, then the clicks since."""
        if isinstance(command, NEWEST_ONLY):
            dropped: tuple[type, ...] = (type(command),)
        elif isinstance(command, Reset):
            dropped = UNDONE_BY_RESET
        elif isinstance(command, Play | Pause):
            dropped = (Play, Pause)
        else:
            dropped = ()
        self._waiting_commands = [kept for kept in self._waiting_commands if not isinstance(kept, dropped)]
        self._waiting_commands.append(command)

    # Reading ------------------------------------------------------------------------------------
    def _notify(self) -> None:
        """The newest snapshot or status changed: wake the waiting threads and tell the listeners; called with the
        lock held (the listeners must only hand the news on, never block)."""
        self._changes += 1
        self._changed.notify_all()
        for listener in list(self._listeners):
            with contextlib.suppress(Exception):  # a listener's failure (its event loop closed) must not end reading
                listener()

    @property
    def changes(self) -> int:
        """How many times the newest snapshot (or the status shown) changed so far: a live view that painted change
        ``n`` waits until this differs before it asks again (``playground.ui.frames``: long polling)."""
        return self._changes

    def on_change(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener()`` on every change after this; returns the function that stops it. It is called with the
        handle's lock held, from whichever thread made the change (the reader thread, a page script, ``stop``): it
        must hand the news on and return at once, and never call the handle."""
        with self._lock:
            self._listeners.append(listener)

        def stop() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return stop

    def _read_forever(self) -> None:
        conn = self._conn
        assert conn is not None
        while True:
            try:
                if not conn.poll(UNWATCHED_CHECK_S):
                    self._pause_if_unwatched()
                    continue
                snapshot: Snapshot = conn.recv()
            except (EOFError, OSError):
                break
            with self._changed:
                if snapshot.run_id != self._latest.run_id:
                    self._history, self._batch_points = [], []
                else:  # unchanged probes were left out: keep the last ones of those still computed
                    earlier = self._latest.probes
                    kept = {name: earlier[name] for name in snapshot.probe_names if name in earlier}
                    snapshot.probes = {**kept, **snapshot.probes}
                self._history.extend(snapshot.new_rows)
                snapshot.new_rows = []
                self._keep_batch_points(snapshot.new_batch_points)
                snapshot.new_batch_points = []
                self._answers.update(snapshot.answers)
                self._latest = snapshot
                self._notify()
            self._pause_if_unwatched()
        process = self.process
        assert process is not None
        with contextlib.suppress(subprocess.TimeoutExpired):  # its exit code; and the slot is free once it is gone
            process.wait(timeout=5.0)
        with self._changed:
            if self._stopping:
                self._latest.status = "stopped"
            else:
                code = process.poll()
                self._latest.status = "error"
                self._latest.message = f"The training process stopped unexpectedly (exit code {code})."
                self._latest.message_key, self._latest.message_args = "msg_worker_died", {"code": str(code)}
            self._notify()
        worker_slots().release(self)

    def touch(self) -> None:
        """A live view asked for a frame: someone watches this run. Once touched, a playing run that nobody touches
        for ``unwatched_pause_s`` is paused (a hidden tab stops asking); one never touched (a script, a test, a
        view that reads snapshots itself) is never paused for it."""
        self._watched_at = time.monotonic()

    def _share_rate(self) -> None:
        """Ask for fewer snapshots a second while more runs train than the server has cores, and for all of them
        again once they do not (``worker_slots.snapshot_rate``); called by the reader thread."""
        rate = snapshot_rate(self.rate_hz, running_runs())
        if rate != self._sent_rate:
            self._sent_rate = rate
            self._send(SetRate(rate))

    def _pause_if_unwatched(self) -> None:
        self._share_rate()
        watched = self._watched_at
        if watched is not None and self.wants_to_run and time.monotonic() - watched > self.unwatched_pause_s:
            self.wants_to_run = False
            self._send(Pause(unwatched_s=round(self.unwatched_pause_s)))

    def latest(self) -> Snapshot:
        """The newest snapshot alone (``snapshot`` also copies history rows, under the lock that keeps both in step)."""
        return self._latest  # one reference read

    def snapshot(self, since_epoch: int = 0) -> tuple[Snapshot, list[dict[str, float]]]:
        """The newest snapshot and a copy of the current run's history rows after ``since_epoch``.

        Rows hold epochs 1, 2, 3... in order, so the tail is a slice: a page polling for every snapshot copies
        only what it has not seen, however long the run.
        """
        with self._lock:
            return self._latest, self._history[max(0, since_epoch) :]

    def _keep_batch_points(self, points: list[tuple[int, float, float, float | None]]) -> None:
        """Keep the run's per-batch points, at most ``MAX_KEPT_BATCH_POINTS`` (see ``batch_curve.thinned``)."""
        self._batch_points = thinned(self._batch_points + points, MAX_KEPT_BATCH_POINTS)

    def batch_points(self, since_step: int = -1) -> list[tuple[int, float, float, float | None]]:
        """The current run's smoothed per-batch points (step, x in epochs, loss, accuracy or None) after
        ``since_step``, oldest first (see ``playground.train.batch_curve``)."""
        with self._lock:
            points = self._batch_points
            return points[bisect.bisect_right(points, since_step, key=lambda point: point[0]) :]

    def wait_until(self, predicate, timeout: float = 30.0) -> Snapshot:
        """Block until predicate(snapshot, history) holds; raises TimeoutError. For tests and scripts."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self._latest, self._history):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"worker stayed at {self._latest.status}, epoch {self._latest.epoch}")
                self._changed.wait(remaining)
            return self._latest

    # Commands -----------------------------------------------------------------------------------
    def _send(self, command: Command) -> None:
        with self._send_lock:
            if self._conn is None:  # waiting for a process: kept for it (none will come after stop)
                if not self._stopping and not self._start_failed:
                    self._keep_command(command)
                return
            with contextlib.suppress(OSError):  # a dead worker is reported by the reader thread
                self._conn.send(command)

    def play(self) -> None:
        self.wants_to_run = True
        self._send(Play())

    def pause(self) -> None:
        self.wants_to_run = False
        self._send(Pause())

    def step(self) -> None:
        self.wants_to_run = False
        self._send(Step())

    def reset(self, config: RunConfig | None = None, checkpoint_path: str | None = None) -> None:
        """Start the run afresh; with ``checkpoint_path`` (a checkpoint zip of ``config``) from its weights."""
        if config is not None:
            self.config = config
        self.wants_to_run = False
        self._send(Reset(self.config.model_dump_json(), str(checkpoint_path) if checkpoint_path else None))

    def save_checkpoint(self, path: str, timeout: float = 30.0) -> None:
        """Have the worker (which holds the model) write a checkpoint zip to ``path``; RuntimeError if it fails."""
        target = str(path)
        if self.process is None:
            raise RuntimeError("there is no model to save yet: the run waits for the server to have room for it")
        self._send(SaveCheckpoint(target))
        snapshot = self.wait_until(
            lambda latest, _: (
                (latest.saved is not None and latest.saved[0] == target) or latest.status in ("stopped", "error")
            ),
            timeout=timeout,
        )
        if snapshot.saved is None or snapshot.saved[0] != target:
            raise RuntimeError(snapshot.message or f"the training process is {snapshot.status}")
        if snapshot.saved[1]:
            raise RuntimeError(snapshot.saved[1])

    @property
    def playing(self) -> bool:
        """Running, or asked to run and still waiting or starting up (importing torch can take seconds)."""
        status = self.snapshot()[0].status
        return status == "running" or (status in ("queued", "starting") and self.wants_to_run)

    def set_training(self, training: TrainConfig) -> None:
        """Change the live training settings (rate, schedule, penalty, stopping rules) of the running model."""
        self._send(SetTraining(training.model_dump_json()))

    def set_focus(self, focus: tuple[int, int] | None) -> None:
        """Have the boundary probe show one neuron, ``(column, unit)`` of the network view, or the output."""
        self._send(SetFocus(None if focus is None else (int(focus[0]), int(focus[1]))))

    def set_probes(self, probes: tuple[str, ...]) -> None:
        """Have the worker compute these probes from now on (say, only those of the view a page shows)."""
        if list(probes) != self.probes:
            self.probes = list(probes)
            self._send(SetProbes(tuple(probes)))

    def set_sample(self, index: int) -> None:
        """Have the image views explain test image ``index`` (the sequence views: test sequence ``index``)."""
        self.sample_index = int(index)
        self._send(SetSample(int(index)))

    def set_temperature(self, temperature: float) -> None:
        """Have generated text sampled at ``temperature`` (kept across resets); ValueError outside the range."""
        from playground.train.probes.sequences import check_temperature

        self.temperature = check_temperature(temperature)  # wrong here, not silently dropped by the worker
        self._send(SetTemperature(self.temperature))

    def set_drawing(self, pixels: np.ndarray | None) -> None:
        """Have the worker predict and explain a drawn image (side x side in [0, 1], prepared), or forget it."""
        self.drawing = None if pixels is None else np.asarray(pixels, dtype=np.float32).copy()
        self._send(SetDrawing(None if self.drawing is None else self.drawing.tolist()))

    def edit_parameter(self, column: int, unit: int, source: int | None, value: float) -> None:
        """Set a weight (``source`` = input index) or bias (``source=None``) of the paused model."""
        self._send(EditParameter(int(column), int(unit), None if source is None else int(source), float(value)))

    def take_step(self, rows: list[int]) -> int:
        """Pause and train one optimizer step on the training rows ``rows``, every number kept; returns the
        request's number, which its answer (``answer("step")``) carries."""
        request = next(_REQUEST_NUMBERS)
        self.wants_to_run = False
        self._send(TakeStep(request, tuple(int(row) for row in rows)))
        return request

    def train_steps(self, count: int) -> None:
        """Train ``count`` more mini-batches as training does, then pause."""
        self.wants_to_run = False
        self._send(TrainSteps(int(count)))

    def descend(self, request_json: str) -> int:
        """Ask for a loss map and an optimiser race (``train.descent.DescentRequest`` as JSON); returns the
        request's number, which its answer (``answer("descent")``) carries."""
        request = next(_REQUEST_NUMBERS)
        self._send(Descend(request, request_json))
        return request

    def compare(self, request_json: str) -> int:
        """Start comparing with classic models in the worker (``train.compare.ComparisonRequest`` as JSON); returns
        the request's number. Its answers (``answer("compare")``) grow as each model finishes."""
        request = next(_REQUEST_NUMBERS)
        self._send(Compare(request, request_json))
        return request

    def stop_comparison(self) -> None:
        """Stop the comparison in progress; its last answer keeps what was done, marked stopped."""
        self._send(StopComparison())

    def answer(self, kind: str, request: int | None = None) -> dict | None:
        """The newest answer of a kind ("step", "descent"); with ``request``, only the answer to that request."""
        with self._lock:
            return self._answer_held(kind, request)

    def _answer_held(self, kind: str, request: int | None) -> dict | None:
        """``answer`` with the lock already held."""
        answer = self._answers.get(kind)
        return answer if answer is not None and request in (None, answer["request"]) else None

    def wait_for_answer(
        self, kind: str, request: int, timeout: float, until: Callable[[dict], bool] | None = None
    ) -> dict | None:
        """The answer to ``request`` once it came (with ``until``: once one satisfies it, as a comparison's last),
        else the newest after ``timeout`` seconds (or once the worker ended); None if none came."""

        def arrived(latest: Snapshot, _: object) -> bool:
            answer = self._answer_held(kind, request)
            done = answer is not None and (until is None or until(answer))
            return done or latest.status in ("stopped", "error")

        with contextlib.suppress(TimeoutError):
            self.wait_until(arrived, timeout=timeout)
        return self.answer(kind, request)

    def apply(self, config: RunConfig) -> bool:
        """Follow a changed config: data, model or other training settings reset the run; the settings in
        ``LIVE_TRAINING_FIELDS`` change live. Returns True when it reset."""
        old = self.config
        structural_old = old.model_dump(exclude={"training": LIVE_TRAINING_FIELDS, "name": True})
        structural_new = config.model_dump(exclude={"training": LIVE_TRAINING_FIELDS, "name": True})
        if structural_old != structural_new:
            self.reset(config)
            return True
        if old.training != config.training:
            self.set_training(config.training)
        self.config = config
        return False

    def stop(self, timeout: float = 3.0) -> None:
        """End the worker and wait for it; escalate to terminate and kill if it does not listen. A run still
        waiting for its process just leaves the queue."""
        with self._changed:
            self._stopping = True
            starting = self._latest.status == "starting"  # nothing published yet: still importing torch
            self._latest.status = "stopped"
            self._notify()
        with self._send_lock:  # a start in progress (another run freed a slot) finishes first
            process, conn, reader = self.process, self._conn, self._reader
        if process is not None and conn is not None:
            self._send(Stop())
            # a worker still starting would read the command only once it is up, seconds later: it holds no work
            polite = () if starting else (None,)
            for escalate in (*polite, process.terminate, process.kill):
                if escalate is not None:
                    escalate()
                try:
                    process.wait(timeout)
                    break
                except subprocess.TimeoutExpired:
                    continue
            if reader is not None and reader is not threading.current_thread():
                reader.join(timeout)  # it reads the pipe until the end the worker closed; then the pipe can go
            conn.close()
        worker_slots().release(self)
        _LIVE_HANDLES.discard(self)

    @property
    def alive(self) -> bool:
        """The worker process runs, or the run waits for one."""
        process = self.process
        if process is None:
            return not (self._stopping or self._start_failed)
        return process.poll() is None
