"""The training loop, epoch by epoch, with the metrics and probes the views show.

Plain tensors and index slicing instead of a DataLoader: on two cores the loader's overhead costs more than
the small models the playground trains.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from playground.config import EVAL_CHUNK, RunConfig, TrainConfig
from playground.data import two_d
from playground.data.images import augment_batch
from playground.data.registry import DATASETS, Dataset, dataset_class_names, load_dataset
from playground.layers import RECURRENT_GATES, RecurrentModule
from playground.model import build_model, outputs_probabilities

#: Side of the grid each neuron's small map is computed on (TF Playground draws its node maps 10 cells wide).
NEURON_MAP_RESOLUTION = 20
#: Multiply-adds one probe over the plane (the boundary, the neuron maps) may take: the grid gets coarser for a big
#: network, down to PLANE_MIN_RESOLUTION (a link may carry 16.8 M parameters; the 100 x 100 boundary grid through
#: them took 25 s a snapshot, and the run hardly trained).
PLANE_PROBE_MACS = 200_000_000
PLANE_MIN_RESOLUTION = 10
#: Neurons of one layer the network view draws at most (the simple controls' widest layer): a wider layer shows
#: its first ones, with the links among them, and the view says how many it left out.
NETWORK_VIEW_UNITS = 32
#: Neuron maps the network view draws at most, all columns together: 64 layers of thousands of units still make
#: a frame of a few hundred KB (a map is ``resolution ** 2`` bytes on the wire).
NETWORK_VIEW_MAPS = 1_024
#: A batch slower than this can be given up half-way when the worker is asked to pause (``Trainer.train_batches``);
#: quicker batches are not watched inside, as the hooks that watch cost ~10 us per layer on every batch.
INTERRUPTIBLE_BATCH_S = 0.1
#: Training rows the gradient probes use: enough for a stable norm, cheap next to an epoch.
GRADIENT_ROWS = 256
#: Training rows at most that the training metrics of each epoch are measured on (see ``train_sample``).
EVAL_TRAIN_ROWS = 512
#: The test images the gallery shows at most, mistakes first.
GALLERY_SIZE = 40
#: Test images (or sequences) whose activations feed the histograms of an image (or sequence) model.
IMAGE_HISTOGRAM_ROWS = 128
#: Kernels of deeper conv layers are sent for at most this many input channels (the page shows one at a time).
MAX_FILTER_CHANNELS = 64
#: Test sequences whose input gradients make the memory curve: a smooth mean, and one backward pass of a batch.
MEMORY_ROWS = 128
#: Share of the input-gradient mass whose span back from the last step is the memory's "reach".
REACH_SHARE = 0.9
#: Characters the text model writes after its prompt.
GENERATED_CHARS = 200
#: The sampling temperatures allowed, and the one a run starts with.
TEMPERATURE_RANGE = (0.05, 2.0)
DEFAULT_TEMPERATURE = 0.8
#: Steps a forecast runs free at most: one forward pass each, so the probe stays cheap on long test stretches.
ROLLOUT_STEPS = 100


@dataclass(frozen=True)
class DenseGroup:
    """A dense layer and the element-wise layers after it: one column of the network view."""

    start: int  # index of the dense layer in the layer stack
    end: int  # one past its last element-wise follower
    units: int
    title: str
    activation: str  # the nonlinearity the column ends with
    low: float  # where the colour scale of its maps starts: 0 for probabilities and sigmoid, else -1


class Diverged(RuntimeError):
    """The loss stopped being a finite number."""


class BatchInterrupted(Exception):
    """A batch given up half-way because the worker was asked to pause, stop or reset (``Trainer.train_batches``)."""


def network_view_units(units: list[int]) -> list[int]:
    """How many neurons of each column the network view draws: the first ``NETWORK_VIEW_UNITS`` of a layer, fewer
    when the columns together would pass ``NETWORK_VIEW_MAPS`` (the same number for every wide column)."""
    per_column = max(1, min(NETWORK_VIEW_UNITS, NETWORK_VIEW_MAPS // max(1, len(units))))
    return [min(count, per_column) for count in units]


def make_optimizer(name: str, parameters, learning_rate: float) -> torch.optim.Optimizer:
    if name == "sgd":
        return torch.optim.SGD(parameters, lr=learning_rate)
    if name == "momentum":
        return torch.optim.SGD(parameters, lr=learning_rate, momentum=0.9)
    if name == "adam":
        return torch.optim.Adam(parameters, lr=learning_rate)
    if name == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=learning_rate)
    if name == "adamw":
        return torch.optim.AdamW(parameters, lr=learning_rate)
    raise ValueError(f"unknown optimizer {name!r}")


def train_sample(rows: int) -> slice:
    """The training rows whose metrics a history row reports: at most EVAL_TRAIN_ROWS, evenly spread (every
    k-th), so they cover a series or a text from start to end. Measuring all of them took as long as a third of
    the seed LSTM's training epoch (the whole 4,000 images of the seed CNN's, 0.85 of it) and changes the curve by
    a few thousandths."""
    return slice(0, None, max(1, -(-rows // EVAL_TRAIN_ROWS)))


def weight_matrices(model: nn.Module) -> list[torch.Tensor]:
    """The weights a penalty and the weight histograms cover: matrices and kernels, not biases nor batch norm's
    scales; a recurrent layer's are named weight_ih_l0, weight_hh_l0, ..."""
    return [p for name, p in model.named_parameters() if name.rsplit(".", 1)[-1].startswith("weight") and p.dim() > 1]


def history_columns(task: str, metric: str = "auto") -> list[str]:
    """The columns of a history table, in order, for a task (and the metric a regression reports besides)."""
    if task == "regression":
        extra = ["train_mae", "test_mae"] if metric == "mae" else []
        return ["epoch", "train_loss", "test_loss", "train_r2", "test_r2", "train_rmse", "test_rmse", *extra]
    return ["epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy"]


