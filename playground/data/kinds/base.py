"""What every kind of dataset answers, and the pieces the kinds share.

A kind knows, for the settings of one dataset (a ``DataConfig``): the task it poses, its input shape, its classes,
whether the settings fit, how to make the arrays, which page trains it and the data part of an exported script.
Nothing outside ``playground.data`` needs to know which dataset it holds: it asks the kind.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, NamedTuple, Protocol

import numpy as np

from playground.data.upload import UploadError

#: An upload travels inside an exported script; beyond this many compressed bytes the script would be unwieldy.
MAX_EMBEDDED_BYTES = 8_000_000


class DataSettings(Protocol):
    """The settings a kind reads: ``playground.config.DataConfig`` has them all (data/ does not import it)."""

    dataset: str
    n_points: int
    noise: int
    train_share: int
    features: list[str]
    n_classes: int
    n_features: int
    seed: int
    upload: str | None
    normalize: str
    steps: int
    frequency: int


@dataclass
class Dataset:
    """Model-ready arrays split into train and test, plus what the views need to draw them."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    task: str
    n_classes: int
    feature_names: list[str]
    points_train: np.ndarray | None = None  # raw 2D coordinates, for plotting
    points_test: np.ndarray | None = None
    class_names: list[str] | None = None  # what each class number means, where it means more than the number
    image_norm: tuple[float, float] | None = None  # images: the (mean, std) pixels were normalised with
    # sequences: True when the test windows follow one another in time (window i + 1 starts one step after window
    # i), so their targets form one held-out stretch of the series and a forecast can be drawn as a line
    ordered: bool = False
    # sequences: the input column the target is the next value of, when the target is one of the inputs (a
    # forecast can then feed its own predictions back in)
    target_column: int | None = None


class ScriptData(NamedTuple):
    """The data part of an exported script: the playground functions to copy, the settings written as constants,
    and the lines of ``load_data`` (of ``load_images`` for images)."""

    functions: list[Callable]
    settings: dict[str, object]
    body: str


class TooLargeForScript(ValueError):
    """The data would make an exported script unwieldy; the message says what to export instead."""


#: Which page trains a kind's datasets (the pages' ids).
Page = str
#: The layers and templates the editor offers for a kind's inputs (``layer_stack.kinds_for``).
InputFamily = str


class DatasetKind:
    """One kind of dataset; an instance is one dataset of that kind (its id is ``name``)."""

    #: "2d", "tab", "cnn" or "seq": the page that trains it (the pages' ids).
    page: ClassVar[Page]
    #: "vector", "image", "sequence" or "text": the layers its inputs can take.
    input_family: ClassVar[InputFamily] = "vector"
    #: The DataConfig fields this kind reads beyond the split and seed (others are ignored and left as they are).
    settings: frozenset[str] = frozenset()
    #: Its data is a user's stored upload, named by ``DataConfig.upload`` (see UploadKind).
    takes_upload: ClassVar[bool] = False
    #: Its data exists on this computer only (an upload, a shipped file): an exported script carries it packed.
    packed: ClassVar[bool] = False
    #: Its values are standardised with the training part's statistics (pages say the units are gone).
    standardised: ClassVar[bool] = False
    #: Sequences: the input column that only marks steps (the adding problem's): drawn as marks, not as a line.
    marker_column: int | None = None
    #: Sequences: the target depends on the first this many features only; the others distract.
    leading_features: int | None = None

    def __init__(self, name: str, task: str, max_points: int, preset: str | None = None) -> None:
        self.name = name
        self._task = task
        self.max_points = max_points
        self.preset = preset  # the preset its page opens it with, when it has one

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    @property
    def described_as(self) -> str:
        """The data in a sentence ("A network on ..."): its id, or for an upload what was uploaded."""
        return self.name

    @property
    def images(self) -> bool:
        return self.input_family == "image"

    @property
    def sequences(self) -> bool:
        """Whether its inputs are sequences: measured values per step, or the characters of a text."""
        return self.input_family in ("sequence", "text")

    @property
    def tokens(self) -> bool:
        """Whether its inputs are token numbers (characters of a text) rather than measured values."""
        return self.input_family == "text"

    @property
    def static_task(self) -> str:
        """The task before any upload is read (an upload's own task may differ: see ``task``)."""
        return self._task

    def task(self, data: DataSettings) -> str:
        """The task the data poses: "binary", "multiclass" or "regression"."""
        return self._task

    def input_shape(self, data: DataSettings) -> tuple[int, ...]:
        raise NotImplementedError

    def classes(self, data: DataSettings) -> int:
        """Classes of a multiclass dataset: its own, or the n_classes asked of a generator."""
        return data.n_classes

    def class_names(self, data: DataSettings) -> list[str]:
        """What each class number means; the numbers themselves unless the data names them."""
        count = self.classes(data) if self.task(data) == "multiclass" else 2
        return [str(number) for number in range(count)]

    def check(self, data: DataSettings) -> None:
        """ValueError ("field: why") when the settings do not fit this dataset."""
        if data.upload is not None:
            raise ValueError(
                "upload: only the datasets 'upload' (a table), 'custom' (2D points), 'image_upload' (images) and "
                "'series_upload' (a time series) take a stored upload"
            )
        if data.n_points > self.max_points:
            raise ValueError(f"n_points: {self.name} allows at most {self.max_points:,} points")

    def load(self, data: DataSettings) -> Dataset:
        """The arrays the settings describe; deterministic for their seed."""
        raise NotImplementedError

    def test_count(self, data: DataSettings) -> int:
        """How many test examples the settings make, without making them (the pages' pickers need only this)."""
        raise NotImplementedError

    def script(self, data: DataSettings, task: str) -> ScriptData:
        """The data part of an exported script; TooLargeForScript or UploadError when it cannot be written."""
        raise NotImplementedError


class UploadKind(DatasetKind):
    """A kind whose data is a user's stored upload: its own rows, so the generators' count and noise do not apply."""

    takes_upload = True
    packed = True
    #: What a refusal says when the settings name no upload ("an uploaded dataset needs the sha256 of its table").
    missing_upload: ClassVar[str]
    #: What was uploaded, in a sentence ("an uploaded table"): its dataset id ("upload") says nothing.
    uploaded: ClassVar[str]

    @property
    def described_as(self) -> str:
        return self.uploaded

    def check(self, data: DataSettings) -> None:
        if not data.upload:
            raise ValueError(f"upload: {self.missing_upload}")
        try:
            self.check_upload(data)
        except UploadError as error:
            raise ValueError(f"upload: {error}") from None

    def check_upload(self, data: DataSettings) -> None:
        """UploadError when the stored upload is missing or unreadable (read from its header only)."""
        raise NotImplementedError

    def sha(self, data: DataSettings) -> str:
        """The stored upload's sha256; UploadError naming the field when the settings lack it."""
        if not data.upload:
            raise UploadError(f"data.upload: {self.missing_upload}")
        return data.upload


def packed(array: np.ndarray) -> str:
    """An array's bytes, deflated and in base64: how user data travels inside a script."""
    return deflated(np.ascontiguousarray(array).tobytes())


def deflated(data: bytes) -> str:
    return base64.b64encode(zlib.compress(data, 9)).decode("ascii")


#: The line of ``load_data`` that unpacks a packed array.
UNPACK_LINE = "    unpack = lambda text, dtype: np.frombuffer(zlib.decompress(base64.b64decode(text)), dtype=dtype)\n"
