"""The worker process: the trainer in a process of its own, steered by commands, publishing snapshots.

``WorkerHandle`` (``playground.train.worker``) starts it with ``worker_main`` and owns it. A watcher thread reads
the commands while the training thread trains, so a Pause cuts even a batch of minutes short
(``Trainer.train_batches``) and a vanished parent ends the process within a fraction of a second.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import astuple
from multiprocessing.connection import Connection
from typing import NoReturn

import numpy as np

from playground.config import ConfigError, RunConfig, TrainConfig
from playground.limits import limits, server_cores
from playground.train.protocol import (
    INTERRUPTING,
    Command,
    Compare,
    Descend,
    EditParameter,
    Pause,
    Play,
    Reset,
    RunStatus,
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
    failed_probe,
    probe_error,
    readable,
)

#: The longest the worker trains between looks at its commands: short enough that clicks feel immediate. A slice
#: ends sooner when the next snapshot is due (``rate_hz``): slices of 30 ms against snapshots due every 33 ms sent
#: one snapshot every other slice, 14.6 a second, on the default 2D setup.
TRAIN_SLICE_S = 0.03
#: The shortest slice: a snapshot just missed waits this long rather than training a batch or two.
MIN_TRAIN_SLICE_S = 0.005
#: How often the worker's watcher thread looks whether its parent process is still there.
PARENT_CHECK_S = 0.25
#: How much lower a worker's CPU priority is than the server's: when more runs train than there are cores, the
#: system's scheduler shares the cores equally between the workers, and the server, which answers every page's
#: clicks and frames, goes first. (At equal priority the server was one process among thirty and more.)
WORKER_NICENESS = 10


class WorkerLoop:
    """The worker process's loop: a training thread that trains in slices and answers commands, and a watcher
    thread that reads them meanwhile."""

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
        self.inbox: queue.SimpleQueue[Command] = queue.SimpleQueue()  # commands the watcher thread read (``run``)
        self.interrupt = threading.Event()  # set by the watcher when a command should cut the batch short
        self.min_interval = 1.0 / rate_hz
        self.probe_names = probes
        self.running = False  # playing: train slice after slice
        self.steps_left = 0  # epochs still to finish for Step presses, then pause
        self.batches_left = 0  # mini-batches still to train for a TrainSteps command, then pause
        self.answers: dict[str, dict] = {}  # answers to one-off requests not sent yet (``Snapshot.answers``)
        self.status: RunStatus = "paused"
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
        # the comparison with classic models running in a thread of its own (``Compare``): its request number, its
        # stop signal, and its newest answer not yet moved into ``answers`` (written by that thread)
        self.comparison: tuple[int, threading.Event] | None = None
        self.comparison_lock = threading.Lock()
        self.comparison_answer: dict | None = None
        self._start(config_json)

    def _start(self, config_json: str, checkpoint_path: str | None = None) -> None:
        from playground.train.probes import choices
        from playground.train.trainer import Trainer

        self.run_id = uuid.uuid4().hex[:12]
        self._stop_comparison()  # it compared with the data and network this reset replaces
        self.sent_probes = {}  # a new run's first snapshot carries every probe
        self.running, self.steps_left, self.batches_left = False, 0, 0
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
        if _out_of_gpu_memory(error):
            english = (
                "Ran out of GPU memory: the GPU cannot hold this setup beside the other runs on it. Make the batch "
                "or the network smaller, or train on the CPU, and press Reset."
            )
            self._fail("error", english, "msg_out_of_gpu_memory")
        elif _out_of_memory(error):
            english = (
                f"Ran out of memory: this setup needs more than the {self.memory_mb:,} MB one training process may "
                "use. Make the batch, the network or the data smaller and press Reset."
            )
            self._fail("error", english, "msg_out_of_memory", mb=self.memory_mb)
        else:
            self._fail("error", readable(error), "msg_worker_error", detail=readable(error))

    def _fail(self, status: RunStatus, english: str, key: str, **args: object) -> None:
        self.running, self.steps_left, self.batches_left = False, 0, 0
        self.status, self.message = status, (english, key, args)
        if status == "error":
            self.trainer = None

    def parent_alive(self) -> bool:
        return os.getppid() == self.parent_pid

    def handle(self, command: Command) -> bool:
        """Apply one command; False means stop the loop."""
        match command:
            case Stop():
                return False
            case Reset(config_json, checkpoint_path):
                self._start(config_json, checkpoint_path)
            case SaveCheckpoint(path):
                self._save_checkpoint(path)
            case SetFocus(focus):  # kept for later runs too, so it is not lost while the setup is invalid
                self.focus = focus
                if self.trainer is not None:
                    from playground.train.probes import choices

                    choices.set_focus(self.trainer, self.focus)
            case SetRate(hz):
                self.min_interval = 1.0 / hz
            case SetProbes(names):  # what the page shows now: probes nobody looks at cost training time
                dropped = set(self.probe_names) - set(names)
                self.probe_names = list(names)
                # the handle forgets probes that are no longer computed: one asked for again must be sent again
                self.sent_probes = {name: probe for name, probe in self.sent_probes.items() if name in names}
                if self.trainer is not None:
                    self.trainer.record_gradients = "gradients" in self.probe_names
                    self.trainer.probe_cache.forget(dropped)  # their cost no longer slows the ones shown
            case SetSample(index):  # which test image or sequence the views explain
                self.sample_index = int(index)
                self._apply_inspection()
            case SetDrawing(pixels):
                self.drawing = pixels
                self._apply_inspection()
            case SetTemperature(temperature):
                self.temperature = float(temperature)
                self._apply_inspection()
            case TakeStep(request, rows):
                self.running, self.steps_left, self.batches_left = False, 0, 0
                if self.status == "running":
                    self.status = "paused"
                from playground.train.one_step import explained_step

                self._answer("step", request, lambda: explained_step(self.trainer, rows))
            case Descend(request, request_json):
                from playground.train.descent import explained_descent

                self._answer("descent", request, lambda: explained_descent(self.trainer, request_json))
            case Compare(request, request_json):
                self._start_comparison(request, request_json)
            case StopComparison():
                self._stop_comparison()
            case _ if self.trainer is None:
                pass  # nothing to play until a good config arrives
            case Play():
                if self.status != "diverged":
                    self.running, self.steps_left, self.batches_left = True, 0, 0
                    self.status, self.message = "running", None
            case Pause(unwatched_s):  # unwatched_s: nobody looked at the run that long
                self.running, self.steps_left, self.batches_left = False, 0, 0
                if self.status not in ("diverged", "finished"):
                    self.status = "paused"
                    if unwatched_s is not None:
                        english = (
                            f"Paused: nobody watched this run for {unwatched_s} s (a hidden tab or an idle page). "
                            "Press Play to go on."
                        )
                        self.message = (english, "msg_paused_unwatched", {"seconds": unwatched_s})
            case TrainSteps(count):
                self.running, self.steps_left = False, 0
                if self.status != "diverged":
                    self.batches_left, self.status, self.message = max(0, int(count)), "running", None
            case Step():
                self.running, self.batches_left = False, 0
                if self.status != "diverged":
                    self.steps_left, self.status, self.message = self.steps_left + 1, "paused", None
            case SetTraining(training_json):  # settings that change live: rate, schedule, penalty, stopping rules
                self.trainer.set_training(TrainConfig.model_validate_json(training_json))
            case EditParameter(column, unit, source, value):
                self._edit(column, unit, source, value)
        self.changed = True
        self.publish(force=True)
        return True

    def _answer(self, kind: str, request: int, compute: Callable[[], dict]) -> None:
        """Answer a one-off request on the next snapshot: its numbers, or one line saying why there are none."""
        from playground.train.descent import DescentError
        from playground.train.one_step import StepError

        if self.trainer is None:
            answer = {"error": "there is no model: the setup is invalid"}
        else:
            try:
                answer = compute()
            except (StepError, DescentError, ValueError) as error:
                answer = {"error": str(error)}
            except Exception as error:
                answer = {"error": readable(error)}
        self.answers[kind] = {"request": request, **answer}

    def _start_comparison(self, request: int, request_json: str) -> None:
        """Compare with classic models in a thread of its own, so that training, clicks and snapshots go on while a
        forest grows; the one before stops (keeping what it had)."""
        from pydantic import ValidationError

        from playground.train.compare import ComparisonRequest, run_comparison

        self._stop_comparison()
        try:
            wanted = ComparisonRequest.model_validate_json(request_json)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "request"
            self.answers["compare"] = {"request": request, "error": f"{where}: {first['msg']}"}
            return
        if self.trainer is None:
            self.answers["compare"] = {"request": request, "error": "there is no model: the setup is invalid"}
            return
        stop = threading.Event()
        self.comparison = (request, stop)
        config, dataset = self.trainer.config, self.trainer.dataset

        def report(answer: dict) -> None:
            with self.comparison_lock:
                if self.comparison is not None and self.comparison[0] == request:
                    self.comparison_answer = {"request": request, **answer}

        def work() -> None:
            try:
                run_comparison(config, dataset, wanted, stop, report)
            except Exception as error:  # a failure is the answer, never a dead worker
                report({"error": readable(error), "rows": []})

        threading.Thread(target=work, daemon=True, name="playground-comparison").start()

    def _stop_comparison(self) -> None:
        """Tell the running comparison to stop after the model in hand; its last answer says stopped."""
        if self.comparison is not None:
            self.comparison[1].set()

    def _collect_comparison(self) -> None:
        """Move the comparison's newest answer into the next snapshot."""
        with self.comparison_lock:
            answer, self.comparison_answer = self.comparison_answer, None
        if answer is not None:
            self.answers["compare"] = answer
            self.changed = True

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
            self.saved = (path, readable(error))

    def slice_seconds(self) -> float:
        """How long the next slice trains: until the next snapshot is due, within the slice's bounds."""
        due = self.last_sent + self.min_interval - time.monotonic()
        return min(TRAIN_SLICE_S, max(MIN_TRAIN_SLICE_S, due))

    def _train_slice(self) -> None:
        from playground.train.trainer import Diverged

        trainer = self.trainer
        steps_before = trainer.step
        started = time.perf_counter()
        try:
            row = trainer.train_batches(self.slice_seconds(), self.interrupt, max_batches=self.batches_left or None)
            trainer.train_seconds += time.perf_counter() - started
        except Diverged as error:
            trainer = self.trainer
            self._fail("diverged", str(error), "msg_diverged", epoch=trainer.epoch + 1, lr=trainer.learning_rate)
        except Exception as error:
            self._crashed(error)
        else:
            if self.batches_left:
                self.batches_left = max(0, self.batches_left - (trainer.step - steps_before))
                if not self.batches_left and not self.running and not self.steps_left:
                    self.status = "paused"
            if row is not None:
                self.unsent_rows.append(row)
                self.steps_left = max(0, self.steps_left - 1)
                reached = self.trainer.stop_reached()
                if reached is not None and self.running:  # a Step press past the limit still trains one epoch
                    english, key, args = reached
                    self.running, self.steps_left, self.batches_left = False, 0, 0
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

            trainer.probe_cache.throttle = self.running or self.steps_left > 0 or self.batches_left > 0
            for name in self.probe_names:
                try:
                    probe = compute_probe(trainer, name)
                except Exception as error:  # a probe that cannot run for this data is just absent
                    probe = failed_probe(readable(error))
                # a throttled probe returns the very dict it returned before: no need to pickle it again (the
                # feature maps of a conv net are ~150 KB, and snapshots go out up to 40 times a second)
                if probe is not self.sent_probes.get(name) or probe_error(probe) is not None:
                    probes[name] = self.sent_probes[name] = probe
        english, key, args = self.message or (None, None, {})
        curve = trainer.batch_curve if trainer is not None else None
        training = self.running or self.steps_left > 0 or self.batches_left > 0
        self.conn.send(
            Snapshot(
                run_id=self.run_id,
                status=self.status,
                epoch=trainer.epoch if trainer else 0,
                step=trainer.step if trainer else 0,
                learning_rate=trainer.learning_rate if trainer else 0.0,
                regularization=trainer.regularization if trainer else "none",
                reg_rate=trainer.reg_rate if trainer else 0.0,
                train_seconds=trainer.train_seconds if trainer else 0.0,
                message=english,
                message_key=key,
                message_args=args,
                new_rows=self.unsent_rows,
                new_batch_points=[astuple(point) for point in curve.take()] if curve else [],
                batches_done=curve.batches_done if curve else 0,
                batches_per_epoch=curve.batches_per_epoch if curve else 0,
                batches_per_second=curve.batches_per_second() if curve and training else None,
                probes=probes,
                probe_names=list(self.probe_names) if trainer is not None else [],
                saved=self.saved,
                edit_error=self.edit_error,
                resumed_from=self.resumed_from,
                answers=self.answers,
            )
        )
        self.answers = {}
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
            wait = 0.0 if self.running or self.steps_left or self.batches_left else 0.1
            self.interrupt.clear()  # before reading: a command that arrives after this sets it again
            while (command := self._next_command(wait)) is not None:
                if not self.handle(command):
                    return
                wait = 0.0
            self._collect_comparison()
            if self.running or self.steps_left or self.batches_left:
                self._train_slice()
                self.publish(force=not (self.running or self.steps_left or self.batches_left))
            else:
                self.publish()

    def _next_command(self, wait: float) -> Command | None:
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
                    if isinstance(command, INTERRUPTING):
                        self.interrupt.set()
                    if isinstance(command, Stop):
                        return  # the training thread ends the process by its own hand
        os._exit(0)


