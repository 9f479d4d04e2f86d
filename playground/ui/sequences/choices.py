"""The sequences page's choices without widgets: its datasets, presets, views and probes, the configs it builds,
and the widget keys. Tests and the other modules of the page call these."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from playground.config import DataConfig, RunConfig, output_layer
from playground.data.registry import (
    SERIES_UPLOAD,
    TEXT,
    kind_of,
)
from playground.data.upload import UploadError, table_columns
from playground.i18n import Translator
from playground.layers import LSTM, RECURRENT_GATES
from playground.presets import load_preset

PAGE = "seq"

#: The data this page offers, the seed article's sequences first; "series_upload" stands for the user's CSV.
DATASET_CHOICES: tuple[str, ...] = ("seed_sequences", "sine", "adding", TEXT, SERIES_UPLOAD)

#: An upload's opening settings and network: windows of 20 steps into a small LSTM.
UPLOAD_STEPS = 20

UPLOAD_UNITS = 32

VIEWS: tuple[str, ...] = ("loss", "predictions", "hidden", "memory", "histograms")

#: The probes each view shows; the worker computes only those of the view on screen.
VIEW_PROBES: dict[str, tuple[str, ...]] = {
    "loss": (),
    "predictions": ("predictions",),
    "hidden": ("hidden",),
    "memory": ("memory",),
    "histograms": ("histograms", "gradients"),
}

#: A text model's predictions are the text it writes.
TEXT_VIEW_PROBES: dict[str, tuple[str, ...]] = {**VIEW_PROBES, "predictions": ("generated",)}

#: The race: a simple RNN against an LSTM on the adding problem, each from its preset.
RACE_PRESETS: dict[str, str] = {"rnn": "adding-rnn", "lstm": "adding-lstm"}

RACE_PROBES: tuple[str, ...] = ("memory",)

#: What the LSTM's and the GRU's quantities are called in the hidden view, in the order shown.
GATE_ORDER: dict[str, tuple[str, ...]] = {
    "lstm": ("input", "forget", "cell", "output", "memory"),
    "gru": RECURRENT_GATES["gru"],
}

#: The narrow preview names its lines in a legend only up to this many features (the hover names them all).
PREVIEW_LEGEND = 4

#: The i18n keys of the feature names the generators give (``Dataset.feature_names``); "f0", "f1"... are numbered.
FEATURE_KEYS: dict[str, str] = {"value": "seq_value", "marker": "seq_feature_marker"}

K_DATASET, K_FILE, K_TARGET, K_UPLOADS = "seq_dataset", "seq_file", "seq_target", "seq_uploads"

K_SERIES = "seq_series"  # the sha of the series last stored (or loaded): used again when the user comes back

K_N, K_STEPS, K_FEATURES = "seq_n_points", "seq_steps", "seq_features"  # the first two per dataset

K_FREQUENCY, K_NOISE, K_SHARE = "seq_frequency", "seq_noise", "seq_train_share"

K_VIEW, K_SAMPLE, K_LAYER = "seq_view", "seq_sample", "seq_layer"

K_TEMPERATURE, K_LOG = "seq_temperature", "seq_memory_log"

K_RACE_STEPS, K_RACE_UNITS, K_RACE = "seq_race_steps", "seq_race_units", "seq_race_runs"

K_RACE_HIDDEN = "seq_race_hidden"  # the racers paused while the race is off screen, to play again when it is back


@cache
def preset(dataset: str) -> RunConfig:
    """The preset a dataset opens with (its data settings, network and training); an upload borrows the seed
    LSTM's training setup."""
    return load_preset(kind_of(dataset).preset or "seed-lstm")


def default_settings(dataset: str) -> dict[str, Any]:
    """The data panel's opening values for a dataset: its preset's."""
    if kind_of(dataset).takes_upload:
        return {"steps": UPLOAD_STEPS, "train_share": preset(dataset).data.train_share}
    return preset(dataset).data.model_dump(
        include={"n_points", "steps", "n_features", "frequency", "noise", "train_share"}
    )


def default_training(dataset: str) -> dict[str, Any]:
    """The training setup a dataset opens with: its preset's (adam; mse with mae reported for values, cross-entropy
    for text); an upload takes the seed LSTM's."""
    return preset(dataset).training.model_dump()


