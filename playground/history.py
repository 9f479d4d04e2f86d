"""The training history: what a row holds, on which rows it is measured, and the CSV it is saved as.

Shared by the trainer, checkpoints and the exports. No torch here, so the history CSV and the exported script's
constants can be written without loading it. One writer for everything that saves a history (``train --out``,
checkpoints, the pages' download button), and the matching reader for checkpoints, which refuses a table it does
not recognise instead of guessing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import TextIO

#: The training metrics of an epoch are measured on at most this many training rows (see ``train_sample``).
EVAL_TRAIN_ROWS = 512


def train_sample(rows: int) -> slice:
    """The training rows whose metrics a history row reports: at most EVAL_TRAIN_ROWS, evenly spread (every
    k-th), so they cover a series or a text from start to end. Measuring all of them took as long as a third of
    the seed LSTM's training epoch (the whole 4,000 images of the seed CNN's, 0.85 of it) and changes the curve by
    a few thousandths."""
    return slice(0, None, max(1, -(-rows // EVAL_TRAIN_ROWS)))


def history_columns(task: str, metric: str = "auto") -> list[str]:
    """The columns of a history table, in order, for a task (and the metric a regression reports besides)."""
    if task == "regression":
        extra = ["train_mae", "test_mae"] if metric == "mae" else []
        return ["epoch", "train_loss", "test_loss", "train_r2", "test_r2", "train_rmse", "test_rmse", *extra]
    return ["epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy"]


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
