"""Layer kinds: each knows its output shape, parameter count and how to build itself.

Shapes exclude the batch axis: ``(features,)`` for vectors, later ``(channels, height, width)`` for images and
``(steps, features)`` for sequences. A new kind (conv, pooling, recurrent) is one more class listed in
``LAYER_KINDS``; nothing else in the engine special-cases a kind.
"""

from __future__ import annotations

import math
from typing import Annotated, ClassVar, Literal, Union

import torch
from pydantic import BaseModel, ConfigDict, Field, model_validator
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

    def kept_values(self, in_shape: Shape) -> int:
        """Values per sample this layer keeps for the backward pass (its output, by default): what a training
        batch costs in memory, estimated from the shapes before anything is allocated."""
        return math.prod(self.output_shape(in_shape))

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

    def _require_vector_or_sequence(self, in_shape: Shape) -> int:
        if len(in_shape) not in (1, 2):
            raise ShapeError(
                f"{self.title()} needs a flat vector or a sequence (steps, features), but receives shape {in_shape}; "
                "add a flatten layer first"
            )
        return in_shape[-1]

    def _require_sequence(self, in_shape: Shape) -> Shape:
        if len(in_shape) != 2:
            hint = (  # one axis: a text's character numbers, a recurrent layer's last step, or a flatten's vector
                "on text, start with an embedding layer; after a recurrent layer, turn on its all steps (return "
                "sequences); or remove the flatten layer"
                if len(in_shape) == 1
                else "it works on sequences only"
            )
            raise ShapeError(f"{self.title()} needs sequences (steps, features), but receives shape {in_shape}; {hint}")
        return in_shape

    def _require_image(self, in_shape: Shape) -> Shape:
        if len(in_shape) != 3:
            raise ShapeError(
                f"{self.title()} needs images (channels, height, width), but receives shape {in_shape}; "
                "put it before the flatten layer"
            )
        return in_shape


class Dense(LayerBase):
    """Fully connected layer: every input feeds every unit. On a sequence it is applied to every step alike
    (Keras's Dense on sequences does the same)."""

    kind: Literal["dense"] = "dense"
    units: int = Field(ge=1, le=4096, description="number of neurons")
    activation: ActivationName = "linear"

    def output_shape(self, in_shape: Shape) -> Shape:
        self._require_vector_or_sequence(in_shape)
        return (*in_shape[:-1], self.units)

    def param_count(self, in_shape: Shape) -> int:
        return (self._require_vector_or_sequence(in_shape) + 1) * self.units

    def build(self, in_shape: Shape) -> nn.Module:
        linear = nn.Linear(self._require_vector_or_sequence(in_shape), self.units)
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
    """Normalises each feature (or each channel of images, as Keras's one BatchNormalization does) over the
    batch, then rescales it with a learned scale and shift."""

    kind: Literal["batchnorm"] = "batchnorm"

    def _features(self, in_shape: Shape) -> int:
        if len(in_shape) == 3:
            return in_shape[0]
        if len(in_shape) == 2:
            raise ShapeError(
                f"{self.title()} normalises vectors or images, but receives a sequence of shape {in_shape}; put it "
                "after a recurrent layer that hands on only its last step, or add a flatten layer first"
            )
        return self._require_vector(in_shape)

    def param_count(self, in_shape: Shape) -> int:
        return 2 * self._features(in_shape)

    def build(self, in_shape: Shape) -> nn.Module:
        if len(in_shape) == 3:
            return nn.BatchNorm2d(in_shape[0])
        return nn.BatchNorm1d(self._features(in_shape))

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


PaddingName = Literal["valid", "same"]


def _sliding_size(size: int, window: int, stride: int) -> int:
    """Positions of a window sliding over ``size`` pixels without padding (PyTorch's and Keras's floor)."""
    return (size - window) // stride + 1


