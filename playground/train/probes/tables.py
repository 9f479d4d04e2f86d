"""Probes of the tables page (and of the other pages' Mistakes and Histograms views): cheap, on at most
PROBE_ROWS test rows, and throttled by the shared budget."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from playground.model import weight_matrices
from playground.train.probes.budget import PICTURE_PROBE_INTERVAL_S, throttled
from playground.train.probes.plane import dense_groups, weight_gradients
from playground.train.probes.sequences import ROLLOUT_STEPS, rollout, sequence_data

if TYPE_CHECKING:
    from playground.train.trainer import Trainer

#: At most this many test rows feed the tabular probes, so they stay cheap on 20,000-row tables.
PROBE_ROWS = 1_000
#: Test rows whose layer outputs the histograms cover: a histogram's shape needs a sample, not every row (1,000
#: rows through 8 layers of 32 cost the 2D page's charts 3.4 ms a probe, and slowed its neuron maps by a quarter).
HISTOGRAM_ROWS = 256
#: Images (or sequences) whose layer outputs the histograms cover: every layer's output of 1,000 images would be
#: ~150 MB for the seed CNN, and 1,000 sequences cost a recurrent layer 1,000 x steps cell updates.
IMAGE_HISTOGRAM_ROWS = 128


def test_predictions(trainer: Trainer, floor: float | None = None) -> torch.Tensor:
    """Predictions on the probes' test rows, computed once for the confusion matrix and the gallery (``floor``: as
    often as a probe painted live needs them, see ``budget.throttled``)."""
    compute = lambda: {"values": trainer.predict(trainer.x_test[:PROBE_ROWS])}  # noqa: E731
    return throttled(trainer, "test_predictions", compute, floor)["values"]


def confusion(trainer: Trainer) -> dict:
    """Counts of (true class, predicted class) on the test rows: where a classifier goes wrong. The charts under a
    live view paint it, like the histograms: up to ten times a second while training, as the probes' budget allows
    (the convolutions page's Mistakes view paints it as often)."""
    if trainer.task == "regression":
        raise ValueError("a confusion matrix needs classes; this is a regression task")
    return throttled(trainer, "confusion", lambda: _confusion(trainer), PICTURE_PROBE_INTERVAL_S)


def _confusion(trainer: Trainer) -> dict:
    targets = trainer.y_test[:PROBE_ROWS]  # the split is already shuffled, so a prefix is a fair sample
    predictions = test_predictions(trainer, PICTURE_PROBE_INTERVAL_S)
    if trainer.task == "binary":
        predicted = (predictions.reshape(-1) > 0.5).long()
        true, n_classes = targets.reshape(-1).long(), 2
    else:
        predicted, true, n_classes = predictions.argmax(dim=-1), targets.long(), int(predictions.shape[-1])
    matrix = torch.bincount(true * n_classes + predicted, minlength=n_classes * n_classes)
    return {"matrix": matrix.reshape(n_classes, n_classes).numpy().astype(np.int64), "rows": len(true)}


def predictions(trainer: Trainer) -> dict:
    """Predicted against true values on the test rows (standardised units): how far a regression is off.

    On a series split in time (``Dataset.ordered``) the test targets are one stretch of it, so the probe adds
    the window before it (``history``) and, when the series is the only input, a free-running forecast from
    there (``rollout``, see ``sequences.rollout``). Painted live: while training it is recomputed up to ten times a
    second, as the probes' budget allows."""
    if trainer.task != "regression":
        raise ValueError("predicted-vs-true values need a regression task")
    return throttled(trainer, "predictions", lambda: _predictions(trainer), floor=PICTURE_PROBE_INTERVAL_S)


def _predictions(trainer: Trainer) -> dict:
    targets = trainer.y_test[:PROBE_ROWS]
    predicted = test_predictions(trainer, PICTURE_PROBE_INTERVAL_S).reshape(-1).numpy().astype(np.float32)
    probe: dict = {"true": targets.reshape(-1).numpy().astype(np.float32), "predicted": predicted}
    if trainer.dataset.ordered:
        probe["ordered"] = True
        column = trainer.dataset.target_column
        window = trainer.x_test[0]
        if column is not None:
            probe["history"] = window[:, column].numpy().astype(np.float32)
            if window.shape[-1] == 1:
                probe["rollout"] = rollout(trainer, window, min(len(targets), ROLLOUT_STEPS))
    return probe


def histograms(trainer: Trainer, bins: int = 30) -> dict:
    """Per layer with weights: a histogram of its weights and of its outputs on the test rows, to show
    saturation (tanh or sigmoid piled at the ends), dead ReLUs (a spike at 0) and exploding weights."""
    return throttled(trainer, "histograms", lambda: _histograms(trainer, bins), PICTURE_PROBE_INTERVAL_S)


def _histograms(trainer: Trainer, bins: int) -> dict:
    inputs = trainer.x_test[:HISTOGRAM_ROWS]
    if inputs.dim() > 2 or sequence_data(trainer):
        inputs = inputs[:IMAGE_HISTOGRAM_ROWS]
    outputs: list[np.ndarray] = []
    model = trainer.model
    model.eval()
    with torch.no_grad():
        value = inputs
        for module in model:
            value = module(value)
            outputs.append(value.reshape(len(value), -1).numpy())
    groups = dense_groups(trainer)
    gradients = dict(zip((group.start for group in groups), weight_gradients(trainer), strict=True))
    layers = []
    for index, (layer, module) in enumerate(zip(trainer.config.model.layers, model, strict=True)):
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
            or (index == len(model) - 1)
        ):
            entry["activations"] = _histogram(outputs[index].reshape(-1), bins)
            layers.append(entry)
    return {"layers": layers}


def _histogram(values: np.ndarray, bins: int) -> dict:
    """Counts over ``bins`` equal bins from the lowest value to the highest (about as ``np.histogram``: the last
    bin closed, a value on an inner edge may fall in the bin below it) and their edges (float32), or empty arrays
    when the values are not finite. Counted with ``bincount``: ``np.histogram``'s own overhead, ~50 us a call, took
    most of the 4 ms the 27 histograms of 8 x 32 cost."""
    finite = values[np.isfinite(values)].astype(np.float64, copy=False)
    if finite.size == 0:
        return {"counts": np.zeros(0, np.int64), "edges": np.zeros(0, np.float32)}
    low, high = float(finite.min()), float(finite.max())
    if high <= low:  # one value: a bin of width 1 around it, as np.histogram does
        low, high = low - 0.5, high + 0.5
    index = ((finite - low) * (bins / (high - low))).astype(np.int64)
    counts = np.bincount(index.clip(0, bins - 1), minlength=bins)
    return {"counts": counts.astype(np.int64), "edges": np.linspace(low, high, bins + 1).astype(np.float32)}
