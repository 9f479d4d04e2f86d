"""RunConfig: the one object that describes a run (data + model + training).

Widgets build it, presets and URLs store it, the worker receives it and exports are generated from it.
Validation happens here, once, with messages that name the field and say what is allowed.
"""

from __future__ import annotations

import base64
import json
import math
import re
import zlib
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from playground.data.hashed_store import shorten
from playground.data.registry import DATASETS, data_task, dataset_classes, dataset_input_shape, kind_of
from playground.data.two_d import FEATURES
from playground.layers import LAYER_KINDS, Dense, Embedding, LayerBase, LayerSpec, Shape, ShapeError
from playground.limits import check_limit, limits, over_limit

Task = Literal["binary", "multiclass", "regression"]
OptimizerName = Literal["sgd", "momentum", "adam", "rmsprop", "adamw"]
LossName = Literal["auto", "bce", "cross_entropy", "mse", "mae"]
Regularization = Literal["none", "l1", "l2"]
ScheduleName = Literal["constant", "step", "cosine"]
MetricName = Literal["auto", "mae"]
DeviceName = Literal["cpu", "cuda"]

#: TensorFlow Playground's learning-rate choices, offered by the 2D page.
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
#: TensorFlow Playground's regularisation-rate choices.
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


#: Seeds the generators accept (NumPy's and scikit-learn's take 32 bits).
MAX_SEED = 2**32 - 1

#: Rows the trainer evaluates at once without gradients (a conv net's activations for 4,000 images at once
#: were twice as slow): the activation budget counts them too.
EVAL_CHUNK = 256

#: A training batch keeps each layer's output and, during the backward pass, its gradient and a temporary:
#: about three float32 values per kept value.
_BYTES_PER_KEPT_VALUE = 3 * 4

#: Problems a refusal lists before "and N more", and the characters it may take.
MAX_LISTED_PROBLEMS, MAX_MESSAGE = 3, 300


class ConfigError(ValueError):
    """A config that cannot run; the message is meant for the user as it is."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataConfig(_Section):
    dataset: str = "circle"
    n_points: int = Field(500, ge=100, le=20_000, description="number of points or samples")
    noise: int = Field(0, ge=0, le=50, description="label noise in percent")
    train_share: int = Field(50, ge=10, le=90, description="percent of the data used for training")
    features: list[str] = Field(default_factory=lambda: ["x1", "x2"], description="2D input features")
    n_classes: int = Field(3, ge=2, le=5, description="classes of a multiclass dataset")
    n_features: int = Field(100, ge=2, le=1000, description="features of a tabular dataset")
    seed: int = Field(0, ge=0, le=MAX_SEED, description="seed of the data generator")
    upload: str | None = Field(
        None,
        description="sha256 of an uploaded table (dataset 'upload'), a stored 2D point set (dataset 'custom') "
        "or stored images (dataset 'image_upload')",
    )
    normalize: Literal["unit", "standard"] = Field(
        "unit", description="images: pixels in [0, 1] (unit) or minus the training mean, over the spread (standard)"
    )
    augment_shift: int = Field(0, ge=0, le=6, description="images: training images move up to this many pixels")
    augment_rotate: int = Field(0, ge=0, le=45, description="images: training images turn up to this many degrees")
    augment_noise: int = Field(0, ge=0, le=50, description="images: noise added to training images, in percent")
    steps: int = Field(100, ge=2, le=400, description="sequences: time steps each input sequence holds (its window)")
    frequency: int = Field(4, ge=1, le=20, description="sine: cycles of the main wave per 100 steps")

    @field_validator("dataset")
    @classmethod
    def _known_dataset(cls, name: str) -> str:
        if name not in DATASETS:
            raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
        return name

    @field_validator("features")
    @classmethod
    def _known_features(cls, features: list[str]) -> list[str]:
        unknown = [f for f in features if f not in FEATURES]
        if unknown:
            raise ValueError(f"unknown feature {unknown[0]!r}; choose from {', '.join(FEATURES)}")
        if not features:
            raise ValueError("pick at least one input feature")
        if len(set(features)) != len(features):
            raise ValueError("each feature may appear once")
        return features

    @model_validator(mode="after")
    def _limits_of_dataset(self) -> DataConfig:
        """The dataset's kind says whether these settings fit it (its upload, sizes, classes)."""
        kind_of(self).check(self)
        return self


class ModelConfig(_Section):
    layers: list[LayerSpec] = Field(min_length=1, description="the layer stack, output layer last")

    @model_validator(mode="before")
    @classmethod
    def _few_enough_layers(cls, raw: object) -> object:
        """Count the layers before pydantic looks at each one: a link of a few KB can hold a million entries."""
        layers = raw.get("layers") if isinstance(raw, dict) else None
        if isinstance(layers, list):
            check_limit("layers", len(layers), limits().max_layers, "layers")
        return raw