def _out_of_gpu_memory(error: BaseException) -> bool:
    """PyTorch's allocator on a GPU failing: the GPU's memory, not the worker's budget of the server's."""
    import torch

    return isinstance(error, torch.cuda.OutOfMemoryError) or "cuda out of memory" in str(error).lower()


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
    """Entry point of a worker started as its own Python process: ``argv`` holds the socket's fd, then what
    ``worker_arguments`` lists.

    A plain subprocess instead of multiprocessing's spawn: spawn re-runs the parent's ``__main__``, which under
    ``streamlit run`` is the page script. (Most workers are forked from a template process instead, which has
    imported all this already: ``playground.train.worker_template``.)
    """
    run_worker(int(sys.argv[1]), sys.argv[2:])


def worker_arguments(rate_hz: float, probes: tuple[str, ...], memory_mb: int) -> list[str]:
    """What a worker needs besides its socket, as strings (command-line arguments, or a request to the template)."""
    return [str(rate_hz), ",".join(probes), str(memory_mb)]


def run_worker(fd: int, arguments: list[str]) -> NoReturn:
    """Train what the owner at the other end of socket ``fd`` asks for (``arguments`` from ``worker_arguments``),
    until it stops the run or is gone; then end the process. The process ends with its parent too: the server, or
    the template that forked it, which ends with the server."""
    code = serve_owner(Connection(fd), arguments)
    # Leave without the interpreter's teardown: after torch it takes 1 to 4 s on a busy 2-core server (measured),
    # time in which the stopped run still holds its slot and its memory; the worker has nothing left to tidy.
    os._exit(code)


