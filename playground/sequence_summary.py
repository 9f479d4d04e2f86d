"""What the sequences page shows of a dataset without drawing it: a training sequence, the start of a series, and
the score of a network that ignores its input. Built from at most SUMMARY_VALUES values, so a slider move never
builds gigabytes in the server."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from playground.config import DataConfig
from playground.data.kinds.sequences import MAX_SERIES_WINDOWS
from playground.data.registry import (
    Dataset,
    dataset_input_shape,
    kind_of,
)

#: At most this many values of a series are drawn in the data preview.
PREVIEW_STEPS = 400

#: The most values (sequences x steps x features) the page builds itself for its preview and baseline; the worker
#: builds the whole data. Sets within it are summarised exactly, larger ones from a copy with fewer sequences.
SUMMARY_VALUES = 2_000_000

#: The fewest sequences a DataConfig allows (the sequence slider's start).
MIN_SEQUENCES = 100


@dataclass(frozen=True)
class DataSummary:
    """The little the page draws of a dataset itself: a training sequence, the start of a series, and the score of
    a network that ignores its input (predicting the training mean, or the most frequent character)."""

    first_inputs: np.ndarray  # [steps, features] values, or [steps] token numbers for text
    first_target: float
    feature_names: tuple[str, ...]
    series: np.ndarray | None  # ordered data: the target column from the first training window on
    series_name: str  # the target column's name (ordered data)
    baseline: float  # regression: test RMSE of the training mean; text: test accuracy of the most frequent class
    class_names: tuple[str, ...]
    sequences: int = 0  # how many sequences (windows) the summary was computed from
    exact: bool = True  # False: from a smaller copy of the data, so the baseline is an estimate


def data_summary(dataset: Dataset, exact: bool = True) -> DataSummary:
    """What the page shows of a dataset (see DataSummary); ``exact=False`` says it is a smaller copy of the data
    the worker trains on."""
    return _summarised(
        np.asarray(dataset.x_train[0]),
        dataset.y_train,
        dataset.y_test,
        task=dataset.task,
        n_classes=dataset.n_classes,
        feature_names=tuple(dataset.feature_names or ()),
        target_column=dataset.target_column if dataset.ordered else None,
        class_names=tuple(dataset.class_names or ()),
        exact=exact,
    )


def _summarised(
    first_inputs: np.ndarray,
    y_train: np.ndarray,
    y_test: np.ndarray,
    *,
    task: str,
    n_classes: int,
    feature_names: tuple[str, ...],
    target_column: int | None,
    class_names: tuple[str, ...],
    exact: bool,
) -> DataSummary:
    series, series_name = None, ""
    if target_column is not None:
        series = np.concatenate([first_inputs[:, target_column], y_train.reshape(-1)])[:PREVIEW_STEPS]
        series = series.astype(np.float32)
        series_name = feature_names[target_column] if target_column < len(feature_names) else ""
    if task == "multiclass":
        counts = np.bincount(y_train.astype(np.int64), minlength=n_classes)
        baseline = float(np.mean(y_test == counts.argmax())) if len(y_test) else float("nan")
    else:
        mean = float(np.mean(y_train))
        baseline = float(np.sqrt(np.mean((y_test.astype(np.float64) - mean) ** 2)))
    return DataSummary(
        first_inputs=first_inputs.copy(),
        first_target=float(np.asarray(y_train[0]).reshape(-1)[0]),
        feature_names=feature_names,
        series=series,
        series_name=series_name,
        baseline=baseline,
        class_names=class_names,
        sequences=len(y_train) + len(y_test),
        exact=exact,
    )


def summary_config(data: DataConfig) -> DataConfig:
    """The data the page builds itself for its summary: ``data`` when it holds at most SUMMARY_VALUES values, else
    the same settings with as few sequences as fit (at least MIN_SEQUENCES). Generated sets and the text keep their
    kind of sequence with fewer of them; a sine series keeps its start, so its preview is exact."""
    per_sequence = math.prod(dataset_input_shape(data))
    count = max(MIN_SEQUENCES, SUMMARY_VALUES // per_sequence)
    if kind_of(data).takes_upload or count >= data.n_points:
        return data
    return data.model_copy(update={"n_points": count})


def series_summary(data: DataConfig) -> DataSummary:
    """An uploaded series' summary from the series itself (rows x columns) rather than from its windows (rows x
    steps x columns, which only the worker builds): the same windows, time split and standardisation as
    ``load_dataset``, whose result it equals."""
    from playground.data.sequences import series_split, standardise_series
    from playground.data.series_upload import load_series

    stored = load_series(str(data.upload))
    values, column = stored.values, stored.target_index
    stride, _, n_train = series_split(len(values), data.steps, data.train_share, MAX_SERIES_WINDOWS)
    scaled = standardise_series(values, data.steps, stride, n_train)
    targets = scaled[data.steps :: stride, column]
    return _summarised(
        scaled[: data.steps],
        targets[:n_train],
        targets[n_train:],
        task="regression",
        n_classes=1,
        feature_names=tuple(stored.columns),
        target_column=column if stride == 1 else None,  # thinned windows are not drawn as one line
        class_names=(),
        exact=True,
    )
