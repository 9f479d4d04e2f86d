"""A user's own 2D point set: read from a CSV of ``x1, x2, label``, edited point by point, stored by its hash.

The 2D page lets people upload points, click to add or remove them and download the result. This module is the
engine under it: every refusal is one sentence that names the column and line and says what to do, never a
traceback, and nothing here imports Streamlit.

Reading rules (``read_points_csv``):

* The header must name the columns ``x1``, ``x2`` and ``label`` (any case, any order). Other columns are ignored and
  listed in ``PointSet.ignored_columns`` so the page can say so. Comma, semicolon and tab separators are sniffed as
  for uploaded tables; with a semicolon or tab separator a decimal comma (``1,5``) is read as ``1.5``.
* Labels: 2 to 5 distinct whole numbers are classes, numbered 0..k-1 in sorted order (so 0/1 and TensorFlow
  Playground's -1/1 become classes 0 and 1); the original values are kept in ``class_names``. Two classes make a
  binary set, three to five a multiclass set. Six or more distinct whole numbers are refused; labels that are not
  all whole numbers make a regression set, scaled by one factor into [-1, 1] if any lies outside it.
* Coordinates: if any lies outside [-6, 6] (the plane), both axes are multiplied by one factor so that the largest
  absolute coordinate becomes 5.5; ``PointSet.scale`` records the factor (1.0 when nothing was scaled).

Stored sets (``store_points``) live in the ``points`` folder of the upload cache (``NN_PLAYGROUND_CACHE``), one
``<sha256>.points`` file each: a JSON header line, then the points and labels as little-endian bytes. The file is
the canonical serialisation, so its sha256 is the set's name, and storing the same set twice writes the same file.
"""

from __future__ import annotations

import csv
import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from playground.data.hashed_store import HashedStore, header_line, shorten
from playground.data.two_d import COORD_LIMIT
from playground.data.upload import (
    DECIMAL_COMMA,
    UploadError,
    count_lines,
    csv_lines,
    decode_csv_text,
    is_number,
    sniff_separator,
)
from playground.limits import limits

__all__ = [
    "MAX_POINTS",
    "MIN_PER_CLASS",
    "MIN_POINTS",
    "SCALED_LIMIT",
    "PointSet",
    "PointsInfo",
    "UploadError",
    "add_point",
    "check_trainable",
    "from_dataset_points",
    "load_points",
    "points_dir",
    "points_info",
    "points_to_csv",
    "read_points_csv",
    "remove_nearest",
    "store_points",
]

MAX_POINTS = 5_000
"""The most points the 2D page takes (the limit of its generated sets)."""
MIN_POINTS = 4
"""A train/test split needs a few points on either side."""
MIN_PER_CLASS = 2
"""Every class of a classification set needs this many points."""
MIN_CLASSES, MAX_CLASSES = 2, 5
SCALED_LIMIT = 5.5
"""Where the largest absolute coordinate lands when a file's points are scaled into the plane."""

COLUMNS = ("x1", "x2", "label")
TASKS = ("binary", "multiclass", "regression")
_LABEL_DTYPES = {"binary": np.dtype("<f4"), "multiclass": np.dtype("<i8"), "regression": np.dtype("<f4")}
_FORMAT = 1  # version of the stored file layout


