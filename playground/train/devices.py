"""Where a run trains: on the CPU, or on a GPU (``training.device``).

A run on a GPU trains a copy of its network there, while the views, edits, checkpoints and exports keep reading
the network on the CPU, which takes the trained weights when it is first read after training: no probe needs to
know where the run trains, and the views cost the GPU nothing. The data stays on the CPU; each batch moves over.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from playground.config import ConfigError


def training_device(name: str) -> torch.device:
    """The device a run trains on; ConfigError in one line when this process has none of that kind."""
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("training.device: cuda, but PyTorch finds no GPU on this machine; choose cpu")
    return torch.device(name)


class PlacedNetwork:
    """A run's network on the CPU (``shown``) and the one that trains (``training``): the same module on the CPU,
    else a copy on the device. ``separate_copy`` makes a copy even on the CPU, as on a GPU: the tests check the
    copying on machines without a GPU."""

    def __init__(self, network: nn.Module, device: torch.device, separate_copy: bool = False) -> None:
        self.device = device
        self.elsewhere = separate_copy or device.type != "cpu"
        self._shown = network
        self.training = copy.deepcopy(network).to(device) if self.elsewhere else network
        self.stale = False  # set after each optimizer step of a copy: ``shown`` still has the weights before

    @property
    def shown(self) -> nn.Module:
        """The network on the CPU, with the weights (and batch norm's statistics) of the one that trains."""
        if self.stale:
            self._shown.load_state_dict(self.training.state_dict())
            self.stale = False
        return self._shown

    def trained(self) -> None:
        """The network that trains changed (an optimizer step)."""
        self.stale = self.elsewhere

    def shown_edited(self) -> None:
        """The weights of ``shown`` were changed by hand or loaded: the copy that trains carries on from them."""
        if self.elsewhere:
            self.training.load_state_dict(self.shown.state_dict())
