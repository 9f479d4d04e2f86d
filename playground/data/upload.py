"""A user's CSV file turned into model-ready columns, or one clear sentence about what is wrong with it.

Students upload spreadsheets with empty cells, text columns and stray index columns; each of those gets a
message that names the column and says what to do, never a traceback. A teacher sends one link to thirty
students, so every upload is measured before it is parsed: its bytes, its header, its rows (counted while they
are read, never all held) and the columns its text values would become.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import math
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from playground.limits import limits, over_limit

MAX_ROWS = 20_000
MIN_ROWS = 10
MAX_CATEGORIES = 20  # a text column with more distinct values is probably an id or free text, not a category
MAX_CLASSES = 20  # an integer target with up to this many values is read as classes, not as a number
MAX_LINE_CHARS = 1 << 20
"""The longest line a CSV upload may have: a longer one names far more columns than any page takes, and splitting
it into cells would cost many times its bytes."""


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
    """Parse and validate a CSV; ``target`` is the column to predict.

    The header is checked before the body is parsed (``table_columns``), at most ``max_rows + 1`` rows are parsed,
    and the width the text columns would have once one-hot encoded is counted before anything is encoded.
    """
    text, separator, _ = _table_text(data)
    try:
        raw = data if isinstance(data, bytes) else text.encode("utf-8")
        frame = pd.read_csv(io.BytesIO(raw), sep=separator, nrows=max_rows + 1, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise UploadError(f"the file is not a readable CSV table ({shorten(str(error), 80)})") from None
    if len(frame) > max_rows:
        rows = max(len(frame), count_lines(text) - 1)  # the rest counted, never parsed
        raise UploadError(f"the table has {rows:,} rows; the playground takes at most {max_rows:,}")
    if len(frame) < MIN_ROWS:
        raise UploadError(f"the table has {len(frame)} rows; a network needs at least {MIN_ROWS} to learn from")
    if target not in frame.columns:
        raise UploadError(f"there is no column {shorten(target)!r}; the columns are {listed(map(str, frame.columns))}")
    _refuse_empty_cells(frame)
    labels, task, class_names = _read_target(frame[target], target)
    features = frame.drop(columns=[target])
    if features.shape[1] == 0:
        raise UploadError(f"besides the target {shorten(target)!r} there is no column to learn from")
    inputs, names = _encode_features(features)
    return Table(inputs=inputs, labels=labels, task=task, feature_names=names, class_names=class_names)


def table_columns(data: bytes | str) -> list[str]:
    """The names in an uploaded table's header (for a target picker), checked as ``read_csv_table`` checks them:
    UploadError for a file over the upload limit, a header naming more columns than a table may have, or a name
    twice (found with a set in one pass; pandas would rename duplicates in a pass per name)."""
    return _table_text(data)[2]


def _table_text(data: bytes | str) -> tuple[str, str, list[str]]:
    """The text, separator and header names of a table, each limit checked before any row is parsed."""
    check_upload_size(len(data))
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError as error:
        raise UploadError(f"the file is not a readable CSV table ({shorten(str(error), 80)})") from None
    separator = sniff_separator(text)
    names = header_cells(text, separator)
    most = limits().max_table_columns
    if len(names) - 1 > most:  # every column but the target is at least one input column
        raise UploadError(
            f"the table has {len(names) - 1:,} columns besides the target; the playground takes at most {most:,} "
            "input columns, so drop some"
        )
    duplicate = first_duplicate(names)
    if duplicate is not None:
        raise UploadError(f"the header names the column {shorten(duplicate)!r} twice; give each column its own name")
    return text, separator, names


# Measuring an upload before it is parsed -----------------------------------------------------------------------


class UploadedFile(Protocol):
    """What a page's file uploader hands over: the declared size and the bytes."""

    size: int

    def getvalue(self) -> bytes: ...


def check_upload_size(size: int, limit: int | None = None) -> None:
    """UploadError when an upload of ``size`` bytes (or characters) is over ``limit`` MB (by default
    ``limits().max_upload_mb``)."""
    limit = limits().max_upload_mb if limit is None else limit
    if size > limit * 2**20:
        megabytes = math.ceil(size * 10 / 2**20) / 10  # rounded up: just over the limit never reads as equal to it
        raise UploadError(over_limit("the file", megabytes, limit, "MB") + "; upload a smaller file")


