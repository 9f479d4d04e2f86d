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
    """True when the last layer already squashes to probabilities (sigmoid or softmax), as in the seed models."""
    last = config.model.layers[-1]
    function = getattr(last, "activation", None) or getattr(last, "function", None)
    return function in ("sigmoid", "softmax")


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
