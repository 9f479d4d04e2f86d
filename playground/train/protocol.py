"""What the server and a worker process say to each other: typed commands one way, snapshots the other.

Both travel pickled through the worker's socket. A command is a small frozen dataclass; the worker dispatches on
its class (``match``), and the owner's queue of commands for a run still waiting for its process knows from the
class which ones a newer one replaces.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

#: Where a run stands. queued: waits for a training process; starting: its process is starting; paused, running;
#: finished: a stopping rule was met; diverged: the loss is no number; error: the setup or the process failed;
#: stopped: the page let the run go.
RunStatus = Literal["queued", "starting", "paused", "running", "finished", "diverged", "error", "stopped"]


@dataclass
class Snapshot:
    """What a worker publishes: counters, status, the history rows new since the last one, and probes.

    ``message`` is English (logs, the command line); ``message_key`` and ``message_args`` let a page show it in
    the user's language (keys ``msg_*`` of the translation tables).
    """

    run_id: str
    status: RunStatus
    epoch: int
    step: int
    learning_rate: float
    regularization: str = "none"
    reg_rate: float = 0.0
    train_seconds: float = 0.0  # time this run's model has spent training (the comparison table's fit time)
    message: str | None = None
    message_key: str | None = None
    message_args: dict[str, object] = field(default_factory=dict)
    new_rows: list[dict[str, float]] = field(default_factory=list)
    # the smoothed training loss and accuracy of the batches since the last snapshot (``batch_curve``), as
    # (step, x in epochs, loss, accuracy or None); the handle keeps them like the rows (``WorkerHandle.batch_points``)
    new_batch_points: list[tuple[int, float, float, float | None]] = field(default_factory=list)
    batches_done: int = 0  # batches trained of the epoch in progress
    batches_per_epoch: int = 0
    batches_per_second: float | None = None  # over the last seconds of training; None while it does not train
    probes: dict[str, dict] = field(default_factory=dict)
    # the probes the worker computes now; the worker sends only those that changed since its last snapshot, and
    # the owner's handle fills in the others from the snapshot before (``WorkerHandle._read_forever``)
    probe_names: list[str] = field(default_factory=list)
    saved: tuple[str, str | None] | None = None  # (path, error or None) of the last checkpoint command
    edit_error: str | None = None  # why the last weight edit was refused, if it was
    resumed_from: str | None = None  # the checkpoint this run started from, once the worker has read it
    # answers to one-off requests (``TakeStep``, ``Descend``, ``Compare``) new since the last snapshot, by kind
    # ("step", "descent", "compare"): {"request": number, ...numbers} or {"request": number, "error": reason}; the
    # handle keeps the newest of each kind
    answers: dict[str, dict] = field(default_factory=dict)

    def probe(self, name: str) -> dict | None:
        """A probe as the worker computed it; None when it is not there (yet) or failed (see ``probe_error``)."""
        return usable_probe(self.probes.get(name))

    def probe_error(self, name: str) -> str | None:
        """Why a probe could not be computed for this run (say, hidden states of a stack without a recurrent
        layer); None when it was, or was not asked for."""
        return probe_error(self.probes.get(name))


def readable(error: BaseException) -> str:
    """An error as the page shows it: its type and message."""
    return f"{type(error).__name__}: {error}"


def failed_probe(reason: str) -> dict[str, str]:
    """What the worker sends for a probe that could not run: the page shows the reason or nothing."""
    return {"error": reason}


def probe_error(probe: Mapping[str, Any] | None) -> str | None:
    """The reason a probe failed, or None (the one place that knows how a failure is written)."""
    return str(probe["error"]) if probe and "error" in probe else None


def usable_probe(probe: Mapping[str, Any] | None) -> Any:
    """The probe, or None when it is missing or failed."""
    return None if not probe or probe_error(probe) is not None else probe


# Commands ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Play:
    """Train batch after batch until paused, stopped or a stopping rule is met."""


@dataclass(frozen=True)
class Pause:
    """Stop training after the batch in hand; ``unwatched_s``: because nobody watched the run that long."""

    unwatched_s: int | None = None


@dataclass(frozen=True)
class Step:
    """Train one more epoch, then pause."""


@dataclass(frozen=True)
class Stop:
    """End the worker process."""


@dataclass(frozen=True)
class Reset:
    """Start afresh from a config (JSON), or carry on from a checkpoint zip of it."""

    config_json: str
    checkpoint_path: str | None = None


@dataclass(frozen=True)
class SaveCheckpoint:
    """Write the model, config and history to ``path``; the answer rides on the snapshots (``saved``)."""

    path: str


@dataclass(frozen=True)
class SetTraining:
    """The live training settings (a TrainConfig as JSON): rate, schedule, penalty, stopping rules."""

    training_json: str


@dataclass(frozen=True)
class SetRate:
    """Send at most ``hz`` snapshots a second (fewer while more runs train than the server has cores)."""

    hz: float


@dataclass(frozen=True)
class SetFocus:
    """The neuron ``(column, unit)`` the boundary probe shows, or None for the network's output."""

    focus: tuple[int, int] | None


