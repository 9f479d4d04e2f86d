"""Sequences for recurrent networks: independent generated sequences (the seed article's task, the adding
problem), windows of one series (a sine wave, a user's CSV) split in time, and windows of the shipped text."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from playground.data import sequences, series_upload, two_d
from playground.data.kinds.base import (
    MAX_EMBEDDED_BYTES,
    UNPACK_LINE,
    Dataset,
    DatasetKind,
    DataSettings,
    ScriptData,
    TooLargeForScript,
    UploadKind,
    deflated,
    packed,
)

#: Sequences a generated set or the text may have.
MAX_SEQUENCES = 20_000
#: Values (sequences x steps x features) a sequence dataset may hold: 80 MB of float32, trained in seconds an epoch.
MAX_SEQUENCE_VALUES = 20_000_000
#: Most windows cut from an uploaded series (evenly spaced beyond this, so memory stays bounded).
MAX_SERIES_WINDOWS = 20_000


@functools.cache
def text_vocabulary() -> tuple[str, ...]:
    """The characters of the shipped text, in the order of their token numbers."""
    return tuple(sequences.text_vocabulary(sequences.load_text()))


@functools.cache
def _text_length() -> int:
    return len(sequences.load_text())


class _Sequences(DatasetKind):
    page = "seq"
    input_family = "sequence"

    def step_features(self, data: DataSettings) -> int:
        """Values each step holds: measured features, or one token number for a text."""
        raise NotImplementedError

    def input_shape(self, data: DataSettings) -> tuple[int, ...]:
        return (data.steps, self.step_features(data))

    def check(self, data: DataSettings) -> None:
        super().check(data)
        self._check_size(data)

    def _check_size(self, data: DataSettings) -> None:
        """Refuse sequence data too big to hold (20,000 sequences of 400 steps x 1,000 features would be 32 GB)."""
        features = self.step_features(data)
        field, count, what = self._counted(data)
        values = count * data.steps * features
        if values > MAX_SEQUENCE_VALUES:
            raise ValueError(
                f"{field}: {count:,} {what} of {data.steps} steps x {features} features are {values:,} values, more "
                f"than the playground holds ({MAX_SEQUENCE_VALUES:,}); use fewer {what}, steps or features"
            )

    def _counted(self, data: DataSettings) -> tuple[str, int, str]:
        """The field that sets how many sequences there are, their count and what they are called."""
        return "n_points", data.n_points, "sequences"


class GeneratedSequences(_Sequences):
    """Independent generated sequences, split at random: the seed article's running balance, the adding problem."""

    def __init__(
        self,
        name: str,
        generator: Callable[..., tuple[np.ndarray, np.ndarray]],
        feature_names: Callable[[DataSettings], list[str]],
        uses_features: bool,
        preset: str,
        marker_column: int | None = None,
        leading_features: int | None = None,
    ) -> None:
        super().__init__(name, "regression", MAX_SEQUENCES, preset)
        self.generator, self._names, self._uses_features = generator, feature_names, uses_features
        self.settings = frozenset({"n_points", "steps", *(("n_features",) if uses_features else ())})
        self.marker_column, self.leading_features = marker_column, leading_features

    def step_features(self, data: DataSettings) -> int:
        return len(self._names(data))

    def _arguments(self, data: DataSettings) -> list[int]:
        return [data.n_points, data.steps, *((data.n_features,) if self._uses_features else ()), data.seed]

    def load(self, data: DataSettings) -> Dataset:
        inputs, targets = self.generator(*self._arguments(data))
        train, test = two_d.train_test_split_indices(len(targets), data.train_share, data.seed)
        return Dataset(inputs[train], targets[train], inputs[test], targets[test], "regression", 1, self._names(data))

    def test_count(self, data: DataSettings) -> int:
        return len(two_d.train_test_split_indices(data.n_points, data.train_share, data.seed)[1])

    def script(self, data: DataSettings, task: str) -> ScriptData:
        settings: dict[str, object] = {"N_POINTS": data.n_points, "STEPS": data.steps}
        arguments = "N_POINTS, STEPS, DATA_SEED"
        if self._uses_features:
            settings["N_FEATURES"] = data.n_features
            arguments = "N_POINTS, STEPS, N_FEATURES, DATA_SEED"
        settings.update(TRAIN_SHARE=data.train_share, DATA_SEED=data.seed)
        body = f"""\
    inputs, targets = {self.generator.__name__}({arguments})
    train, test = train_test_split_indices(len(targets), TRAIN_SHARE, DATA_SEED)  # independent samples: at random
    return inputs[train], targets[train], inputs[test], targets[test]
"""
        return ScriptData([self.generator, two_d.train_test_split_indices], settings, body)