class TrainConfig(_Section):
    optimizer: OptimizerName = "sgd"
    learning_rate: float = Field(0.03, gt=0, le=10, description="step size of each update")
    batch_size: int = Field(10, ge=1, le=4096)
    regularization: Regularization = "none"
    reg_rate: float = Field(0.0, ge=0, le=10, description="strength of the weight penalty")
    loss: LossName = "auto"
    epochs: int = Field(
        100,
        ge=1,
        le=100_000,
        description="epochs of a run: the command line and exported code train this many, cosine decay spans them, "
        "and the page stops here when stop_at_epochs is on",
    )
    seed: int = Field(0, ge=0, le=MAX_SEED, description="seed of weight initialisation and batch order")
    schedule: ScheduleName = Field("constant", description="how the learning rate changes from epoch to epoch")
    step_every: int = Field(50, ge=1, le=100_000, description="step decay: epochs between two decays")
    step_factor: float = Field(0.5, gt=0, le=1, description="step decay: the rate is multiplied by this at each step")
    stop_at_epochs: bool = Field(False, description="the page pauses the run by itself after `epochs` epochs")
    target_test_loss: float | None = Field(
        None, gt=0, description="stop as soon as an epoch ends with a test loss at or below this"
    )
    patience: int | None = Field(
        None,
        ge=1,
        le=10_000,
        description="early stopping: stop once the test loss has not improved for this many epochs",
    )
    metric: MetricName = Field(
        "auto", description="regression: mae adds the mean absolute error to the history (train_mae, test_mae)"
    )
    device: DeviceName = Field(
        "cpu", description="where the run trains: cpu, or cuda on a server (or Ray cluster) with an NVIDIA GPU"
    )

    def scheduled_rate(self, base_rate: float, epoch: int) -> float:
        """The learning rate for the epoch numbered ``epoch`` (0 for the first) under the schedule."""
        if self.schedule == "step":
            return base_rate * self.step_factor ** (epoch // self.step_every)
        if self.schedule == "cosine":
            return base_rate * 0.5 * (1.0 + math.cos(math.pi * min(epoch, self.epochs) / self.epochs))
        return base_rate


@dataclass(frozen=True)
class LayerInfo:
    """One row of a model summary."""

    index: int
    title: str
    output_shape: Shape
    params: int


_ALLOWED_LOSSES: dict[str, tuple[str, ...]] = {
    "binary": ("bce", "mse"),
    "multiclass": ("cross_entropy",),
    "regression": ("mse", "mae"),
}
_DEFAULT_LOSS = {"binary": "bce", "multiclass": "cross_entropy", "regression": "mse"}


class RunConfig(_Section):
    name: str = Field("", max_length=200)
    data: DataConfig = Field(default_factory=DataConfig)
    model: ModelConfig
    training: TrainConfig = Field(default_factory=TrainConfig)

    @property
    def task(self) -> Task:
        return data_task(self.data)  # type: ignore[return-value]

    @property
    def input_shape(self) -> Shape:
        return dataset_input_shape(self.data)

    @property
    def output_size(self) -> int:
        return dataset_classes(self.data) if self.task == "multiclass" else 1

    @property
    def augments(self) -> bool:
        """Whether training images are shifted, turned or made noisy (the trainer and the exports follow this)."""
        data = self.data
        return kind_of(data).images and any((data.augment_shift, data.augment_rotate, data.augment_noise))

    @property
    def loss(self) -> str:
        """The loss actually used: the user's choice, or the usual one for the task."""
        return _DEFAULT_LOSS[self.task] if self.training.loss == "auto" else self.training.loss

    @property
    def tokens(self) -> bool:
        """Whether the inputs are token numbers (characters of a text) rather than measured values."""
        return kind_of(self.data).tokens

    @model_validator(mode="after")
    def _runnable(self) -> RunConfig:
        if self.training.loss != "auto" and self.training.loss not in _ALLOWED_LOSSES[self.task]:
            allowed = ", ".join(_ALLOWED_LOSSES[self.task])
            raise ValueError(f"training.loss: {self.training.loss} does not fit a {self.task} task; use {allowed}")
        if self.training.metric == "mae" and self.task != "regression":
            raise ValueError(f"training.metric: mae measures a regression, not a {self.task} task; use auto")
        self._check_embedding()
        infos = infer_shapes(self.model.layers, self.input_shape)
        total = sum(info.params for info in infos)
        if total > limits().max_params:
            raise ValueError(
                over_limit("model.layers", total, limits().max_params, "parameters") + "; use fewer or smaller layers"
            )
        self._check_activation_memory()
        out = infos[-1].output_shape
        if out != (self.output_size,):
            need = f"{self.output_size} output" + ("s" if self.output_size > 1 else "")
            raise ValueError(
                f"model.layers[{len(infos) - 1}] {infos[-1].title}: the network ends with shape {out}, "
                f"but a {self.task} task on {self.data.dataset} needs {need}"
                + (
                    "; it still has one output per step: turn off all steps (return sequences) in the last recurrent "
                    "layer, or add a flatten layer"
                    if len(out) == 2
                    else ""
                )
            )
        ending = self.model.layers[-1].final_activation()
        index = len(self.model.layers) - 1
        if ending == "softmax" and self.output_size == 1:
            raise ValueError(f"model.layers[{index}]: softmax over one output is always 1; use sigmoid")
        if ending == "sigmoid" and self.task == "multiclass":
            raise ValueError(
                f"model.layers[{index}]: a multiclass output needs softmax or no activation (logits), not sigmoid"
            )
        if self.training.batch_size == 1 and any(layer.kind == "batchnorm" for layer in self.model.layers):
            raise ValueError("training.batch_size: batch norm needs batches of at least 2 samples")
        return self

    def activation_mb(self) -> int:
        """Memory (MB) the largest of a training batch and an evaluation chunk needs for its activations,
        estimated from the shapes alone, so that a run that would exhaust the worker is refused before it starts."""
        shape = self.input_shape
        kept = math.prod(shape)
        for layer in self.model.layers:
            kept += layer.kept_values(shape)
            shape = layer.output_shape(shape)
        rows = max(self.training.batch_size, EVAL_CHUNK // 3)  # evaluation keeps no gradients: a third each
        return math.ceil(rows * kept * _BYTES_PER_KEPT_VALUE / 2**20)

    def _check_activation_memory(self) -> None:
        needed, budget = self.activation_mb(), limits().max_activation_mb
        if needed > budget:
            raise ValueError(
                f"training.batch_size: a batch of {self.training.batch_size:,} needs about {needed:,} MB for the "
                f"activations of these layers, over the limit of {budget:,} MB; use a smaller batch, fewer filters or "
                "units, or smaller inputs"
            )

    def _check_embedding(self) -> None:
        """Token numbers must go through an embedding first, and only they: a number of a character is no
        measurement a dense or recurrent layer could weigh."""
        layers = self.model.layers
        for index, layer in enumerate(layers):
            if isinstance(layer, Embedding) and (index or not self.tokens):
                raise ValueError(
                    f"model.layers[{index}] {layer.title()}: an embedding turns token numbers into vectors, so it "
                    "belongs first, on a text dataset"
                )
        if not self.tokens:
            return
        first = layers[0]
        if not isinstance(first, Embedding):
            raise ValueError(
                f"model.layers[0] {first.title()}: text arrives as character numbers; start with an embedding layer"
            )
        characters = dataset_classes(self.data)
        if first.vocab_size < characters:
            raise ValueError(
                f"model.layers[0] {first.title()}: the text has {characters} different characters; set vocab_size "
                f"to at least {characters}"
            )

    def summary(self) -> list[LayerInfo]:
        return infer_shapes(self.model.layers, self.input_shape)

    def total_params(self) -> int:
        return sum(info.params for info in self.summary())

    # Round trips -------------------------------------------------------------------------------
    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> RunConfig:
        """A config from JSON text of any origin (a setup file, a checkpoint, a link), sizes checked first."""
        try:
            check_limit("the config", len(text), limits().max_config_bytes, "bytes")
            check_limit("the config's nesting", json_depth(text), limits().max_json_depth, "levels")
            return cls.model_validate_json(text)
        except ValidationError as error:
            raise ConfigError(describe_validation_error(error)) from None
        except ValueError as error:  # the limits, and RecursionError is no ValueError: json_depth came first
            raise ConfigError(str(error)) from None

    @classmethod
    def from_dict(cls, data: dict) -> RunConfig:
        try:
            most = limits().max_json_depth
            check_limit("the config's nesting", dict_depth(data, most + 1), most, "levels")
            return cls.model_validate(data)
        except ValidationError as error:
            raise ConfigError(describe_validation_error(error)) from None
        except ValueError as error:
            raise ConfigError(str(error)) from None

    def to_url_param(self) -> str:
        """A compact, URL-safe form (deflated JSON of the non-default fields)."""
        compact = self.model_dump(exclude_defaults=True, exclude={"model"})
        compact["model"] = self.model.model_dump()  # layers keep their "kind" tag even where it is a default
        return deflate_url_param(json.dumps(compact, separators=(",", ":")))

    @classmethod
    def from_url_param(cls, param: str) -> RunConfig:
        """The config of a link, refused before decompressing past the size a config may have."""
        budget = limits()
        text = inflate_url_param(param, "the link's config", budget.max_link_chars, budget.max_config_bytes)
        return cls.from_json(text)


def deflate_url_param(text: str) -> str:
    """Text as a compact, URL-safe link parameter (deflated, base64 without padding)."""
    return base64.urlsafe_b64encode(zlib.compress(text.encode(), 9)).decode().rstrip("=")


def inflate_url_param(param: str, what: str, max_chars: int, max_bytes: int) -> bytes:
    """The text of ``deflate_url_param``, refused (ConfigError naming ``what``) past ``max_chars`` characters of
    link or ``max_bytes`` bytes of text, before decompressing any further."""
    if len(param) > max_chars:
        raise ConfigError(over_limit(what, len(param), max_chars, "characters"))
    try:
        inflater = zlib.decompressobj()
        packed = base64.urlsafe_b64decode(param + "=" * (-len(param) % 4))
        raw = inflater.decompress(packed, max_bytes)
    except (ValueError, zlib.error) as error:
        raise ConfigError(f"{what} is damaged ({shorten(str(error), 80)})") from None
    if inflater.unconsumed_tail:
        raise ConfigError(f"{what}: over the limit of {max_bytes:,} bytes of text")
    if not inflater.eof:
        raise ConfigError(f"{what} is damaged (it ends too early)")
    return raw


def output_layer(task: str, n_classes: int) -> Dense:
    """The output layer a page adds for a task: one sigmoid unit, one linear unit, or one logit per class."""
    if task == "binary":
        return Dense(units=1, activation="sigmoid")
    if task == "regression":
        return Dense(units=1, activation="linear")
    return Dense(units=n_classes, activation="linear")


def allowed_losses(task: str) -> tuple[str, ...]:
    """The losses a user may choose for a task, "auto" first."""
    return ("auto", *_ALLOWED_LOSSES[task])


def infer_shapes(layers: list[LayerBase], input_shape: Shape) -> list[LayerInfo]:
    """Every layer's output shape and parameter count, or a ConfigError naming the first bad layer."""
    infos: list[LayerInfo] = []
    shape = tuple(input_shape)
    for index, layer in enumerate(layers):
        try:
            params = layer.param_count(shape)
            shape = layer.output_shape(shape)
        except ShapeError as error:
            raise ConfigError(f"model.layers[{index}] {layer.title()}: {error}") from None
        infos.append(LayerInfo(index, layer.title(), shape, params))
    return infos


def _field_path(location: tuple) -> str:
    """("model", "layers", 0, "dense", "units") -> "model.layers[0].units" (the kind tag says nothing new)."""
    kinds = {kind.model_fields["kind"].default for kind in LAYER_KINDS}
    path = ""
    for position, part in enumerate(location):
        if isinstance(part, int):
            path += f"[{part}]"
        elif not (position and isinstance(location[position - 1], int) and part in kinds):
            path += f".{part}" if path else str(part)
    return path


def json_depth(text: str | bytes) -> int:
    """How deeply the JSON text nests, counted without parsing it (brackets inside strings do not count), so a
    thousand-deep link is refused instead of recursing through the decoder."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    data = _JSON_STRING.sub(b'""', data)
    depth = deepest = 0
    for match in _JSON_BRACKET.finditer(data):
        depth += 1 if match.group() in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def dict_depth(value: object, stop: int) -> int:
    """How deeply a parsed JSON value nests, looking no deeper than ``stop`` levels."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list) and depth <= stop:
            deepest = max(deepest, depth)
            pending.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def describe_validation_error(error: ValidationError) -> str:
    """One short line: the first problems (as many as fit MAX_MESSAGE characters, at most MAX_LISTED_PROBLEMS),
    each the field path, what is wrong and what is allowed (the input shortened), then how many more there are."""
    lines: list[str] = []
    problems = error.errors(include_url=False)
    for problem in problems[:MAX_LISTED_PROBLEMS]:
        line = shorten(_describe_problem(problem), MAX_MESSAGE)  # a message may quote what it refuses
        if lines and len("; ".join([*lines, line])) > MAX_MESSAGE:
            break
        lines.append(line)
    if len(problems) > len(lines):
        lines.append(f"and {len(problems) - len(lines):,} more")
    return "; ".join(lines)


def _describe_problem(problem: ErrorDetails) -> str:
    path = _field_path(problem["loc"])
    message = problem["msg"].removeprefix("Value error, ")
    if problem.get("type") == "literal_error":
        message = message.replace("Input should be", "must be")
    elif problem["type"] not in ("missing", "model_type") and not isinstance(problem.get("input"), dict):
        message = f"{message} (got {shorten(repr(problem['input']), 40)})"
    if problem["type"] == "value_error" and ": " in message and message.split(": ")[0].isidentifier():
        path = f"{path}.{message.split(': ')[0]}" if path else message.split(": ")[0]  # a section's check
        message = message.split(": ", 1)[1]
    return f"{path}: {message}" if path else message
