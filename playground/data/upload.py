"""A user's CSV file turned into model-ready columns, or one clear sentence about what is wrong with it.

Students upload spreadsheets with empty cells, text columns and stray index columns; each of those gets a
message that names the column and says what to do, never a traceback.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_ROWS = 20_000
MIN_ROWS = 10
MAX_CATEGORIES = 20  # a text column with more distinct values is probably an id or free text, not a category
MAX_CLASSES = 20  # an integer target with up to this many values is read as classes, not as a number


class UploadError(ValueError):
    """The file cannot be used; the message says why in plain words."""


@dataclass
class Table:
    """Numeric inputs (text categories one-hot encoded), labels, and how to read them."""

    inputs: np.ndarray  # float32 [rows, columns]
    labels: np.ndarray  # float32 0/1 (binary), int64 class ids (multiclass) or float32 values (regression)
    task: str
    feature_names: list[str]
    class_names: list[str]  # empty for regression


def read_csv_table(data: bytes | str, target: str, max_rows: int = MAX_ROWS) -> Table:
    """Parse and validate a CSV; ``target`` is the column to predict."""
    try:
        frame = pd.read_csv(io.BytesIO(data) if isinstance(data, bytes) else io.StringIO(data))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise UploadError(f"the file is not a readable CSV table ({error})") from None
    if len(frame) > max_rows:
        raise UploadError(f"the table has {len(frame):,} rows; the playground takes at most {max_rows:,}")
    if len(frame) < MIN_ROWS:
        raise UploadError(f"the table has {len(frame)} rows; a network needs at least {MIN_ROWS} to learn from")
    if target not in frame.columns:
        raise UploadError(f"there is no column {target!r}; the columns are {', '.join(map(str, frame.columns))}")
    _refuse_empty_cells(frame)
    labels, task, class_names = _read_target(frame[target], target)
    features = frame.drop(columns=[target])
    if features.shape[1] == 0:
        raise UploadError(f"besides the target {target!r} there is no column to learn from")
    inputs, names = _encode_features(features)
    return Table(inputs=inputs, labels=labels, task=task, feature_names=names, class_names=class_names)


def _refuse_empty_cells(frame: pd.DataFrame) -> None:
    empty = frame.isna()
    if not empty.to_numpy().any():
        return
    column = empty.sum().idxmax()
    rows = [int(i) + 2 for i in np.flatnonzero(empty[column].to_numpy())[:3]]  # +2: header line, 1-based
    total = int(empty.to_numpy().sum())
    raise UploadError(
        f"{total} empty cell{'s' if total > 1 else ''}, e.g. column {column!r} in line"
        f"{'s' if len(rows) > 1 else ''} {', '.join(map(str, rows))}; fill them or drop those rows"
    )


def _read_target(column: pd.Series, name: str) -> tuple[np.ndarray, str, list[str]]:
    values = column.unique()
    if len(values) < 2:
        raise UploadError(f"the target {name!r} has the same value in every row; there is nothing to predict")
    numeric = pd.api.types.is_numeric_dtype(column)
    whole_numbers = numeric and np.all(np.mod(column.to_numpy(dtype=float), 1) == 0)
    if numeric and not (whole_numbers and len(values) <= MAX_CLASSES):
        return column.to_numpy(dtype=np.float32), "regression", []
    if len(values) > MAX_CLASSES:
        raise UploadError(
            f"the target {name!r} has {len(values)} different text values; the playground predicts at most "
            f"{MAX_CLASSES} classes"
        )
    classes = sorted(values, key=lambda value: (str(type(value)), value))
    index = {value: position for position, value in enumerate(classes)}
    ids = column.map(index).to_numpy()
    names = [str(value) for value in classes]
    if len(classes) == 2:
        return ids.astype(np.float32), "binary", names
    return ids.astype(np.int64), "multiclass", names


def _encode_features(features: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    parts: list[pd.DataFrame] = []
    for name in features.columns:
        column = features[name]
        if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
            parts.append(column.astype(np.float32).to_frame(str(name)))
            continue
        distinct = column.nunique()
        if distinct > MAX_CATEGORIES:
            raise UploadError(
                f"column {name!r} holds text with {distinct} different values; a category column may have at "
                f"most {MAX_CATEGORIES}. Remove it or turn it into numbers"
            )
        parts.append(pd.get_dummies(column.astype(str), prefix=str(name), prefix_sep="=", dtype=np.float32))
    encoded = pd.concat(parts, axis=1)
    return encoded.to_numpy(dtype=np.float32), [str(column) for column in encoded.columns]