class Conv2d(LayerBase):
    """A bank of small filters slid over the image: each makes one feature map of where its pattern appears."""

    kind: Literal["conv2d"] = "conv2d"
    filters: int = Field(ge=1, le=512, description="number of filters, i.e. output channels")
    kernel_size: int = Field(3, ge=1, le=11, description="side of each square filter in pixels")
    stride: int = Field(1, ge=1, le=4, description="pixels the filter moves per step")
    padding: PaddingName = Field("valid", description="valid: no border, the map shrinks; same: zero border")
    activation: ActivationName = "relu"

    @model_validator(mode="after")
    def _same_padding_possible(self) -> Conv2d:
        if self.padding == "same" and self.stride > 1 and self.kernel_size % 2 == 0:
            raise ValueError("same padding with a stride above 1 needs an odd kernel size")
        return self

    def _padding_pixels(self) -> int:
        return self.kernel_size // 2 if self.padding == "same" else 0

    def output_shape(self, in_shape: Shape) -> Shape:
        channels, height, width = self._require_image(in_shape)
        if self.padding == "same":
            return (self.filters, -(-height // self.stride), -(-width // self.stride))
        if min(height, width) < self.kernel_size:
            raise ShapeError(
                f"a {self.kernel_size}x{self.kernel_size} filter needs images of at least that size, but receives "
                f"{height}x{width} (shape {in_shape}); use a smaller kernel, same padding or less pooling before it"
            )
        return (
            self.filters,
            _sliding_size(height, self.kernel_size, self.stride),
            _sliding_size(width, self.kernel_size, self.stride),
        )

    def param_count(self, in_shape: Shape) -> int:
        channels = self._require_image(in_shape)[0]
        return (channels * self.kernel_size * self.kernel_size + 1) * self.filters

    def build(self, in_shape: Shape) -> nn.Module:
        channels = self._require_image(in_shape)[0]
        padding: int | str = "same" if self.padding == "same" and self.stride == 1 else self._padding_pixels()
        conv = nn.Conv2d(channels, self.filters, self.kernel_size, stride=self.stride, padding=padding)
        if self.activation == "linear":
            return conv
        return nn.Sequential(conv, activation_module(self.activation))

    def title(self) -> str:
        extra = "".join(
            [f", stride {self.stride}" if self.stride > 1 else "", ", same" if self.padding == "same" else ""]
        )
        return f"Conv2D({self.filters}, {self.kernel_size}x{self.kernel_size}{extra}, {self.activation})"

    def final_activation(self) -> str | None:
        return self.activation


class _Pool2d(LayerBase):
    """Shared shape maths of max and average pooling: a window of ``pool_size`` moved by ``stride`` (its own
    size when not set), dropping what does not fit (Keras's "valid")."""

    pool_size: int = Field(2, ge=1, le=8, description="side of the pooling window in pixels")
    stride: int | None = Field(None, ge=1, le=8, description="pixels the window moves; empty means its own size")

    @property
    def step(self) -> int:
        return self.stride or self.pool_size

    def output_shape(self, in_shape: Shape) -> Shape:
        channels, height, width = self._require_image(in_shape)
        if min(height, width) < self.pool_size:
            raise ShapeError(
                f"a {self.pool_size}x{self.pool_size} window needs images of at least that size, but receives "
                f"{height}x{width} (shape {in_shape}); remove a pooling layer or use a smaller window"
            )
        return (
            channels,
            _sliding_size(height, self.pool_size, self.step),
            _sliding_size(width, self.pool_size, self.step),
        )

    def _stride_title(self) -> str:
        return f", stride {self.stride}" if self.stride and self.stride != self.pool_size else ""


class MaxPool2d(_Pool2d):
    """Keeps the strongest response in each window: smaller maps that still say whether a pattern was there."""

    kind: Literal["maxpool2d"] = "maxpool2d"

    def build(self, in_shape: Shape) -> nn.Module:
        self._require_image(in_shape)
        return nn.MaxPool2d(self.pool_size, stride=self.step)

    def title(self) -> str:
        return f"MaxPool2D({self.pool_size}x{self.pool_size}{self._stride_title()})"


class AvgPool2d(_Pool2d):
    """Averages each window: smaller, smoother maps."""

    kind: Literal["avgpool2d"] = "avgpool2d"

    def build(self, in_shape: Shape) -> nn.Module:
        self._require_image(in_shape)
        return nn.AvgPool2d(self.pool_size, stride=self.step)

    def title(self) -> str:
        return f"AvgPool2D({self.pool_size}x{self.pool_size}{self._stride_title()})"


class GlobalAvgPool(LayerBase):
    """The mean of each feature map: images (channels, height, width) become a vector of channels."""

    kind: Literal["global_avg_pool"] = "global_avg_pool"

    def output_shape(self, in_shape: Shape) -> Shape:
        return (self._require_image(in_shape)[0],)

    def build(self, in_shape: Shape) -> nn.Module:
        self._require_image(in_shape)
        return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())

    def title(self) -> str:
        return "GlobalAvgPool2D"


#: PyTorch's recurrent modules and the gates each has (their weights stack one block of rows per gate).
RECURRENT_GATES: dict[str, tuple[str, ...]] = {
    "rnn": ("hidden",),
    "lstm": ("input", "forget", "cell", "output"),
    "gru": ("reset", "update", "new"),
}


class RecurrentModule(nn.Module):
    """A torch RNN, LSTM or GRU over (batch, steps, features) that hands on every step's output or only the
    last one; bidirectional, the last one is the forward direction's last step next to the backward direction's
    first (each direction's final state, as Keras's Bidirectional returns)."""

    def __init__(
        self, cell: str, input_size: int, units: int, num_layers: int, bidirectional: bool, return_sequences: bool
    ) -> None:
        super().__init__()
        torch_class = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.rnn = torch_class(input_size, units, num_layers=num_layers, batch_first=True, bidirectional=bidirectional)
        self.return_sequences = return_sequences

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        outputs, _ = self.rnn(inputs)
        if self.return_sequences:
            return outputs
        if not self.rnn.bidirectional:
            return outputs[:, -1]
        units = self.rnn.hidden_size
        return torch.cat([outputs[:, -1, :units], outputs[:, 0, units:]], dim=-1)


class _Recurrent(LayerBase):
    """Shared settings and shape maths of the recurrent kinds: a state carried from step to step."""

    units: int = Field(ge=1, le=1024, description="size of the state carried from step to step")
    num_layers: int = Field(1, ge=1, le=4, description="recurrent layers stacked, each reading the one below")
    bidirectional: bool = Field(False, description="also read the sequence backwards and join both states")
    return_sequences: bool = Field(
        False, description="hand on every step's output (for another recurrent layer) instead of the last one"
    )

    @property
    def width(self) -> int:
        """Features of each output step: the units, twice when bidirectional."""
        return self.units * (2 if self.bidirectional else 1)

    def output_shape(self, in_shape: Shape) -> Shape:
        steps, _ = self._require_sequence(in_shape)
        return (steps, self.width) if self.return_sequences else (self.width,)

    def param_count(self, in_shape: Shape) -> int:
        features = self._require_sequence(in_shape)[1]
        gates = len(RECURRENT_GATES[self.kind])
        directions = 2 if self.bidirectional else 1
        total = 0
        for depth in range(self.num_layers):
            inputs = features if depth == 0 else self.width
            total += directions * gates * (inputs * self.units + self.units * self.units + 2 * self.units)
        return total

    def kept_values(self, in_shape: Shape) -> int:
        """Every step of every stacked layer and direction keeps its gates, state (and an LSTM's memory cell)."""
        steps = self._require_sequence(in_shape)[0]
        per_step = self.units * (len(RECURRENT_GATES[self.kind]) + 2)
        return steps * per_step * self.num_layers * (2 if self.bidirectional else 1)

    def build(self, in_shape: Shape) -> nn.Module:
        features = self._require_sequence(in_shape)[1]
        return RecurrentModule(
            self.kind, features, self.units, self.num_layers, self.bidirectional, self.return_sequences
        )

    def title(self) -> str:
        extra = "".join(
            [
                f" x{self.num_layers}" if self.num_layers > 1 else "",
                ", bidirectional" if self.bidirectional else "",
                ", sequences" if self.return_sequences else "",
            ]
        )
        return f"{self.display_name}({self.units}{extra})"

    def final_activation(self) -> str | None:
        return "tanh"

    display_name: ClassVar[str] = "Recurrent"


class SimpleRNN(_Recurrent):
    """The plainest recurrent layer: new state = tanh(input and old state mixed); forgets fast."""

    kind: Literal["rnn"] = "rnn"
    display_name: ClassVar[str] = "SimpleRNN"


class LSTM(_Recurrent):
    """Long short-term memory: gates decide what a cell state keeps, adds and shows, so it remembers far back."""

    kind: Literal["lstm"] = "lstm"
    display_name: ClassVar[str] = "LSTM"


class GRU(_Recurrent):
    """Gated recurrent unit: an LSTM with two gates and no separate cell state."""

    kind: Literal["gru"] = "gru"
    display_name: ClassVar[str] = "GRU"


class Embedding(LayerBase):
    """Turns each token number (a character of a text) into a learned vector: (steps,) -> (steps, dim)."""

    kind: Literal["embedding"] = "embedding"
    vocab_size: int = Field(ge=2, le=100_000, description="how many different tokens it knows")
    dim: int = Field(16, ge=1, le=1024, description="length of each token's vector")

    def _require_tokens(self, in_shape: Shape) -> int:
        if len(in_shape) != 1:
            raise ShapeError(
                f"{self.title()} needs token numbers (steps,), but receives shape {in_shape}; it belongs first, on text"
            )
        return in_shape[0]

    def output_shape(self, in_shape: Shape) -> Shape:
        return (self._require_tokens(in_shape), self.dim)

    def param_count(self, in_shape: Shape) -> int:
        self._require_tokens(in_shape)
        return self.vocab_size * self.dim

    def build(self, in_shape: Shape) -> nn.Module:
        self._require_tokens(in_shape)
        return nn.Embedding(self.vocab_size, self.dim)

    def title(self) -> str:
        return f"Embedding({self.vocab_size}, {self.dim})"


LAYER_KINDS: tuple[type[LayerBase], ...] = (
    Dense,
    Activation,
    Dropout,
    BatchNorm,
    Flatten,
    Conv2d,
    MaxPool2d,
    AvgPool2d,
    GlobalAvgPool,
    SimpleRNN,
    LSTM,
    GRU,
    Embedding,
)

#: Any layer of a RunConfig, told apart by its ``kind``; built from the registry above, so a new kind is one entry.
LayerSpec = Annotated[Union[LAYER_KINDS], Field(discriminator="kind")]  # noqa: UP007