@dataclass(frozen=True, eq=False)
class PointSet:
    """Points on the plane and their labels, with the conventions of ``two_d.generate_2d``.

    ``points`` is float32 [n, 2]; ``labels`` float32 0/1 (binary), int64 class ids 0..k-1 (multiclass) or float32
    values (regression). ``n_classes`` is 2 for binary, k for multiclass, 1 for regression; ``class_names`` holds a
    name per class (the labels as the file wrote them) and is empty for regression. ``scale`` and ``label_scale`` are
    the factors the file's coordinates and regression labels were multiplied by (1.0: unchanged), and
    ``ignored_columns`` the file's columns besides x1, x2 and label. Arrays are read-only: edits make new sets.
    """

    points: np.ndarray
    labels: np.ndarray
    task: str
    n_classes: int
    class_names: tuple[str, ...] = ()
    scale: float = 1.0
    label_scale: float = 1.0
    ignored_columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise UploadError(f"the task {self.task!r} is not one of {', '.join(TASKS)}")
        n_classes = {"binary": 2, "regression": 1}.get(self.task, self.n_classes)
        if not isinstance(n_classes, (int, np.integer)) or (
            self.task == "multiclass" and not 3 <= n_classes <= MAX_CLASSES
        ):
            raise UploadError(f"a multiclass point set has 3 to {MAX_CLASSES} classes, not {self.n_classes!r}")
        try:
            points = np.array(self.points, dtype=np.float32)
        except (TypeError, ValueError):
            raise UploadError("coordinates must be numbers") from None
        if points.size == 0:
            points = points.reshape(0, 2)
        if points.ndim != 2 or points.shape[1] != 2:
            raise UploadError(f"points must have the shape [n, 2], not {list(points.shape)}")
        if not np.isfinite(points).all():
            raise UploadError("every coordinate must be a finite number")
        labels = _task_labels(np.asarray(self.labels).ravel(), self.task, int(n_classes))
        if len(labels) != len(points):
            raise UploadError(f"there are {len(points)} points but {len(labels)} labels")
        names = tuple(str(name) for name in self.class_names)
        if self.task == "regression":
            names = ()
        elif not names:
            names = tuple(str(cls) for cls in range(n_classes))
        elif len(names) != n_classes:
            raise UploadError(f"{len(names)} class names do not fit {n_classes} classes")
        scales = []
        for factor in (self.scale, self.label_scale):
            try:
                scales.append(float(factor))
            except (TypeError, ValueError):
                scales.append(math.nan)
            if not (math.isfinite(scales[-1]) and scales[-1] > 0):
                raise UploadError(f"a scale factor must be a positive number, not {factor!r}")
        points.setflags(write=False)
        labels.setflags(write=False)
        for name, value in (
            ("points", points),
            ("labels", labels),
            ("n_classes", int(n_classes)),
            ("class_names", names),
            ("scale", scales[0]),
            ("label_scale", scales[1]),
            ("ignored_columns", tuple(str(column) for column in self.ignored_columns)),
        ):
            object.__setattr__(self, name, value)

    def __len__(self) -> int:
        return len(self.labels)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PointSet):
            return NotImplemented
        return (
            (self.task, self.n_classes, self.class_names, self.scale, self.label_scale, self.ignored_columns)
            == (other.task, other.n_classes, other.class_names, other.scale, other.label_scale, other.ignored_columns)
            and self.labels.dtype == other.labels.dtype
            and np.array_equal(self.points, other.points)
            and np.array_equal(self.labels, other.labels)
        )

    __hash__ = None  # type: ignore[assignment]  # arrays inside: compare, do not hash

    @property
    def n_points(self) -> int:
        return len(self.labels)


def _task_labels(labels: np.ndarray, task: str, n_classes: int) -> np.ndarray:
    """Labels in the dtype of their task, or UploadError when a value does not fit it."""
    try:
        values = labels.astype(np.float64)
    except (TypeError, ValueError):
        raise UploadError("labels must be numbers") from None
    if not np.isfinite(values).all():
        raise UploadError("every label must be a finite number")
    if task == "regression":
        return values.astype(np.float32)
    if not np.isin(values, np.arange(n_classes)).all():
        raise UploadError(f"labels of a {task} set must be class numbers from 0 to {n_classes - 1}")
    return values.astype(np.float32 if task == "binary" else np.int64)


# Reading a CSV -------------------------------------------------------------------------------------------------