def uploaded_bytes(file: UploadedFile, limit: int | None = None) -> bytes:
    """An uploaded file's bytes, refused by its declared size (over ``limit`` MB, by default
    ``limits().max_upload_mb``) before they are copied and parsed."""
    check_upload_size(int(file.size), limit)
    return file.getvalue()


def shorten(text: str, limit: int = 40) -> str:
    """Text fit for a one-line message: whitespace and control characters collapsed, at most ``limit`` long."""
    clipped = len(text) > 4 * limit  # a prefix fills ``limit`` after collapsing: never a pass over megabytes
    text = " ".join("".join(char if char.isprintable() else " " for char in text[: 4 * limit]).split())
    return text if len(text) <= limit and not clipped else text[: limit - 1] + "…"


def listed(names: Iterable[str], limit: int = 8) -> str:
    """The first ``limit`` names, shortened, and how many more there are: a header in a message stays one line."""
    names = list(names)
    shown = ", ".join(shorten(name, 30) for name in names[:limit])
    return shown + (f" and {len(names) - limit:,} more" if len(names) > limit else "")


def first_duplicate(names: Iterable[str]) -> str | None:
    """The first name (not empty) that appeared before, found with a set: one pass even for millions of names."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return name
        if name:
            seen.add(name)
    return None


_NEWLINE = re.compile(r"\r\n|\r|\n")
_CONTENT = re.compile(r"\S")


def csv_lines(text: str) -> Iterator[str]:
    """The text's lines with their line ends (as ``csv.reader`` wants them), one at a time; UploadError for a line
    longer than ``MAX_LINE_CHARS``. Unlike ``io.StringIO`` this copies nothing but the line being read."""
    start, number = 0, 0
    while start < len(text):
        number += 1
        found = _NEWLINE.search(text, start)
        end = found.end() if found else len(text)
        if end - start > MAX_LINE_CHARS:
            raise UploadError(
                f"line {number} is {end - start:,} characters long; the playground reads lines of at most "
                f"{MAX_LINE_CHARS:,}"
            )
        yield text[start:end]
        start = end


def first_line(text: str) -> str:
    """The first line that holds more than whitespace (the header), without its line end and without reading
    further; UploadError when it is longer than ``MAX_LINE_CHARS``."""
    content = _CONTENT.search(text)
    if content is None:
        return ""
    start = max(text.rfind("\n", 0, content.start()), text.rfind("\r", 0, content.start())) + 1
    found = _NEWLINE.search(text, start, start + MAX_LINE_CHARS + 1)
    end = found.start() if found else min(len(text), start + MAX_LINE_CHARS + 1)
    if end - start > MAX_LINE_CHARS:
        raise UploadError(
            f"the first line is longer than {MAX_LINE_CHARS:,} characters, the most the playground reads; check "
            "that the file is a CSV table"
        )
    return text[start:end]


def header_cells(text: str, separator: str) -> list[str]:
    """The cells of the header (``first_line``) split as CSV; UploadError when it is too long or unreadable."""
    try:
        return next(csv.reader([first_line(text)], delimiter=separator), [])
    except csv.Error as error:
        raise UploadError(f"the header line is not readable CSV ({error}); fix that line") from None


_BLANK = {newline: re.compile(rf"{newline}[^\S{newline}]*(?={newline})") for newline in ("\n", "\r")}


def count_lines(text: str) -> int:
    """How many lines hold more than whitespace, counted in C without splitting the text: a refusal says how many
    rows a too-long file has without the file ever becoming a list of rows. (A quoted cell spanning lines counts
    once per line.)"""
    newline = "\n" if "\n" in text or "\r" not in text else "\r"
    segments = text.count(newline) + 1
    first_end = text.find(newline)
    if first_end < 0:
        return 0 if text.isspace() or not text else 1
    last_start = text.rfind(newline) + 1
    blank = sum(1 for _ in _BLANK[newline].finditer(text))  # the blank lines between the first and the last
    blank += _CONTENT.search(text, 0, first_end) is None
    blank += _CONTENT.search(text, last_start) is None
    return segments - blank


#: What every CSV upload tells a user whose file is no UTF-8 text.
SAVE_AS_CSV = "save it as CSV UTF-8 (comma-separated values) and upload it again"


def decode_csv_text(data: bytes | str, advice: str = SAVE_AS_CSV) -> str:
    """An uploaded file as text (a UTF-8 byte-order mark dropped), or UploadError ending in ``advice`` when it is
    over the upload limit or not UTF-8 text: UTF-16 (as spreadsheets save Unicode text), other bytes, or NUL bytes
    (a binary file)."""
    try:
        check_upload_size(len(data))
    except TypeError:
        raise UploadError(f"the upload is not a file's contents; {advice}") from None
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
    """Comma, or the semicolon or tab that spreadsheets in many locales save "CSV" files with, read from the start
    of the header line."""
    try:
        return csv.Sniffer().sniff(first_line(text)[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _refuse_empty_cells(frame: pd.DataFrame) -> None:
    for name in frame.select_dtypes("number").columns:  # column by column: no float64 copy of the whole table
        if np.isinf(frame[name].to_numpy(dtype=float)).any():  # inf would become NaN and look like a high rate
            raise UploadError(f"column {shorten(str(name))!r} holds an infinite number; replace it with a real value")
    empty = frame.isna()
    if not empty.to_numpy().any():
        return
    column = empty.sum().idxmax()
    rows = [int(i) + 2 for i in np.flatnonzero(empty[column].to_numpy())[:3]]  # +2: header line, 1-based
    total = int(empty.to_numpy().sum())
    raise UploadError(
        f"{total} empty cell{'s' if total > 1 else ''}, e.g. column {shorten(str(column))!r} in line"
        f"{'s' if len(rows) > 1 else ''} {', '.join(map(str, rows))}; fill them or drop those rows"
    )


def _read_target(column: pd.Series, name: str) -> tuple[np.ndarray, str, list[str]]:
    values = column.unique()
    if len(values) < 2:
        raise UploadError(
            f"the target {shorten(name)!r} has the same value in every row; there is nothing to predict"
        )
    numeric = pd.api.types.is_numeric_dtype(column)
    whole_numbers = numeric and np.all(np.mod(column.to_numpy(dtype=float), 1) == 0)
    if numeric and not (whole_numbers and len(values) <= MAX_CLASSES):
        return column.to_numpy(dtype=np.float32), "regression", []
    if len(values) > MAX_CLASSES:
        raise UploadError(
            f"the target {shorten(name)!r} has {len(values)} different text values; the playground predicts at most "
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
    """Numbers as they are, each text value a 0/1 column (named ``column=value``, values in sorted order), written
    into one float32 array whose width is counted, and checked against the limit, before it is allocated."""
    plan: list[tuple[str, pd.Series, list[str] | None]] = []
    for name in features.columns:
        column = features[name]
        if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
            plan.append((str(name), column, None))
            continue
        text = column.astype(str)
        values = sorted(text.unique())
        if len(values) > MAX_CATEGORIES:
            raise UploadError(
                f"column {shorten(str(name))!r} holds text with {len(values)} different values; a category column "
                f"may have at most {MAX_CATEGORIES}. Remove it or turn it into numbers"
            )
        plan.append((str(name), text, values))
    width = sum(1 if values is None else len(values) for _, _, values in plan)
    most = limits().max_table_columns
    if width > most:
        raise UploadError(
            f"the table would have {width:,} input columns once each text value becomes a column of its own; the "
            f"playground takes at most {most:,}, so drop columns or merge text values"
        )
    inputs = np.empty((len(features), width), dtype=np.float32)
    names: list[str] = []
    for name, column, values in plan:
        start = len(names)
        if values is None:
            inputs[:, start] = column.to_numpy(dtype=np.float32)
            names.append(name)
            continue
        codes = pd.Categorical(column, categories=values).codes
        inputs[:, start : start + len(values)] = codes[:, None] == np.arange(len(values))
        names.extend(f"{name}={value}" for value in values)
    return inputs, names


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
    evict_least_recently_used(keep=folder / f"{sha}.csv")
    return sha, table


def upload_info(sha: str) -> UploadInfo:
    """The stored facts of an upload; UploadError when this computer does not hold it (say, a shared config).

    Kept in memory once read: a RunConfig asks for its task and shape many times, and hashed files never change.
    """
    if not (isinstance(sha, str) and len(sha) == 64 and all(c in "0123456789abcdef" for c in sha)):
        raise UploadError(f"{shorten(repr(sha), 80)} is not the sha256 of an uploaded table")
    key = (str(uploads_dir()), sha)
    if key not in _INFO_CACHE:
        path = uploads_dir() / f"{sha}.json"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UploadError(_missing(sha)) from None
        touch(path)
        try:
            _INFO_CACHE[key] = UploadInfo(**json.loads(text))
        except (ValueError, TypeError) as error:
            raise UploadError(
                f"the stored upload {sha[:12]}… is damaged ({shorten(str(error), 60)}); upload the CSV again"
            ) from None
    return _INFO_CACHE[key]


_INFO_CACHE: dict[tuple[str, str], UploadInfo] = {}

#: Why a stored upload may be gone: said, in one sentence with what to do, whenever one is missing.
REMOVED_TO_MAKE_ROOM = "uploads unused the longest are removed to make room for new ones"


def _missing(sha: str) -> str:
    return (
        f"the uploaded table {sha[:12]}… is not stored on this computer; upload the CSV again "
        f"({REMOVED_TO_MAKE_ROOM})"
    )


def load_upload(sha: str) -> Table:
    """Read a stored upload back, validated exactly as when it was uploaded."""
    info = upload_info(sha)
    path = uploads_dir() / f"{sha}.csv"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UploadError(_missing(sha)) from None
    touch(path)
    touch(path.with_suffix(".json"))
    if upload_id(data, info.target) != sha:
        raise UploadError(f"the stored upload {sha[:12]}… was changed on disk; upload the CSV again")
    return read_csv_table(data, info.target)


# The store on disk: safe for many threads at once, and within its quota ------------------------------------------


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file and rename it into place, so a reader never sees half a file. The temporary name
    is unique (``mkstemp``): the server is one process with a thread per session, and thirty students storing the
    same upload at once must not rename each other's files away."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def touch(path: Path) -> None:
    """Mark a stored file as used now: the quota removes the files unused the longest first."""
    with contextlib.suppress(OSError):
        os.utime(path)


#: A stored file of any kind: ``<folder>/<sha256>.<suffix>`` in the cache folder; nothing else there is touched.
_STORED_NAME = re.compile(r"([0-9a-f]{64})\.[a-z]+")
_TEMPORARY_NAME = re.compile(r"\..+\.tmp")
#: A temporary file older than this was left by a process that died while writing it.
_STALE_SECONDS = 3600
_EVICTING = threading.Lock()


def evict_least_recently_used(keep: Path) -> None:
    """Remove stored uploads, those unused the longest first, until all of them together (tables, point sets,
    images and series: every store under ``cache_dir()``) fit ``limits().upload_store_mb``. Files of the same
    hash go together (a table's CSV and its facts), and never those of ``keep``, the upload just stored."""
    quota = limits().upload_store_mb * 2**20
    kept = (keep.parent.name, keep.name.split(".")[0])
    with _EVICTING:
        groups = _stored_groups()
        total = sum(size for _, size, _ in groups.values())
        for key, (_, size, paths) in sorted(groups.items(), key=lambda item: item[1][0]):
            if total <= quota:
                break
            if key == kept:
                continue
            for path in paths:
                with contextlib.suppress(OSError):
                    os.unlink(path)
            total -= size


def _stored_groups() -> dict[tuple[str, str], tuple[float, int, list[str]]]:
    """Every stored file under the cache folder by (folder, sha): the last time one was used, their bytes, their
    paths. Temporary files a dead process left behind are removed on the way."""
    groups: dict[tuple[str, str], tuple[float, int, list[str]]] = {}
    try:
        folders = [entry for entry in os.scandir(cache_dir()) if entry.is_dir(follow_symlinks=False)]
    except OSError:
        return groups
    now = time.time()
    for folder in folders:
        try:
            entries = list(os.scandir(folder.path))
        except OSError:
            continue
        for entry in entries:
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                stat = entry.stat(follow_symlinks=False)
                stored = _STORED_NAME.fullmatch(entry.name)
                if stored is None:
                    if _TEMPORARY_NAME.fullmatch(entry.name) and now - stat.st_mtime > _STALE_SECONDS:
                        os.unlink(entry.path)
                    continue
            except OSError:  # removed by another thread meanwhile
                continue
            key = (folder.name, stored.group(1))
            used, size, paths = groups.get(key, (0.0, 0, []))
            groups[key] = (max(used, stat.st_mtime), size + stat.st_size, [*paths, entry.path])
    return groups