class Trainer:
    """Owns the model, optimizer and data of one run; trains one epoch at a time."""

    def __init__(self, config: RunConfig, dataset: Dataset | None = None) -> None:
        # Adam's second-moment estimates sink into denormal floats, which made the seed FFN's epochs 10x slower
        # (2.7 s instead of 0.24 s measured); flushing them to zero changes no result we can see.
        torch.set_flush_denormal(True)
        self.config = config
        self.dataset = dataset if dataset is not None else load_dataset(config.data)
        self.task = config.task
        self.loss_name = config.loss
        self.model = build_model(config)
        self.probabilities = outputs_probabilities(config)
        label_dtype = torch.long if self.task == "multiclass" else torch.float32
        input_dtype = torch.long if config.tokens else torch.float32  # token numbers index an embedding
        self.x_train = torch.as_tensor(self.dataset.x_train, dtype=input_dtype)
        self.x_test = torch.as_tensor(self.dataset.x_test, dtype=input_dtype)
        self.y_train = torch.as_tensor(self.dataset.y_train, dtype=label_dtype)
        self.y_test = torch.as_tensor(self.dataset.y_test, dtype=label_dtype)
        if self.task != "multiclass":
            self.y_train = self.y_train.reshape(-1, 1)
            self.y_test = self.y_test.reshape(-1, 1)
        training = config.training
        self.training = training
        self.batch_size = training.batch_size
        self.regularization = training.regularization
        self.reg_rate = training.reg_rate
        self.base_learning_rate = training.learning_rate  # what the user set; the schedule scales it per epoch
        self.optimizer = make_optimizer(training.optimizer, self.model.parameters(), training.learning_rate)
        self.batch_order = torch.Generator().manual_seed(training.seed)
        self.epoch = 0
        self.step = 0
        self.history: list[dict[str, float]] = []
        self.has_batchnorm = any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in self.model.modules())
        self._epoch_order: torch.Tensor | None = None  # the batch order of an epoch in progress
        self._epoch_cursor = 0
        # a batch slower than INTERRUPTIBLE_BATCH_S trains with hooks that give it up once ``_interrupt`` is set
        self._interrupt: threading.Event | None = None
        self._interrupt_hooks: list | None = None
        self._batch_seconds: float | None = None  # how long the last whole batch took
        self._probe_cache: dict[str, tuple[tuple, float, float, dict]] = {}
        # the test image (or sequence) the views explain (feature maps, saliency; hidden states), a drawn image
        self.sample_index = 0
        self.drawing: torch.Tensor | None = None
        self.temperature = DEFAULT_TEMPERATURE  # how adventurous generated text is (see ``generated``)
        self.inspected = 0  # counts changes of the three, so their probes are recomputed at once
        self.throttle_probes = False  # set by the worker while it trains (see ``_throttled``)
        self._nested_cost = 0.0  # seconds spent in probes computed inside the one being computed
        self.revision = 0  # counts hand edits of weights, so probes of an edited model are recomputed
        self.focus: tuple[int, int] | None = None  # (column, unit) of the neuron the boundary probe shows
        # (epoch, the weight-gradient norm of each dense layer) at epoch ends, recorded only while a page charts them:
        # a backward pass on GRADIENT_ROWS rows costs ~8 % of a small 2D epoch
        self.record_gradients = False
        self.gradient_norms: list[tuple[int, list[float]]] = []
        self._target_met: float | None = None  # per epoch: the weight-gradient norm of each dense layer
        data = config.data
        self.augmentation = (data.augment_shift, data.augment_rotate, data.augment_noise) if config.augments else None
        # its own generator, so switching augmentation on does not change the batch order
        self.augment_generator = torch.Generator().manual_seed(training.seed + 1)
        self._apply_schedule()

    # Live changes that keep the weights --------------------------------------------------------
    @property
    def learning_rate(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def set_learning_rate(self, learning_rate: float) -> None:
        """Set the base rate; the schedule (if any) scales it from the current epoch on."""
        self.base_learning_rate = learning_rate
        self._apply_schedule()

    def set_training(self, training: TrainConfig) -> None:
        """Take the settings that may change during a run: rate, schedule, penalty and stopping rules."""
        self.training = training
        self.set_regularization(training.regularization, training.reg_rate)
        self.set_learning_rate(training.learning_rate)

    def _apply_schedule(self) -> None:
        rate = self.training.scheduled_rate(self.base_learning_rate, self.epoch)
        for group in self.optimizer.param_groups:
            group["lr"] = rate

    def stop_reached(self) -> tuple[str, str, dict] | None:
        """Whether the last epoch met a stopping rule: (english, translation key, arguments), or None."""
        training = self.training
        if training.stop_at_epochs and self.epoch == training.epochs:
            return f"Finished: trained {self.epoch} epochs.", "msg_finished_epochs", {"epochs": self.epoch}
        target = training.target_test_loss
        if (
            target is not None
            and self.history
            and self.history[-1]["test_loss"] <= target
            and self._target_met != target  # announced once per target; Play then trains on
        ):
            self._target_met = target
            loss = self.history[-1]["test_loss"]
            english = f"Finished: the test loss {loss:.4g} reached the target {target:g} in epoch {self.epoch}."
            return english, "msg_finished_target", {"loss": loss, "target": target, "epoch": self.epoch}
        return None

    def set_regularization(self, kind: str, rate: float) -> None:
        if kind not in ("none", "l1", "l2"):
            raise ValueError(f"unknown regularization {kind!r}")
        self.regularization, self.reg_rate = kind, rate

    # Loss and metrics --------------------------------------------------------------------------
    def data_loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if self.loss_name == "bce":
            if self.probabilities:  # torch bounds the log and the gradient's denominator itself
                return F.binary_cross_entropy(outputs, targets)
            return F.binary_cross_entropy_with_logits(outputs, targets)
        if self.loss_name == "cross_entropy":
            if self.probabilities:
                return F.nll_loss(torch.log(outputs.clamp_min(1e-12)), targets)
            return F.cross_entropy(outputs, targets)
        if self.loss_name == "mae":
            return F.l1_loss(outputs, targets)
        return F.mse_loss(outputs, targets)

    def penalty(self) -> torch.Tensor | float:
        """L1 or L2 weight penalty (weights only, not biases), as TensorFlow Playground applies it."""
        if self.regularization == "none" or self.reg_rate == 0:
            return 0.0
        weights = weight_matrices(self.model)
        if self.regularization == "l1":
            return self.reg_rate * sum(w.abs().sum() for w in weights)
        return self.reg_rate * 0.5 * sum((w * w).sum() for w in weights)

    def predict(self, inputs: torch.Tensor) -> torch.Tensor:
        """Probabilities for classification (P(class 1) or one per class), values for regression."""
        return self._squash(self._forward(inputs))

    def _forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """The model's outputs in evaluation mode, in chunks of EVAL_CHUNK rows: a conv net's activations for
        thousands of images at once overflow the caches (4,000 MNIST images: 0.69 s in one go, 0.33 s in chunks)."""
        self.model.eval()
        with torch.no_grad():
            if len(inputs) <= EVAL_CHUNK:
                return self.model(inputs)
            return torch.cat([self.model(chunk) for chunk in inputs.split(EVAL_CHUNK)])

    def _squash(self, outputs: torch.Tensor) -> torch.Tensor:
        """Network outputs as predictions: logits through the sigmoid or softmax the loss applies."""
        if self.task == "binary" and not self.probabilities and self.loss_name == "bce":
            return torch.sigmoid(outputs)
        if self.task == "multiclass" and not self.probabilities:
            return torch.softmax(outputs, dim=-1)
        return outputs

    def _metrics(self, inputs: torch.Tensor, targets: torch.Tensor, prefix: str) -> dict[str, float]:
        outputs = self._forward(inputs)  # one forward pass serves the loss and the accuracy or R²
        with torch.no_grad():
            loss = float(self.data_loss(outputs, targets))
            predictions = self._squash(outputs)
        metrics = {f"{prefix}_loss": loss}
        if self.task == "binary":
            metrics[f"{prefix}_accuracy"] = float(((predictions > 0.5).float() == targets).float().mean())
        elif self.task == "multiclass":
            metrics[f"{prefix}_accuracy"] = float((predictions.argmax(dim=-1) == targets).float().mean())
        else:
            residual = ((predictions - targets) ** 2).sum()
            spread = ((targets - targets.mean()) ** 2).sum()
            metrics[f"{prefix}_r2"] = float(1 - residual / spread) if spread > 0 else 0.0
            metrics[f"{prefix}_rmse"] = float(torch.sqrt(residual / len(targets)))
            metrics[f"{prefix}_mae"] = float((predictions - targets).abs().mean())
        return metrics

    def evaluate(self) -> dict[str, float]:
        """A history row: the training metrics on an even sample of the training rows (``train_sample``), the test
        metrics on every test row."""
        sample = train_sample(len(self.x_train))
        row = {"epoch": self.epoch, **self._metrics(self.x_train[sample], self.y_train[sample], "train")}
        row.update(self._metrics(self.x_test, self.y_test, "test"))
        return {column: row[column] for column in self.history_columns}

    @property
    def history_columns(self) -> list[str]:
        return history_columns(self.task, self.config.training.metric)

    # Training ----------------------------------------------------------------------------------
    def train_epoch(self) -> dict[str, float]:
        """Train to the end of the current epoch; returns its history row. Raises Diverged on NaN or inf."""
        row = self.train_batches(budget_s=None)
        assert row is not None
        return row

    def train_batches(
        self, budget_s: float | None, interrupt: threading.Event | None = None
    ) -> dict[str, float] | None:
        """Train shuffled mini-batches until the epoch ends (returns its history row) or ``budget_s`` seconds
        have passed (returns None; the next call carries on where this one stopped).

        The worker trains in slices of a few hundredths of a second, so a click or a new learning rate takes
        effect at once even when one epoch over 5,000 points at batch size 1 takes seconds. Its ``interrupt``
        (Pause, Stop or Reset arrived) ends a slice early too: before the next batch, and inside a batch that takes
        seconds (a big batch through a big network), which is then given up and later trained again from its
        start, on the same samples with the same random numbers.
        """
        if self._epoch_order is None:
            self._epoch_order = torch.randperm(len(self.x_train), generator=self.batch_order)
            self._epoch_cursor = 0
            self._apply_schedule()
        order = self._epoch_order
        deadline = None if budget_s is None else time.perf_counter() + budget_s
        self.model.train()
        while self._epoch_cursor < len(order):
            if interrupt is not None and interrupt.is_set():
                return None
            batch = order[self._epoch_cursor : self._epoch_cursor + self.batch_size]
            self._epoch_cursor += self.batch_size
            if len(batch) < 2 and self.has_batchnorm:
                continue  # batch norm cannot normalise a lone left-over sample; the next epoch reshuffles
            if interrupt is None:
                self._train_batch(batch)
            else:
                try:
                    self._train_interruptibly(batch, interrupt)
                except BatchInterrupted:
                    self._epoch_cursor -= self.batch_size
                    return None
            self.step += 1
            if deadline is not None and time.perf_counter() >= deadline and self._epoch_cursor < len(order):
                return None
        self._epoch_order = None
        row = {**self.evaluate(), "epoch": self.epoch + 1}
        if not all(math.isfinite(value) for value in row.values()):
            raise Diverged(self._divergence_message())
        self.epoch += 1
        self.history.append(row)
        if self.record_gradients:
            self.gradient_norms.append((self.epoch, self._gradient_norms()))
        return row

    def _train_batch(self, batch: torch.Tensor) -> None:
        """One optimizer step on the training rows ``batch``. Raises Diverged on a NaN or infinite loss."""
        inputs = self.x_train[batch]
        if self.augmentation is not None:
            inputs = self._augment(inputs)
        outputs = self.model(inputs)
        loss = self.data_loss(outputs, self.y_train[batch]) + self.penalty()
        if not math.isfinite(loss.item()):
            raise Diverged(self._divergence_message())
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()

    def _train_interruptibly(self, batch: torch.Tensor, interrupt: threading.Event) -> None:
        """``_train_batch``, given up with BatchInterrupted once ``interrupt`` is set: hooks on every layer's forward
        and every parameter's gradient look at it, while batches are slow (the first one is, until timed). A given-up
        batch leaves the weights, batch norm's running statistics and the random numbers (dropout, augmentation) as
        they were before it."""
        slow = self._batch_seconds is None or self._batch_seconds > INTERRUPTIBLE_BATCH_S
        if slow and self._interrupt_hooks is None:
            self._interrupt_hooks = self._watch_interrupt()
        elif not slow and self._interrupt_hooks is not None and self._batch_seconds < INTERRUPTIBLE_BATCH_S / 5:
            for hook in self._interrupt_hooks:
                hook.remove()
            self._interrupt_hooks = None
        saved = None
        if self._interrupt_hooks is not None:  # what the batch changes before its optimizer step (small next to it)
            buffers = [buffer.detach().clone() for buffer in self.model.buffers()]
            saved = (torch.get_rng_state(), self.augment_generator.get_state(), buffers)
        began = time.perf_counter()
        self._interrupt = interrupt
        try:
            self._train_batch(batch)
        except BatchInterrupted:
            self.optimizer.zero_grad(set_to_none=True)
            if saved is not None:
                torch.set_rng_state(saved[0])
                self.augment_generator.set_state(saved[1])
                with torch.no_grad():
                    for buffer, before in zip(self.model.buffers(), saved[2], strict=True):
                        buffer.copy_(before)
            raise
        finally:
            self._interrupt = None
        self._batch_seconds = time.perf_counter() - began

    def _watch_interrupt(self) -> list:
        """Hooks that raise BatchInterrupted inside a batch once its interrupt is set (probes are never cut short)."""

        def check(*_: object) -> None:
            if self._interrupt is not None and self._interrupt.is_set():
                raise BatchInterrupted

        layers = [module.register_forward_pre_hook(check) for module in self.model.modules()]
        gradients = [parameter.register_hook(check) for parameter in self.model.parameters() if parameter.requires_grad]
        return layers + gradients

    def _augment(self, inputs: torch.Tensor) -> torch.Tensor:
        """A shifted, turned, noisy variant of a training batch; the border takes the normalised black."""
        mean, std = self.dataset.image_norm or (0.0, 1.0)
        shift, rotate, noise = self.augmentation
        background = -mean / std
        return augment_batch(inputs, shift, rotate, noise / std, background, self.augment_generator)

    def _divergence_message(self) -> str:
        return (
            f"The loss became NaN or infinite in epoch {self.epoch + 1}: the learning rate "
            f"({self.learning_rate:g}) is probably too high for this network. Lower it and press Reset."
        )

    # Probes for the views ----------------------------------------------------------------------
    def boundary(self, resolution: int = 100) -> dict:
        """The model's output over the data plane, row-major with y outer, for the decision-boundary view; with a
        ``focus`` set, the output of that one neuron instead (TF Playground's click on a neuron). A network too big
        for the grid gets a coarser one, recomputed like the other costly probes (``_throttled``)."""
        return self._on_plane("boundary", self._boundary, resolution)

    def _on_plane(self, name: str, probe: Callable[[int], dict], resolution: int) -> dict:
        """A probe over a ``resolution``-square grid of the plane, or over as fine a grid as PLANE_PROBE_MACS allows
        for this network, then no more often than the probe budget allows."""
        fits = math.isqrt(PLANE_PROBE_MACS // max(1, self.parameter_count))
        coarse = min(resolution, max(PLANE_MIN_RESOLUTION, fits))
        if coarse == resolution:
            return probe(resolution)
        return self._throttled(name, functools.partial(probe, coarse))

    @functools.cached_property
    def parameter_count(self) -> int:
        """The network's parameters: about the multiply-adds one input costs."""
        return sum(parameter.numel() for parameter in self.model.parameters())

    def _boundary(self, resolution: int) -> dict:
        _, _, grid = two_d.boundary_grid(resolution)
        inputs = torch.as_tensor(two_d.feature_matrix(grid, self.config.data.features), dtype=torch.float32)
        probe: dict = {"resolution": resolution, "extent": two_d.COORD_LIMIT}
        if self.focus is not None:
            column, unit = self.focus
            groups = self.dense_groups
            if 1 <= column <= len(groups) and 0 <= unit < groups[column - 1].units:
                values = self._group_outputs(inputs)[column - 1][:, unit].numpy()
                probe.update(values=values.astype(np.float32), lo=groups[column - 1].low, focus=[column, unit])
                return probe
        predictions = self.predict(inputs).numpy()
        if self.task == "multiclass":
            probe["values"] = predictions.argmax(axis=1).astype(np.int8)
            probe["confidence"] = predictions.max(axis=1).astype(np.float32)
        else:
            probe["values"] = predictions.reshape(-1).astype(np.float32)
            probe["lo"] = -1.0 if self.task == "regression" else 0.0  # where the colour scale starts
        return probe

    # The network view: every neuron's output over the plane, weights and biases (2D data) ------------------
    @functools.cached_property
    def dense_groups(self) -> list[DenseGroup]:
        """The network as TF Playground draws it: one column per dense layer, each with the element-wise layers
        (activation, batch norm, dropout) that follow it; the last column is the output."""
        layers = self.config.model.layers
        starts = [index for index, layer in enumerate(layers) if layer.kind == "dense"]
        groups = []
        for number, start in enumerate(starts):
            end = starts[number + 1] if number + 1 < len(starts) else len(layers)
            final = None
            for layer in layers[start:end]:
                if layer.kind == "batchnorm":
                    final = "linear"  # rescaled values: no fixed range any more
                elif layer.final_activation() is not None:
                    final = layer.final_activation()
            last = number == len(starts) - 1
            probabilities = last and self.task != "regression"
            low = 0.0 if probabilities or final in ("sigmoid", "softmax") else -1.0
            groups.append(DenseGroup(start, end, layers[start].units, layers[start].title(), final or "linear", low))
        return groups

    def _linear(self, layer_index: int) -> nn.Linear:
        module = self.model[layer_index]
        return module if isinstance(module, nn.Linear) else module[0]

    def _group_outputs(self, inputs: torch.Tensor) -> list[torch.Tensor]:
        """Each dense group's output for ``inputs``; the last one squashed into predictions like ``predict``."""
        groups = self.dense_groups
        ends = {group.end - 1: number for number, group in enumerate(groups)}
        outputs: list[torch.Tensor] = []
        self.model.eval()
        with torch.no_grad():
            value = inputs
            for index, module in enumerate(self.model):
                value = module(value)
                if index in ends:
                    outputs.append(value)
        if outputs and groups[-1].end == len(self.model):
            outputs[-1] = self._squash(outputs[-1])
        return outputs

    def network(self, resolution: int = NEURON_MAP_RESOLUTION) -> dict:
        """The network view's columns (see ``_network``), on a coarser grid for a big network."""
        return self._on_plane("network", self._network, resolution)

    def _network(self, resolution: int) -> dict:
        """Per column: the maps of its drawn units over the plane [shown, res * res], and for dense columns their
        incoming weights from the drawn units of the column before [shown, shown before] and biases [shown].
        Inputs come first, scaled to [-1, 1] for drawing.

        ``units`` is a column's real width and ``shown`` how many of its first neurons the view draws (see
        ``network_view_units``): a 4,096-wide layer sends 32 maps and a 32 x 32 block of its weights, not 4,096
        maps and its whole matrix. The forward pass still runs whole (a drawn neuron needs every input), but only
        the drawn neurons' outputs and parameters are copied out.
        """
        _, _, grid = two_d.boundary_grid(resolution)
        features = self.config.data.features
        inputs = torch.as_tensor(two_d.feature_matrix(grid, features), dtype=torch.float32)
        scale = inputs.abs().amax(dim=0).clamp_min(1e-6)
        groups = self.dense_groups
        shown = network_view_units([len(features), *(group.units for group in groups)])
        columns: list[dict] = [
            {
                "title": "Inputs",
                "layer": None,
                "units": len(features),
                "shown": shown[0],
                "names": [two_d.FEATURE_LABELS[name] for name in features[: shown[0]]],
                "maps": (inputs[:, : shown[0]] / scale[: shown[0]]).T.numpy().astype(np.float32),
                "lo": -1.0,
                "hi": 1.0,
            }
        ]
        for number, (group, output) in enumerate(zip(groups, self._group_outputs(inputs), strict=True), start=1):
            linear = self._linear(group.start)
            drawn, sources = shown[number], shown[number - 1]
            columns.append(
                {
                    "title": group.title,
                    "layer": group.start,
                    "units": group.units,
                    "shown": drawn,
                    "activation": group.activation,
                    "maps": output[:, :drawn].T.numpy().astype(np.float32),
                    "lo": group.low,
                    "hi": 1.0,
                    "weights": linear.weight.detach()[:drawn, :sources].numpy().astype(np.float32),
                    "bias": linear.bias.detach()[:drawn].numpy().astype(np.float32),
                }
            )
        return {"resolution": resolution, "extent": two_d.COORD_LIMIT, "columns": columns}

    def set_parameter(self, column: int, unit: int, source: int | None, value: float) -> None:
        """Set one weight (from input ``source`` of the column before) or, with ``source=None``, the bias of a
        unit of a dense column (1 = the first dense layer); training carries on from the edited network."""
        groups = self.dense_groups
        if not 1 <= column <= len(groups):
            raise ValueError(f"there is no dense column {column}; columns are 1 to {len(groups)}")
        linear = self._linear(groups[column - 1].start)
        if not 0 <= unit < linear.out_features:
            raise ValueError(f"column {column} has units 0 to {linear.out_features - 1}, not {unit}")
        if source is not None and not 0 <= source < linear.in_features:
            raise ValueError(f"column {column} has inputs 0 to {linear.in_features - 1}, not {source}")
        if not math.isfinite(value):
            raise ValueError("a weight must be a finite number")
        with torch.no_grad():
            if source is None:
                linear.bias[unit] = value
            else:
                linear.weight[unit, source] = value
        self.revision += 1

    def set_focus(self, focus: tuple[int, int] | None) -> None:
        """Show one neuron's output in the boundary probe (``(column, unit)``), or the network's (None)."""
        self.focus = None if focus is None else (int(focus[0]), int(focus[1]))

    # Gradients: how strongly each layer learns (vanishing gradients made visible) -------------------------
    def _weight_gradients(self) -> list[torch.Tensor]:
        """The data-loss gradient of each dense layer's weights on up to GRADIENT_ROWS training rows.

        In evaluation mode: a probe must not draw dropout masks from the random generator (the run would no
        longer match the exported script's) nor move batch norm's running statistics.
        """
        groups = self.dense_groups
        if not groups:
            return []
        self.model.eval()
        rows = slice(0, GRADIENT_ROWS)
        first = groups[0].start
        # the layers before the first dense one need no gradient: the backward pass through a recurrent (or
        # conv) body would cost several times its forward one (seed LSTM: 75 ms in all instead of ~15)
        with torch.no_grad():
            body = self.model[:first](self.x_train[rows])
        with torch.enable_grad():
            loss = self.data_loss(self.model[first:](body), self.y_train[rows])
            weights = [self._linear(group.start).weight for group in groups]
            grads = torch.autograd.grad(loss, weights, allow_unused=True)
        return [torch.zeros(0) if grad is None else grad.detach().reshape(-1) for grad in grads]

    def _gradient_norms(self) -> list[float]:
        if not self.dense_groups:
            return []
        return [float(torch.linalg.vector_norm(grad)) if grad.numel() else 0.0 for grad in self._weight_gradients()]

    def gradients(self) -> dict:
        """The weight-gradient norm of every dense layer at the end of every epoch recorded so far."""
        return {
            "titles": [group.title for group in self.dense_groups],
            "epochs": [epoch for epoch, _ in self.gradient_norms],
            "norms": [list(norms) for _, norms in self.gradient_norms],
        }

    # Probes of the tabular page: cheap, on at most PROBE_ROWS test rows, and at most every PROBE_INTERVAL_S -----
    def _sample(self, inputs: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The first PROBE_ROWS rows (the split is already shuffled, so a prefix is a fair sample)."""
        return inputs[:PROBE_ROWS], targets[:PROBE_ROWS]

    def _throttled(self, name: str, compute) -> dict:
        """A probe, recomputed only for a changed model. While the worker trains (``throttle_probes``) it is
        recomputed at most every ``probe_interval()`` s, a new epoch included, so that the probes in use take
        about a fifth of the time together (six probes of a conv net, each throttled on its own, took ~40 %).
        When training stops, the next request is exact again."""
        key = (self.epoch, self.step, self.revision, self.inspected)
        cached = self._probe_cache.get(name)
        now = time.monotonic()
        if cached is not None:
            cached_key, when, _, probe = cached
            if cached_key == key:
                return probe
            if self.throttle_probes and cached_key[2:] == key[2:] and now - when < self.probe_interval():
                return probe  # same hand edits and same chosen images: only training moved on
        outer_nested, self._nested_cost = self._nested_cost, 0.0
        probe = compute()
        elapsed = time.monotonic() - now
        own = max(0.0, elapsed - self._nested_cost)  # a probe built on another (gallery on test predictions)
        self._nested_cost = outer_nested + elapsed  # counts only its own part
        self._probe_cache[name] = (key, now, own, probe)
        return probe

    def probe_interval(self) -> float:
        """Seconds between two computations of a probe while training: five times what the probes computed in the
        last PROBE_RECENT_S cost together (a probe the page stopped asking for no longer counts), so they take
        about a fifth of the time; never so long that a probe would drop out of its own window."""
        recent = time.monotonic() - PROBE_RECENT_S
        total = sum(cost for _, when, cost, _ in self._probe_cache.values() if when >= recent)
        return min(max(PROBE_INTERVAL_S, 5 * total), PROBE_RECENT_S / 2)

    def confusion(self) -> dict:
        """Counts of (true class, predicted class) on the test rows: where a classifier goes wrong."""
        if self.task == "regression":
            raise ValueError("a confusion matrix needs classes; this is a regression task")
        return self._throttled("confusion", self._confusion)

    def _test_predictions(self) -> torch.Tensor:
        """Predictions on the probe's test rows, computed once for the confusion matrix and the gallery."""
        return self._throttled("test_predictions", lambda: {"values": self.predict(self.x_test[:PROBE_ROWS])})["values"]

    def _confusion(self) -> dict:
        _, targets = self._sample(self.x_test, self.y_test)
        predictions = self._test_predictions()
        if self.task == "binary":
            predicted = (predictions.reshape(-1) > 0.5).long()
            true, n_classes = targets.reshape(-1).long(), 2
        else:
            predicted, true, n_classes = predictions.argmax(dim=-1), targets.long(), int(predictions.shape[-1])
        matrix = torch.bincount(true * n_classes + predicted, minlength=n_classes * n_classes)
        return {"matrix": matrix.reshape(n_classes, n_classes).numpy().astype(np.int64), "rows": len(true)}

    def predictions(self) -> dict:
        """Predicted against true values on the test rows (standardised units): how far a regression is off.

        On a series split in time (``Dataset.ordered``) the test targets are one stretch of it, so the probe adds
        the window before it (``history``) and, when the series is the only input, a free-running forecast from
        there (``rollout``, see ``_rollout``)."""
        if self.task != "regression":
            raise ValueError("predicted-vs-true values need a regression task")
        return self._throttled("predictions", self._predictions)

    def _predictions(self) -> dict:
        _, targets = self._sample(self.x_test, self.y_test)
        predicted = self._test_predictions().reshape(-1).numpy().astype(np.float32)
        probe: dict = {"true": targets.reshape(-1).numpy().astype(np.float32), "predicted": predicted}
        if self.dataset.ordered:
            probe["ordered"] = True
            column = self.dataset.target_column
            window = self.x_test[0]
            if column is not None:
                probe["history"] = window[:, column].numpy().astype(np.float32)
                if window.shape[-1] == 1:
                    probe["rollout"] = self._rollout(window, min(len(targets), ROLLOUT_STEPS))
        return probe

    def histograms(self, bins: int = 30) -> dict:
        """Per layer with weights: a histogram of its weights and of its outputs on the test rows, to show
        saturation (tanh or sigmoid piled at the ends), dead ReLUs (a spike at 0) and exploding weights."""
        return self._throttled("histograms", lambda: self._histograms(bins))

    def _histograms(self, bins: int) -> dict:
        inputs, _ = self._sample(self.x_test, self.y_test)
        # every layer's output of 1,000 images would be ~150 MB for the seed CNN; 1,000 sequences cost a recurrent
        # layer 1,000 x steps cell updates
        if inputs.dim() > 2 or self.sequence_data:
            inputs = inputs[:IMAGE_HISTOGRAM_ROWS]
        outputs: list[np.ndarray] = []
        self.model.eval()
        with torch.no_grad():
            value = inputs
            for module in self.model:
                value = module(value)
                outputs.append(value.reshape(len(value), -1).numpy())
        gradients = dict(zip((g.start for g in self.dense_groups), self._weight_gradients(), strict=True))
        layers = []
        for index, (layer, module) in enumerate(zip(self.config.model.layers, self.model, strict=True)):
            # a Dense layer may be a Sequential of Linear and its activation: look inside for the weight matrix
            weights = weight_matrices(module)
            entry: dict = {"index": index, "title": layer.title()}
            if weights:
                entry["weights"] = _histogram(torch.cat([w.detach().reshape(-1) for w in weights]).numpy(), bins)
            if index in gradients and gradients[index].numel():
                entry["gradients"] = _histogram(gradients[index].numpy(), bins)
            # outputs of every layer that changes values: weights, a nonlinearity (a dead ReLU is a spike at 0)
            # or batch norm; dropout and flatten hand on what they receive
            if (
                weights
                or layer.final_activation() not in (None, "linear")
                or layer.kind == "batchnorm"
                or (index == len(self.model) - 1)
            ):
                entry["activations"] = _histogram(outputs[index].reshape(-1), bins)
                layers.append(entry)
        return {"layers": layers}

    # Image views: filters, feature maps, saliency, a gallery of test images, a drawn digit ----------------
    def _require_images(self) -> tuple[float, float]:
        if self.dataset.image_norm is None:
            raise ValueError("this view needs an image dataset")
        return self.dataset.image_norm

    def _pixels(self, inputs: torch.Tensor) -> np.ndarray:
        """Normalised model inputs back as pixels in [0, 1] (first channel), for drawing."""
        mean, std = self._require_images()
        return (inputs[:, 0] * std + mean).clamp(0, 1).numpy().astype(np.float32)

    def set_sample(self, index: int) -> None:
        """Explain test image ``index`` in the feature-map and saliency views, or test sequence ``index`` in the
        hidden-state view."""
        if not 0 <= index < len(self.x_test):
            noun = "images" if self.dataset.image_norm is not None else "sequences" if self.sequence_data else "rows"
            raise ValueError(f"there are test {noun} 0 to {len(self.x_test) - 1}, not {index}")
        self.sample_index = int(index)
        self.inspected += 1

    def set_drawing(self, pixels: np.ndarray | None) -> None:
        """A drawn image (side x side pixels in [0, 1], already centred and scaled like the data), or None."""
        if pixels is None:
            self.drawing = None
        else:
            mean, std = self._require_images()
            side = self.x_test.shape[-1]
            array = np.asarray(pixels, dtype=np.float32)
            if array.shape != (side, side) or not np.isfinite(array).all():
                raise ValueError(f"a drawing for this data must be {side}x{side} finite pixels, not {array.shape}")
            self.drawing = ((torch.as_tensor(array) - mean) / std)[None, None].expand(1, *self.x_test.shape[1:])
        self.inspected += 1

    def filters(self) -> dict:
        """Every conv layer's kernels [filters, in channels, k, k] (at most MAX_FILTER_CHANNELS channels):
        the first layer's show what each filter looks for in the image."""
        return self._throttled("filters", self._filters)

    def _filters(self) -> dict:
        layers = []
        for index, module in enumerate(self.model):
            conv = module if isinstance(module, nn.Conv2d) else getattr(module, "0", None)
            if isinstance(conv, nn.Conv2d):
                weight = conv.weight.detach()[:, :MAX_FILTER_CHANNELS]
                layers.append(
                    {
                        "index": index,
                        "title": self.config.model.layers[index].title(),
                        "weights": weight.numpy().astype(np.float32).copy(),
                        "in_channels": conv.in_channels,
                    }
                )
        return {"layers": layers}

    def _explain(self, image: torch.Tensor) -> dict:
        """One image through the network: its class probabilities, the output of every layer that still holds
        images, and the saliency (|input gradient| of the predicted class's score, before any final softmax)."""
        self.model.eval()
        maps = []
        value = image
        with torch.no_grad():
            for index, (layer, module) in enumerate(zip(self.config.model.layers, self.model, strict=True)):
                value = module(value)
                if value.dim() == 4:
                    maps.append({"index": index, "title": layer.title(), "maps": value[0].numpy().astype(np.float32)})
            probabilities = self._squash(value)[0]
        predicted = int(probabilities.argmax())
        with torch.enable_grad():
            pixels = image.clone().requires_grad_(True)
            self._scores(pixels)[0, predicted].backward()
        saliency = pixels.grad[0].abs().amax(dim=0)
        # scaled by a high quantile, not the maximum: one extreme pixel would leave all others invisible
        saliency = (saliency / torch.quantile(saliency, 0.99).clamp_min(1e-12)).clamp(max=1.0)
        self.model.zero_grad(set_to_none=True)
        return {
            "image": self._pixels(image)[0],
            "probabilities": probabilities.numpy().astype(np.float32),
            "predicted": predicted,
            "maps": maps,
            "saliency": saliency.numpy().astype(np.float32),
        }

    def _scores(self, inputs: torch.Tensor) -> torch.Tensor:
        """The network's class scores before a final softmax: a saturated softmax (p = 1.0 in float32) has no
        gradient at all, so a saliency map taken after it would be blank for exactly the images it is sure of."""
        *body, last = list(self.model)
        value = inputs
        for module in body:
            value = module(value)
        if isinstance(last, nn.Softmax):
            return value
        if isinstance(last, nn.Sequential) and isinstance(last[-1], nn.Softmax):
            return last[:-1](value)
        return last(value)

    def sample(self) -> dict:
        """The chosen test image explained (see ``_explain``), with its true class and index."""
        self._require_images()
        index = min(self.sample_index, len(self.x_test) - 1)

        def compute() -> dict:
            return {**self._explain(self.x_test[index : index + 1]), "index": index, "true": int(self.y_test[index])}

        return self._throttled("sample", compute)

    def drawn(self) -> dict:
        """The drawn image explained, or ``{"empty": True}`` before anything is drawn."""
        self._require_images()
        if self.drawing is None:
            return {"empty": True}
        return self._throttled("drawn", lambda: self._explain(self.drawing))

    def gallery(self) -> dict:
        """Up to GALLERY_SIZE test images with predicted and true class and confidence, mistakes first (the most
        confident mistakes first), then the least confident right answers."""
        self._require_images()
        return self._throttled("gallery", self._gallery)

    def _gallery(self) -> dict:
        probabilities = self._test_predictions()
        true = self.y_test[: len(probabilities)]
        confidence, predicted = probabilities.max(dim=-1)
        wrong = predicted != true
        # mistakes by falling confidence, then right answers by rising confidence
        order_key = torch.where(wrong, -confidence, 1 + confidence)
        chosen = torch.argsort(order_key)[:GALLERY_SIZE]
        return {
            "indices": chosen.numpy().astype(np.int64),
            "images": (self._pixels(self.x_test[chosen]) * 255).round().astype(np.uint8),
            "predicted": predicted[chosen].numpy().astype(np.int64),
            "true": true[chosen].numpy().astype(np.int64),
            "confidence": confidence[chosen].numpy().astype(np.float32),
            "mistakes": int(wrong.sum()),
            "rows": len(true),
        }

    # Sequence views: forecasts, generated text, hidden states replayed step by step, memory ----------------
    @property
    def sequence_data(self) -> bool:
        """Whether the inputs are sequences: measured values per step, or the characters of a text."""
        return DATASETS[self.config.data.dataset].family in ("sequence", "text")

    def _require_sequences(self) -> None:
        if not self.sequence_data:
            raise ValueError("this view needs sequence data (series or text)")

    @functools.cached_property
    def _vocabulary(self) -> list[str]:
        """The character of each token number of a text dataset."""
        return dataset_class_names(self.config.data)

    def _decode(self, tokens: torch.Tensor) -> str:
        vocabulary = self._vocabulary
        return "".join(vocabulary[int(token)] for token in tokens)

    def set_temperature(self, temperature: float) -> None:
        """How freely ``generated`` samples: low sticks to the likeliest characters, high takes chances."""
        self.temperature = check_temperature(temperature)
        self.inspected += 1

    def _run_free(
        self, window: torch.Tensor, count: int, next_step: Callable[[torch.Tensor], torch.Tensor]
    ) -> list[torch.Tensor]:
        """``count`` times: predict from ``window``, turn the prediction into the next step with ``next_step``,
        and slide the window on by that step. Returns the steps made. One forward pass each, as trained: the
        model only ever saw windows of this length, so it is not run on a growing sequence."""
        made = []
        self.model.eval()
        with torch.no_grad():
            for _ in range(count):
                step = next_step(self._squash(self.model(window[None]))[0]).reshape(1, *window.shape[1:])
                made.append(step[0])
                window = torch.cat([window[1:], step.to(window.dtype)])
        return made

    def _rollout(self, window: torch.Tensor, count: int) -> np.ndarray:
        """A forecast of ``count`` steps after ``window`` that feeds each prediction back in as the next value."""
        steps = self._run_free(window, count, lambda prediction: prediction.reshape(1))
        return torch.stack(steps).reshape(-1).numpy().astype(np.float32) if steps else np.zeros(0, np.float32)

    def generated(self) -> dict:
        """GENERATED_CHARS characters the text model writes after the first test window, sampled one at a time at
        ``temperature`` from a generator seeded per call, so one model at one temperature always writes the same."""
        if not self.config.tokens:
            raise ValueError("generated text needs the text dataset")
        return self._throttled("generated", self._generated)

    def _generated(self) -> dict:
        from playground.data.sequences import sample_next

        rng = np.random.default_rng(self.config.training.seed)
        temperature = self.temperature

        def sample(probabilities: torch.Tensor) -> torch.Tensor:
            return torch.tensor(sample_next(probabilities.numpy(), temperature, rng))

        prompt = self.x_test[0]
        tokens = self._run_free(prompt, GENERATED_CHARS, sample)
        return {
            "prompt": self._decode(prompt),
            "text": self._decode(torch.stack(tokens).reshape(-1)),
            "temperature": temperature,
        }

    def hidden(self) -> dict:
        """The chosen test sequence (``sample_index``) through the network: every recurrent layer's state at
        every step, per stacked depth and direction, with its gates, replayed by hand (``replay_recurrent``)."""
        self._require_sequences()
        index = min(self.sample_index, len(self.x_test) - 1)
        return self._throttled("hidden", lambda: self._hidden(index))

    def _hidden(self, index: int) -> dict:
        inputs = self.x_test[index : index + 1]
        layers = []
        self.model.eval()
        with torch.no_grad():
            value = inputs
            for number, (layer, module) in enumerate(zip(self.config.model.layers, self.model, strict=True)):
                if isinstance(module, RecurrentModule):  # its input: what the layers before it (embedding...) made
                    layers += [
                        {"index": number, "title": layer.title(), **run}
                        for run in replay_recurrent(module.rnn, value[0])
                    ]
                value = module(value)
            output = self._squash(value)[0]
        target = self.y_test[index]
        probe: dict = {"index": index, "layers": layers}
        if self.task == "multiclass":
            probe.update(true=int(target), predicted=int(output.argmax()))
        else:
            probe.update(true=float(target.reshape(-1)[0]), predicted=float(output.reshape(-1)[0]))
        if self.config.tokens:
            probe.update(inputs=inputs[0].numpy().astype(np.int64), text=self._decode(inputs[0]))
        else:
            probe["inputs"] = inputs[0].numpy().astype(np.float32)
        return probe

    def memory(self) -> dict:
        """How far back the network looks: per step t, the mean over MEMORY_ROWS test sequences (and over the
        features) of |d loss / d input_t|, the loss being each sequence's own; for text, with respect to the
        embedding's output vectors (token numbers have no gradient). ``reach``: the steps back from the end that
        hold REACH_SHARE of that gradient mass (see ``memory_reach``)."""
        self._require_sequences()
        return self._throttled("memory", self._memory)

    def _memory(self) -> dict:
        inputs, targets = self.x_test[:MEMORY_ROWS], self.y_test[:MEMORY_ROWS]
        body = self.model
        self.model.eval()
        if isinstance(self.model[0], nn.Embedding):
            with torch.no_grad():
                inputs = self.model[0](inputs)
            body = self.model[1:]
        inputs = inputs.detach().requires_grad_(True)
        with torch.enable_grad():
            # the batch loss is a mean: times the rows, each sequence's gradient is that of its own loss
            loss = self.data_loss(body(inputs), targets) * len(targets)
            (gradient,) = torch.autograd.grad(loss, inputs)
        per_step = gradient.abs().mean(dim=(0, 2)).numpy().astype(np.float32)
        return {"gradient": per_step, "steps": len(per_step), "reach": memory_reach(per_step)}


#: At most this many test rows feed the tabular probes, so they stay cheap on 20,000-row tables.
PROBE_ROWS = 1_000
#: While training, a probe is recomputed at most this often (or less often when probes are costly).
PROBE_INTERVAL_S = 0.5
#: Probes computed within this many seconds count towards the shared budget.
PROBE_RECENT_S = 20.0


def _histogram(values: np.ndarray, bins: int) -> dict:
    """Counts and bin edges (float32), or empty arrays when the values are not finite."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return {"counts": np.zeros(0, np.int64), "edges": np.zeros(0, np.float32)}
    counts, edges = np.histogram(finite, bins=bins)
    return {"counts": counts.astype(np.int64), "edges": edges.astype(np.float32)}


def check_temperature(temperature: float) -> float:
    """The temperature as a float; ValueError outside TEMPERATURE_RANGE."""
    low, high = TEMPERATURE_RANGE
    if not low <= temperature <= high:
        raise ValueError(f"the temperature must lie between {low:g} and {high:g}, not {temperature:g}")
    return float(temperature)


def memory_reach(gradient: np.ndarray, share: float = REACH_SHARE) -> int:
    """The fewest last steps that hold ``share`` of the gradient mass (0 when there is no gradient at all)."""
    total = float(np.sum(gradient, dtype=np.float64))
    if not total > 0:
        return 0
    from_end = np.cumsum(gradient[::-1], dtype=np.float64) / total
    return int(min(np.searchsorted(from_end, share) + 1, len(gradient)))


def replay_recurrent(rnn: nn.RNNBase, inputs: torch.Tensor) -> list[dict]:
    """Run a torch RNN, LSTM or GRU over one sequence ``inputs`` [steps, features] by hand, step by step, to see
    inside: per depth of the stack and per direction (forward first), the hidden state at every step and every
    gate's values, each [units, steps] in time order (a backward direction's state at step t has read steps t to
    the end). Depth k reads depth k - 1's outputs, both directions joined, as torch does (between-layer dropout is
    off in evaluation). The states equal the module's own outputs to float precision."""
    cell = "lstm" if isinstance(rnn, nn.LSTM) else "gru" if isinstance(rnn, nn.GRU) else "rnn"
    directions = ("forward", "backward") if rnn.bidirectional else ("forward",)
    runs = []
    value = inputs
    with torch.no_grad():
        for depth in range(rnn.num_layers):
            outputs = []
            for direction in directions:
                suffix = f"_l{depth}" + ("_reverse" if direction == "backward" else "")
                states, gates = _replay_direction(cell, rnn, suffix, value, reverse=direction == "backward")
                outputs.append(states)
                runs.append(
                    {
                        "cell": cell,
                        "depth": depth,
                        "direction": direction,
                        "states": states.T.numpy().astype(np.float32),
                        "gates": {name: values.T.numpy().astype(np.float32) for name, values in gates.items()},
                    }
                )
            value = torch.cat(outputs, dim=-1)
    return runs


def _replay_direction(
    cell: str, rnn: nn.RNNBase, suffix: str, inputs: torch.Tensor, reverse: bool
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """One direction of one depth: states [steps, units] and gates {name: [steps, units]}, in time order."""
    steps, units = len(inputs), rnn.hidden_size
    projected = inputs @ getattr(rnn, "weight_ih" + suffix).T  # the inputs' share of every gate, all steps at once
    recurrent_weight = getattr(rnn, "weight_hh" + suffix).T
    recurrent_bias = torch.zeros(projected.shape[-1])
    if rnn.bias:
        projected = projected + getattr(rnn, "bias_ih" + suffix)
        recurrent_bias = getattr(rnn, "bias_hh" + suffix)
    names = (*RECURRENT_GATES[cell], "memory") if cell == "lstm" else RECURRENT_GATES[cell] if cell == "gru" else ()
    gates = {name: torch.empty(steps, units) for name in names}
    states = torch.empty(steps, units)
    state = torch.zeros(units)
    memory = torch.zeros(units)
    for t in range(steps - 1, -1, -1) if reverse else range(steps):
        mixed = state @ recurrent_weight + recurrent_bias
        if cell == "lstm":  # torch's row blocks: input, forget, cell (candidate), output
            summed = projected[t] + mixed
            gate_in, forget, out = (torch.sigmoid(summed[k * units : (k + 1) * units]) for k in (0, 1, 3))
            candidate = torch.tanh(summed[2 * units : 3 * units])
            memory = forget * memory + gate_in * candidate
            state = out * torch.tanh(memory)
            for name, values in zip(names, (gate_in, forget, candidate, out, memory), strict=True):
                gates[name][t] = values
        elif cell == "gru":  # reset, update, new; the reset gate scales the state's share of the new candidate
            reset, update = torch.sigmoid(projected[t, : 2 * units] + mixed[: 2 * units]).split(units)
            new = torch.tanh(projected[t, 2 * units :] + reset * mixed[2 * units :])
            state = (1 - update) * new + update * state
            for name, values in zip(names, (reset, update, new), strict=True):
                gates[name][t] = values
        else:
            summed = projected[t] + mixed
            state = torch.relu(summed) if rnn.nonlinearity == "relu" else torch.tanh(summed)
        states[t] = state
    return states, gates