@dataclass(frozen=True)
class SetProbes:
    """The probes to compute from now on (those of the views on screen)."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class SetSample:
    """The test image or sequence the views explain."""

    index: int


@dataclass(frozen=True)
class SetDrawing:
    """A drawn image to predict and explain (rows of pixels in [0, 1]), or None to forget it."""

    pixels: list[list[float]] | None


@dataclass(frozen=True)
class SetTemperature:
    """The sampling temperature of generated text."""

    temperature: float


@dataclass(frozen=True)
class EditParameter:
    """Set a weight (``source``: the input's index) or a bias (``source`` None) of the paused model."""

    column: int
    unit: int
    source: int | None
    value: float


@dataclass(frozen=True)
class TakeStep:
    """One optimizer step on the training rows ``rows`` with every number kept (``train.one_step``), the boundary
    before and after it on 2D data; the run pauses first, and the model changes as the step changes it."""

    request: int
    rows: tuple[int, ...]


@dataclass(frozen=True)
class TrainSteps:
    """Train ``count`` more mini-batches (optimizer steps) as training does, then pause."""

    count: int


@dataclass(frozen=True)
class Descend:
    """A loss map over two parameters and optimisers racing down it (``train.descent.DescentRequest`` as JSON)."""

    request: int
    request_json: str


@dataclass(frozen=True)
class Compare:
    """Start comparing the network with classic models in the background (``train.compare.ComparisonRequest`` as
    JSON): a table of baselines or learning curves. Its answers ("compare") grow as each model finishes; a new
    Compare, a StopComparison or a Reset ends the one before, keeping what it had."""

    request: int
    request_json: str


@dataclass(frozen=True)
class StopComparison:
    """End the comparison in progress; what it finished stays in its last answer, marked stopped."""


Command = (
    Play
    | Pause
    | Step
    | Stop
    | Reset
    | SaveCheckpoint
    | SetTraining
    | SetRate
    | SetFocus
    | SetProbes
    | SetSample
    | SetDrawing
    | SetTemperature
    | EditParameter
    | TakeStep
    | TrainSteps
    | Descend
    | Compare
    | StopComparison
)

#: Commands that cut the batch in training short (it is trained again later, if at all): they make the rest of it
#: unwanted or pointless, or (a checkpoint, asked for by a click) someone waits for them.
INTERRUPTING: tuple[type, ...] = (Pause, Stop, Reset, SaveCheckpoint)
#: Commands of which only the newest counts while a run waits for its process: what the page shows or chose.
NEWEST_ONLY: tuple[type, ...] = (
    SetRate,
    SetFocus,
    SetProbes,
    SetSample,
    SetDrawing,
    SetTemperature,
    SetTraining,
    Descend,
    Compare,
)
#: Commands a later reset makes pointless while a run waits (they would steer a model the reset replaces).
UNDONE_BY_RESET: tuple[type, ...] = (Play, Pause, Step, SetTraining, EditParameter, Reset, TakeStep, TrainSteps)
