"""The trainer in its own process, steered by commands and publishing snapshots at a bounded rate.

Training in a thread of the Streamlit server starves both the training and the page on the GIL, so every
run lives in a child process. The server keeps a ``WorkerHandle``: it sends commands through a pipe and a
reader thread keeps the newest snapshot, so the worker never blocks on a page that is not looking.

A worker dies with its owner: ``WorkerHandle.stop`` ends it, and the worker itself exits as soon as its
parent process is gone (the pipe closes or its parent id changes), so a killed server leaves nothing behind.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import traceback
import uuid
import weakref
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

import numpy as np

from playground.config import ConfigError, RunConfig, TrainConfig

#: How long the worker trains between looks at its commands: short enough that clicks feel immediate.
TRAIN_SLICE_S = 0.03
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
    status: str  # starting, paused, running, finished (a stopping rule was met), diverged, error, stopped
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
    def __init__(self, config_json: str, conn: Connection, parent_pid: int, rate_hz: float, probes: list[str]):
        self.conn = conn
        self.parent_pid = parent_pid
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
        from playground.train.trainer import Trainer

        self.run_id = uuid.uuid4().hex[:12]
        self.sent_probes = {}  # a new run's first snapshot carries every probe
        self.running, self.steps_left = False, 0
        self.unsent_rows = []
        self.resumed_from = checkpoint_path
        try:
            if checkpoint_path:  # carry on from saved weights and history (the config comes from the file)
                from playground.export.checkpoint import resume_trainer

                self.trainer = resume_trainer(checkpoint_path)
                self.unsent_rows = list(self.trainer.history)
            else:
                self.trainer = Trainer(RunConfig.from_json(config_json))
            self.trainer.set_focus(self.focus)  # the page's selected neuron stays selected across a reset
            self._apply_inspection()
            self.trainer.record_gradients = "gradients" in self.probe_names
            self.status, self.message = "paused", None
        except ConfigError as error:  # a bad config must reach the page, not kill the worker
            self._fail("error", str(error), "msg_config_invalid", reason=str(error))
        except Exception as error:
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
                self.trainer.set_focus(self.focus)
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
        elif name == "pause":
            self.running, self.steps_left = False, 0
            if self.status not in ("diverged", "finished"):
                self.status = "paused"
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
        trainer = self.trainer
        if trainer is None:
            return
        with contextlib.suppress(ValueError):
            trainer.set_sample(min(self.sample_index, len(trainer.x_test) - 1))
        if self.temperature is not None:
            with contextlib.suppress(ValueError):  # the handle checks the range; a stray value keeps the last one
                trainer.set_temperature(self.temperature)
        if trainer.dataset.image_norm is None:
            return
        try:
            trainer.set_drawing(None if self.drawing is None else np.asarray(self.drawing, dtype=np.float32))
        except ValueError:
            trainer.set_drawing(None)

    def _edit(self, column: int, unit: int, source: int | None, value: float) -> None:
        """Set a weight or bias by hand; only while paused, so the edit is not lost in the next update."""
        if self.running:
            self.edit_error = "pause the run before editing weights"
            return
        try:
            self.trainer.set_parameter(column, unit, source, value)
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
            from playground.export.checkpoint import save_checkpoint

            save_checkpoint(self.trainer.model, self.trainer.config, path, self.trainer.history)
            self.saved = (path, None)
        except Exception as error:
            self.saved = (path, _readable(error))

    def _train_slice(self) -> None:
        from playground.train.trainer import Diverged

        try:
            row = self.trainer.train_batches(TRAIN_SLICE_S)
        except Diverged as error:
            trainer = self.trainer
            self._fail("diverged", str(error), "msg_diverged", epoch=trainer.epoch + 1, lr=trainer.learning_rate)
        except Exception as error:
            self._fail("error", _readable(error), "msg_worker_error", detail=_readable(error))
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
            trainer.throttle_probes = self.running or self.steps_left > 0
            for name in self.probe_names:
                try:
                    probe = getattr(trainer, name)()
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
        self.publish(force=True)
        while self.parent_alive():
            wait = 0.0 if self.running or self.steps_left else 0.1
            while self.conn.poll(wait):
                if not self.handle(self.conn.recv()):
                    return
                wait = 0.0
            if self.running or self.steps_left:
                self._train_slice()
                self.publish(force=not (self.running or self.steps_left))
            else:
                self.publish()


def _readable(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def worker_main() -> None:
    """Entry point of the worker process: ``argv`` holds the socket fd, parent pid, rate and probe names.

    A plain subprocess instead of multiprocessing's spawn: spawn re-runs the parent's ``__main__``, which under
    ``streamlit run`` is the page script.
    """
    import torch

    fd, parent_pid, rate_hz, probes = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    conn = Connection(int(fd))
    # Leave a core to the server and the page, and keep a class of 30 workers from oversubscribing a big host.
    torch.set_num_threads(min(2, max(1, (os.cpu_count() or 2) - 1)))
    try:
        config_json = conn.recv()
        _WorkerLoop(config_json, conn, parent_pid, rate_hz, [p for p in probes.split(",") if p]).run()
    except (EOFError, BrokenPipeError, ConnectionResetError, KeyboardInterrupt):
        pass  # the owner went away; exit quietly
    except Exception:
        traceback.print_exc()
    finally:
        conn.close()


# --------------------------------------------------------------------------------------------------
# Owner side (runs in the server or a test)
# --------------------------------------------------------------------------------------------------
_LIVE_HANDLES: weakref.WeakSet[WorkerHandle] = weakref.WeakSet()


@atexit.register
def _stop_all_workers() -> None:
    for handle in list(_LIVE_HANDLES):
        handle.stop(timeout=1.0)


class WorkerHandle:
    """Owns one worker process: sends it commands and keeps its newest snapshot and full history."""

    def __init__(self, config: RunConfig, probes: tuple[str, ...] = (), rate_hz: float = 30.0) -> None:
        self.config = config
        self.probes = list(probes)
        self.rate_hz = rate_hz
        self.wants_to_run = False
        self.sample_index = 0  # what this worker was last told to explain (it keeps these across resets)
        self.drawing: np.ndarray | None = None
        self.temperature: float | None = None  # None: never set, the trainer's default
        self._stopping = False  # set by stop(): the pipe closing is then expected, not a crash
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._history: list[dict[str, float]] = []
        self._latest = Snapshot(
            run_id="", status="starting", epoch=0, step=0, learning_rate=config.training.learning_rate
        )
        parent_socket, child_socket = socket.socketpair()
        child_fd = child_socket.fileno()
        launcher = "from playground.train.worker import worker_main; worker_main()"
        arguments = [str(child_fd), str(os.getpid()), str(rate_hz), ",".join(self.probes)]
        self.process = subprocess.Popen(
            [sys.executable, "-c", launcher, *arguments], pass_fds=(child_fd,), stdin=subprocess.DEVNULL
        )
        child_socket.close()
        self._conn = Connection(parent_socket.detach())
        self._conn.send(config.model_dump_json())
        self._reader = threading.Thread(target=self._read_forever, daemon=True, name="playground-reader")
        self._reader.start()
        _LIVE_HANDLES.add(self)

    # Reading ------------------------------------------------------------------------------------
    def _read_forever(self) -> None:
        while True:
            try:
                snapshot: Snapshot = self._conn.recv()
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
        with self._changed:
            if self._stopping:
                self._latest.status = "stopped"
            else:
                code = self.process.poll()
                self._latest.status = "error"
                self._latest.message = f"The training process stopped unexpectedly (exit code {code})."
                self._latest.message_key, self._latest.message_args = "msg_worker_died", {"code": str(code)}
            self._changed.notify_all()

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
        """Running, or asked to run and still starting up (importing torch can take seconds)."""
        status = self.snapshot()[0].status
        return status == "running" or (status == "starting" and self.wants_to_run)

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
        from playground.train.trainer import check_temperature

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
        """End the worker and wait for it; escalate to terminate and kill if it does not listen."""
        with self._lock:
            self._stopping = True
            self._latest.status = "stopped"
        self._send("stop")
        for escalate in (None, self.process.terminate, self.process.kill):
            if escalate is not None:
                escalate()
            try:
                self.process.wait(timeout)
                break
            except subprocess.TimeoutExpired:
                continue
        self._conn.close()
        _LIVE_HANDLES.discard(self)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

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