def read_points_csv(data: bytes | str) -> PointSet:
    """Parse and validate a CSV of ``x1, x2, label`` (see the module's docstring); UploadError says what is wrong.

    The rows are counted while they are read and reading stops one past ``MAX_POINTS``: a file of millions of
    lines is refused without ever becoming millions of rows. Of each row only the three cells used are kept.
    """
    text = decode_csv_text(data)
    if not text or text.isspace():
        raise UploadError("the file is empty; upload a CSV whose first line is x1,x2,label, then one point per line")
    separator = sniff_separator(text)
    rows = _rows(text, separator)
    first = next(rows, None)
    if first is None:
        raise UploadError("the file is empty; upload a CSV whose first line is x1,x2,label, then one point per line")
    header = first[1]
    most = limits().max_table_columns
    if len(header) > most:
        raise UploadError(
            f"the header names {len(header):,} columns; the playground reads files of at most {most:,}, and a point "
            "set needs three: x1, x2 and label"
        )
    positions, ignored = _header_positions(header)
    body: list[tuple[int, list[str], int]] = []  # line, the cells of x1, x2 and label, values when too many
    for line, cells in rows:
        if len(body) > MAX_POINTS:
            break
        extra = len(cells) if any(cell.strip() for cell in cells[len(header) :]) else 0
        body.append((line, [cells[position] if position < len(cells) else "" for position in positions], extra))
    if not body:
        raise UploadError("the file has a header but no points; add one point per line, like 1.5,-2,1")
    if len(body) > MAX_POINTS:
        total = max(len(body), count_lines(text) - 1)  # the rest counted, not read
        raise UploadError(f"the file has {total:,} points; the 2D playground takes at most {MAX_POINTS:,}")
    if len(body) < MIN_POINTS:
        raise UploadError(
            f"the file has {len(body)} point{'s' if len(body) > 1 else ''}; the playground needs at least "
            f"{MIN_POINTS} to learn from"
        )
    values = np.empty((len(body), 3), dtype=np.float64)
    for row, (line, cells, extra) in enumerate(body):
        if extra:
            raise UploadError(
                f"line {line} has {extra} values but the header names {len(header)} columns; remove the extra "
                "values or give their column a name"
            )
        for column, cell in enumerate(cells):
            values[row, column] = _number(cell, COLUMNS[column], line, separator)
    points, scale = _into_plane(values[:, :2])
    labels, task, n_classes, class_names, label_scale = _read_labels(values[:, 2])
    point_set = PointSet(points, labels, task, n_classes, class_names, scale, label_scale, ignored)
    check_trainable(point_set, what="the file")
    return point_set


