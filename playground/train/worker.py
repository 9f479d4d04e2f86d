"""The trainer in its own process, steered by commands and publishing snapshots at a bounded rate.

Training in a thread of the Streamlit server starves both the training and the page on the GIL, so every
run lives in a child process. The server keeps a ``WorkerHandle``: it sends commands through a pipe and a
reader thread keeps the newest snapshot, so the worker never blocks on a page that is not looking.

A worker dies with its owner: ``WorkerHandle.stop`` ends it, and the worker itself exits as soon as its
parent process is gone (the pipe closes or its parent id changes), so a killed server leaves nothing behind.
A watcher thread in the worker reads the commands while the training thread trains, so a Pause cuts even a batch
of minutes short (``Trainer.train_batches``) and a vanished parent ends the process within a fraction of a second.

One server holds the workers of every browser session, so they live within budgets (``playground.limits``): at
most ``max_workers`` processes train at once, all sessions together, and a run past that waits in a queue, first
come first served, until one ends; each process may allocate ``worker_memory_mb`` (past it the run reports that
it ran out of memory, and the worker stays to train a smaller setup); and a run whose live view stopped asking
for frames (a hidden tab, a page left open) is paused after ``UNWATCHED_PAUSE_S``.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import os
import queue
import socket
import subprocess
import sys
import threading
import time
import traceback
import types
import uuid
import weakref
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

import numpy as np

from playground.config import ConfigError, RunConfig, TrainConfig
from playground.limits import limits

#: How long the worker trains between looks at its commands: short enough that clicks feel immediate.
TRAIN_SLICE_S = 0.03
#: How often the worker's watcher thread looks whether its parent process is still there.
PARENT_CHECK_S = 0.25
#: Commands that cut the batch in training short (it is trained again later, if at all): they make the rest of it
#: unwanted or pointless, or (a checkpoint, asked for by a click) someone waits for them.
INTERRUPTING_COMMANDS = frozenset({"pause", "stop", "reset", "checkpoint"})
#: A run whose live view has not asked for a frame for this long (a hidden tab, a page left open) is paused.
UNWATCHED_PAUSE_S = 30.0
#: How often the owner's reader thread looks whether a run is still watched when no snapshot arrives.
UNWATCHED_CHECK_S = 1.0
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
}


@dataclass
class Snapshot:
    """What a worker publishes: counters, status, the history rows new since the last one, and probes.

    ``message`` is English (logs, the command line); ``message_key`` and ``message_args`` let a page show it in
    the user's language (keys ``msg_*`` of the translation tables).
    """

    run_id: str
    status: str  # queued, starting, paused, running, finished (a stopping rule was met), diverged, error, stopped
    epoch: int
    step: int
    learning_rate: float
    regularization: str = "none"
    reg_rate: float = 0.0
    message: str | None = None
    message_key: str | None = None
    message_args: dict[str, object] = field(default_factory=dict)
    new_rows: list[dict[str, float]] = field(default_factory=list)
    probes: dict[str, dict] = field(default_factory=dict)
    # the probes the worker computes now; the worker sends only those that changed since its last snapshot, and
    # the owner's handle fills in the others from the snapshot before (``WorkerHandle._read_forever``)
    probe_names: list[str] = field(default_factory=list)
    saved: tuple[str, str | None] | None = None  # (path, error or None) of the last "checkpoint" command
    edit_error: str | None = None  # why the last weight edit was refused, if it was
    resumed_from: str | None = None  # the checkpoint this run started from, once the worker has read it


# --------------------------------------------------------------------------------------------------
# Worker side (runs in the child process)
# --------------------------------------------------------------------------------------------------
class _WorkerLoop:
    def __init__(
        self,
        config_json: str,
        conn: Connection,
        parent_pid: int,
        rate_hz: float,
        probes: list[str],
        memory_mb: int | None = None,
    ):
        self.conn = conn
        self.parent_pid = parent_pid
        self.memory_mb = memory_mb or limits().worker_memory_mb  # this process's budget, named when it runs out
        self.inbox: queue.SimpleQueue[tuple] = queue.SimpleQueue()  # commands the watcher thread read (``run``)
        self.interrupt = threading.Event()  # set by the watcher when a command should cut the batch short
        self.min_interval = 1.0 / rate_hz
        self.probe_names = probes
        self.running = False  # playing: train slice after slice
        self.steps_left = 0  # epochs still to finish for Step presses, then pause
        self.status = "paused"
        self.message: tuple[str, str, dict] | None = None  # (english, key, args)
        self.unsent_rows: list[dict[str, float]] = []
        self.changed = True  # something worth publishing happened since the last snapshot
        self.last_sent = 0.0
        self.trainer = None
        self.run_id = ""
        self.saved: tuple[str, str | None] | None = None
        self.edit_error: str | None = None
        self.focus: tuple[int, int] | None = None
        self.sent_probes: dict[str, dict] = {}  # the probe objects last sent, by name (kept alive: compared by id)
        self.sample_index = 0  # the test image or sequence the views explain, kept across resets like the focus
        self.drawing: list[list[float]] | None = None  # the page's drawn image, kept across resets
        self.temperature: float | None = None  # generated text's sampling temperature; None: the trainer's default
        self._start(config_json)

    def _start(self, config_json: str, checkpoint_path: str | None = None) -> None:
        from playground.train.probes import choices
        from playground.train.trainer import Trainer

        self.run_id = uuid.uuid4().hex[:12]
        self.sent_probes = {}  # a new run's first snapshot carries every probe
        self.running, self.steps_left = False, 0
        self.unsent_rows = []
        self.resumed_from = checkpoint_path
        try:
            if checkpoint_path:  # carry on from saved weights and history (the config comes from the file)
                from playground.train.trainer import resume_trainer

                self.trainer = resume_trainer(checkpoint_path)
                self.unsent_rows = list(self.trainer.history)
            else:
                self.trainer = Trainer(RunConfig.from_json(config_json))
            choices.set_focus(self.trainer, self.focus)  # the page's selected neuron stays selected across a reset
            self._apply_inspection()
            self.trainer.record_gradients = "gradients" in self.probe_names
            self.status, self.message = "paused", None
        except ConfigError as error:  # a bad config must reach the page, not kill the worker
            self._fail("error", str(error), "msg_config_invalid", reason=str(error))
        except Exception as error:
            self._crashed(error)

    def _crashed(self, error: Exception) -> None:
        """Report a failure on the page and forget the model; running out of memory says so with the budget, and
        the worker lives on, so a smaller setup and Reset train again."""
        if _out_of_memory(error):
            english = (
                f"Ran out of memory: this setup needs more than the {self.memory_mb:,} MB one training process may "
                "use. Make the batch, the network or the data smaller and press Reset."
            )
            self._fail("error", english, "msg_out_of_memory", mb=self.memory_mb)
        else:
            self._fail("error", _readable(error), "msg_worker_error", detail=_readable(error))

    def _fail(self, status: str, english: str, key: str, **args: object) -> None:
        self.running, self.steps_left = False, 0
        self.status, self.message = status, (english, key, args)
        if status == "error":
            self.trainer = None

    def parent_alive(self) -> bool:
        return os.getppid() == self.parent_pid

    def handle(self, command: tuple) -> bool:
        """Apply one command; False means stop the loop."""
        name = command[0]
        if name == "stop":
            return False
        if name == "reset":
            self._start(command[1], command[2] if len(command) > 2 else None)
        elif name == "checkpoint":
            self._save_checkpoint(command[1])
        elif name == "focus":  # kept for later runs too, so it is not lost while the setup is invalid
            self.focus = command[1]
            if self.trainer is not None:
                from playground.train.probes import choices

                choices.set_focus(self.trainer, self.focus)
        elif name == "probes":  # what the page shows now: probes nobody looks at cost training time
            self.probe_names = list(command[1])
            # the handle forgets probes that are no longer computed: one asked for again must be sent again
            self.sent_probes = {name: probe for name, probe in self.sent_probes.items() if name in self.probe_names}
            if self.trainer is not None:
                self.trainer.record_gradients = "gradients" in self.probe_names
        elif name in ("sample", "drawing", "temperature"):  # which test image or sequence, a drawing, text sampling
            if name == "sample":
                self.sample_index = int(command[1])
            elif name == "drawing":
                self.drawing = command[1]
            else:
                self.temperature = float(command[1])
            self._apply_inspection()
        elif self.trainer is None:
            pass  # nothing to play until a good config arrives
        elif name == "play":
            if self.status != "diverged":
                self.running, self.steps_left, self.status, self.message = True, 0, "running", None
        elif name == "pause":  # ("pause",) or ("pause", "unwatched", seconds): nobody looked at the run
            self.running, self.steps_left = False, 0
            if self.status not in ("diverged", "finished"):
                self.status = "paused"
                if command[1:2] == ("unwatched",):
                    seconds = int(command[2])
                    english = (
                        f"Paused: nobody watched this run for {seconds} s (a hidden tab or an idle page). "
                        "Press Play to go on."
                    )
                    self.message = (english, "msg_paused_unwatched", {"seconds": seconds})
        elif name == "step":
            self.running = False
            if self.status != "diverged":
                self.steps_left, self.status, self.message = self.steps_left + 1, "paused", None
        elif name == "set":  # settings that change live: rate, schedule, penalty, stopping rules
            from playground.config import TrainConfig

            self.trainer.set_training(TrainConfig.model_validate_json(command[1]))
        elif name == "edit":
            self._edit(*command[1:])
        self.changed = True
        self.publish(force=True)
        return True

    def _apply_inspection(self) -> None:
        """Hand the chosen test image or sequence, the temperature and (images only) the drawing to the trainer;
        ones that do not fit its data are dropped (a drawing of another size after the dataset changed, an index
        past a smaller test set shows the last one)."""
        from playground.train.probes import choices

        trainer = self.trainer
        if trainer is None:
            return
        with contextlib.suppress(ValueError):
            choices.set_sample(trainer, min(self.sample_index, len(trainer.x_test) - 1))
        if self.temperature is not None:
            with contextlib.suppress(ValueError):  # the handle checks the range; a stray value keeps the last one
                choices.set_temperature(trainer, self.temperature)
        if trainer.dataset.image_norm is None:
            return
        try:
            choices.set_drawing(trainer, None if self.drawing is None else np.asarray(self.drawing, dtype=np.float32))
        except ValueError:
            choices.set_drawing(trainer, None)

    def _edit(self, column: int, unit: int, source: int | None, value: float) -> None:
        """Set a weight or bias by hand; only while paused, so the edit is not lost in the next update."""
        if self.running:
            self.edit_error = "pause the run before editing weights"
            return
        from playground.train.probes import choices

        try:
            choices.set_parameter(self.trainer, column, unit, source, value)
            self.edit_error = None
        except ValueError as error:
            self.edit_error = str(error)

    def _save_checkpoint(self, path: str) -> None:
        """Write the current model, config and history as a checkpoint zip; the reply rides on the snapshots."""
        if self.trainer is None:
            self.saved = (path, "there is no model to save: the setup is invalid")
            return
        if self.status == "diverged":  # as the command line's train --save: NaN weights help nobody
            self.saved = (path, "the run diverged, so its weights are not numbers; press Reset first")
            return
        try:
            from playground.checkpoint import save_checkpoint

            save_checkpoint(self.trainer.model, self.trainer.config, path, self.trainer.history)
            self.saved = (path, None)
        except Exception as error:
            self.saved = (path, _readable(error))

    def _train_slice(self) -> None:
        from playground.train.trainer import Diverged

        try:
            row = self.trainer.train_batches(TRAIN_SLICE_S, self.interrupt)
        except Diverged as error:
            trainer = self.trainer
            self._fail("diverged", str(error), "msg_diverged", epoch=trainer.epoch + 1, lr=trainer.learning_rate)
        except Exception as error:
            self._crashed(error)
        else:
            if row is not None:
                self.unsent_rows.append(row)
                self.steps_left = max(0, self.steps_left - 1)
                reached = self.trainer.stop_reached()
                if reached is not None and self.running:  # a Step press past the limit still trains one epoch
                    english, key, args = reached
                    self.running, self.steps_left = False, 0
                    self.status, self.message = "finished", (english, key, args)
        self.changed = True

    def publish(self, force: bool = False) -> None:
        """Send a snapshot if something changed, at most ``rate_hz`` times a second unless forced."""
        now = time.monotonic()
        if not self.changed or (not force and now - self.last_sent < self.min_interval):
            return
        trainer = self.trainer
        probes = {}
        if trainer is not None:
            from playground.train.probes import compute_probe

            trainer.probe_cache.throttle = self.running or self.steps_left > 0
            for name in self.probe_names:
                try:
                    probe = compute_probe(trainer, name)
                except Exception as error:  # a probe that cannot run for this data is just absent
                    probe = {"error": _readable(error)}
                # a throttled probe returns the very dict it returned before: no need to pickle it again (the
                # feature maps of a conv net are ~150 KB, and snapshots go out up to 30 times a second)
                if probe is not self.sent_probes.get(name) or "error" in probe:
                    probes[name] = self.sent_probes[name] = probe
        english, key, args = self.message or (None, None, {})
        self.conn.send(
            Snapshot(
                run_id=self.run_id,
                status=self.status,
                epoch=trainer.epoch if trainer else 0,
                step=trainer.step if trainer else 0,
                learning_rate=trainer.learning_rate if trainer else 0.0,
                regularization=trainer.regularization if trainer else "none",
                reg_rate=trainer.reg_rate if trainer else 0.0,
                message=english,
                message_key=key,
                message_args=args,
                new_rows=self.unsent_rows,
                probes=probes,
                probe_names=list(self.probe_names) if trainer is not None else [],
                saved=self.saved,
                edit_error=self.edit_error,
                resumed_from=self.resumed_from,
            )
        )
        self.unsent_rows = []
        self.last_sent = now
        self.changed = False

    def run(self) -> None:
        """Train and answer commands until told to stop. The commands arrive through the watcher thread, which
        reads them while a batch trains: a Pause, Stop or Reset cuts the batch short, and a gone parent ends the
        process at once."""
        threading.Thread(target=self._watch, daemon=True, name="playground-watcher").start()
        self.publish(force=True)
        while self.parent_alive():
            wait = 0.0 if self.running or self.steps_left else 0.1
            self.interrupt.clear()  # before reading: a command that arrives after this sets it again
            while (command := self._next_command(wait)) is not None:
                if not self.handle(command):
                    return
                wait = 0.0
            if self.running or self.steps_left:
                self._train_slice()
                self.publish(force=not (self.running or self.steps_left))
            else:
                self.publish()

    def _next_command(self, wait: float) -> tuple | None:
        """The next command the watcher read, waiting up to ``wait`` seconds; None if there is none."""
        try:
            return self.inbox.get(timeout=wait) if wait > 0 else self.inbox.get_nowait()
        except queue.Empty:
            return None

    def _watch(self) -> None:
        """The watcher thread: moves commands from the pipe to the inbox, raising ``interrupt`` for those that cut
        a batch short, and ends the process the moment its parent is gone, whatever the training thread does (the
        batch it is in may take minutes; nobody is left to see its result)."""
        with contextlib.suppress(EOFError, OSError):  # the pipe closed: the owner is gone
            while self.parent_alive():
                if self.conn.poll(PARENT_CHECK_S):
                    command = self.conn.recv()
                    self.inbox.put(command)
                    if command[0] in INTERRUPTING_COMMANDS:
                        self.interrupt.set()
                    if command[0] == "stop":
                        return  # the training thread ends the process by its own hand
        os._exit(0)


def _readable(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _out_of_memory(error: BaseException) -> bool:
    """Python's MemoryError (NumPy's too), or torch's allocator failing, which raises a RuntimeError that says so."""
    if isinstance(error, MemoryError):
        return True
    text = str(error).lower()
    return isinstance(error, RuntimeError) and ("can't allocate memory" in text or "out of memory" in text)


