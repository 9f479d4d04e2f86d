"""Probes of a network on 2D points: the output over the plane (the decision boundary), TF Playground's network
picture (every neuron's map, weights and biases), and how strongly each dense layer learns (gradient norms)."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from playground.data import two_d
from playground.train.probes.budget import PICTURE_PROBE_INTERVAL_S, PLANE_PROBE_INTERVAL_S, throttled

if TYPE_CHECKING:
    from playground.train.trainer import Trainer

#: Side of the grid each neuron's small map is computed on (TF Playground draws its node maps 10 cells wide).
NEURON_MAP_RESOLUTION = 20
#: Multiply-adds one probe over the plane (the boundary, the neuron maps) may take: the grid gets coarser for a big
#: network, down to PLANE_MIN_RESOLUTION (a link may carry 16.8 M parameters; the 100 x 100 boundary grid through
#: them took 25 s a snapshot, and the run hardly trained).
PLANE_PROBE_MACS = 200_000_000
#: The same while the run trains, so that a big network's boundary still changes many times a second within the
#: probes' budget: 8 hidden layers of 32 neurons take 16 ms on 100 x 100 (the view changed 11 times a second on
#: screen), 8 ms on 74 x 74 (13 a second), 4 ms on 51 x 51 and 2.3 ms on 40 x 40, this limit: with the Inside the
#: network charts on beside it, 51 x 51 let its maps change 19.5 times a second in the worker, 40 x 40 with every
#: snapshot (38.5). Paused, the grid is the full one again.
PLANE_LIVE_PROBE_MACS = 12_000_000
PLANE_MIN_RESOLUTION = 10
#: Neurons of one layer the network view draws at most (the simple controls' widest layer): a wider layer shows
#: its first ones, with the links among them, and the view says how many it left out.
NETWORK_VIEW_UNITS = 32
#: Neuron maps the network view draws at most, all columns together: 64 layers of thousands of units still make
#: a frame of a few hundred KB (a map is ``resolution ** 2`` bytes on the wire).
NETWORK_VIEW_MAPS = 1_024
#: Training rows the gradient probes use: enough for a stable norm, cheap next to an epoch.
GRADIENT_ROWS = 256


@dataclass(frozen=True)
class DenseGroup:
    """A dense layer and the element-wise layers after it: one column of the network view."""

    start: int  # index of the dense layer in the layer stack
    end: int  # one past its last element-wise follower
    units: int
    title: str
    activation: str  # the nonlinearity the column ends with
    low: float  # where the colour scale of its maps starts: 0 for probabilities and sigmoid, else -1


def network_view_units(units: list[int]) -> list[int]:
    """How many neurons of each column the network view draws: the first ``NETWORK_VIEW_UNITS`` of a layer, fewer
    when the columns together would pass ``NETWORK_VIEW_MAPS`` (the same number for every wide column)."""
    per_column = max(1, min(NETWORK_VIEW_UNITS, NETWORK_VIEW_MAPS // max(1, len(units))))
    return [min(count, per_column) for count in units]


def dense_groups(trainer: Trainer) -> list[DenseGroup]:
    """The network as TF Playground draws it: one column per dense layer, each with the element-wise layers
    (activation, batch norm, dropout) that follow it; the last column is the output."""
    layers = trainer.config.model.layers
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
        probabilities = last and trainer.task != "regression"
        low = 0.0 if probabilities or final in ("sigmoid", "softmax") else -1.0
        groups.append(DenseGroup(start, end, layers[start].units, layers[start].title(), final or "linear", low))
    return groups


def dense_linear(trainer: Trainer, layer_index: int) -> nn.Linear:
    """The ``nn.Linear`` of dense layer ``layer_index`` (a Dense layer may be a Sequential of it and its activation)."""
    module = trainer.model[layer_index]
    return module if isinstance(module, nn.Linear) else module[0]


def boundary(trainer: Trainer, resolution: int = 100) -> dict:
    """The model's output over the data plane, row-major with y outer, for the decision-boundary view; with a
    ``focus`` set, the output of that one neuron instead (TF Playground's click on a neuron). A network too big
    for the grid gets a coarser one, recomputed like the other costly probes (``budget.throttled``)."""
    return _on_plane(trainer, "boundary", _boundary, resolution)


def network(trainer: Trainer, resolution: int = NEURON_MAP_RESOLUTION) -> dict:
    """The network view's columns (see ``_network``), on a coarser grid for a very big network. The small maps keep
    their grid while training (a new grid would rebuild the view at every Play and Pause)."""
    return _on_plane(trainer, "network", _network, resolution, live=False)


def _on_plane(
    trainer: Trainer, name: str, probe: Callable[[Trainer, int], dict], resolution: int, live: bool = True
) -> dict:
    """A probe over a ``resolution``-square grid of the plane, or over as fine a grid as PLANE_PROBE_MACS allows
    for this network (PLANE_LIVE_PROBE_MACS while it trains, if ``live``), recomputed for every snapshot while that
    costs the probes in use no more than the shared budget (``budget.PLANE_PROBE_INTERVAL_S``)."""
    macs = PLANE_LIVE_PROBE_MACS if live and trainer.probe_cache.throttle else PLANE_PROBE_MACS
    fits = math.isqrt(macs // max(1, trainer.parameter_count))
    coarse = min(resolution, max(PLANE_MIN_RESOLUTION, fits))
    compute = functools.partial(probe, trainer, coarse)
    return throttled(trainer, name, compute, PLANE_PROBE_INTERVAL_S, variant=coarse)


def _boundary(trainer: Trainer, resolution: int) -> dict:
    _, _, grid = two_d.boundary_grid(resolution)
    inputs = torch.as_tensor(two_d.feature_matrix(grid, trainer.config.data.features), dtype=torch.float32)
    probe: dict = {"resolution": resolution, "extent": two_d.COORD_LIMIT}
    if trainer.focus is not None:
        column, unit = trainer.focus
        groups = dense_groups(trainer)
        if 1 <= column <= len(groups) and 0 <= unit < groups[column - 1].units:
            values = group_outputs(trainer, inputs)[column - 1][:, unit].numpy()
            probe.update(values=values.astype(np.float32), lo=groups[column - 1].low, focus=[column, unit])
            return probe
    predictions = trainer.predict(inputs).numpy()
    if trainer.task == "multiclass":
        probe["values"] = predictions.argmax(axis=1).astype(np.int8)
        probe["confidence"] = predictions.max(axis=1).astype(np.float32)
    else:
        probe["values"] = predictions.reshape(-1).astype(np.float32)
        probe["lo"] = -1.0 if trainer.task == "regression" else 0.0  # where the colour scale starts
    return probe


def group_outputs(trainer: Trainer, inputs: torch.Tensor) -> list[torch.Tensor]:
    """Each dense group's output for ``inputs``; the last one squashed into predictions like ``predict``."""
    groups = dense_groups(trainer)
    ends = {group.end - 1: number for number, group in enumerate(groups)}
    outputs: list[torch.Tensor] = []
    trainer.model.eval()
    with torch.no_grad():
        value = inputs
        for index, module in enumerate(trainer.model):
            value = module(value)
            if index in ends:
                outputs.append(value)
    if outputs and groups[-1].end == len(trainer.model):
        outputs[-1] = trainer.squash(outputs[-1])
    return outputs


def _network(trainer: Trainer, resolution: int) -> dict:
    """Per column: the maps of its drawn units over the plane [shown, res * res], and for dense columns their
    incoming weights from the drawn units of the column before [shown, shown before] and biases [shown].
    Inputs come first, scaled to [-1, 1] for drawing.

    ``units`` is a column's real width and ``shown`` how many of its first neurons the view draws (see
    ``network_view_units``): a 4,096-wide layer sends 32 maps and a 32 x 32 block of its weights, not 4,096
    maps and its whole matrix. The forward pass still runs whole (a drawn neuron needs every input), but only
    the drawn neurons' outputs and parameters are copied out.
    """
    _, _, grid = two_d.boundary_grid(resolution)
    features = trainer.config.data.features
    inputs = torch.as_tensor(two_d.feature_matrix(grid, features), dtype=torch.float32)
    scale = inputs.abs().amax(dim=0).clamp_min(1e-6)
    groups = dense_groups(trainer)
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
    for number, (group, output) in enumerate(zip(groups, group_outputs(trainer, inputs), strict=True), start=1):
        linear = dense_linear(trainer, group.start)
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


# Gradients: how strongly each layer learns (vanishing gradients made visible) -------------------------------
def weight_gradients(trainer: Trainer) -> list[torch.Tensor]:
    """The data-loss gradient of each dense layer's weights on up to GRADIENT_ROWS training rows.

    In evaluation mode: a probe must not draw dropout masks from the random generator (the run would no
    longer match the exported script's) nor move batch norm's running statistics.
    """
    groups = dense_groups(trainer)
    if not groups:
        return []
    model = trainer.model
    model.eval()
    rows = slice(0, GRADIENT_ROWS)
    first = groups[0].start
    # the layers before the first dense one need no gradient: the backward pass through a recurrent (or
    # conv) body would cost several times its forward one (seed LSTM: 75 ms in all instead of ~15)
    with torch.no_grad():
        body = model[:first](trainer.x_train[rows])
    with torch.enable_grad():
        loss = trainer.data_loss(model[first:](body), trainer.y_train[rows])
        weights = [dense_linear(trainer, group.start).weight for group in groups]
        grads = torch.autograd.grad(loss, weights, allow_unused=True)
    return [torch.zeros(0) if grad is None else grad.detach().reshape(-1) for grad in grads]


def gradient_norms(trainer: Trainer) -> list[float]:
    """The weight-gradient norm of every dense layer now (what the trainer records at epoch ends)."""
    return [float(torch.linalg.vector_norm(grad)) if grad.numel() else 0.0 for grad in weight_gradients(trainer)]


def gradients(trainer: Trainer) -> dict:
    """The weight-gradient norm of every dense layer at the end of every epoch recorded so far. Through the probe
    cache, so that one result stays the same object until it is recomputed: a page paints it, with the other
    charts, only when it is new."""

    def compute() -> dict:
        return {
            "titles": [group.title for group in dense_groups(trainer)],
            "epochs": [epoch for epoch, _ in trainer.gradient_norms],
            "norms": [list(norms) for _, norms in trainer.gradient_norms],
        }

    return throttled(trainer, "gradients", compute, PICTURE_PROBE_INTERVAL_S)
