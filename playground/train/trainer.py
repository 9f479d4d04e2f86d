"""The training loop, epoch by epoch: loss, penalty, metrics, learning-rate schedule and stopping rules.

What the views show of a run (the boundary, neuron maps, filters, hidden states...) is computed from a Trainer by
the probes in ``playground.train.probes``; the state they read (the chosen sample, drawing, neuron, temperature,
their cache) lives here, with the run it belongs to.

Plain tensors and index slicing instead of a DataLoader: on two cores the loader's overhead costs more than
the small models the playground trains.
A run may train on a GPU (``training.device``; ``playground.train.devices``): ``Trainer.model`` is always the
network on the CPU, as the views read it.
"""

from __future__ import annotations

import functools
import math
import threading
import time

import torch
import torch.nn.functional as F
from torch import nn

from playground.checkpoint import Source, load_checkpoint
from playground.config import EVAL_CHUNK, RunConfig, TrainConfig
from playground.data.images import augment_batch
from playground.data.registry import Dataset, load_dataset
from playground.history import history_columns, train_sample
from playground.model import build_model, outputs_probabilities, weight_matrices
from playground.train.batch_curve import BatchCurve
from playground.train.devices import PlacedNetwork, training_device
from playground.train.probes.budget import ProbeCache
from playground.train.probes.plane import gradient_norms
from playground.train.probes.sequences import DEFAULT_TEMPERATURE

#: A batch slower than this can be given up half-way when the worker is asked to pause (``Trainer.train_batches``);
#: quicker batches are not watched inside, as the hooks that watch cost ~10 us per layer on every batch.
INTERRUPTIBLE_BATCH_S = 0.1


class Diverged(RuntimeError):
    """The loss stopped being a finite number."""


class BatchInterrupted(Exception):
    """A batch given up half-way because the worker was asked to pause, stop or reset (``Trainer.train_batches``)."""


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