def _limit_memory(megabytes: int) -> None:
    """Cap what this process may allocate at ``megabytes``; past it an allocation fails (MemoryError, or torch's
    RuntimeError), which the loop reports as running out of memory.

    RLIMIT_DATA (heap and private mappings), not RLIMIT_AS (address space): torch maps ~650 MB of libraries and
    reserves address space before it allocates anything, so under an address-space cap of 1,500 MB a worker could
    allocate only ~300 MB more, and under a data cap of 1,500 MB ~1,000 MB (measured with torch 2.13 on Linux)."""
    try:
        import resource
    except ImportError:  # not a POSIX system: no cap
        return
    wanted = megabytes * 2**20
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    with contextlib.suppress(ValueError, OSError):  # a system that refuses keeps its own limit
        resource.setrlimit(resource.RLIMIT_DATA, (wanted, wanted))


def worker_main() -> None:
    """Entry point of the worker process: ``argv`` holds the socket fd, parent pid, rate, probe names and the
    memory budget in MB.

    A plain subprocess instead of multiprocessing's spawn: spawn re-runs the parent's ``__main__``, which under
    ``streamlit run`` is the page script.
    """
    fd, parent_pid, rate_hz, probes, memory_mb = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), *sys.argv[4:6]
    _limit_memory(int(memory_mb))  # before torch allocates anything
    import torch

    conn = Connection(int(fd))
    # Leave a core to the server and the page, and keep a class of 30 workers from oversubscribing a big host.
    torch.set_num_threads(min(2, max(1, (os.cpu_count() or 2) - 1)))
    code = 0
    try:
        config_json = conn.recv()
        names = [p for p in probes.split(",") if p]
        _WorkerLoop(config_json, conn, parent_pid, rate_hz, names, int(memory_mb)).run()
    except (EOFError, BrokenPipeError, ConnectionResetError, KeyboardInterrupt):
        pass  # the owner went away; exit quietly
    except Exception:
        traceback.print_exc()
        code = 1
    finally:
        conn.close()
        sys.stdout.flush()
        sys.stderr.flush()
    # Leave without the interpreter's teardown: after torch it takes 1 to 4 s on a busy 2-core server (measured),
    # time in which the stopped run still holds its slot and its memory; the worker has nothing left to tidy.
    os._exit(code)


