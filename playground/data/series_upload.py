"""A user's CSV time series: read and checked, or refused in one sentence naming the column and the line.

Reading rules (``read_csv_series``):

* One row per moment, oldest first, under a header line naming the columns. Comma, semicolon and tab separators
  are sniffed as for uploaded tables; with a semicolon or tab separator a decimal comma (``1,5``) reads as 1.5.
* Columns of numbers are the series. A column of dates or times (``2024-01-31``, ``31.01.2024 12:00``, ``Jan
  2024``, ``12:30``) only orders the rows and is ignored; ISO dates (``2024-01-31``) that go back in time are
  refused, since a forecast of shuffled rows means nothing. Any other column is refused.
* Empty cells, NaN and infinite numbers are refused; so are fewer than ``MIN_SERIES_ROWS`` or more than
  ``MAX_SERIES_ROWS`` rows, more than ``limits().max_table_columns`` columns or ``MAX_SERIES_VALUES`` cells, a
  column named twice, and a target column (by default the last numeric one) that never changes.

Stored series (``store_series``) live in the ``series`` folder of the upload cache (``NN_PLAYGROUND_CACHE``), one
``<sha256>.series`` file each: a JSON header line (columns, target, rows), then the values as little-endian
float32, row by row. Nothing here imports Streamlit.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from playground.data.hashed_store import HashedStore, header_line, shorten
from playground.data.upload import (
    DECIMAL_COMMA,
    UploadError,
    count_lines,
    csv_lines,
    decode_csv_text,
    first_duplicate,
    is_number,
    listed,
    sniff_separator,
)
from playground.limits import limits

MAX_SERIES_ROWS = 100_000
"""The most rows (moments) an uploaded series may have."""
MIN_SERIES_ROWS = 30
"""Fewer rows leave too few windows to train and test on."""
MAX_SERIES_VALUES = 1_000_000
"""The most cells (rows x columns) an uploaded series may have (100,000 rows of 10 columns): each is a Python string
while the file is checked, so reading one file stays near 100 MB."""

_FORMAT = 1  # version of the stored file layout
_FLOAT32_MAX = float(np.finfo(np.float32).max)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_TIME = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s?[ap]\.?m\.?)?"
_DATE = re.compile(
    rf"""(?:
        (?:\d{{4}}[-/.]\d{{1,2}}(?:[-/.]\d{{1,2}})?        # 2024-01-31, 2024/1/31, 2024-01
          |\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}          # 31.01.2024, 01/31/24
          |\d{{1,2}}[\s-]{_MONTH}[\s-]\d{{2,4}}            # 31 Jan 2024, 31-Jan-24
          |{_MONTH}\s\d{{1,2}},?\s\d{{4}}                  # January 31, 2024
          |{_MONTH}[\s-]\d{{4}})                           # Jan 2024
        (?:[\sT]{_TIME}(?:\s?(?:z|utc|[+-]\d{{2}}:?\d{{2}}))?)?
      |{_TIME})""",
    re.IGNORECASE | re.VERBOSE,
)
#: Zero-padded ISO dates and times: for these, text order is time order.
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


@dataclass(frozen=True, eq=False)
class SeriesSet:
    """Values float32 [rows, columns] in time order (read-only), the columns' names, and the column to forecast."""

    values: np.ndarray
    columns: list[str]
    target: str

    def __post_init__(self) -> None:
        values = np.array(self.values, dtype=np.float32)
        columns = [str(column) for column in self.columns]
        if values.ndim != 2 or values.shape[1] != len(columns):
            raise UploadError(f"values of the shape {list(values.shape)} do not fit {len(columns)} columns")
        if self.target not in columns:
            raise UploadError(f"the target {self.target!r} is not one of the columns {', '.join(columns)}")
        values.setflags(write=False)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "columns", columns)

    @property
    def target_index(self) -> int:
        """The position of the target among the columns."""
        return self.columns.index(self.target)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SeriesSet):
            return NotImplemented
        return (self.columns, self.target) == (other.columns, other.target) and np.array_equal(
            self.values, other.values
        )

    __hash__ = None  # type: ignore[assignment]  # an array inside: compare, do not hash