def _series_dataset(
    values: np.ndarray, names: list[str], target_column: int, data: DataSettings, scale: bool
) -> Dataset:
    """The windows of one series split in time, so the test part is a stretch never trained on; ``scale``
    standardises it with the rows the training windows see (an upload is measured in the user's units)."""
    stride, windows, n_train = sequences.series_split(len(values), data.steps, data.train_share, MAX_SERIES_WINDOWS)
    if scale:
        values = sequences.standardise_series(values, data.steps, stride, n_train)
    inputs, targets = sequences.sliding_windows(values, data.steps, target_column, stride)
    train, test = np.arange(n_train), np.arange(n_train, windows)
    thinned = stride > 1  # windows skip steps: neither a line over steps nor a forecast fed back would be true
    return Dataset(
        x_train=inputs[train],
        y_train=targets[train],
        x_test=inputs[test],
        y_test=targets[test],
        task="regression",
        n_classes=1,
        feature_names=names,
        ordered=not thinned,
        target_column=None if thinned else target_column,
    )


class GeneratedSeries(_Sequences):
    """Three sine waves at irrational ratios with noise: windows of one series, the next value their target."""

    settings = frozenset({"n_points", "steps", "frequency", "noise"})

    def step_features(self, data: DataSettings) -> int:
        return 1

    def load(self, data: DataSettings) -> Dataset:
        series = sequences.make_sine_series(data.n_points + data.steps, data.frequency, data.noise, data.seed)
        return _series_dataset(series[:, None], ["value"], 0, data, scale=False)

    def test_count(self, data: DataSettings) -> int:
        return data.n_points - sequences.train_count(data.n_points, data.train_share)

    def script(self, data: DataSettings, task: str) -> ScriptData:
        settings: dict[str, object] = {"N_POINTS": data.n_points, "STEPS": data.steps, "FREQUENCY": data.frequency}
        settings.update(NOISE=data.noise, TRAIN_SHARE=data.train_share, DATA_SEED=data.seed)
        settings["MAX_WINDOWS"] = MAX_SERIES_WINDOWS  # the most windows cut from the series
        body = """\
    series = make_sine_series(N_POINTS + STEPS, FREQUENCY, NOISE, DATA_SEED)[:, None]
    # in time: the test windows come after the training ones
    stride, _, n_train = series_split(len(series), STEPS, TRAIN_SHARE, MAX_WINDOWS)
    inputs, targets = sliding_windows(series, STEPS, 0, stride)  # STEPS values, then the next one to predict
    return inputs[:n_train], targets[:n_train], inputs[n_train:], targets[n_train:]
"""
        functions = [sequences.make_sine_series, sequences.series_split, sequences.sliding_windows]
        return ScriptData(functions, settings, body)


class UploadedSeries(UploadKind, _Sequences):
    """A user's CSV time series (rows in time order); its columns and target come from the stored series. Its
    windows, one per row (evenly spaced beyond MAX_SERIES_WINDOWS), are standardised with the training rows."""

    settings = frozenset({"steps"})
    standardised = True
    missing_upload = "an uploaded time series needs the sha256 of its series"
    uploaded = "an uploaded time series"

    def _info(self, data: DataSettings) -> series_upload.SeriesInfo:
        return series_upload.series_info(self.sha(data))

    def check(self, data: DataSettings) -> None:
        UploadKind.check(self, data)
        rows = self._info(data).n_rows
        if rows <= data.steps + 1:
            raise ValueError(f"steps: the series has {rows} rows; windows of {data.steps} steps need more rows")
        self._check_size(data)

    def check_upload(self, data: DataSettings) -> None:
        self._info(data)

    def step_features(self, data: DataSettings) -> int:
        return len(self._info(data).columns)

    def _counted(self, data: DataSettings) -> tuple[str, int, str]:
        return "steps", min(self._info(data).n_rows, MAX_SERIES_WINDOWS), "windows"

    def load(self, data: DataSettings) -> Dataset:
        stored = series_upload.load_series(self.sha(data))
        return _series_dataset(stored.values, list(stored.columns), stored.target_index, data, scale=True)

    def test_count(self, data: DataSettings) -> int:
        rows = self._info(data).n_rows
        _, windows, n_train = sequences.series_split(rows, data.steps, data.train_share, MAX_SERIES_WINDOWS)
        return windows - n_train

    def script(self, data: DataSettings, task: str) -> ScriptData:
        """The series, packed into the script as the playground stores it; windows, split in time and
        standardisation as ``load`` makes them."""
        stored = series_upload.load_series(self.sha(data))
        values = packed(stored.values.astype(np.float32))
        if len(values) > MAX_EMBEDDED_BYTES:
            raise TooLargeForScript(
                f"data.upload: the series is too long to write into a script ({len(stored.values):,} rows of "
                f"{len(stored.columns)} columns); export a checkpoint instead"
            )
        settings: dict[str, object] = {
            "SERIES_COLUMNS": list(stored.columns),
            "TARGET_COLUMN": stored.target_index,  # the column whose next value the network predicts
            "ROWS": len(stored.values),
            "STEPS": data.steps,
            "MAX_WINDOWS": MAX_SERIES_WINDOWS,  # the most windows cut from the series
            "TRAIN_SHARE": data.train_share,
            "PACKED_VALUES": values,
        }
        body = (
            UNPACK_LINE
            + """\
    values = unpack(PACKED_VALUES, np.float32).reshape(ROWS, len(SERIES_COLUMNS))
    # in time: the test windows come after the training ones; beyond MAX_WINDOWS windows, evenly spaced ones
    stride, _, n_train = series_split(len(values), STEPS, TRAIN_SHARE, MAX_WINDOWS)
    values = standardise_series(values, STEPS, stride, n_train)  # measured in the user's units
    inputs, targets = sliding_windows(values, STEPS, TARGET_COLUMN, stride)  # STEPS rows, then the target's next
    return inputs[:n_train], targets[:n_train], inputs[n_train:], targets[n_train:]
"""
        )
        functions = [sequences.series_split, sequences.standardise_series, sequences.sliding_windows]
        return ScriptData(functions, settings, body)