# --------------------------------------------------------------------------------------------------
# Owner side (runs in the server or a test)
# --------------------------------------------------------------------------------------------------
_LIVE_HANDLES: weakref.WeakSet[WorkerHandle] = weakref.WeakSet()
#: Commands of which only the newest counts while a run waits for its process: what the page shows or chose.
_NEWEST_ONLY = frozenset({"focus", "probes", "sample", "drawing", "temperature", "set"})
#: Commands a later reset makes pointless while a run waits (they would steer a model the reset replaces).
_UNDONE_BY_RESET = frozenset({"play", "pause", "step", "set", "edit", "reset"})


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


def _worker_slots() -> _Slots:
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
    slots = _worker_slots()
    with slots.lock:
        return len(slots.training), len(slots.waiting)


@atexit.register
def _stop_all_workers() -> None:
    slots = _worker_slots()
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

    def __init__(self, config: RunConfig, probes: tuple[str, ...] = (), rate_hz: float = 30.0) -> None:
        self.config = config
        self.probes = list(probes)
        self.rate_hz = rate_hz
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
        # one command at a time: they come from page scripts, from the reader thread (an unwatched run's pause),
        # and while the run waits for its process they are kept here, in order, instead
        self._send_lock = threading.Lock()
        self._waiting_commands: list[tuple] = []
        self._first_config = config.model_dump_json()
        self._history: list[dict[str, float]] = []
        self._latest = Snapshot(
            run_id="", status="starting", epoch=0, step=0, learning_rate=config.training.learning_rate
        )
        self.process: subprocess.Popen | None = None  # None while the run waits in the queue
        self._conn: Connection | None = None
        self._reader: threading.Thread | None = None
        _LIVE_HANDLES.add(self)
        _worker_slots().admit(self)

    def _mark_queued(self, training: int) -> None:
        """The run waits for a slot: say so on the page, with how many runs train now."""
        english = f"The server is busy: {training} runs are training. Yours starts by itself when one of them ends."
        with self._changed:
            latest = self._latest
            latest.status, latest.message = "queued", english
            latest.message_key, latest.message_args = "msg_queued", {"running": training}
            self._changed.notify_all()

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
                        self._latest.status, self._latest.message = "error", _readable(error)
                        self._latest.message_key = "msg_worker_error"
                        self._latest.message_args = {"detail": _readable(error)}
                        self._changed.notify_all()
        if stopping:
            _worker_slots().release(self)

    def _start_process(self) -> None:
        """Spawn the worker and send it its first config and the commands kept while the run waited; called with
        the send lock held."""
        parent_socket, child_socket = socket.socketpair()
        child_fd = child_socket.fileno()
        launcher = "from playground.train.worker import worker_main; worker_main()"
        memory_mb = limits().worker_memory_mb
        arguments = [str(child_fd), str(os.getpid()), str(self.rate_hz), ",".join(self.probes), str(memory_mb)]
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", launcher, *arguments], pass_fds=(child_fd,), stdin=subprocess.DEVNULL
            )
        except OSError:
            parent_socket.close()
            raise
        finally:
            child_socket.close()
        conn = Connection(parent_socket.detach())
        commands, self._waiting_commands = self._waiting_commands, []
        first = self._first_config
        resets = [index for index, command in enumerate(commands) if command[0] == "reset"]
        if resets and len(commands[resets[-1]]) == 2:  # a plain reset: start with its config, not twice
            first = commands.pop(resets[-1])[1]  # what is before it is kept across resets (focus, sample, ...)
        with self._changed:
            if self._latest.status == "queued":
                self._latest.status, self._latest.message = "starting", None
                self._latest.message_key, self._latest.message_args = None, {}
                self._changed.notify_all()
        with contextlib.suppress(OSError):  # a worker that died at once is reported by the reader thread
            conn.send(first)
            for command in commands:
                conn.send(command)
        self._conn = conn
        self._reader = threading.Thread(target=self._read_forever, daemon=True, name="playground-reader")
        self._reader.start()

    def _keep_command(self, command: tuple) -> None:
        """Keep a command for the process to come, dropping the ones it makes pointless, so a run that waits long
        keeps a short list: the newest of each setting, what a later reset does not undo, then the clicks since."""
        name = command[0]
        if name in _NEWEST_ONLY:
            dropped = {name}
        elif name == "reset":
            dropped = _UNDONE_BY_RESET
        elif name in ("play", "pause"):
            dropped = {"play", "pause"}
        else:
            dropped = set()
        self._waiting_commands = [kept for kept in self._waiting_commands if kept[0] not in dropped]
        self._waiting_commands.append(command)

    # Reading ------------------------------------------------------------------------------------
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
                    self._history = []
                else:  # unchanged probes were left out: keep the last ones of those still computed
                    earlier = self._latest.probes
                    kept = {name: earlier[name] for name in snapshot.probe_names if name in earlier}
                    snapshot.probes = {**kept, **snapshot.probes}
                self._history.extend(snapshot.new_rows)
                snapshot.new_rows = []
                self._latest = snapshot
                self._changed.notify_all()
            self._pause_if_unwatched()
        process = self.process
        assert process is not None
        with self._changed:
            if self._stopping:
                self._latest.status = "stopped"
            else:
                code = process.poll()
                self._latest.status = "error"
                self._latest.message = f"The training process stopped unexpectedly (exit code {code})."
                self._latest.message_key, self._latest.message_args = "msg_worker_died", {"code": str(code)}
            self._changed.notify_all()
        with contextlib.suppress(subprocess.TimeoutExpired):  # the slot is free once the process is gone
            process.wait(timeout=5.0)
        _worker_slots().release(self)

    def touch(self) -> None:
        """A live view asked for a frame: someone watches this run. Once touched, a playing run that nobody touches
        for ``unwatched_pause_s`` is paused (a hidden tab stops asking); one never touched (a script, a test, a
        view that reads snapshots itself) is never paused for it."""
        self._watched_at = time.monotonic()

    def _pause_if_unwatched(self) -> None:
        watched = self._watched_at
        if watched is not None and self.wants_to_run and time.monotonic() - watched > self.unwatched_pause_s:
            self.wants_to_run = False
            self._send("pause", "unwatched", round(self.unwatched_pause_s))

    def snapshot(self, since_epoch: int = 0) -> tuple[Snapshot, list[dict[str, float]]]:
        """The newest snapshot and a copy of the current run's history rows after ``since_epoch``.

        Rows hold epochs 1, 2, 3... in order, so the tail is a slice: a page polling 30 times a second copies
        only what it has not seen, however long the run.
        """
        with self._lock:
            return self._latest, self._history[max(0, since_epoch) :]

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
    def _send(self, *command) -> None:
        with self._send_lock:
            if self._conn is None:  # waiting for a process: kept for it (none will come after stop)
                if not self._stopping and not self._start_failed:
                    self._keep_command(command)
                return
            with contextlib.suppress(OSError):  # a dead worker is reported by the reader thread
                self._conn.send(command)

    def play(self) -> None:
        self.wants_to_run = True
        self._send("play")

    def pause(self) -> None:
        self.wants_to_run = False
        self._send("pause")

    def step(self) -> None:
        self.wants_to_run = False
        self._send("step")

    def reset(self, config: RunConfig | None = None, checkpoint_path: str | None = None) -> None:
        """Start the run afresh; with ``checkpoint_path`` (a checkpoint zip of ``config``) from its weights."""
        if config is not None:
            self.config = config
        self.wants_to_run = False
        if checkpoint_path:
            self._send("reset", self.config.model_dump_json(), str(checkpoint_path))
        else:
            self._send("reset", self.config.model_dump_json())

    def save_checkpoint(self, path: str, timeout: float = 30.0) -> None:
        """Have the worker (which holds the model) write a checkpoint zip to ``path``; RuntimeError if it fails."""
        target = str(path)
        if self.process is None:
            raise RuntimeError("there is no model to save yet: the run waits for the server to have room for it")
        self._send("checkpoint", target)
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
        self._send("set", training.model_dump_json())

    def set_focus(self, focus: tuple[int, int] | None) -> None:
        """Have the boundary probe show one neuron, ``(column, unit)`` of the network view, or the output."""
        self._send("focus", None if focus is None else (int(focus[0]), int(focus[1])))

    def set_probes(self, probes: tuple[str, ...]) -> None:
        """Have the worker compute these probes from now on (say, only those of the view a page shows)."""
        if list(probes) != self.probes:
            self.probes = list(probes)
            self._send("probes", list(probes))

    def set_sample(self, index: int) -> None:
        """Have the image views explain test image ``index`` (the sequence views: test sequence ``index``)."""
        self.sample_index = int(index)
        self._send("sample", int(index))

    def set_temperature(self, temperature: float) -> None:
        """Have generated text sampled at ``temperature`` (kept across resets); ValueError outside the range."""
        from playground.train.probes.sequences import check_temperature

        self.temperature = check_temperature(temperature)  # wrong here, not silently dropped by the worker
        self._send("temperature", self.temperature)

    def set_drawing(self, pixels: np.ndarray | None) -> None:
        """Have the worker predict and explain a drawn image (side x side in [0, 1], prepared), or forget it."""
        self.drawing = None if pixels is None else np.asarray(pixels, dtype=np.float32).copy()
        self._send("drawing", None if self.drawing is None else self.drawing.tolist())

    def edit_parameter(self, column: int, unit: int, source: int | None, value: float) -> None:
        """Set a weight (``source`` = input index) or bias (``source=None``) of the paused model."""
        self._send("edit", int(column), int(unit), None if source is None else int(source), float(value))

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
            self._changed.notify_all()
        with self._send_lock:  # a start in progress (another run freed a slot) finishes first
            process, conn, reader = self.process, self._conn, self._reader
        if process is not None and conn is not None:
            self._send("stop")
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
        _worker_slots().release(self)
        _LIVE_HANDLES.discard(self)

    @property
    def alive(self) -> bool:
        """The worker process runs, or the run waits for one."""
        process = self.process
        if process is None:
            return not (self._stopping or self._start_failed)
        return process.poll() is None

    # Frames for the live view -------------------------------------------------------------------
    def frame(self, since_epoch: int = 0) -> dict:
        """A JSON-able frame for the browser: counters, status, history rows after ``since_epoch``, probes."""
        snapshot, rows = self.snapshot(since_epoch)
        columns = list(rows[0]) if rows else ["epoch", "train_loss", "test_loss"]
        boundary = _usable_probe(snapshot.probes.get("boundary"))
        network = _usable_probe(snapshot.probes.get("network"))
        return {
            "run_id": snapshot.run_id,
            "status": snapshot.status,
            "message": snapshot.message,
            "message_key": snapshot.message_key,
            "message_args": snapshot.message_args,
            "epoch": snapshot.epoch,
            "step": snapshot.step,
            "learning_rate": snapshot.learning_rate,
            "history": {column: [row[column] for row in rows] for column in columns},
            "boundary": boundary,
            "focus": None if boundary is None else boundary.get("focus"),
            **({"network": network} if network is not None else {}),
        }


def _usable_probe(probe: dict | None) -> dict | None:
    """The probe as the worker computed it (the frame route encodes arrays compactly), or None if it failed."""
    return None if not probe or "error" in probe else probe
