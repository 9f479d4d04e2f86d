"""Layer kinds: each knows its output shape, parameter count and how to build itself.

Shapes exclude the batch axis: ``(features,)`` for vectors, later ``(channels, height, width)`` for images and
``(steps, features)`` for sequences. A new kind (conv, pooling, recurrent) is one more class listed in
``LAYER_KINDS``; nothing else in the engine special-cases a kind.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field
from torch import nn

Shape = tuple[int, ...]

ActivationName = Literal[
    "linear", "relu", "tanh", "sigmoid", "leaky_relu", "elu", "gelu", "silu", "softplus", "softmax"
]
ACTIVATIONS: tuple[str, ...] = ActivationName.__args__  # type: ignore[attr-defined]


class ShapeError(ValueError):
    """A layer cannot accept the shape that reaches it."""


def activation_module(name: str) -> nn.Module:
    """The torch module for an activation name (softmax over the last axis)."""
    modules: dict[str, type[nn.Module]] = {
        "linear": nn.Identity,
        "relu": nn.ReLU,
        "tanh": nn.Tanh,
        "sigmoid": nn.Sigmoid,
        "leaky_relu": nn.LeakyReLU,
        "elu": nn.ELU,
        "gelu": nn.GELU,
        "silu": nn.SiLU,
        "softplus": nn.Softplus,
    }
    if name == "softmax":
        return nn.Softmax(dim=-1)
    return modules[name]()


class LayerBase(BaseModel):
    """Common behaviour; subclasses set ``kind`` and override the shape maths."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def output_shape(self, in_shape: Shape) -> Shape:
        return in_shape

    def param_count(self, in_shape: Shape) -> int:
        return 0

    def build(self, in_shape: Shape) -> nn.Module:
        raise NotImplementedError

    def title(self) -> str:
        """A short human name, as in a Keras summary."""
        return type(self).__name__

    def final_activation(self) -> str | None:
        """The nonlinearity this layer ends with, if any (the trainer picks its loss form from the last one)."""
        return None

    def _require_vector(self, in_shape: Shape) -> int:
        if len(in_shape) != 1:
            raise ShapeError(
                f"{self.title()} needs a flat vector, but receives shape {in_shape}; add a flatten layer first"
            )
        return in_shape[0]


class Dense(LayerBase):
    """Fully connected layer: every input feeds every unit."""

    kind: Literal["dense"] = "dense"
    units: int = Field(ge=1, le=4096, description="number of neurons")
    activation: ActivationName = "linear"

    def output_shape(self, in_shape: Shape) -> Shape:
        self._require_vector(in_shape)
        return (self.units,)

    def param_count(self, in_shape: Shape) -> int:
        return (self._require_vector(in_shape) + 1) * self.units

    def build(self, in_shape: Shape) -> nn.Module:
        linear = nn.Linear(self._require_vector(in_shape), self.units)
        if self.activation == "linear":
            return linear
        return nn.Sequential(linear, activation_module(self.activation))

    def title(self) -> str:
        return f"Dense({self.units}, {self.activation})"

    def final_activation(self) -> str | None:
        return self.activation


class Activation(LayerBase):
    """A stand-alone nonlinearity, applied element-wise."""

    kind: Literal["activation"] = "activation"
    function: ActivationName

    def build(self, in_shape: Shape) -> nn.Module:
        return activation_module(self.function)

    def title(self) -> str:
        return f"Activation({self.function})"

    def final_activation(self) -> str | None:
        return self.function


class Dropout(LayerBase):
    """Zeroes a random share of inputs while training, to fight over-fitting."""

    kind: Literal["dropout"] = "dropout"
    rate: float = Field(ge=0.0, lt=1.0, description="share of inputs dropped while training")

    def build(self, in_shape: Shape) -> nn.Module:
        return nn.Dropout(self.rate)

    def title(self) -> str:
        return f"Dropout({self.rate:g})"


class BatchNorm(LayerBase):
    """Normalises each feature over the batch, then rescales it with a learned scale and shift."""

    kind: Literal["batchnorm"] = "batchnorm"

    def param_count(self, in_shape: Shape) -> int:
        return 2 * self._require_vector(in_shape)

    def build(self, in_shape: Shape) -> nn.Module:
        return nn.BatchNorm1d(self._require_vector(in_shape))

    def title(self) -> str:
        return "BatchNorm"


class Flatten(LayerBase):
    """Turns any shape into one flat vector."""

    kind: Literal["flatten"] = "flatten"

    def output_shape(self, in_shape: Shape) -> Shape:
        return (math.prod(in_shape),)

    def build(self, in_shape: Shape) -> nn.Module:
        return nn.Flatten()

    def title(self) -> str:
        return "Flatten"


LAYER_KINDS: tuple[type[LayerBase], ...] = (Dense, Activation, Dropout, BatchNorm, Flatten)

#: Any layer of a RunConfig, told apart by its ``kind``; built from the registry above, so a new kind is one entry.
LayerSpec = Annotated[Union[LAYER_KINDS], Field(discriminator="kind")]  # noqa: UP007
