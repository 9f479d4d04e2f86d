"""Build a torch module from a RunConfig's layer stack."""

from __future__ import annotations

import torch
from torch import nn

from playground.config import RunConfig


def build_model(config: RunConfig) -> nn.Sequential:
    """One torch module per LayerSpec, in order, initialised from the training seed."""
    torch.manual_seed(config.training.seed)
    shape = config.input_shape
    modules = []
    for layer in config.model.layers:
        modules.append(layer.build(shape))
        shape = layer.output_shape(shape)
    return nn.Sequential(*modules)


def outputs_probabilities(config: RunConfig) -> bool:
    """True when the network already ends in probabilities, as the seed models do: sigmoid for a binary task,
    softmax for a multiclass one. Otherwise its outputs are logits and the loss applies the squashing itself."""
    wanted = {"binary": "sigmoid", "multiclass": "softmax"}.get(config.task)
    return wanted is not None and config.model.layers[-1].final_activation() == wanted


def weight_matrices(model: nn.Module) -> list[torch.Tensor]:
    """The weights a penalty and the weight histograms cover: matrices and kernels, not biases nor batch norm's
    scales; a recurrent layer's are named weight_ih_l0, weight_hh_l0, ..."""
    return [p for name, p in model.named_parameters() if name.rsplit(".", 1)[-1].startswith("weight") and p.dim() > 1]