@dataclass(frozen=True)
class SeriesInfo:
    """What a RunConfig must know of a stored series before loading it."""

    n_rows: int
    columns: list[str]
    target: str


# Reading a CSV -------------------------------------------------------------------------------------------------


def read_csv_series(data: bytes | str, target: str | None = None) -> SeriesSet:
    """Parse and check a CSV time series (see the module's docstring); ``target`` defaults to the last numeric
    column. UploadError says in one sentence what is wrong.

    The header is checked before any row is read, and the lines are counted (in C, without splitting the text)
    against ``MAX_SERIES_ROWS`` and ``MAX_SERIES_VALUES`` before the rows are: a too-large file is never held as
    rows."""
    text = decode_csv_text(data)
    separator = sniff_separator(text)
    rows = _rows(text, separator)
    first = next(rows, None)
    if first is None:
        raise UploadError("the file is empty; upload a CSV with a header line and then one row per moment")
    names = _header_names(first[1])
    body = _body(rows, len(names), text)
    lines = [line for line, _, _ in body]
    cells = _cells(body, len(names))
    if not names[0]:
        if cells[0] != [str(number) for number in range(len(cells[0]))]:
            raise UploadError("column 1 of the header has no name; name every column")
        names, cells = names[1:], cells[1:]  # pandas's row numbers (to_csv's index): they say nothing to forecast
    _refuse_empty(cells, names, lines)
    numeric: dict[str, np.ndarray] = {}
    dates: list[str] = []
    for name, column in zip(names, cells, strict=True):
        values = _numbers(column, separator)
        if values is not None:
            numeric[name] = _checked(values, column, name, lines)
        elif all(_DATE.fullmatch(cell) for cell in column):
            _refuse_backwards(column, name, lines)
            dates.append(name)
        else:
            _refuse_text(column, name, lines, separator)
    if not numeric:
        raise UploadError(f"the file has no column of numbers to forecast (its columns are {listed(names)}); add one")
    target = _target(target, list(numeric), dates)
    if np.all(numeric[target] == numeric[target][0]):
        raise UploadError(
            f"the target {shorten(target)!r} has the same value ({numeric[target][0]:g}) in every row, so there is "
            "nothing to forecast; choose another column"
        )
    values = np.stack(list(numeric.values()), axis=1).astype(np.float32)
    return SeriesSet(values, list(numeric), target)


