"""A user's CSV file turned into model-ready columns, or one clear sentence about what is wrong with it.

Students upload spreadsheets with empty cells, text columns and stray index columns; each of those gets a
message that names the column and says what to do, never a traceback.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

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
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
        frame = pd.read_csv(io.StringIO(text), sep=sniff_separator(text))
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


#: What every CSV upload tells a user whose file is no UTF-8 text.
SAVE_AS_CSV = "save it as CSV UTF-8 (comma-separated values) and upload it again"


def decode_csv_text(data: bytes | str, advice: str = SAVE_AS_CSV) -> str:
    """An uploaded file as text (a UTF-8 byte-order mark dropped), or UploadError ending in ``advice`` when it is
    not UTF-8 text: UTF-16 (as spreadsheets save Unicode text), other bytes, or NUL bytes (a binary file)."""
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise UploadError(f"the file is UTF-16 text (as spreadsheets save Unicode text); {advice}")
    else:
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise UploadError(f"the file is not UTF-8 text (byte {error.start + 1} cannot be read); {advice}") from None
        except TypeError:
            raise UploadError(f"the upload is not a file's contents; {advice}") from None
    if "\0" in text:
        raise UploadError(f"the file holds NUL bytes, so it is not plain CSV text (perhaps a spreadsheet); {advice}")
    return text


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


#: A number written with a decimal comma (1,5), as files separated by semicolons or tabs often are.
DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+(?:[eE][+-]?\d+)?")


def sniff_separator(text: str) -> str:
    """Comma, or the semicolon or tab that spreadsheets in many locales save "CSV" files with."""
    try:
        return csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _refuse_empty_cells(frame: pd.DataFrame) -> None:
    numeric = frame.select_dtypes("number")
    endless = np.isinf(numeric.to_numpy(dtype=float))
    if endless.any():  # inf would become NaN in training and look like a too-high learning rate
        column = numeric.columns[int(np.flatnonzero(endless.any(axis=0))[0])]
        raise UploadError(f"column {column!r} holds an infinite number; replace it with a real value")
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


# Stored uploads: a table a RunConfig can name ------------------------------------------------------------------
#: Where uploaded tables live, one ``<sha256>.csv`` plus ``<sha256>.json`` each; ``NN_PLAYGROUND_CACHE`` moves it.
CACHE_ENV = "NN_PLAYGROUND_CACHE"


def cache_dir() -> Path:
    """The per-user cache folder of stored uploads, tables and 2D point sets; ``NN_PLAYGROUND_CACHE`` moves it."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "nn-playground")


def uploads_dir() -> Path:
    """The per-user folder of stored uploads (a RunConfig names a table by hash, so the bytes must live somewhere)."""
    return cache_dir() / "uploads"


def upload_id(data: bytes, target: str) -> str:
    """The content hash naming an upload: the same bytes with another target column are another dataset."""
    return hashlib.sha256(target.encode("utf-8") + b"\0" + data).hexdigest()


@dataclass(frozen=True)
class UploadInfo:
    """What a RunConfig must know of a stored upload before loading it: task, classes, input width."""

    target: str
    task: str
    n_classes: int
    n_inputs: int
    rows: int
    feature_names: list[str]
    class_names: list[str]


def store_upload(data: bytes, target: str) -> tuple[str, Table]:
    """Validate the CSV (UploadError if unusable), keep it under its hash, and return the hash and the table."""
    table = read_csv_table(data, target)
    sha = upload_id(data, target)
    folder = uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    info = UploadInfo(
        target=target,
        task=table.task,
        n_classes=len(table.class_names) if table.task == "multiclass" else (2 if table.task == "binary" else 1),
        n_inputs=table.inputs.shape[1],
        rows=len(table.labels),
        feature_names=table.feature_names,
        class_names=table.class_names,
    )
    write_atomically(folder / f"{sha}.csv", data)
    write_atomically(folder / f"{sha}.json", json.dumps(info.__dict__, ensure_ascii=False).encode("utf-8"))
    return sha, table


def upload_info(sha: str) -> UploadInfo:
    """The stored facts of an upload; UploadError when this computer does not hold it (say, a shared config).

    Kept in memory once read: a RunConfig asks for its task and shape many times, and hashed files never change.
    """
    if not (len(sha) == 64 and all(c in "0123456789abcdef" for c in sha)):
        raise UploadError(f"{sha!r} is not the sha256 of an uploaded table")
    key = (str(uploads_dir()), sha)
    if key not in _INFO_CACHE:
        try:
            text = (uploads_dir() / f"{sha}.json").read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UploadError(_missing(sha)) from None
        try:
            _INFO_CACHE[key] = UploadInfo(**json.loads(text))
        except (ValueError, TypeError) as error:
            raise UploadError(f"the stored upload {sha[:12]}… is damaged ({error}); upload the CSV again") from None
    return _INFO_CACHE[key]


_INFO_CACHE: dict[tuple[str, str], UploadInfo] = {}


def _missing(sha: str) -> str:
    return f"the uploaded table {sha[:12]}… is not stored on this computer; upload the CSV again"


def load_upload(sha: str) -> Table:
    """Read a stored upload back, validated exactly as when it was uploaded."""
    info = upload_info(sha)
    try:
        data = (uploads_dir() / f"{sha}.csv").read_bytes()
    except FileNotFoundError:
        raise UploadError(
            f"the uploaded table {sha[:12]}… is not stored on this computer; upload the CSV again"
        ) from None
    if upload_id(data, info.target) != sha:
        raise UploadError(f"the stored upload {sha[:12]}… was changed on disk; upload the CSV again")
    return read_csv_table(data, info.target)


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary name and rename, so a worker reading the file never sees half of it."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