class Text(_Sequences):
    """Next-character prediction on the shipped text: windows of its first part for training, of the rest for
    testing; its classes are its characters."""

    input_family = "text"
    settings = frozenset({"n_points", "steps"})
    packed = True

    def step_features(self, data: DataSettings) -> int:
        return 1

    def input_shape(self, data: DataSettings) -> tuple[int, ...]:
        return (data.steps,)

    def classes(self, data: DataSettings) -> int:
        return len(text_vocabulary())

    def class_names(self, data: DataSettings) -> list[str]:
        return list(text_vocabulary())

    def check(self, data: DataSettings) -> None:
        """Also refuses more windows than the text holds: repeated test windows would skew the test accuracy."""
        super().check(data)
        for part, wanted, available in self.windows(data):
            if wanted > available:
                raise ValueError(
                    f"n_points: the text's {part} part holds {available:,} different windows of {data.steps} "
                    f"characters, fewer than the {wanted:,} asked; use fewer sequences, fewer steps or another "
                    "train share"
                )

    @staticmethod
    def _cut(length: int, train_share: int) -> int:
        """Where the text's training part ends and its test part begins."""
        return round(length * train_share / 100)

    def windows(self, data: DataSettings) -> list[tuple[str, int, int]]:
        """For the text's training and test parts: (part, windows asked, different windows it holds)."""
        length = _text_length()
        cut = self._cut(length, data.train_share)
        n_train = sequences.train_count(data.n_points, data.train_share)
        return [
            ("training", n_train, max(cut - data.steps, 0)),
            ("test", data.n_points - n_train, max(length - cut - data.steps, 0)),
        ]

    def load(self, data: DataSettings) -> Dataset:
        vocabulary = list(text_vocabulary())
        ids = sequences.encode_text(sequences.load_text(), vocabulary)
        n_train = sequences.train_count(data.n_points, data.train_share)
        cut = self._cut(len(ids), data.train_share)
        x_train, y_train = sequences.make_text_windows(ids, data.steps, n_train, data.seed, 0, cut)
        x_test, y_test = sequences.make_text_windows(ids, data.steps, data.n_points - n_train, data.seed + 1, cut)
        return Dataset(x_train, y_train, x_test, y_test, "multiclass", len(vocabulary), [], class_names=vocabulary)

    def test_count(self, data: DataSettings) -> int:
        return data.n_points - sequences.train_count(data.n_points, data.train_share)

    def script(self, data: DataSettings, task: str) -> ScriptData:
        """The shipped text travels packed inside the script (it is a file of the playground's)."""
        settings: dict[str, object] = {
            "N_POINTS": data.n_points,
            "STEPS": data.steps,
            "TRAIN_SHARE": data.train_share,
            "DATA_SEED": data.seed,
            "PACKED_TEXT": deflated(sequences.load_text().encode("utf-8")),
        }
        body = """\
    text = zlib.decompress(base64.b64decode(PACKED_TEXT)).decode("utf-8")
    vocabulary = text_vocabulary(text)  # the characters, in the order of their token numbers
    ids = encode_text(text, vocabulary)
    n_train = train_count(N_POINTS, TRAIN_SHARE)
    cut = round(len(ids) * TRAIN_SHARE / 100)  # training windows come from the text before this character
    x_train, y_train = make_text_windows(ids, STEPS, n_train, DATA_SEED, 0, cut)
    x_test, y_test = make_text_windows(ids, STEPS, N_POINTS - n_train, DATA_SEED + 1, cut)
    return x_train, y_train, x_test, y_test
"""
        functions = [
            sequences.text_vocabulary,
            sequences.encode_text,
            sequences.make_text_windows,
            sequences.train_count,
        ]
        return ScriptData(functions, settings, body)
