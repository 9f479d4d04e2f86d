"""Each layer kind written as PyTorch and as Keras source code: one entry per kind in ``LAYER_SOURCE``.

The PyTorch form mirrors ``LayerBase.build`` module for module (the tests compare them), so an exported script
builds the same network, with the same parameter names and initial weights, as the playground. Where the
playground builds a module of its own (``RecurrentModule``), the script defines that class with its copied source.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from torch import nn

from playground.config import RunConfig
from playground.export import ExportError
from playground.layers import (
    GRU,
    LSTM,
    Activation,
    AvgPool2d,
    BatchNorm,
    Conv2d,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    GlobalAvgPool,
    LayerBase,
    MaxPool2d,
    RecurrentModule,
    Shape,
    SimpleRNN,
)

_TORCH_ACTIVATIONS = {
    "linear": "nn.Identity()",
    "relu": "nn.ReLU()",
    "tanh": "nn.Tanh()",
    "sigmoid": "nn.Sigmoid()",
    "leaky_relu": "nn.LeakyReLU()",
    "elu": "nn.ELU()",
    "gelu": "nn.GELU()",
    "silu": "nn.SiLU()",
    "softplus": "nn.Softplus()",
    "softmax": "nn.Softmax(dim=-1)",
}

#: Keras's names for the activations that mean the same function there (gelu is exact, elu's alpha is 1 in both).
_KERAS_ACTIVATIONS = {
    name: name for name in ("linear", "relu", "tanh", "sigmoid", "elu", "gelu", "silu", "softplus", "softmax")
}
#: Keras's leaky ReLU has a slope of 0.2 or 0.3 below zero, PyTorch's 0.01: a layer with torch's slope.
_KERAS_LEAKY_RELU = "layers.LeakyReLU(negative_slope=0.01)"


#: PyTorch's softmax runs over the last axis; on images (channels, height, width) that is the width, which is
#: axis 2 of Keras's channels-last batches (batch, height, width, channels).
_KERAS_IMAGE_SOFTMAX = "layers.Softmax(axis=2)"


def _keras_activation(name: str, shape: Shape = (1,)) -> str:
    """The Keras layer for an activation applied to values of ``shape`` (without the batch axis)."""
    if name == "leaky_relu":
        return _KERAS_LEAKY_RELU
    if name == "softmax" and len(shape) == 3:
        return _KERAS_IMAGE_SOFTMAX
    return f'layers.Activation("{_KERAS_ACTIVATIONS[name]}")'


def _dense_torch(layer: Dense, in_shape: Shape) -> str:
    linear = f"nn.Linear({in_shape[-1]}, {layer.units})"  # on sequences, applied to each step's features
    if layer.activation == "linear":
        return linear
    return f"nn.Sequential({linear}, {_TORCH_ACTIVATIONS[layer.activation]})"


def _dense_keras(layer: Dense, in_shape: Shape, kernel_regularizer: str | None) -> list[str]:
    arguments = [str(layer.units)]
    if layer.activation not in ("linear", "leaky_relu"):
        arguments.append(f'activation="{_KERAS_ACTIVATIONS[layer.activation]}"')
    if kernel_regularizer:
        arguments.append(f"kernel_regularizer={kernel_regularizer}")
    dense = f"layers.Dense({', '.join(arguments)})"
    return [dense, _KERAS_LEAKY_RELU] if layer.activation == "leaky_relu" else [dense]


def _activation_torch(layer: Activation, in_shape: Shape) -> str:
    return _TORCH_ACTIVATIONS[layer.function]


def _activation_keras(layer: Activation, in_shape: Shape, kernel_regularizer: str | None) -> list[str]:
    return [_keras_activation(layer.function, in_shape)]


def _dropout_torch(layer: Dropout, in_shape: Shape) -> str:
    return f"nn.Dropout({layer.rate!r})"


def _dropout_keras(layer: Dropout, in_shape: Shape, kernel_regularizer: str | None) -> list[str]:
    return [f"layers.Dropout({layer.rate!r})"]


def _batchnorm_torch(layer: BatchNorm, in_shape: Shape) -> str:
    # on images, one mean and spread per channel (Keras's channels-last BatchNormalization does the same)
    return f"nn.BatchNorm2d({in_shape[0]})" if len(in_shape) == 3 else f"nn.BatchNorm1d({in_shape[0]})"


def _batchnorm_keras(layer: BatchNorm, in_shape: Shape, kernel_regularizer: str | None) -> list[str]:
    # PyTorch's defaults: Keras's momentum is the share kept (torch's 0.1 is the share replaced), epsilon 1e-5.
    return ["layers.BatchNormalization(momentum=0.9, epsilon=1e-5)"]


def _flatten_torch(layer: Flatten, in_shape: Shape) -> str:
    return "nn.Flatten()"


def _flatten_keras(layer: Flatten, in_shape: Shape, kernel_regularizer: str | None) -> list[str]:
    return ["layers.Flatten()"]


def _conv2d_torch(layer: Conv2d, in_shape: Shape) -> str:
    arguments = [str(in_shape[0]), str(layer.filters), f"kernel_size={layer.kernel_size}"]
    if layer.stride > 1:
        arguments.append(f"stride={layer.stride}")
    if layer.padding == "same":
        # torch's padding="same" allows stride 1 only; an odd kernel with kernel_size // 2 pixels of zeros on each
        # side gives the same ceil(size / stride) outputs at any stride
        arguments.append('padding="same"' if layer.stride == 1 else f"padding={layer.kernel_size // 2}")
    conv = f"nn.Conv2d({', '.join(arguments)})"
    if layer.activation == "linear":
        return conv
    return f"nn.Sequential({conv}, {_TORCH_ACTIVATIONS[layer.activation]})"


def _conv2d_keras(layer: Conv2d, in_shape: Shape, kernel_regularizer: str | None) -> list[str]:
    arguments = [str(layer.filters), str(layer.kernel_size)]
    if layer.stride > 1:
        arguments.append(f"strides={layer.stride}")
    if layer.padding == "same":
        arguments.append('padding="same"')
    separate = layer.activation == "leaky_relu" or layer.activation == "softmax"  # see _keras_activation
    if layer.activation != "linear" and not separate:
        arguments.append(f'activation="{_KERAS_ACTIVATIONS[layer.activation]}"')
    if kernel_regularizer:
        arguments.append(f"kernel_regularizer={kernel_regularizer}")
    conv = f"layers.Conv2D({', '.join(arguments)})"
    return [conv, _keras_activation(layer.activation, (layer.filters, 1, 1))] if separate else [conv]


def _pool_torch(module: str) -> Callable[[MaxPool2d | AvgPool2d, Shape], str]:
    def source(layer: MaxPool2d | AvgPool2d, in_shape: Shape) -> str:
        stride = f", stride={layer.step}" if layer.step != layer.pool_size else ""  # torch's default: the window
        return f"nn.{module}({layer.pool_size}{stride})"

    return source


def _pool_keras(name: str) -> Callable[[MaxPool2d | AvgPool2d, Shape, str | None], list[str]]:
    def source(layer: MaxPool2d | AvgPool2d, in_shape: Shape, kernel_regularizer: str | None) -> list[str]:
        strides = f", strides={layer.step}" if layer.step != layer.pool_size else ""  # Keras's default: the window
        return [f"layers.{name}({layer.pool_size}{strides})"]

    return source


def _global_avg_pool_torch(layer: GlobalAvgPool, in_shape: Shape) -> str:
    return "nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())"


def _global_avg_pool_keras(layer: GlobalAvgPool, in_shape: Shape, kernel_regularizer: str | None) -> list[str]:
    return ["layers.GlobalAveragePooling2D()"]


def _recurrent_torch(layer: SimpleRNN | LSTM | GRU, in_shape: Shape) -> str:
    return (
        f'{RecurrentModule.__name__}("{layer.kind}", {in_shape[-1]}, {layer.units}, num_layers={layer.num_layers}, '
        f"bidirectional={layer.bidirectional}, return_sequences={layer.return_sequences})"
    )


#: Keras's recurrent layer for each kind. Keras's GRU (reset_after=True, its default) is PyTorch's formulation,
#: two bias vectors included; Keras's SimpleRNN and LSTM have one bias per gate where PyTorch has two.
_KERAS_RECURRENT = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


def _recurrent_keras(layer: SimpleRNN | LSTM | GRU, in_shape: Shape, kernel_regularizer: str | None) -> list[str]:
    """``num_layers`` Keras layers: all but the last hand every step on to the next, as a stacked torch module does;
    bidirectional, each is wrapped in ``Bidirectional``, which joins the forward and backward outputs like torch.
    The penalty covers both matrices, as the Trainer's covers torch's ``weight_ih`` and ``weight_hh``.
    """
    penalties = []
    if kernel_regularizer:
        penalties = [f"kernel_regularizer={kernel_regularizer}", f"recurrent_regularizer={kernel_regularizer}"]
    calls = []
    for depth in range(layer.num_layers):
        sequences = layer.return_sequences if depth == layer.num_layers - 1 else True
        arguments = [str(layer.units), *(["return_sequences=True"] if sequences else []), *penalties]
        call = f"layers.{_KERAS_RECURRENT[layer.kind]}({', '.join(arguments)})"
        calls.append(f'layers.Bidirectional({call}, merge_mode="concat")' if layer.bidirectional else call)
    return calls


def _embedding_torch(layer: Embedding, in_shape: Shape) -> str:
    return f"nn.Embedding({layer.vocab_size}, {layer.dim})"


def _embedding_keras(layer: Embedding, in_shape: Shape, kernel_regularizer: str | None) -> list[str]:
    arguments = [f"input_dim={layer.vocab_size}", f"output_dim={layer.dim}"]
    if kernel_regularizer:  # the table is a weight matrix too: the Trainer's penalty weighs it
        arguments.append(f"embeddings_regularizer={kernel_regularizer}")
    return [f"layers.Embedding({', '.join(arguments)})"]


class LayerSource(NamedTuple):
    """How to write one layer kind: a torch module expression, the Keras layer expressions, and the playground's
    own module classes the torch expression uses (a script copies their source)."""

    torch: Callable[[Any, Shape], str]
    keras: Callable[[Any, Shape, str | None], list[str]]
    classes: tuple[type[nn.Module], ...] = ()


#: Keyed by ``kind``; a new layer kind adds one entry here.
LAYER_SOURCE: dict[str, LayerSource] = {
    "dense": LayerSource(_dense_torch, _dense_keras),
    "activation": LayerSource(_activation_torch, _activation_keras),
    "dropout": LayerSource(_dropout_torch, _dropout_keras),
    "batchnorm": LayerSource(_batchnorm_torch, _batchnorm_keras),
    "flatten": LayerSource(_flatten_torch, _flatten_keras),
    "conv2d": LayerSource(_conv2d_torch, _conv2d_keras),
    "maxpool2d": LayerSource(_pool_torch("MaxPool2d"), _pool_keras("MaxPooling2D")),
    "avgpool2d": LayerSource(_pool_torch("AvgPool2d"), _pool_keras("AveragePooling2D")),
    "global_avg_pool": LayerSource(_global_avg_pool_torch, _global_avg_pool_keras),
    **{kind: LayerSource(_recurrent_torch, _recurrent_keras, (RecurrentModule,)) for kind in _KERAS_RECURRENT},
    "embedding": LayerSource(_embedding_torch, _embedding_keras),
}


def layers_with_inputs(config: RunConfig) -> list[tuple[LayerBase, Shape]]:
    """Every layer with the shape that reaches it, as ``build_model`` walks them."""
    shape = config.input_shape
    walked = []
    for layer in config.model.layers:
        walked.append((layer, shape))
        shape = layer.output_shape(shape)
    return walked


def layer_source(layer: LayerBase) -> LayerSource:
    try:
        return LAYER_SOURCE[layer.kind]  # type: ignore[attr-defined]
    except KeyError:
        raise ExportError(f"{layer.title()} layers cannot be exported yet") from None


def torch_source(layer: LayerBase, in_shape: Shape) -> str:
    """A torch module expression that builds what ``layer.build(in_shape)`` builds."""
    return layer_source(layer).torch(layer, in_shape)


def module_classes(config: RunConfig) -> list[type[nn.Module]]:
    """The playground's own module classes the config's torch source uses, each once, in the order they appear."""
    return list(dict.fromkeys(cls for layer in config.model.layers for cls in layer_source(layer).classes))


def keras_source(layer: LayerBase, in_shape: Shape, kernel_regularizer: str | None = None) -> list[str]:
    """The Keras layer expressions for ``layer``, channels-last; the regularizer applies to the weight matrices of
    dense, conv and recurrent layers and to an embedding's table only (not biases, not batch norm's scales), as
    the Trainer's penalty does."""
    return layer_source(layer).keras(layer, in_shape, kernel_regularizer)