def serve_owner(conn: Connection, arguments: list[str]) -> int:
    """Train what the owner at the other end of ``conn`` asks for until it stops the run or is gone (its parent
    process ends too); returns the exit code (0, or 1 after an unexpected error). This process is the worker's own:
    its memory is capped and its priority lowered."""
    rate_hz, probes, memory_mb = float(arguments[0]), arguments[1], int(arguments[2])
    parent_pid = os.getppid()
    _limit_memory(memory_mb)  # before torch allocates anything
    with contextlib.suppress(OSError):  # a system that refuses keeps the worker at the server's priority
        os.nice(WORKER_NICENESS)
    import torch

    torch.set_num_threads(torch_threads())
    code = 0
    try:
        config_json = conn.recv()
        names = [p for p in probes.split(",") if p]
        WorkerLoop(config_json, conn, parent_pid, rate_hz, names, memory_mb).run()
    except (EOFError, BrokenPipeError, ConnectionResetError, KeyboardInterrupt):
        pass  # the owner went away; exit quietly
    except Exception:
        traceback.print_exc()
        code = 1
    finally:
        conn.close()
        sys.stdout.flush()
        sys.stderr.flush()
    return code


def torch_threads() -> int:
    """Threads one worker's PyTorch may use: one on a server of two cores or fewer (the other is the server's and
    the pages'), two where there are cores to spare; never more, so a class of 30 workers does not oversubscribe a
    big host."""
    return min(2, max(1, server_cores() - 1))
