"""What the user points the probes at, or edits by hand: the neuron the boundary shows, the test image or
sequence explained, a drawn image, the text's temperature, one weight or bias. Each change that alters a probe's
result counts in ``trainer.inspected`` (or ``trainer.revision`` for edits), so cached probes are recomputed at once."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import torch

from playground.train.probes.images import require_images
from playground.train.probes.plane import dense_groups, dense_linear
from playground.train.probes.sequences import check_temperature, sequence_data

if TYPE_CHECKING:
    from playground.train.trainer import Trainer


def set_focus(trainer: Trainer, focus: tuple[int, int] | None) -> None:
    """Show one neuron's output in the boundary probe (``(column, unit)``), or the network's (None)."""
    focus = None if focus is None else (int(focus[0]), int(focus[1]))
    if focus != trainer.focus:
        trainer.focus = focus
        trainer.inspected += 1


def set_sample(trainer: Trainer, index: int) -> None:
    """Explain test image ``index`` in the feature-map and saliency views, or test sequence ``index`` in the
    hidden-state view."""
    if not 0 <= index < len(trainer.x_test):
        images = trainer.dataset.image_norm is not None
        noun = "images" if images else "sequences" if sequence_data(trainer) else "rows"
        raise ValueError(f"there are test {noun} 0 to {len(trainer.x_test) - 1}, not {index}")
    trainer.sample_index = int(index)
    trainer.inspected += 1


def set_drawing(trainer: Trainer, pixels: np.ndarray | None) -> None:
    """A drawn image (side x side pixels in [0, 1], already centred and scaled like the data), or None."""
    if pixels is None:
        trainer.drawing = None
    else:
        mean, std = require_images(trainer)
        shape = trainer.x_test.shape
        side = shape[-1]
        array = np.asarray(pixels, dtype=np.float32)
        if array.shape != (side, side) or not np.isfinite(array).all():
            raise ValueError(f"a drawing for this data must be {side}x{side} finite pixels, not {array.shape}")
        trainer.drawing = ((torch.as_tensor(array) - mean) / std)[None, None].expand(1, *shape[1:])
    trainer.inspected += 1


def set_temperature(trainer: Trainer, temperature: float) -> None:
    """How freely ``sequences.generated`` samples: low sticks to the likeliest characters, high takes chances."""
    trainer.temperature = check_temperature(temperature)
    trainer.inspected += 1


def set_parameter(trainer: Trainer, column: int, unit: int, source: int | None, value: float) -> None:
    """Set one weight (from input ``source`` of the column before) or, with ``source=None``, the bias of a
    unit of a dense column (1 = the first dense layer); training carries on from the edited network."""
    groups = dense_groups(trainer)
    if not 1 <= column <= len(groups):
        raise ValueError(f"there is no dense column {column}; columns are 1 to {len(groups)}")
    linear = dense_linear(trainer, groups[column - 1].start)
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
    trainer.weights_edited()