def data_config(dataset: str, upload: str | None = None, **settings: Any) -> DataConfig:
    """The DataConfig of the page's choices over the dataset's preset; an upload's rows ignore the generators'
    settings (count, features, frequency, noise). ValidationError says what does not fit (a window too long for
    the uploaded series, say)."""
    kind = kind_of(dataset)
    if kind.takes_upload:
        used = (*kind.settings, "train_share", "seed")
        kept = {name: value for name, value in settings.items() if name in used}
        return DataConfig(dataset=dataset, upload=upload, **kept)
    return DataConfig(**{**preset(dataset).data.model_dump(), **settings})


def initial_layers(data: DataConfig) -> list[dict]:
    """The stack a dataset opens with: its preset's network; an upload gets an LSTM of UPLOAD_UNITS and one output."""
    if kind_of(data).takes_upload:
        return [LSTM(units=UPLOAD_UNITS).model_dump(), output_layer("regression", 1).model_dump()]
    return [layer.model_dump() for layer in preset(data.dataset).model.layers]


def stored_series(data: bytes, target: str) -> str:
    """Validate and store an uploaded CSV time series; returns the sha a DataConfig names it by (UploadError with
    the reason when it cannot be used)."""
    from playground.data.series_upload import store_series

    sha, _ = store_series(data, target)
    return sha


def series_columns(data: bytes) -> tuple[list[str], str | None]:
    """The columns of an uploaded series a user may forecast, and the one to suggest: its numeric columns and the
    last of them. When the file cannot be read that way (say, its last numeric column never changes), the header's
    names, with no suggestion: storing the chosen column then says what is wrong. UploadError when not even the
    header can be read."""
    from playground.data.series_upload import read_csv_series

    try:
        series = read_csv_series(data)
    except UploadError:
        return table_columns(data), None
    return list(series.columns), series.target


def view_probes(view: str, task: str, recurrent: bool = True) -> tuple[str, ...]:
    """The probes the worker computes while ``view`` is on screen; none for the hidden view of a stack without a
    recurrent layer (``recurrent=False``), which has no hidden state to show."""
    if view == "hidden" and not recurrent:
        return ()
    return (TEXT_VIEW_PROBES if task == "multiclass" else VIEW_PROBES)[view]


def race_configs(steps: int, units: int) -> dict[str, RunConfig]:
    """The race's two setups: the adding presets with sequences of ``steps`` steps and ``units`` units each; they
    stop by themselves after the presets' epochs."""
    configs = {}
    for name, preset_name in RACE_PRESETS.items():
        raw = load_preset(preset_name).model_dump()
        raw["data"]["steps"] = int(steps)
        raw["model"]["layers"][0]["units"] = int(units)
        raw["training"]["stop_at_epochs"] = True
        configs[name] = RunConfig.from_dict(raw)
    return configs


def recurrent_runs(config: RunConfig) -> list[tuple[int, int, str]]:
    """(layer index, depth, direction) of every recurrent run of the stack, in the hidden probe's order."""
    runs = []
    for index, layer in enumerate(config.model.layers):
        if layer.kind in RECURRENT_GATES:
            directions = ("forward", "backward") if layer.bidirectional else ("forward",)
            runs += [(index, depth, direction) for depth in range(layer.num_layers) for direction in directions]
    return runs


def marked_inputs(inputs: np.ndarray, marker_column: int) -> tuple[np.ndarray, np.ndarray]:
    """A sequence's values without its marker column, and which steps that column marks (the adding problem's)."""
    return np.delete(inputs, marker_column, axis=1), inputs[:, marker_column] > 0.5


def shown_character(character: str) -> str:
    """A character as a reader can see it: a space or a line break gets a visible sign."""
    return {" ": "␣", "\n": "↵", "\t": "⇥"}.get(character, character)


def layer_label(t: Translator, config: RunConfig, run: tuple[int, int, str], units: bool = True) -> str:
    """A recurrent run of the stack in words of the page's language: number, kind, units and, when stacked or
    bidirectional, which depth and direction (``layer.title()`` is English)."""
    index, depth, direction = run
    layer = config.model.layers[index]
    parts = [f"{index + 1}. {t(f'editor_kind_{layer.kind}')}"]
    if units:
        parts.append(t("seq_units", n=layer.units))
    if layer.num_layers > 1:
        parts.append(t("seq_depth", n=depth + 1))
    if layer.bidirectional:
        parts.append(t(f"seq_direction_{direction}"))
    return " · ".join(parts)