def _rows(text: str, separator: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows, one at a time, with the line a spreadsheet shows for them (1-based, header included)."""
    reader = csv.reader(csv_lines(text), delimiter=separator)
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield reader.line_num, cells
    except csv.Error as error:
        raise UploadError(f"line {reader.line_num + 1} is not readable CSV ({error}); fix that line") from None


def _header_positions(header: list[str]) -> tuple[list[int], tuple[str, ...]]:
    """Where x1, x2 and label sit in the header, and the other columns' names."""
    names = [cell.strip().lower() for cell in header]
    if all(is_number(name) for name in names if name):
        raise UploadError(
            f"the first line must be the header x1,x2,label, but this file starts with the numbers "
            f"{shorten(','.join(cell.strip() for cell in header), 30)}; add that header line"
        )
    for column in COLUMNS:
        if names.count(column) > 1:
            raise UploadError(f"the header names the column {column} more than once; keep one of those columns")
    missing = [column for column in COLUMNS if column not in names]
    if missing:
        found = ", ".join(shorten(cell.strip(), 30) or "(unnamed)" for cell in header[:8])
        found += f" and {len(header) - 8} more" if len(header) > 8 else ""
        raise UploadError(
            f"the column{'s' if len(missing) > 1 else ''} {_and(missing)} "
            f"{'are' if len(missing) > 1 else 'is'} missing (the file has {found}); name the columns x1, x2 and label"
        )
    positions = [names.index(column) for column in COLUMNS]
    ignored = tuple(cell.strip() for position, cell in enumerate(header) if position not in positions)
    return positions, ignored


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" and {words[-1]}"


def _number(cell: str, column: str, line: int, separator: str) -> float:
    """One cell as a float, or UploadError naming the column and the line."""
    text = cell.strip()
    if separator != "," and DECIMAL_COMMA.fullmatch(text):
        text = text.replace(",", ".")
    if not text:
        raise UploadError(f"column {column} is empty in line {line}; fill in a number or delete that line")
    try:
        value = float(text)
    except ValueError:
        hint = (
            "labels are numbers: 0 and 1 for two classes, 0 to 4 for up to five classes, or any value for regression"
            if column == "label"
            else "write numbers such as 1.5 or -2, with a dot as decimal mark"
        )
        raise UploadError(
            f"column {column} holds {shorten(text, 30)!r} in line {line}, which is not a number; {hint}"
        ) from None
    if math.isnan(value):
        raise UploadError(f"column {column} holds NaN (no value) in line {line}; fill in a number or delete that line")
    if math.isinf(value):
        raise UploadError(f"column {column} holds an infinite number in line {line}; replace it with a real value")
    return value


def _into_plane(points: np.ndarray) -> tuple[np.ndarray, float]:
    """Points as float32, scaled by one factor into the plane when any coordinate lies outside it."""
    largest = float(np.abs(points).max()) if points.size else 0.0
    if largest <= COORD_LIMIT:
        return points.astype(np.float32), 1.0
    scale = SCALED_LIMIT / largest
    return (points * scale).astype(np.float32), scale


def _read_labels(values: np.ndarray) -> tuple[np.ndarray, str, int, tuple[str, ...], float]:
    """Labels, task, classes, class names and label scale, by the rules in the module's docstring."""
    distinct = np.unique(values)
    if len(distinct) < 2:
        raise UploadError(
            f"every point has the label {_label_text(distinct[0])}; a network needs at least two different labels "
            "to learn from"
        )
    whole = bool(np.all(distinct == np.round(distinct)))
    if whole and len(distinct) <= MAX_CLASSES:
        ids = np.searchsorted(distinct, values)
        names = tuple(_label_text(value) for value in distinct)
        if len(distinct) == 2:
            return ids.astype(np.float32), "binary", 2, names, 1.0
        return ids.astype(np.int64), "multiclass", len(distinct), names, 1.0
    if whole:
        raise UploadError(
            f"the labels are {len(distinct)} different whole numbers, but the 2D page takes {MIN_CLASSES} to "
            f"{MAX_CLASSES} classes; merge classes, or use values with decimals for a regression task"
        )
    largest = float(np.abs(values).max())
    if largest <= 1.0:
        return values.astype(np.float32), "regression", 1, (), 1.0
    return (values / largest).astype(np.float32), "regression", 1, (), 1.0 / largest


def _label_text(value: float) -> str:
    """A label as the file probably wrote it: 3 rather than 3.0."""
    value = float(value)
    return str(int(value)) if value == round(value) and abs(value) < 1e15 else repr(value)


def check_trainable(point_set: PointSet, what: str = "the set") -> None:
    """UploadError unless a network can train on the set: 4 to 5,000 points, 2 per class, two different labels."""
    n = len(point_set)
    if n > MAX_POINTS:
        raise UploadError(f"{what} has {n:,} points; the 2D playground takes at most {MAX_POINTS:,}")
    if n < MIN_POINTS:
        count = "no points" if n == 0 else f"{n} point{'s' if n > 1 else ''}"
        raise UploadError(f"{what} has {count}; the playground needs at least {MIN_POINTS} to learn from")
    if point_set.task == "regression":
        if np.all(point_set.labels == point_set.labels[0]):
            raise UploadError(
                f"every point has the label {_label_text(point_set.labels[0])}; a network needs at least two "
                "different labels to learn from"
            )
        return
    counts = np.bincount(point_set.labels.astype(np.int64), minlength=point_set.n_classes)
    for name, count in zip(point_set.class_names, counts, strict=True):
        if count < MIN_PER_CLASS:
            has = "no points" if count == 0 else f"only {count} point"
            raise UploadError(
                f"class {name} has {has}; every class needs at least {MIN_PER_CLASS}, so add points of that class "
                "or change the labels"
            )


# Making and editing sets ---------------------------------------------------------------------------------------


def from_dataset_points(points: np.ndarray, labels: np.ndarray, task: str, n_classes: int) -> PointSet:
    """An editable set from a generated dataset's points (train and test together) and labels.

    The points stay exactly as generated, even the few a wide gauss cloud puts outside the plane (reading its CSV
    back would then scale them, and say so). ``n_classes`` matters for multiclass only.
    """
    return PointSet(np.asarray(points), np.asarray(labels), task, n_classes)


def add_point(point_set: PointSet, x: float, y: float, label: float) -> PointSet:
    """A new set with the point (x, y) added; UploadError when it lies outside the plane or the label does not fit.

    ``label`` is a class number 0..n_classes-1 for classification (0 or 1 when binary), a value in [-1, 1] for
    regression.
    """
    try:
        x, y = float(x), float(y)
    except (TypeError, ValueError):
        raise UploadError(f"the point ({x!r}, {y!r}) needs numbers as coordinates") from None
    if not (math.isfinite(x) and math.isfinite(y) and abs(x) <= COORD_LIMIT and abs(y) <= COORD_LIMIT):
        raise UploadError(
            f"the point ({x:g}, {y:g}) lies outside the plane; both coordinates must be between "
            f"{-COORD_LIMIT:g} and {COORD_LIMIT:g}"
        )
    value = _point_label(point_set, label)
    if len(point_set) >= MAX_POINTS:
        raise UploadError(
            f"the set already has {MAX_POINTS:,} points, the most the 2D playground takes; remove some before "
            "adding more"
        )
    points = np.concatenate([point_set.points, np.array([[x, y]], dtype=np.float32)])
    labels = np.concatenate([point_set.labels, np.array([value], dtype=point_set.labels.dtype)])
    return dataclasses.replace(point_set, points=points, labels=labels)


def _point_label(point_set: PointSet, label: float) -> float:
    try:
        value = float(label)
    except (TypeError, ValueError):
        value = math.nan
    if point_set.task == "regression":
        if not -1.0 <= value <= 1.0:
            raise UploadError(f"the label {label!r} does not fit a regression set; use a number between -1 and 1")
    elif value not in range(point_set.n_classes):
        if point_set.task == "binary":
            raise UploadError(f"the label {label!r} does not fit a two-class set; use 0 or 1")
        raise UploadError(
            f"the label {label!r} does not fit a set of {point_set.n_classes} classes; use a class number from 0 "
            f"to {point_set.n_classes - 1}"
        )
    return value


def remove_nearest(point_set: PointSet, x: float, y: float, radius: float = 0.5) -> PointSet:
    """A new set without the point nearest to (x, y); the same set when no point lies within ``radius``."""
    try:
        x, y, radius = float(x), float(y), float(radius)
    except (TypeError, ValueError):
        return point_set
    if len(point_set) == 0 or not (math.isfinite(x) and math.isfinite(y) and radius >= 0):
        return point_set
    distances = np.hypot(point_set.points[:, 0] - x, point_set.points[:, 1] - y)
    nearest = int(np.argmin(distances))
    if distances[nearest] > radius:
        return point_set
    keep = np.arange(len(point_set)) != nearest
    return dataclasses.replace(point_set, points=point_set.points[keep], labels=point_set.labels[keep])


# Writing a CSV -------------------------------------------------------------------------------------------------


def points_to_csv(point_set: PointSet) -> bytes:
    """The set as CSV (``x1,x2,label``; class labels as ids 0..k-1), read back exactly by ``read_points_csv``.

    Exact for sets inside the plane whose labels read back as the same task: coordinates are written with the
    fewest digits that give the same float32 back. Class names, scale notes and ignored columns are not written.
    """
    columns = [_float_texts(point_set.points[:, 0]), _float_texts(point_set.points[:, 1])]
    if point_set.task == "regression":
        columns.append(_float_texts(point_set.labels))
    else:
        columns.append([str(int(label)) for label in point_set.labels.tolist()])
    lines = ["x1,x2,label", *(",".join(cells) for cells in zip(*columns, strict=True))]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _float_texts(values: np.ndarray) -> list[str]:
    """Shortest decimal texts of float32 values that read back (float, then float32) as the same values."""
    texts = [str(value) for value in values.astype(np.float32)]
    back = np.array([float(text) for text in texts], dtype=np.float64).astype(np.float32)
    for index in np.flatnonzero(back != values):  # a double rounding away; the float64 text is exact
        texts[index] = repr(float(values[index]))
    return texts


# Storage -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PointsInfo:
    """What a RunConfig must know of a stored set before loading it."""

    task: str
    n_classes: int
    n_points: int
    class_names: tuple[str, ...]
    scale: float
    label_scale: float


#: Where point sets are kept, by hash: ``points/<sha256>.points`` in the upload cache.
STORE = HashedStore("points", ".points", "point set", "its CSV")


def points_dir() -> Path:
    """The folder of stored point sets: ``points`` in the same cache folder as uploaded tables."""
    return STORE.directory


def _serialise(point_set: PointSet) -> bytes:
    header = {
        "format": _FORMAT,
        "task": point_set.task,
        "n_classes": point_set.n_classes,
        "n_points": len(point_set),
        "class_names": list(point_set.class_names),
        "scale": point_set.scale,
        "label_scale": point_set.label_scale,
        "ignored_columns": list(point_set.ignored_columns),
    }
    points = np.ascontiguousarray(point_set.points, dtype="<f4").tobytes()
    labels = np.ascontiguousarray(point_set.labels, dtype=_LABEL_DTYPES[point_set.task]).tobytes()
    return header_line(header) + points + labels


def store_points(point_set: PointSet) -> str:
    """Keep a trainable set (UploadError otherwise) under the sha256 of its serialisation, and return that sha."""
    check_trainable(point_set)
    return STORE.store(_serialise(point_set))


def points_info(sha: str) -> PointsInfo:
    """Task, classes and size of a stored set, from its header line; kept in memory once read (hashed files never
    change). UploadError when this computer does not hold the set."""
    sha = STORE.checked_sha(sha)
    key = (str(points_dir()), sha)
    if key not in _INFO_CACHE:
        header = STORE.header(sha, STORE.read(sha, header_only=True), _FORMAT)
        try:
            info = PointsInfo(
                task=str(header["task"]),
                n_classes=int(header["n_classes"]),
                n_points=int(header["n_points"]),
                class_names=tuple(map(str, header["class_names"])),
                scale=float(header["scale"]),
                label_scale=float(header["label_scale"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise STORE.damaged(sha, error) from None
        if info.task not in TASKS:
            raise STORE.damaged(sha, f"task {info.task!r}")
        _INFO_CACHE[key] = info
    return _INFO_CACHE[key]


_INFO_CACHE: dict[tuple[str, str], PointsInfo] = {}


def load_points(sha: str) -> PointSet:
    """A stored set, checked against its hash; UploadError when it is missing, changed or damaged."""
    line, payload = STORE.verified(STORE.checked_sha(sha))
    header = STORE.header(sha, line, _FORMAT)
    try:
        n = int(header["n_points"])
        label_dtype = _LABEL_DTYPES[header["task"]]
        if len(payload) != n * (8 + label_dtype.itemsize):
            raise ValueError(f"{len(payload)} bytes for {n} points")
        points = np.frombuffer(payload, dtype="<f4", count=2 * n).reshape(n, 2)
        labels = np.frombuffer(payload, dtype=label_dtype, offset=8 * n)
        point_set = PointSet(
            points.astype(np.float32),
            labels.astype(label_dtype.newbyteorder("=")),
            header["task"],
            int(header["n_classes"]),
            tuple(header["class_names"]),
            float(header["scale"]),
            float(header["label_scale"]),
            tuple(header["ignored_columns"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise STORE.damaged(sha, error) from None
    return point_set
