"""The training history as CSV: one row per epoch, the columns of ``history_columns``.

One writer for everything that saves a history (``train --out``, checkpoints, later the pages' download button),
and the matching reader for checkpoints, which refuses a table it does not recognise instead of guessing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import TextIO

from playground.train.trainer import history_columns


def write_history_csv(rows: Iterable[dict[str, float]], task: str, file: TextIO, metric: str = "auto") -> None:
    """Header, then one line per epoch; floats keep all their digits, so reading them back is exact."""
    writer = csv.DictWriter(file, fieldnames=history_columns(task, metric))
    writer.writeheader()
    writer.writerows(rows)


def read_history_csv(text: str, task: str, metric: str = "auto") -> list[dict[str, float]]:
    """Rows as the Trainer makes them (``epoch`` an int, the rest floats); ValueError saying what is wrong."""
    columns = history_columns(task, metric)
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != columns:
        found = ", ".join(reader.fieldnames or []) or "missing"
        raise ValueError(f"its columns are {found}; a {task} history has {', '.join(columns)}")
    rows = []
    for number, raw in enumerate(reader, start=1):
        try:
            row = {name: float(raw[name]) for name in columns}
        except (TypeError, ValueError):
            raise ValueError(f"row {number} holds something that is not a number") from None
        if not row["epoch"].is_integer():
            raise ValueError(f"row {number}: the epoch {raw['epoch']!r} is not a whole number")
        rows.append({**row, "epoch": int(row["epoch"])})
    return rows
