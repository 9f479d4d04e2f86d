"""The sequences page: pick sequences, a series or a text (or upload a CSV time series), stack recurrent layers,
train live, and watch the network remember: its predictions or forecast, the text it writes, its hidden state and
gates step by step, how far back its gradient reaches, and a simple RNN racing an LSTM on the adding problem.

Like the other free-stack pages it holds no model: the session's worker trains it and computes the sequence probes
(``probes.tables.predictions``, ``probes.sequences``: ``generated``, ``hidden``, ``memory``) of the view on screen
only; the views redraw from the newest snapshot once a second.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

import numpy as np
import streamlit as st
from pydantic import ValidationError

from playground.config import DataConfig, RunConfig, describe_validation_error, output_layer
from playground.data.registry import (
    DATASETS,
    MAX_SERIES_WINDOWS,
    SEQUENCE_SETS,
    SERIES_UPLOAD,
    TEXT,
    Dataset,
    data_task,
    dataset_class_names,
    dataset_classes,
    dataset_input_shape,
    load_dataset,
    sequence_features,
    sequence_test_count,
    series_info,
)
from playground.data.upload import UploadError, table_columns, uploaded_bytes
from playground.i18n import Translator
from playground.layers import LSTM, RECURRENT_GATES
from playground.limits import limits
from playground.presets import load_preset
from playground.train.probes.sequences import DEFAULT_TEMPERATURE
from playground.ui.common import pick_test_example, translated_choice
from playground.ui.downloads import downloads
from playground.ui.layer_editor import layer_stack_editor
from playground.ui.loading import PageLoader
from playground.ui.probe_charts import probe_charts
from playground.ui.session import (
    SessionRun,
    live_session_run,
    pause_session_run,
    release_session_runs,
    session_run,
)
from playground.ui.training_panel import build_config, training_panel, training_run
from playground.viz import sequence_charts as charts
from playground.viz import tabular_charts

PAGE = "seq"
#: The data this page offers, the seed article's sequences first; "series_upload" stands for the user's CSV.
DATASET_CHOICES: tuple[str, ...] = (*SEQUENCE_SETS, TEXT, SERIES_UPLOAD)
#: The preset each dataset opens with (its data settings, network and training).
PRESETS: dict[str, str] = {
    "seed_sequences": "seed-lstm",
    "sine": "sine-lstm",
    "adding": "adding-lstm",
    TEXT: "text-lstm",
}
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
#: At most this many values of a series are drawn in the data preview.
PREVIEW_STEPS = 400
#: The narrow preview names its lines in a legend only up to this many features (the hover names them all).
PREVIEW_LEGEND = 4
#: The seed task's target is the running balance of its first two features; the others only distract.
SEED_BALANCE_FEATURES = 2
#: The most values (sequences x steps x features) the page builds itself for its preview and baseline; the worker
#: builds the whole data. Sets within it are summarised exactly, larger ones from a copy with fewer sequences.
SUMMARY_VALUES = 2_000_000
#: The fewest sequences a DataConfig allows (the sequence slider's start).
MIN_SEQUENCES = 100
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


# Engine-side helpers (no widgets): what the page and its tests call -------------------------------------------


@cache
def preset(dataset: str) -> RunConfig:
    """The preset a dataset opens with; an upload borrows the seed LSTM's training setup."""
    return load_preset(PRESETS.get(dataset, "seed-lstm"))


def default_settings(dataset: str) -> dict[str, Any]:
    """The data panel's opening values for a dataset: its preset's."""
    if dataset == SERIES_UPLOAD:
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
    if dataset == SERIES_UPLOAD:
        kept = {name: value for name, value in settings.items() if name in ("steps", "train_share", "seed")}
        return DataConfig(dataset=dataset, upload=upload, **kept)
    return DataConfig(**{**preset(dataset).data.model_dump(), **settings})