def _rows(text: str, separator: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows, one at a time, with the line a spreadsheet shows for each (1-based, header included)."""
    reader = csv.reader(csv_lines(text), delimiter=separator)
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield reader.line_num, cells
    except csv.Error as error:
        raise UploadError(f"line {reader.line_num + 1} is not readable CSV ({error}); fix that line") from None


def _body(rows: Iterator[tuple[int, list[str]]], width: int, text: str) -> list[tuple[int, list[str], int]]:
    """The body rows (line, the cells under the header's names, how many values when there are more than those);
    UploadError with the file's row count when there are more than the limits allow (counted in C before a row is
    read: each line holds at most one row) or fewer than ``MIN_SERIES_ROWS``."""
    n_lines = count_lines(text) - 1
    if n_lines > MAX_SERIES_ROWS:
        raise UploadError(f"the file has {n_lines:,} rows; a time series may have at most {MAX_SERIES_ROWS:,}")
    if n_lines * width > MAX_SERIES_VALUES:
        raise UploadError(
            f"the file has {n_lines:,} rows of {width:,} columns, {n_lines * width:,} values; a time series may "
            f"hold at most {MAX_SERIES_VALUES:,}, so drop columns or rows"
        )
    body: list[tuple[int, list[str], int]] = []
    for line, cells in rows:
        extra = len(cells) if any(cell.strip() for cell in cells[width:]) else 0
        body.append((line, cells[:width], extra))
    if len(body) < MIN_SERIES_ROWS:
        raise UploadError(
            f"the file has {len(body)} row{'' if len(body) == 1 else 's'} below its header; a time series needs at "
            f"least {MIN_SERIES_ROWS} to cut training and test windows from"
        )
    return body


def _header_names(header: list[str]) -> list[str]:
    names = [cell.strip() for cell in header]
    while names and not names[-1]:  # a trailing separator
        names.pop()
    most = limits().max_table_columns
    if len(names) > most:
        raise UploadError(f"the header names {len(names):,} columns; a time series may have at most {most:,}")
    if all(is_number(name) for name in names if name):
        raise UploadError(
            f"the first line must name the columns, but this file starts with the numbers "
            f"{shorten(','.join(names[:20]), 30)}; add a header line such as date,value"
        )
    for position, name in enumerate(names):
        if not name and position > 0:  # the first may be the row numbers pandas writes; read_csv_series checks them
            raise UploadError(f"column {position + 1} of the header has no name; name every column")
    duplicate = first_duplicate(names)
    if duplicate is not None:
        raise UploadError(f"the header names the column {shorten(duplicate)!r} twice; give each column its own name")
    return names


def _cells(body: list[tuple[int, list[str], int]], width: int) -> list[list[str]]:
    """The stripped cells column by column; UploadError for a row with more values than the header names."""
    columns: list[list[str]] = [[] for _ in range(width)]
    for line, cells, extra in body:
        if extra:
            raise UploadError(
                f"line {line} has {extra} values but the header names {width} columns; remove the extra "
                "values or give their column a name"
            )
        for position in range(width):
            columns[position].append(cells[position].strip() if position < len(cells) else "")
    return columns


def _refuse_empty(cells: list[list[str]], names: list[str], lines: list[int]) -> None:
    """UploadError naming the first empty cell (by line, then column) and how many there are."""
    first, total = None, 0
    for position, column in enumerate(cells):
        empty = [row for row, cell in enumerate(column) if not cell]
        total += len(empty)
        if empty and (first is None or empty[0] < first[0]):
            first = (empty[0], position)
    if first is None:
        return
    row, position = first
    more = f" ({total} empty cells in all)" if total > 1 else ""
    raise UploadError(
        f"column {shorten(names[position])!r} is empty in line {lines[row]}{more}; fill in a value or delete "
        f"{'those lines' if total > 1 else 'that line'}"
    )


def _numbers(column: list[str], separator: str) -> np.ndarray | None:
    """A column as float64, or None when some cell is not a number."""
    if separator != ",":
        column = [cell.replace(",", ".") if DECIMAL_COMMA.fullmatch(cell) else cell for cell in column]
    try:
        return np.array(column, dtype=np.float64)
    except ValueError:
        return None


def _checked(values: np.ndarray, column: list[str], name: str, lines: list[int]) -> np.ndarray:
    """The values, or UploadError naming the first NaN, infinite or too large one."""
    bad = ~np.isfinite(values) | (np.abs(values) > _FLOAT32_MAX)
    if not bad.any():
        return values
    row = int(np.flatnonzero(bad)[0])
    value = values[row]
    where = f"column {shorten(name)!r} holds"
    if np.isnan(value):
        raise UploadError(f"{where} NaN (no value) in line {lines[row]}; fill in a number or delete that line")
    if np.isinf(value):
        raise UploadError(f"{where} an infinite number in line {lines[row]}; replace it with a real value")
    raise UploadError(
        f"{where} {shorten(column[row], 30)} in line {lines[row]}, too large for the playground's 32-bit numbers; "
        "rescale that column"
    )


def _refuse_backwards(column: list[str], name: str, lines: list[int]) -> None:
    """UploadError when ISO dates go back in time (their text order is their time order)."""
    if not all(_ISO.fullmatch(cell) for cell in column):
        return
    stamps = [cell.replace("T", " ") for cell in column]
    for row in range(1, len(stamps)):
        if stamps[row] < stamps[row - 1]:
            raise UploadError(
                f"the dates in column {shorten(name)!r} go back in time in line {lines[row]} ({shorten(column[row])} "
                f"after {shorten(column[row - 1])}); sort the rows by date, oldest first"
            )


def _refuse_text(column: list[str], name: str, lines: list[int], separator: str) -> None:
    """UploadError for a column that is neither numbers nor dates, naming its first bad cell."""
    kinds = [_kind(cell, separator) for cell in column]
    if "text" in kinds:
        row = kinds.index("text")
        raise UploadError(
            f"column {shorten(name)!r} holds {shorten(column[row], 30)!r} in line {lines[row]}, which is neither a "
            "number nor a date; a time series takes columns of numbers (and a date column that orders the rows), "
            "so fix that value or remove the column"
        )
    date, number = kinds.index("date"), kinds.index("number")
    raise UploadError(
        f"column {shorten(name)!r} mixes dates and numbers ({shorten(column[date], 30)!r} in line {lines[date]}, "
        f"{shorten(column[number], 30)!r} in line {lines[number]}); keep one kind per column"
    )


def _kind(cell: str, separator: str) -> str:
    if _numbers([cell], separator) is not None:
        return "number"
    return "date" if _DATE.fullmatch(cell) else "text"


def _target(target: str | None, numeric: list[str], dates: list[str]) -> str:
    if target is None:
        return numeric[-1]
    if target in numeric:
        return target
    if target in dates:
        raise UploadError(
            f"the column {shorten(target)!r} holds dates, which only order the rows; forecast one of the numeric "
            f"columns {listed(numeric)}"
        )
    raise UploadError(f"there is no numeric column {shorten(target)!r}; the numeric columns are {listed(numeric)}")


# Storage -------------------------------------------------------------------------------------------------------

#: Where series are kept, by hash: ``series/<sha256>.series`` in the upload cache.
STORE = HashedStore("series", ".series", "time series", "its CSV")


def _serialise(series: SeriesSet) -> bytes:
    header = {"format": _FORMAT, "n_rows": len(series.values), "columns": series.columns, "target": series.target}
    return header_line(header) + np.ascontiguousarray(series.values, dtype="<f4").tobytes()


def store_series(data: bytes, target: str | None = None) -> tuple[str, SeriesSet]:
    """Read the CSV (UploadError if unusable), keep the series and its target under the sha256 of their stored
    form, and return that sha and the series: the same file and target always give the same sha."""
    series = read_csv_series(data, target)
    return STORE.store(_serialise(series)), series


def series_info(sha: str) -> SeriesInfo:
    """Rows, columns and target of a stored series, from its header line; kept in memory once read (hashed files
    never change). UploadError when this computer does not hold the series."""
    sha = STORE.checked_sha(sha)
    key = (str(STORE.directory), sha)
    if key not in _INFO_CACHE:
        header = STORE.header(sha, STORE.read(sha, header_only=True), _FORMAT)
        _INFO_CACHE[key] = _info(sha, header)
    return _INFO_CACHE[key]


_INFO_CACHE: dict[tuple[str, str], SeriesInfo] = {}


def _info(sha: str, header: dict) -> SeriesInfo:
    try:
        info = SeriesInfo(
            n_rows=int(header["n_rows"]), columns=[str(name) for name in header["columns"]], target=header["target"]
        )
    except (KeyError, TypeError, ValueError) as error:
        raise STORE.damaged(sha, error) from None
    if info.target not in info.columns:
        raise STORE.damaged(sha, f"target {info.target!r}")
    return info


def load_series(sha: str) -> SeriesSet:
    """A stored series, checked against its hash; UploadError when it is missing, changed or damaged."""
    line, payload = STORE.verified(STORE.checked_sha(sha))
    info = _info(sha, STORE.header(sha, line, _FORMAT))
    expected = info.n_rows * len(info.columns) * 4
    if len(payload) != expected:
        raise STORE.damaged(sha, f"{len(payload)} bytes of values where {expected} belong")
    values = np.frombuffer(payload, dtype="<f4").reshape(info.n_rows, len(info.columns))
    return SeriesSet(values.astype(np.float32), info.columns, info.target)
