"""The sequences page's data panel: the dataset, its settings or an uploaded series, and a preview of the input."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import streamlit as st
from pydantic import ValidationError

from playground.config import DataConfig, RunConfig, describe_validation_error
from playground.data.registry import (
    kind_of,
    load_dataset,
)
from playground.data.series_upload import series_info
from playground.data.upload import UploadError, uploaded_bytes
from playground.i18n import Translator
from playground.limits import limits
from playground.sequence_summary import (
    MIN_SEQUENCES,
    DataSummary,
    data_summary,
    series_summary,
    summary_config,
)
from playground.ui.common import kept_key, kept_widget, translated_choice
from playground.ui.loading import PageLoader, loaded_data
from playground.ui.sequences.choices import (
    DATASET_CHOICES,
    FEATURE_KEYS,
    K_DATASET,
    K_FEATURES,
    K_FILE,
    K_FREQUENCY,
    K_N,
    K_NOISE,
    K_SERIES,
    K_SHARE,
    K_STEPS,
    K_TARGET,
    K_UPLOADS,
    PAGE,
    PREVIEW_LEGEND,
    data_config,
    default_settings,
    default_training,
    marked_inputs,
    series_columns,
    shown_character,
    stored_series,
)
from playground.viz import sequence_charts as charts


def _adopt(config: RunConfig) -> None:
    """Set the data widgets to a loaded ``config``'s (``PageLoader.take`` sets the training widgets and layers)."""
    state, data, kind = st.session_state, config.data, kind_of(config.data)
    state[K_DATASET] = data.dataset
    kept = {f"{K_STEPS}_{data.dataset}": data.steps, K_SHARE: data.train_share}
    if kind.takes_upload:  # its series is used until the user uploads another
        state[K_SERIES] = data.upload
        kept[K_TARGET] = series_info(str(data.upload)).target
    else:
        kept[f"{K_N}_{data.dataset}"] = data.n_points
    if "n_features" in kind.settings:
        kept[K_FEATURES] = data.n_features
    if "frequency" in kind.settings:
        kept[K_FREQUENCY] = data.frequency
    if "noise" in kind.settings:
        kept[K_NOISE] = data.noise
    state.update({kept_key(key): value for key, value in kept.items()})


#: Loading a saved setup or checkpoint into this page.
LOADER = PageLoader(PAGE, "a sequence set", _adopt)


def _dataset_changed() -> None:
    """A dataset the user picks opens with its preset's optimizer, rate and batch size too (a text LSTM learns
    with another rate than the seed article's)."""
    training = default_training(st.session_state[K_DATASET])
    st.session_state.update({f"{PAGE}_{name}": training[name] for name in ("optimizer", "learning_rate", "batch_size")})


def data_panel(t: Translator, base: RunConfig | None) -> DataConfig | None:
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
    kind = kind_of(dataset)
    loaded = loaded_data(base.data if base else None, dataset)
    settings: dict[str, Any] = {}
    if loaded is not None:
        settings["seed"] = loaded.seed
    upload = None

    def slider(name: str, key: str, label: str, help_text: str, low: int, high: int, step: int = 1) -> None:
        """A data setting's slider, its value kept while another dataset is shown."""
        default = defaults[name]
        settings[name] = kept_widget(st.slider, label, low, high, step=step, key=key, default=default, help=help_text)

    if kind.takes_upload:
        upload = _upload_panel(t)
        if upload is None:
            return None
    else:
        high = kind.max_points
        slider("n_points", f"{K_N}_{dataset}", t("seq_n_points"), t("seq_help_n_points"), MIN_SEQUENCES, high, 100)
    slider("steps", f"{K_STEPS}_{dataset}", t("seq_steps"), t("seq_help_steps"), 2, 400)
    if "n_features" in kind.settings:
        slider("n_features", K_FEATURES, t("seq_features"), t("seq_help_features"), 2, 50)
    if "frequency" in kind.settings:
        slider("frequency", K_FREQUENCY, t("seq_frequency"), t("seq_help_frequency"), 1, 20)
    if "noise" in kind.settings:
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
    if kind_of(data).takes_upload:
        return series_summary(data)
    small = summary_config(data)
    return data_summary(load_dataset(small), exact=small == data)


def summary(data: DataConfig) -> DataSummary:
    """The page's summary of the data the worker trains on (same settings, same seed, same generator), built from
    at most SUMMARY_VALUES values: a slider move must not build gigabytes in the server."""
    return _summary_of(data.model_dump_json())


def feature_label(t: Translator, dataset: str, name: str) -> str:
    """A feature's name as the page shows it: the generators' names ("value", "marker", "f0"...) translated, an
    upload's own column names as they are."""
    if kind_of(dataset).takes_upload:
        return name
    if name in FEATURE_KEYS:
        return t(FEATURE_KEYS[name])
    numbered = re.fullmatch(r"f(\d+)", name)
    return t("seq_feature_numbered", n=numbered.group(1)) if numbered else name


def _preview(t: Translator, data: DataConfig) -> None:
    """A training sequence (or the start of the series, or a text window), so students see the input."""
    shown = summary(data)
    step = t("seq_step")
    kind = kind_of(data)
    if kind.tokens:
        text = "".join(shown.class_names[int(token)] for token in shown.first_inputs)
        nxt = shown.class_names[int(shown.first_target)]
        st.markdown(charts.text_html(text, marked=shown_character(nxt)), unsafe_allow_html=True)
        st.caption(t("seq_preview_text", char=shown_character(nxt)))
        return
    if shown.series is not None:
        name = feature_label(t, data.dataset, shown.series_name) if shown.series_name else t("seq_value")
        figure = charts.inputs_figure(shown.series, [name], t("seq_preview_series", n=len(shown.series)), step)
    elif kind.marker_column is not None:
        values, marked_steps = marked_inputs(shown.first_inputs, kind.marker_column)
        figure = charts.inputs_figure(
            values,
            [t("seq_value")],
            t("seq_preview_adding", target=f"{shown.first_target:.3f}"),
            step,
            markers=marked_steps,
            marker_label=t("seq_marked"),
        )
    else:
        figure = charts.inputs_figure(
            shown.first_inputs,
            [feature_label(t, data.dataset, name) for name in shown.feature_names],
            t("seq_preview_sequence", target=f"{shown.first_target:.3f}"),
            step,
            **feature_lines(t, data, len(shown.feature_names)),
        )
    figure.update_layout(height=220)
    st.plotly_chart(figure, key="seq_chart_preview", width="stretch")
    if kind.standardised:
        st.caption(t("seq_standardised"))


def feature_lines(t: Translator, data: DataConfig, count: int, narrow: bool = True) -> dict[str, Any]:
    """How a sequence's feature lines are drawn: the features the target depends on (the seed task's first two) in
    colour and its distractors grey; in a narrow chart, a legend only for a few lines."""
    leading = kind_of(data).leading_features
    if leading is not None:
        return {"faint_after": leading, "faint_label": t("seq_distractors")}
    return {"legend": not narrow or count <= PREVIEW_LEGEND}
