"""The layer-stack editor's logic without Streamlit: list operations, undo history, live rows and templates.

Every page edits its model the same way, so the operations live here once and are tested without a browser.
Layers are plain ``LayerSpec`` dicts (what a RunConfig's ``model.layers`` holds), so a stack that does not
validate yet can still be shown, edited and undone.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TypeVar

from pydantic import TypeAdapter, ValidationError

from playground.config import describe_validation_error
from playground.layers import LAYER_KINDS, RECURRENT_GATES, LayerBase, LayerSpec, Shape, ShapeError
from playground.presets import ASSETS_DIR

TEMPLATES_DIR = ASSETS_DIR / "templates"
#: The kinds a stack may hold, in the order the editor offers them.
KIND_NAMES: tuple[str, ...] = tuple(kind.model_fields["kind"].default for kind in LAYER_KINDS)
#: Kinds that work on images (channels, height, width) only.
IMAGE_KINDS: tuple[str, ...] = ("conv2d", "maxpool2d", "avgpool2d", "global_avg_pool")
#: Kinds that carry a state from step to step: they need sequences (steps, features).
RECURRENT_KINDS: tuple[str, ...] = tuple(RECURRENT_GATES)
#: Kinds that turn token numbers (characters of a text) into vectors: first in the stack, and only on text.
TOKEN_KINDS: tuple[str, ...] = ("embedding",)
#: What a sequence's steps can go through besides a recurrent layer (in the order the editor offers them):
#: dense applies per step, batch norm needs vectors (after a recurrent layer that hands on its last step).
_PER_STEP_KINDS: tuple[str, ...] = ("dense", "dropout", "activation", "flatten", "batchnorm")
#: A new layer of each kind starts with these settings.
DEFAULT_LAYERS: dict[str, dict] = {
    "dense": {"kind": "dense", "units": 16, "activation": "relu"},
    "activation": {"kind": "activation", "function": "relu"},
    "dropout": {"kind": "dropout", "rate": 0.2},
    "batchnorm": {"kind": "batchnorm"},
    "flatten": {"kind": "flatten"},
    "conv2d": {
        "kind": "conv2d",
        "filters": 16,
        "kernel_size": 3,
        "stride": 1,
        "padding": "valid",
        "activation": "relu",
    },
    "maxpool2d": {"kind": "maxpool2d", "pool_size": 2},
    "avgpool2d": {"kind": "avgpool2d", "pool_size": 2},
    "global_avg_pool": {"kind": "global_avg_pool"},
    **{
        kind: {"kind": kind, "units": 32, "num_layers": 1, "bidirectional": False, "return_sequences": False}
        for kind in RECURRENT_KINDS
    },
    # vocab_size is only a stand-in: the editor puts the dataset's vocabulary in when it knows it
    "embedding": {"kind": "embedding", "vocab_size": 64, "dim": 16},
}
#: How many changes undo can take back.
HISTORY_LIMIT = 30

_LAYER_ADAPTER: TypeAdapter = TypeAdapter(LayerSpec)
_LAYER_REF = re.compile(r"model\.layers\[(\d+)\]")
Item = TypeVar("Item")


def default_layer(kind: str, vocab_size: int | None = None) -> dict:
    """A fresh layer of a kind, with settings that run as they are; an embedding knows ``vocab_size`` tokens
    when it is given (the text's characters)."""
    if kind not in DEFAULT_LAYERS:
        raise ValueError(f"unknown layer kind {kind!r}; choose one of {', '.join(KIND_NAMES)}")
    return with_vocab_size([DEFAULT_LAYERS[kind]], vocab_size)[0]


def input_family(input_shape: Shape) -> str:
    """The family of layers an input shape calls for: "image" (channels, height, width), "sequence" (steps,
    features) or "vector". Text arrives as (steps,) token numbers, which no shape tells from a vector: a text
    page names its family itself."""
    return {3: "image", 2: "sequence"}.get(len(input_shape), "vector")


def kinds_for(family: str) -> tuple[str, ...]:
    """The layer kinds an input family can use: image layers only on images, recurrent layers only on sequences
    and text, an embedding only on text (where it leads the list, as it leads the stack)."""
    if family in ("sequence", "text"):
        per_step = (*RECURRENT_KINDS, *_PER_STEP_KINDS)
        return (*TOKEN_KINDS, *per_step) if family == "text" else per_step
    excluded = (*RECURRENT_KINDS, *TOKEN_KINDS, *(() if family == "image" else IMAGE_KINDS))
    return tuple(name for name in KIND_NAMES if name not in excluded)


# Pure list operations: each returns a new list and leaves its input alone (history keeps the old one). ----------
def add_layer(layers: Sequence[Item], layer: Item) -> list[Item]:
    """The stack with ``layer`` appended at the end."""
    return [*layers, copy.deepcopy(layer)]


def insert_layer(layers: Sequence[Item], index: int, layer: Item) -> list[Item]:
    """The stack with ``layer`` placed at ``index`` (above row i is index i, below it is i + 1)."""
    if not 0 <= index <= len(layers):
        raise IndexError(f"cannot insert at {index} into a stack of {len(layers)}")
    return [*layers[:index], copy.deepcopy(layer), *layers[index:]]


def remove_layer(layers: Sequence[Item], index: int) -> list[Item]:
    _check(layers, index)
    return [*layers[:index], *layers[index + 1 :]]


def duplicate_layer(layers: Sequence[Item], index: int) -> list[Item]:
    """The stack with a copy of row ``index`` right below it."""
    _check(layers, index)
    return insert_layer(layers, index + 1, layers[index])


def move_layer(layers: Sequence[Item], index: int, offset: int) -> list[Item]:
    """Row ``index`` moved by ``offset`` places (-1 up, +1 down), stopping at either end."""
    _check(layers, index)
    target = min(max(index + offset, 0), len(layers) - 1)
    items = list(layers)
    items.insert(target, items.pop(index))
    return items


def update_layer(layers: Sequence[dict], index: int, **changes: object) -> list[dict]:
    """The stack with some settings of row ``index`` changed (its kind stays)."""
    _check(layers, index)
    if "kind" in changes:
        raise ValueError("a layer's kind cannot be edited; remove it and add one of the other kind")
    items = [dict(layer) for layer in layers]
    items[index].update(changes)
    return items


def with_output_layer(layers: Sequence[dict], output: dict) -> list[dict]:
    """The stack with its last layer replaced by ``output``: lets a page fit a template to its task."""
    return [*(dict(layer) for layer in layers[:-1]), dict(output)]


def with_vocab_size(layers: Sequence[dict], vocab_size: int | None) -> list[dict]:
    """The stack with every embedding knowing ``vocab_size`` tokens (unchanged when None): fits a stack to a
    text's characters."""
    return [
        {**layer, "vocab_size": vocab_size}
        if vocab_size is not None and layer.get("kind") in TOKEN_KINDS
        else dict(layer)
        for layer in layers
    ]


def _check(layers: Sequence[object], index: int) -> None:
    if not 0 <= index < len(layers):
        raise IndexError(f"no row {index} in a stack of {len(layers)}")


# Live rows ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StackRow:
    """One row of the editor and of the summary: what a layer is and what it makes of the shape reaching it.

    ``output_shape`` and ``params`` are None for a layer that fails and for every layer after a shape failure.
    """

    index: int
    kind: str
    title: str
    output_shape: Shape | None
    params: int | None
    error: str | None = None


def parse_layer(layer: dict) -> LayerBase:
    """The layer object a dict describes; ValueError with a readable line if it describes none."""
    try:
        return _LAYER_ADAPTER.validate_python(layer)
    except ValidationError as error:
        raise ValueError(describe_validation_error(error)) from None


def same_stack(first: Sequence[dict], second: Sequence[dict]) -> bool:
    """Whether two stacks are the same layers with the same settings (a setting left out counts as its default);
    a stack with a layer that describes none is the same as no other."""
    try:
        return [parse_layer(layer) for layer in first] == [parse_layer(layer) for layer in second]
    except ValueError:
        return False


def stack_rows(layers: Sequence[dict], input_shape: Shape) -> list[StackRow]:
    """Every row's title, output shape and parameters, as ``infer_shapes`` computes them, up to the first layer
    that cannot run; that one carries the reason, the ones after it have no shape."""
    rows: list[StackRow] = []
    shape: Shape | None = tuple(input_shape)
    for index, raw in enumerate(layers):
        kind = str(raw.get("kind", "?"))
        try:
            layer = parse_layer(raw)
        except ValueError as error:
            rows.append(StackRow(index, kind, kind, None, None, str(error)))
            shape = None
            continue
        if shape is None:
            rows.append(StackRow(index, kind, layer.title(), None, None))
            continue
        try:
            params = layer.param_count(shape)
            shape = layer.output_shape(shape)
        except ShapeError as error:
            rows.append(StackRow(index, kind, layer.title(), None, None, str(error)))
            shape = None
            continue
        rows.append(StackRow(index, kind, layer.title(), shape, params))
    return rows


@dataclass(frozen=True)
class ParamTotals:
    """A Keras summary's footer: every parameter here is trained; batch norm's running mean and variance (PyTorch
    buffers) are the non-trainable ones, as Keras counts them."""

    total: int
    trainable: int
    non_trainable: int


def param_totals(rows: Sequence[StackRow]) -> ParamTotals:
    """Trainable parameters, plus batch norm's running mean and variance, which Keras's summary counts as
    non-trainable (PyTorch keeps them as buffers), so both summaries agree."""
    trainable = sum(row.params or 0 for row in rows)
    non_trainable = sum(row.params or 0 for row in rows if row.kind == "batchnorm")  # 2 stats per 2 parameters
    return ParamTotals(trainable + non_trainable, trainable, non_trainable)


def counts_recurrent(rows: Sequence[StackRow]) -> bool:
    """Whether the summary should say that recurrent layers keep PyTorch's counts (two bias vectors per gate,
    where Keras has one), so a student comparing with Keras knows why the numbers differ."""
    return any(row.kind in RECURRENT_KINDS for row in rows)


def failing_layer_index(error: str | None) -> int | None:
    """The row a ConfigError names (``model.layers[2] ...``), or None when it names no layer."""
    match = _LAYER_REF.search(error or "")
    return int(match.group(1)) if match else None


def plain_reason(error: str) -> str:
    """The error without its ``model.layers[i] Title:`` prefix, for showing inside the row it is about."""
    match = re.match(r"\s*model\.layers\[\d+\](?:\.\w+)?(?: [^:]*)?:\s*(.*)", error, re.DOTALL)
    return match.group(1) if match else error


# Undo history with stable row ids ----------------------------------------------------------------------------
@dataclass
class EditorState:
    """The stack being edited, one stable id per row (widget keys follow the layer, not its position), and a
    bounded history of earlier versions for undo."""

    layers: list[dict]
    ids: list[int]
    next_id: int = 0
    history: list[tuple[list[dict], list[int]]] = field(default_factory=list)
    limit: int = HISTORY_LIMIT
    #: Counts changes (undo included): a button drawn for one revision acts only on that revision.
    revision: int = 0

    @classmethod
    def start(cls, layers: Sequence[dict], limit: int = HISTORY_LIMIT) -> EditorState:
        items = [dict(layer) for layer in layers]
        return cls(items, list(range(len(items))), len(items), [], limit)

    @property
    def can_undo(self) -> bool:
        return bool(self.history)

    def index_of(self, row_id: int) -> int:
        return self.ids.index(row_id)

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def _commit(self, layers: list[dict], ids: list[int]) -> None:
        if layers == self.layers and ids == self.ids:
            return  # nothing changed (a move past the end): nothing to undo either
        self.history.append((self.layers, self.ids))
        del self.history[: -self.limit]
        self.layers, self.ids = layers, ids
        self.revision += 1

    def add(self, layer: dict) -> None:
        self._commit(add_layer(self.layers, layer), add_layer(self.ids, self._new_id()))

    def insert(self, index: int, layer: dict) -> None:
        self._commit(insert_layer(self.layers, index, layer), insert_layer(self.ids, index, self._new_id()))

    def remove(self, index: int) -> None:
        self._commit(remove_layer(self.layers, index), remove_layer(self.ids, index))

    def duplicate(self, index: int) -> None:
        self._commit(duplicate_layer(self.layers, index), insert_layer(self.ids, index + 1, self._new_id()))

    def move(self, index: int, offset: int) -> None:
        self._commit(move_layer(self.layers, index, offset), move_layer(self.ids, index, offset))

    def edit(self, index: int, **changes: object) -> None:
        self._commit(update_layer(self.layers, index, **changes), list(self.ids))

    def replace(self, layers: Sequence[dict]) -> None:
        """A whole new stack (a template, or a page adapting to a new task), undoable like any change."""
        self._commit([dict(layer) for layer in layers], [self._new_id() for _ in layers])

    def undo(self) -> bool:
        """Back to the version before the last change; False when there is none."""
        if not self.history:
            return False
        self.layers, self.ids = self.history.pop()
        self.revision += 1
        return True


# Templates ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Template:
    """A ready-made stack from ``assets/templates/<id>.json``: names per language, the input it suits, layers."""

    id: str
    names: dict[str, str]
    family: str
    layers: tuple[dict, ...]

    def name(self, language: str = "en") -> str:
        return self.names.get(language) or self.names.get("en") or self.id

    def stack(self, output: dict | None = None, vocab_size: int | None = None) -> list[dict]:
        """The template's layers as a fresh list, its output layer swapped for ``output`` and its embedding
        sized to ``vocab_size`` tokens when given."""
        layers = with_vocab_size(copy.deepcopy(list(self.layers)), vocab_size)
        return with_output_layer(layers, output) if output is not None else layers


@cache
def _load_templates(directory: Path) -> tuple[Template, ...]:
    templates = []
    for path in sorted(directory.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        names = raw["name"] if isinstance(raw["name"], dict) else {"en": raw["name"]}
        for index, layer in enumerate(raw["layers"]):
            try:
                parse_layer(layer)
            except ValueError as error:
                raise ValueError(f"template {path.stem}: layers[{index}]: {error}") from None
        order = raw.get("order", 100)
        templates.append((order, Template(path.stem, names, raw.get("family", "vector"), tuple(raw["layers"]))))
    return tuple(template for _, template in sorted(templates, key=lambda pair: pair[0]))


def load_templates(family: str | None = None, directory: Path = TEMPLATES_DIR) -> list[Template]:
    """The templates (for one input family, e.g. "vector", when given), in their files' ``order``."""
    return [template for template in _load_templates(directory) if family is None or template.family == family]