def initial_layers(data: DataConfig) -> list[dict]:
    """The stack a dataset opens with: its preset's network; an upload gets an LSTM of UPLOAD_UNITS and one output."""
    if data.dataset == SERIES_UPLOAD:
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
    per_sequence = data.steps * (1 if data.dataset == TEXT else sequence_features(data))
    count = max(MIN_SEQUENCES, SUMMARY_VALUES // per_sequence)
    if data.dataset == SERIES_UPLOAD or count >= data.n_points:
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


def recurrent_runs(config: RunConfig) -> list[tuple[int, int, str]]:
    """(layer index, depth, direction) of every recurrent run of the stack, in the hidden probe's order."""
    runs = []
    for index, layer in enumerate(config.model.layers):
        if layer.kind in RECURRENT_GATES:
            directions = ("forward", "backward") if layer.bidirectional else ("forward",)
            runs += [(index, depth, direction) for depth in range(layer.num_layers) for direction in directions]
    return runs


def shown_character(character: str) -> str:
    """A character as a reader can see it: a space or a line break gets a visible sign."""
    return {" ": "␣", "\n": "↵", "\t": "⇥"}.get(character, character)


# Widgets whose values outlive them -------------------------------------------------------------------------------


def kept_key(key: str) -> str:
    """Where the value of the widget ``key`` is kept (see ``kept_widget``); set it to change what the widget
    shows next."""
    return f"{key}_value"


def kept_widget(widget: Callable[..., Any], label: str, *args: Any, key: str, default: Any, **kwargs: Any) -> Any:
    """A widget whose value survives the runs that do not draw it (another dataset, another view).

    Streamlit deletes a widget's state on a run that does not draw it, and the widget then comes back with its
    default. So the value lives under ``kept_key(key)`` (``default`` until the user picks one) and is handed to the
    widget whenever it is drawn; ``on_change`` runs after the value is kept."""
    state = st.session_state
    kept = kept_key(key)
    wanted = state.setdefault(kept, default)
    if state.get(key) != wanted:
        state[key] = wanted
    callback = kwargs.pop("on_change", None)

    def keep() -> None:
        state[kept] = state[key]
        if callback is not None:
            callback()

    return widget(label, *args, key=key, on_change=keep, **kwargs)


# Loading a config or checkpoint: callbacks that run before the widgets, so they may set the widgets' values ----


def _adopt(config: RunConfig) -> None:
    """Set the data widgets to a loaded ``config``'s (``PageLoader.take`` sets the training widgets and layers)."""
    state, data = st.session_state, config.data
    state[K_DATASET] = data.dataset
    kept = {f"{K_STEPS}_{data.dataset}": data.steps, K_SHARE: data.train_share}
    if data.dataset == SERIES_UPLOAD:  # its series is used until the user uploads another
        state[K_SERIES] = data.upload
        kept[K_TARGET] = series_info(str(data.upload)).target
    else:
        kept[f"{K_N}_{data.dataset}"] = data.n_points
    if data.dataset == "seed_sequences":
        kept[K_FEATURES] = data.n_features
    if data.dataset == "sine":
        kept[K_FREQUENCY], kept[K_NOISE] = data.frequency, data.noise
    state.update({kept_key(key): value for key, value in kept.items()})


#: Loading a saved setup or checkpoint into this page.
LOADER = PageLoader("seq", DATASET_CHOICES, "a sequence set", _adopt)


# The page -------------------------------------------------------------------------------------------------------


def render(t: Translator) -> None:
    """Draw the whole page; ``pages/sequences.py`` only picks the language and calls this."""
    st.title(t("seq_title"))
    st.caption(t("seq_intro"))
    LOADER.show_notice(t)
    base = LOADER.base_config()
    data_column, network_column = st.columns([1, 2], gap="medium")
    config = None
    with data_column:
        data = _data_panel(t, base)
        dataset = st.session_state[K_DATASET]
        same = base if base is not None and base.data.dataset == dataset else None
        training = training_panel(t, same, PAGE, default_training(dataset))
    with network_column:
        if data is not None:
            config = _network_editor(t, data, training)
        else:
            st.info(t("seq_data_first"), icon=":material/upload_file:")
            pause_session_run(PAGE)
    race_shown = data is not None and _output(t, data, config)
    show_race(race_shown)
    LOADER.panel(t)


def _dataset_changed() -> None:
    """A dataset the user picks opens with its preset's optimizer, rate and batch size too (a text LSTM learns
    with another rate than the seed article's)."""
    training = default_training(st.session_state[K_DATASET])
    st.session_state.update({f"{PAGE}_{name}": training[name] for name in ("optimizer", "learning_rate", "batch_size")})


def _data_panel(t: Translator, base: RunConfig | None) -> DataConfig | None:
    st.subheader(t("data"))
    dataset = translated_choice(
        st.selectbox,
        t("dataset"),
        DATASET_CHOICES,
        key=K_DATASET,
        format_func=lambda name: t(f"seq_dataset_{name}"),
        help=t("seq_help_dataset"),
        on_change=_dataset_changed,
    )
    st.caption(t(f"seq_about_{dataset}"))
    defaults = default_settings(dataset)
    loaded = base.data if base is not None and base.data.dataset == dataset else None
    settings: dict[str, Any] = {}
    if loaded is not None:
        settings["seed"] = loaded.seed
    upload = None

    def slider(name: str, key: str, label: str, help_text: str, low: int, high: int, step: int = 1) -> None:
        """A data setting's slider, its value kept while another dataset is shown."""
        default = defaults[name]
        settings[name] = kept_widget(st.slider, label, low, high, step=step, key=key, default=default, help=help_text)

    if dataset == SERIES_UPLOAD:
        upload = _upload_panel(t)
        if upload is None:
            return None
    else:
        high = DATASETS[dataset].max_points
        slider("n_points", f"{K_N}_{dataset}", t("seq_n_points"), t("seq_help_n_points"), MIN_SEQUENCES, high, 100)
    slider("steps", f"{K_STEPS}_{dataset}", t("seq_steps"), t("seq_help_steps"), 2, 400)
    if dataset == "seed_sequences":
        slider("n_features", K_FEATURES, t("seq_features"), t("seq_help_features"), 2, 50)
    if dataset == "sine":
        slider("frequency", K_FREQUENCY, t("seq_frequency"), t("seq_help_frequency"), 1, 20)
        slider("noise", K_NOISE, t("seq_noise"), t("seq_help_noise"), 0, 50, 5)
    slider("train_share", K_SHARE, t("seq_train_share"), t("seq_help_train_share"), 10, 90, 5)
    try:
        data = data_config(dataset, upload, **settings)
    except ValidationError as error:
        st.error(t("seq_data_invalid", reason=describe_validation_error(error)), icon=":material/error:")
        return None
    _preview(t, data)
    return data


def _upload_panel(t: Translator) -> str | None:
    """The uploader and the target picker; a series is read and stored once per file and target (reruns pass the
    same bytes). Without a file, the series stored last (or named by a loaded setup) is used: Streamlit forgets an
    uploaded file while another dataset is shown, and the user must not have to upload it again."""
    state = st.session_state
    file = st.file_uploader(
        t("seq_upload"), type=["csv"], key=K_FILE, help=t("seq_help_upload"), max_upload_size=limits().max_upload_mb
    )
    if file is None:
        sha = state.get(K_SERIES)
        if sha is None:
            return None
    else:
        try:
            data = uploaded_bytes(file)  # refused by its size before it is read
        except UploadError as error:
            st.error(t("seq_upload_failed", reason=str(error)), icon=":material/error:")
            return None
        known: dict[str, Any] = state.setdefault(K_UPLOADS, {})
        content = hashlib.sha256(data).hexdigest()
        if content not in known:
            try:
                known[content] = series_columns(data)
            except UploadError as error:
                st.error(t("seq_upload_failed", reason=str(error)), icon=":material/error:")
                return None
        columns, suggested = known[content]
        if not columns:
            st.error(t("seq_upload_failed", reason=t("seq_upload_no_columns")), icon=":material/error:")
            return None
        if state.get(kept_key(K_TARGET)) not in columns:  # a new file: its suggested column
            state[kept_key(K_TARGET)] = suggested or columns[-1]
        target = kept_widget(
            st.selectbox, t("seq_target"), columns, key=K_TARGET, default=columns[-1], help=t("seq_help_target")
        )
        name = f"{content}:{target}"
        if name not in known:
            try:
                with st.spinner(t("seq_reading_upload")):
                    known[name] = stored_series(data, target)
            except UploadError as error:
                st.error(t("seq_upload_failed", reason=str(error)), icon=":material/error:")
                return None
        sha = state[K_SERIES] = known[name]
    try:
        info = series_info(sha)
    except UploadError as error:
        if file is None:
            state.pop(K_SERIES, None)  # gone from the cache: the user uploads it again
        st.error(t("seq_upload_failed", reason=str(error)), icon=":material/error:")
        return None
    st.caption(t("seq_upload_summary", rows=f"{info.n_rows:,}", columns=len(info.columns), target=info.target))
    if file is None:
        st.caption(t("seq_upload_kept"))
    return sha


@st.cache_data(show_spinner=False, max_entries=16)
def _summary_of(data_json: str) -> DataSummary:
    data = DataConfig.model_validate_json(data_json)
    if data.dataset == SERIES_UPLOAD:
        return series_summary(data)
    small = summary_config(data)
    return data_summary(load_dataset(small), exact=small == data)


def summary(data: DataConfig) -> DataSummary:
    """The page's summary of the data the worker trains on (same settings, same seed, same generator), built from
    at most SUMMARY_VALUES values: a slider move must not build gigabytes in the server."""
    return _summary_of(data.model_dump_json())


def baseline_label(t: Translator, shown: DataSummary, task: str) -> str:
    """The name of the dotted line a network must beat; "about" when it was estimated from a smaller copy."""
    name = "seq_baseline_frequent" if task == "multiclass" else "seq_baseline_mean"
    return t(name) if shown.exact else t(f"{name}_about", n=f"{shown.sequences:,}")


def feature_label(t: Translator, dataset: str, name: str) -> str:
    """A feature's name as the page shows it: the generators' names ("value", "marker", "f0"...) translated, an
    upload's own column names as they are."""
    if dataset == SERIES_UPLOAD:
        return name
    if name in FEATURE_KEYS:
        return t(FEATURE_KEYS[name])
    numbered = re.fullmatch(r"f(\d+)", name)
    return t("seq_feature_numbered", n=numbered.group(1)) if numbered else name


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


def _preview(t: Translator, data: DataConfig) -> None:
    """A training sequence (or the start of the series, or a text window), so students see the input."""
    shown = summary(data)
    step = t("seq_step")
    if data.dataset == TEXT:
        text = "".join(shown.class_names[int(token)] for token in shown.first_inputs)
        nxt = shown.class_names[int(shown.first_target)]
        st.markdown(charts.text_html(text, marked=shown_character(nxt)), unsafe_allow_html=True)
        st.caption(t("seq_preview_text", char=shown_character(nxt)))
        return
    if shown.series is not None:
        name = feature_label(t, data.dataset, shown.series_name) if shown.series_name else t("seq_value")
        figure = charts.inputs_figure(shown.series, [name], t("seq_preview_series", n=len(shown.series)), step)
    elif data.dataset == "adding":
        values = shown.first_inputs
        figure = charts.inputs_figure(
            values[:, :1],
            [t("seq_value")],
            t("seq_preview_adding", target=f"{shown.first_target:.3f}"),
            step,
            markers=values[:, 1] > 0.5,
            marker_label=t("seq_marked"),
        )
    else:
        figure = charts.inputs_figure(
            shown.first_inputs,
            [feature_label(t, data.dataset, name) for name in shown.feature_names],
            t("seq_preview_sequence", target=f"{shown.first_target:.3f}"),
            step,
            **_feature_lines(t, data, len(shown.feature_names)),
        )
    figure.update_layout(height=220)
    st.plotly_chart(figure, key="seq_chart_preview", width="stretch")
    if data.dataset == SERIES_UPLOAD:
        st.caption(t("seq_standardised"))


def _feature_lines(t: Translator, data: DataConfig, count: int, narrow: bool = True) -> dict[str, Any]:
    """How a sequence's feature lines are drawn: the seed task's balance features (the first two) in colour and its
    distractors grey; in a narrow chart, a legend only for a few lines."""
    if data.dataset == "seed_sequences":
        return {"faint_after": SEED_BALANCE_FEATURES, "faint_label": t("seq_distractors")}
    return {"legend": not narrow or count <= PREVIEW_LEGEND}


def _network_editor(t: Translator, data: DataConfig, training: dict[str, Any]) -> RunConfig | None:
    loaded, generation = LOADER.loaded_layers(data)
    key = f"seq_stack_{data.dataset}_{data.upload or ''}" + (f"_{generation}" if generation else "")
    task = data_task(data)
    classes = dataset_classes(data) if task == "multiclass" else 1
    family = DATASETS[data.dataset].family
    edited = layer_stack_editor(
        t,
        key,
        loaded or initial_layers(data),
        partial(build_config, data, training),
        dataset_input_shape(data),
        output_layer=output_layer(task, classes).model_dump(),
        family=family,
        vocab_size=classes if family == "text" else None,
    )
    return edited.config


def _output(t: Translator, data: DataConfig, config: RunConfig | None) -> bool:
    """The live training view and the view the user picks; True when the race is on screen."""
    wanted_view = st.session_state.get(K_VIEW) or VIEWS[0]
    recurrent = config is not None and bool(recurrent_runs(config))
    started = training_run(t, PAGE, config, view_probes(wanted_view, data_task(data), recurrent), LOADER)
    if started is None:
        return False
    run, shown = started
    view = translated_choice(
        st.segmented_control,
        t("seq_view"),
        VIEWS,
        key=K_VIEW,
        format_func=lambda name: t(f"seq_view_{name}"),
        help=t("seq_help_view"),
    )
    view = view or VIEWS[0]
    run.handle.set_probes(view_probes(view, shown.task, bool(recurrent_runs(shown))))
    names = tuple(dataset_class_names(shown.data))
    if view == "loss":
        _loss_view(t, run, shown, summary(shown.data))
    elif view == "predictions":
        if shown.tokens:
            _temperature_slider(t, run)
        _predictions_view(t, run, shown)
    elif view == "hidden":
        _hidden_panel(t, run, shown, names)
    elif view == "memory":
        st.caption(t("seq_memory_about"))
        log = kept_widget(st.toggle, t("seq_memory_log"), key=K_LOG, default=False, help=t("seq_help_memory_log"))
        _memory_view(t, run, log)
        _race_panel(t)
    else:
        probe_charts(t, run, shown, names, key=PAGE, metric=False)
    st.subheader(t("take_away"))
    downloads(t, run, shown, key=PAGE, disabled=config is None)
    return view == "memory"


# The views ------------------------------------------------------------------------------------------------------


def _probe(t: Translator, run: SessionRun, name: str) -> dict | None:
    """The newest ``name`` probe; None (with a word on why) while it is not there or cannot be computed."""
    snapshot, _ = run.handle.snapshot()
    probe = snapshot.probes.get(name) if snapshot.run_id else None
    if not probe:
        st.caption(t("seq_waiting"))
        return None
    if "error" in probe:
        st.info(t("seq_probe_failed", reason=probe["error"]), icon=":material/info:")
        return None
    return probe


@st.fragment(run_every=1.0)
def _loss_view(t: Translator, run: SessionRun, config: RunConfig, shown: DataSummary) -> None:
    """The metric beside the live loss: R² or accuracy per epoch and, for values, the errors in their own units
    (an upload's in standard deviations), each against what a network that ignores the sequence would score."""
    _, rows = run.handle.snapshot()
    if not rows:
        st.caption(t("seq_no_epochs"))
        return
    regression = config.task == "regression"
    left, right = st.columns(2)
    title = t("tab_metric_r2" if regression else "tab_metric_accuracy")
    metric = tabular_charts.metric_figure(rows, config.task, title, t("tab_train"), t("tab_test"), t("epoch"))
    if regression:  # R² 0 is the mean predictor's by definition
        charts.with_baseline(metric, 0.0, t("seq_baseline_mean"))
    else:
        charts.with_baseline(metric, shown.baseline, baseline_label(t, shown, config.task))
    left.plotly_chart(metric, key="seq_chart_metric", width="stretch")
    if regression:
        standardised = config.data.dataset == SERIES_UPLOAD
        labels = {
            "title": t("seq_errors_title_standardised" if standardised else "seq_errors_title"),
            "epoch": t("epoch"),
            "rmse": "RMSE",
            "mae": "MAE",
            "train": t("tab_train"),
            "test": t("tab_test"),
        }
        errors = charts.error_figure(rows, labels)
        charts.with_baseline(errors, shown.baseline, baseline_label(t, shown, config.task))
        right.plotly_chart(errors, key="seq_chart_errors", width="stretch")
        st.caption(t("seq_loss_caption_values") + (" " + t("seq_standardised") if standardised else ""))
    else:
        right.markdown(t("seq_loss_caption_text"))


def _temperature_slider(t: Translator, run: SessionRun) -> None:
    """How adventurous the generated text is; kept while another view is shown, and told again to a new worker."""
    wanted = float(st.session_state.get(kept_key(K_TEMPERATURE), DEFAULT_TEMPERATURE))
    if run.handle.temperature != wanted:
        run.handle.set_temperature(wanted)

    def picked() -> None:
        value = st.session_state[kept_key(K_TEMPERATURE)] = round(float(st.session_state[K_TEMPERATURE]), 2)
        run.handle.set_temperature(value)

    kept_widget(
        st.slider,
        t("seq_temperature"),
        0.1,
        2.0,
        step=0.1,
        key=K_TEMPERATURE,
        default=DEFAULT_TEMPERATURE,
        on_change=picked,
        help=t("seq_help_temperature"),
    )


@st.fragment(run_every=1.0)
def _predictions_view(t: Translator, run: SessionRun, config: RunConfig) -> None:
    if config.tokens:
        if probe := _probe(t, run, "generated"):
            st.markdown(charts.text_html(probe["prompt"], probe["text"]), unsafe_allow_html=True)
            st.caption(t("seq_generated_caption", temperature=f"{float(probe['temperature']):.1f}"))
        return
    probe = _probe(t, run, "predictions")
    if probe is None:
        return
    if probe.get("ordered"):
        standardised = config.data.dataset == SERIES_UPLOAD
        labels = {
            "title": t("seq_forecast_title"),
            "step": t("seq_step_ahead"),
            "value": t("seq_value_standardised" if standardised else "seq_value"),
            "history": t("seq_history"),
            "true": t("tab_true"),
            "predicted": t("seq_one_step"),
            "rollout": t("seq_rollout"),
        }
        st.plotly_chart(charts.forecast_figure(probe, labels), key="seq_chart_forecast", width="stretch")
        has_rollout = probe.get("rollout") is not None and len(probe["rollout"]) > 0
        caption = [t("seq_forecast_caption"), t("seq_rollout_caption" if has_rollout else "seq_no_rollout")]
        st.caption(" ".join(caption + ([t("seq_standardised")] if standardised else [])))
        return
    figure = charts.scatter_figure(
        probe, t("tab_predicted_vs_true"), t("tab_true"), t("tab_predicted"), t("seq_baseline_mean")
    )
    st.plotly_chart(figure, key="seq_chart_scatter", width="stretch")
    scores = charts.errors(probe)
    st.caption(t("seq_scatter_caption", network=f"{scores['network']:.3f}", mean=f"{scores['mean']:.3f}"))


def _hidden_panel(t: Translator, run: SessionRun, config: RunConfig, names: tuple[str, ...]) -> None:
    """The test-sequence picker and, with several recurrent layers or directions, which one to show."""
    runs = recurrent_runs(config)
    if not runs:
        st.info(t("seq_no_recurrent"), icon=":material/info:")
        return
    left, right = st.columns(2)
    with left:
        n_test = sequence_test_count(config.data)
        pick_test_example(run, n_test, K_SAMPLE, t("seq_sample"), t("seq_help_sample", n=f"{n_test:,}"))
    chosen = runs[0]
    if len(runs) > 1:
        state = st.session_state
        if state.get(K_LAYER) not in range(len(runs)):
            state[K_LAYER] = 0
        with right:  # the choice is kept (under K_LAYER) while another view is shown
            choice = translated_choice(
                st.selectbox,
                t("seq_layer"),
                list(range(len(runs))),
                key=K_LAYER,
                format_func=lambda number: layer_label(t, config, runs[number]),
                help=t("seq_help_layer"),
            )
        chosen = runs[choice]
    _hidden_view(t, run, config, chosen, names)


@st.fragment(run_every=1.0)
def _hidden_view(
    t: Translator, run: SessionRun, config: RunConfig, chosen: tuple[int, int, str], names: tuple[str, ...]
) -> None:
    """The chosen test sequence's inputs on top, then the hidden state of the chosen recurrent run, units x steps,
    and (LSTM, GRU) each gate as a small map with what it does."""
    probe = _probe(t, run, "hidden")
    if probe is None:
        return
    if np.shape(probe["inputs"]) != tuple(config.input_shape):  # the last setup's, until the worker catches up
        st.caption(t("seq_waiting"))
        return
    step, unit = t("seq_step"), t("seq_unit")
    step_names, marks = None, np.zeros(0, dtype=np.int64)
    if config.tokens:
        true, predicted = int(probe["true"]), int(probe["predicted"])
        marked = shown_character(_name(names, true))
        st.markdown(charts.text_html(probe.get("text", ""), marked=marked), unsafe_allow_html=True)
        step_names = [shown_character(character) for character in probe.get("text", "")]
        verdict = t(
            "seq_hidden_text",
            index=probe["index"],
            true=shown_character(_name(names, true)),
            predicted=shown_character(_name(names, predicted)),
        )
    else:
        inputs = np.asarray(probe["inputs"], dtype=np.float32)
        title = t("seq_inputs_title", index=probe["index"])
        if config.data.dataset == "adding":
            marked_steps = inputs[:, 1] > 0.5
            marks = np.flatnonzero(marked_steps) + 1
            figure = charts.inputs_figure(
                inputs[:, :1], [t("seq_value")], title, step, markers=marked_steps, marker_label=t("seq_marked")
            )
        else:
            feature_names = [feature_label(t, config.data.dataset, name) for name in summary(config.data).feature_names]
            lines = _feature_lines(t, config.data, len(feature_names), narrow=False)
            figure = charts.inputs_figure(inputs, feature_names, title, step, **lines)
        st.plotly_chart(figure, key="seq_chart_inputs", width="stretch")
        verdict = t(
            "seq_hidden_value",
            index=probe["index"],
            true=f"{float(probe['true']):.3f}",
            predicted=f"{float(probe['predicted']):.3f}",
        )
        if config.data.dataset == SERIES_UPLOAD:
            verdict += " " + t("seq_standardised")
    st.markdown(verdict)
    layers = probe.get("layers") or []
    entry = next(
        (layer for layer in layers if (layer["index"], layer["depth"], layer["direction"]) == chosen),
        layers[0] if layers else None,
    )
    if entry is None:
        st.info(t("seq_no_recurrent"), icon=":material/info:")
        return
    states = np.asarray(entry["states"])
    layers = config.model.layers
    if entry["index"] < len(layers) and layers[entry["index"]].kind == entry["cell"]:
        layer = layer_label(t, config, (entry["index"], entry["depth"], entry["direction"]), units=False)
    else:  # a probe of the setup before the last edit, for a moment: its kind alone
        cell = entry["cell"]
        layer = f"{entry['index'] + 1}. {t(f'editor_kind_{cell}')}"
    heading = t("seq_hidden_title", layer=layer, units=states.shape[0])
    figure = charts.state_heatmap(states, heading, step, unit, "hidden", 300, step_names, marks.tolist())
    st.plotly_chart(figure, key="seq_chart_hidden", width="stretch")
    st.caption(t(f"seq_hidden_caption_{entry['cell']}"))
    gates = entry.get("gates") or {}
    shown = [name for name in GATE_ORDER.get(entry["cell"], ()) if name in gates]
    if not shown:
        return
    cell = entry["cell"]
    titles = {name: t(f"seq_gate_{cell}_{name}") for name in shown}
    labels = {"title": t("seq_gates_title"), "step": step, "unit": unit}
    figure = charts.gates_figure(gates, titles, labels, step_names, marks.tolist())
    st.plotly_chart(figure, key="seq_chart_gates", width="stretch")
    about = [f"- **{titles[name]}**: " + t(f"seq_about_gate_{cell}_{name}") for name in shown]
    st.markdown("\n".join(about))
    st.caption(t("seq_gates_colours"))


def _name(names: tuple[str, ...], number: int) -> str:
    return names[int(number)] if 0 <= int(number) < len(names) else str(int(number))


def _memory_labels(t: Translator) -> dict[str, str]:
    return {"step": t("seq_step"), "value": t("seq_memory_value")}


@st.fragment(run_every=1.0)
def _memory_view(t: Translator, run: SessionRun, log: bool) -> None:
    probe = _probe(t, run, "memory")
    if probe is None:
        return
    labels = {**_memory_labels(t), "title": t("seq_memory_title"), "reach": t("seq_memory_reach_label")}
    st.plotly_chart(charts.memory_figure(probe, labels, log), key="seq_chart_memory", width="stretch")
    st.caption(t("seq_memory_reach", reach=int(probe["reach"]), steps=int(probe["steps"])))


# The race: a simple RNN against an LSTM on the adding problem ---------------------------------------------------


def _race_title(name: str) -> str:
    return "SimpleRNN" if name == "rnn" else "LSTM"


def _race_key(name: str) -> str:
    """The racer's name among this session's runs (``session_run``)."""
    return f"{PAGE}_race_{name}"


def start_race() -> None:
    """Start (or start over) both racers on the adding problem with the chosen length and units. Their workers are
    this session's runs of their own (``session_run``), so a restart reuses them and the session's end stops them.
    Each racer starts from fresh weights exactly once: a new worker does by itself, a running one is reset."""
    state = st.session_state
    opening = load_preset(RACE_PRESETS["rnn"])
    steps = int(state.get(kept_key(K_RACE_STEPS), opening.data.steps))
    units = int(state.get(kept_key(K_RACE_UNITS), opening.model.layers[0].units))
    runs = {}
    for name, config in race_configs(steps, units).items():
        run = live_session_run(_race_key(name))
        if run is not None:
            run.reset(config)
        else:
            run = session_run(_race_key(name), config, RACE_PROBES)
        run.play()
        runs[name] = run
    state[K_RACE] = runs
    state.pop(K_RACE_HIDDEN, None)


def stop_race() -> None:
    """End both racers: their workers stop, and they leave this session's runs and the live frames (a later start
    makes new ones)."""
    st.session_state.pop(K_RACE, None)
    st.session_state.pop(K_RACE_HIDDEN, None)
    release_session_runs(*map(_race_key, RACE_PRESETS))


def show_race(shown: bool) -> None:
    """The racers work only while the race is on screen: off screen (another view, or no output) they compute no
    probes and pause, as two more networks training unseen would slow the one the student watches; back on screen,
    the ones paused here play on."""
    state = st.session_state
    runs: dict[str, SessionRun] = state.get(K_RACE) or {}
    hidden: list[str] = state.get(K_RACE_HIDDEN, [])
    for name, run in runs.items():
        run.handle.set_probes(RACE_PROBES if shown else ())
        if shown and name in hidden:
            run.play()
        elif not shown and run.handle.playing:
            run.pause()
            hidden = [*hidden, name]
    if shown:
        state.pop(K_RACE_HIDDEN, None)
    elif hidden:
        state[K_RACE_HIDDEN] = hidden


def _race_panel(t: Translator) -> None:
    st.subheader(t("seq_race_title"))
    st.caption(t("seq_race_about"))
    state = st.session_state
    opening = load_preset(RACE_PRESETS["rnn"])
    length, units = st.columns(2)
    with length:
        kept_widget(
            st.slider,
            t("seq_race_steps"),
            10,
            200,
            step=10,
            key=K_RACE_STEPS,
            default=opening.data.steps,
            help=t("seq_help_race_steps"),
        )
    with units:
        kept_widget(
            st.number_input,
            t("seq_race_units"),
            1,
            256,
            step=1,
            key=K_RACE_UNITS,
            default=opening.model.layers[0].units,
            help=t("seq_help_race_units"),
        )
    racing = bool(state.get(K_RACE))
    start, stop = st.columns(2)
    start.button(
        t("seq_race_restart" if racing else "seq_race_start"),
        key="seq_race_start",
        type="primary",
        icon=":material/sports_score:",
        on_click=start_race,
        width="stretch",
    )
    stop.button(
        t("seq_race_stop"),
        key="seq_race_stop",
        icon=":material/stop:",
        on_click=stop_race,
        disabled=not racing,
        width="stretch",
    )
    if racing:
        _race_view(t)


@st.fragment(run_every=1.0)
def _race_view(t: Translator) -> None:
    runs: dict[str, SessionRun] = st.session_state.get(K_RACE) or {}
    histories, memories, lines = {}, {}, []
    for name, run in runs.items():
        snapshot, rows = run.handle.snapshot()
        title = _race_title(name)
        histories[title] = rows
        memory = snapshot.probes.get("memory")
        if memory and "error" not in memory:
            memories[title] = memory
        loss = f"{rows[-1]['test_loss']:.4f}" if rows else "–"
        status = t(f"status_{snapshot.status}")
        lines.append(t("seq_race_status", name=title, epoch=snapshot.epoch, status=status, loss=loss))
    st.markdown("  \n".join(lines))
    left, right = st.columns(2)
    labels = {"title": t("seq_race_loss_title"), "epoch": t("epoch"), "train": t("tab_train"), "test": t("tab_test")}
    left.plotly_chart(charts.comparison_loss_figure(histories, labels), key="seq_chart_race_loss", width="stretch")
    if memories:
        memory_labels = {**_memory_labels(t), "title": t("seq_race_memory_title"), "value": t("seq_race_memory_value")}
        figure = charts.comparison_memory_figure(memories, memory_labels)
        right.plotly_chart(figure, key="seq_chart_race_memory", width="stretch")
    else:
        right.caption(t("seq_waiting"))