class Trainer:
    """Owns the model, optimizer and data of one run; trains one epoch at a time."""

    def __init__(self, config: RunConfig, dataset: Dataset | None = None, separate_copy: bool = False) -> None:
        """``separate_copy``: see ``PlacedNetwork``."""
        # Adam's second-moment estimates sink into denormal floats, which made the seed FFN's epochs 10x slower
        # (2.7 s instead of 0.24 s measured); flushing them to zero changes no result we can see.
        torch.set_flush_denormal(True)
        self.config = config
        self.dataset = dataset if dataset is not None else load_dataset(config.data)
        self.task = config.task
        self.loss_name = config.loss
        self.device = training_device(config.training.device)
        self.network = PlacedNetwork(build_model(config), self.device, separate_copy)
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
        self.optimizer = make_optimizer(training.optimizer, self.network.training.parameters(), training.learning_rate)
        self.batch_order = torch.Generator().manual_seed(training.seed)
        self.epoch = 0
        self.step = 0
        self.history: list[dict[str, float]] = []
        self.has_batchnorm = any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in self.model.modules())
        self._epoch_order: torch.Tensor | None = None  # the batch order of an epoch in progress
        self._epoch_cursor = 0
        # the smoothed loss and accuracy of each batch, between the epochs' evaluations (``batch_curve``)
        self.batch_curve = BatchCurve(batches_per_epoch=math.ceil(len(self.x_train) / self.batch_size))
        # a batch slower than INTERRUPTIBLE_BATCH_S trains with hooks that give it up once ``_interrupt`` is set
        self._interrupt: threading.Event | None = None
        self._interrupt_hooks: list | None = None
        self._batch_seconds: float | None = None  # how long the last whole batch took
        self.probe_cache = ProbeCache()  # the probes' last results and costs (``probes.budget``)
        # the test image (or sequence) the views explain (feature maps, saliency; hidden states), a drawn image
        self.sample_index = 0
        self.drawing: torch.Tensor | None = None
        self.temperature = DEFAULT_TEMPERATURE  # how adventurous generated text is (see ``probes.sequences``)
        self.inspected = 0  # counts changes of the three, so their probes are recomputed at once
        self.revision = 0  # counts hand edits of weights, so probes of an edited model are recomputed
        self.focus: tuple[int, int] | None = None  # (column, unit) of the neuron the boundary probe shows
        # (epoch, the weight-gradient norm of each dense layer) at epoch ends, recorded only while a page charts them:
        # a backward pass on GRADIENT_ROWS rows costs ~8 % of a small 2D epoch
        self.record_gradients = False
        self.gradient_norms: list[tuple[int, list[float]]] = []
        self._target_met: float | None = None
        self._patience_met: int | None = None  # the best epoch early stopping last stopped after
        self.train_seconds = 0.0  # wall time of training so far, counted by the worker around its slices
        data = config.data
        self.augmentation = (data.augment_shift, data.augment_rotate, data.augment_noise) if config.augments else None
        # its own generator, so switching augmentation on does not change the batch order
        self.augment_generator = torch.Generator().manual_seed(training.seed + 1)
        self._apply_schedule()

    @property
    def model(self) -> nn.Module:
        """The network as the views, edits, checkpoints and exports see it: on the CPU, wherever the run trains."""
        return self.network.shown

    def weights_edited(self) -> None:
        """The weights of ``model`` were changed by hand or loaded: the views recompute their probes, and the
        network that trains carries on from them."""
        self.revision += 1
        self.network.shown_edited()

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
        return self._patience_ran_out()

    def _patience_ran_out(self) -> tuple[str, str, dict] | None:
        """Early stopping: the test loss has not improved for ``patience`` epochs (announced once per best epoch;
        Play then trains on)."""
        patience = self.training.patience
        if patience is None or not self.history:
            return None
        best = min(range(len(self.history)), key=lambda index: self.history[index]["test_loss"])
        best_epoch = int(self.history[best]["epoch"])
        if self.epoch - best_epoch < patience or self._patience_met == best_epoch:
            return None
        self._patience_met = best_epoch
        loss = self.history[best]["test_loss"]
        english = (
            f"Stopped early: the test loss has not improved for {patience} epochs; it was lowest ({loss:.4g}) "
            f"in epoch {best_epoch}."
        )
        return english, "msg_finished_patience", {"patience": patience, "loss": loss, "epoch": best_epoch}

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
        weights = weight_matrices(self.network.training)
        if self.regularization == "l1":
            return self.reg_rate * sum(w.abs().sum() for w in weights)
        return self.reg_rate * 0.5 * sum((w * w).sum() for w in weights)

    def predict(self, inputs: torch.Tensor) -> torch.Tensor:
        """Probabilities for classification (P(class 1) or one per class), values for regression."""
        return self.squash(self._forward(inputs))

    def _forward(self, inputs: torch.Tensor, training_model: bool = False) -> torch.Tensor:
        """The outputs of ``model`` (or, for the epochs' evaluations, of the network where it trains) in evaluation
        mode, on the CPU, in chunks of EVAL_CHUNK rows: a conv net's activations for thousands of images at once
        overflow the caches (4,000 MNIST images: 0.69 s in one go, 0.33 s in chunks)."""
        model, device = (self.network.training, self.device) if training_model else (self.model, torch.device("cpu"))
        model.eval()
        with torch.no_grad():
            if len(inputs) <= EVAL_CHUNK:
                return model(inputs.to(device)).cpu()
            return torch.cat([model(chunk.to(device)).cpu() for chunk in inputs.split(EVAL_CHUNK)])

    def squash(self, outputs: torch.Tensor) -> torch.Tensor:
        """Network outputs as predictions: logits through the sigmoid or softmax the loss applies."""
        if self.task == "binary" and not self.probabilities and self.loss_name == "bce":
            return torch.sigmoid(outputs)
        if self.task == "multiclass" and not self.probabilities:
            return torch.softmax(outputs, dim=-1)
        return outputs

    def _metrics(self, inputs: torch.Tensor, targets: torch.Tensor, prefix: str) -> dict[str, float]:
        outputs = self._forward(inputs, training_model=True)  # one pass serves the loss and the accuracy or R²
        with torch.no_grad():
            loss = float(self.data_loss(outputs, targets))
            predictions = self.squash(outputs)
        metrics = {f"{prefix}_loss": loss}
        if self.task != "regression":
            metrics[f"{prefix}_accuracy"] = self._accuracy(predictions, targets)
        else:
            residual = ((predictions - targets) ** 2).sum()
            spread = ((targets - targets.mean()) ** 2).sum()
            metrics[f"{prefix}_r2"] = float(1 - residual / spread) if spread > 0 else 0.0
            metrics[f"{prefix}_rmse"] = float(torch.sqrt(residual / len(targets)))
            metrics[f"{prefix}_mae"] = float((predictions - targets).abs().mean())
        return metrics

    def _accuracy(self, predictions: torch.Tensor, targets: torch.Tensor) -> float:
        """The share of rows classified right (classification only)."""
        if self.task == "binary":
            return float(((predictions > 0.5).float() == targets).float().mean())
        return float((predictions.argmax(dim=-1) == targets).float().mean())

    def evaluate(self) -> dict[str, float]:
        """A history row: the training metrics on an even sample of the training rows (``train_sample``), the test
        metrics on every test row."""
        sample = train_sample(len(self.x_train))
        row = {"epoch": self.epoch, **self._metrics(self.x_train[sample], self.y_train[sample], "train")}
        row.update(self._metrics(self.x_test, self.y_test, "test"))
        return {column: row[column] for column in history_columns(self.task, self.config.training.metric)}

    # Training ----------------------------------------------------------------------------------
    def train_epoch(self) -> dict[str, float]:
        """Train to the end of the current epoch; returns its history row. Raises Diverged on NaN or inf."""
        row = self.train_batches(budget_s=None)
        assert row is not None
        return row

    def train_batches(
        self, budget_s: float | None, interrupt: threading.Event | None = None, max_batches: int | None = None
    ) -> dict[str, float] | None:
        """Train shuffled mini-batches until the epoch ends (returns its history row), ``budget_s`` seconds have
        passed or ``max_batches`` batches are trained (returns None; the next call carries on where this one
        stopped).

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
        last_step = None if max_batches is None else self.step + max_batches
        self.network.training.train()
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
            if self._epoch_cursor < len(order) and (
                (deadline is not None and time.perf_counter() >= deadline) or self.step == last_step
            ):
                return None
        self._epoch_order = None
        self.batch_curve.epoch_ended()
        row = {**self.evaluate(), "epoch": self.epoch + 1}
        if not all(math.isfinite(value) for value in row.values()):
            raise Diverged(self._divergence_message())
        self.epoch += 1
        self.history.append(row)
        if self.record_gradients:
            self.gradient_norms.append((self.epoch, gradient_norms(self)))
        return row

    def _train_batch(self, batch: torch.Tensor) -> None:
        """One optimizer step on the training rows ``batch``. Raises Diverged on a NaN or infinite loss."""
        inputs = self.x_train[batch]
        if self.augmentation is not None:
            inputs = self._augment(inputs)
        outputs = self.network.training(inputs.to(self.device))
        targets = self.y_train[batch].to(self.device)
        penalty = self.penalty()
        loss = self.data_loss(outputs, targets) + penalty
        total = loss.item()
        if not math.isfinite(total):
            raise Diverged(self._divergence_message())
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.network.trained()
        done = math.ceil(min(self._epoch_cursor, len(self.x_train)) / self.batch_size)
        data_loss = total - float(penalty.detach()) if isinstance(penalty, torch.Tensor) else total
        accuracy = None if self.task == "regression" else functools.partial(self._batch_accuracy, outputs, targets)
        self.batch_curve.add(self.step + 1, self.epoch, done, data_loss, accuracy)

    def _batch_accuracy(self, outputs: torch.Tensor, targets: torch.Tensor) -> float:
        with torch.no_grad():
            return self._accuracy(self.squash(outputs.detach()), targets)

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
            buffers = [buffer.detach().clone() for buffer in self.network.training.buffers()]
            device_random = torch.cuda.get_rng_state(self.device) if self.device.type == "cuda" else None
            saved = (torch.get_rng_state(), self.augment_generator.get_state(), buffers, device_random)
        began = time.perf_counter()
        self._interrupt = interrupt
        try:
            self._train_batch(batch)
        except BatchInterrupted:
            self.optimizer.zero_grad(set_to_none=True)
            if saved is not None:
                torch.set_rng_state(saved[0])
                self.augment_generator.set_state(saved[1])
                if saved[3] is not None:  # dropout's random numbers on a GPU
                    torch.cuda.set_rng_state(saved[3], self.device)
                with torch.no_grad():
                    for buffer, before in zip(self.network.training.buffers(), saved[2], strict=True):
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

        network = self.network.training
        layers = [module.register_forward_pre_hook(check) for module in network.modules()]
        gradients = [parameter.register_hook(check) for parameter in network.parameters() if parameter.requires_grad]
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

    @functools.cached_property
    def parameter_count(self) -> int:
        """The network's parameters: about the multiply-adds one input costs."""
        return sum(parameter.numel() for parameter in self.model.parameters())


def resume_trainer(path: Source) -> Trainer:
    """A Trainer that carries on from a checkpoint: its weights, history and epoch count.

    The optimizer starts afresh (Adam's moment estimates are not saved), and batch order restarts from the seed.
    """
    config, model, history = load_checkpoint(path)
    if config.training.device != "cpu" and not torch.cuda.is_available():  # trained on a GPU: carries on here
        config = config.model_copy(update={"training": config.training.model_copy(update={"device": "cpu"})})
    trainer = Trainer(config)
    trainer.model.load_state_dict(model.state_dict())
    trainer.weights_edited()
    trainer.history = list(history or [])
    trainer.epoch = len(trainer.history)
    return trainer
