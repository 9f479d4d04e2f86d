"""The tabular page: pick a table (or upload a CSV), stack layers, train live, and take the result with you.

The page holds no model: the session's worker trains it (``session_run``), the loss chart is the 2D page's live
view without its plane, and the other charts are painted by it too, with every new probe of the worker. Downloads
that need the trained weights (checkpoint, ONNX) ask the worker for a checkpoint when clicked, not on every rerun.
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple

import streamlit as st

from playground.config import DataConfig, RunConfig, output_layer
from playground.data.registry import (
    UPLOAD,
    data_task,
    dataset_class_names,
    dataset_classes,
    dataset_input_shape,
    kind_of,
)
from playground.data.upload import (
    UploadError,
    store_upload,
    table_columns,
    upload_id,
    upload_info,
    uploaded_bytes,
    uploads_dir,
)
from playground.i18n import Translator
from playground.layers import Dense
from playground.limits import limits
from playground.presets import load_preset
from playground.ui.common import translated_choice
from playground.ui.downloads import downloads
from playground.ui.free_stack_page import FreeStackPage, render_free_stack_page
from playground.ui.layer_editor import layer_stack_editor
from playground.ui.loading import PageLoader, loaded_data
from playground.ui.probe_charts import CHART_PROBES, probe_charts
from playground.ui.training_panel import build_config, training_panel, training_run

PAGE = "tab"
#: The tables this page offers, the seed article's task first; "upload" stands for the user's CSV.
DATASET_CHOICES: tuple[str, ...] = ("seed_ffn", "iris", "wine", "breast_cancer", "diabetes", UPLOAD)
PROBES: tuple[str, ...] = CHART_PROBES
#: The defaults of every table: the seed article's training setup and split.
DEFAULT_TRAINING: dict[str, Any] = {"optimizer": "adam", "learning_rate": 0.001, "batch_size": 32, "epochs": 10}
TRAIN_SHARE = 80

# Session-state keys (widgets and what the page keeps between reruns).
K_DATASET, K_CSV, K_TARGET = "tab_dataset", "tab_csv", "tab_target"


class Edited(NamedTuple):
    """The editor's answer, as ``layer_stack_editor`` gives it (the fallback editor answers the same)."""

    layers: list[dict]
    config: RunConfig | None
    error: str | None
    failing_index: int | None


# Engine-side helpers (no widgets): what the page and its tests call -------------------------------------------


def data_config(dataset: str, upload: str | None = None, base: DataConfig | None = None) -> DataConfig:
    """The DataConfig of a choice: the seed article's 10,000 rows x 100 features, a table, or a stored upload.

    ``base`` (from a loaded config or checkpoint) keeps its split and seed when it names the same dataset.
    """
    kind = kind_of(dataset)
    kept = loaded_data(base, dataset, upload if kind.takes_upload else None)
    if kept is not None:
        return kept
    if kind.preset is not None:
        return load_preset(kind.preset).data
    return DataConfig(dataset=dataset, upload=upload if kind.takes_upload else None, train_share=TRAIN_SHARE)


def initial_layers(data: DataConfig) -> list[dict]:
    """The stack a dataset opens with: its preset's (the seed article's FFN), or a small MLP ending in the task's
    output."""
    preset = kind_of(data).preset
    if preset is not None:
        return [layer.model_dump() for layer in load_preset(preset).model.layers]
    task = data_task(data)
    classes = dataset_classes(data) if task == "multiclass" else 1
    return [Dense(units=16, activation="relu").model_dump(), output_layer(task, classes).model_dump()]


def stored_upload(data: bytes, target: str) -> str:
    """Validate and store an uploaded CSV; returns the hash a DataConfig names it by (UploadError if unusable).

    A table already stored is not parsed again: every rerun of the page passes the same file through here.
    """
    sha = upload_id(data, target)
    if (uploads_dir() / f"{sha}.json").is_file() and (uploads_dir() / f"{sha}.csv").is_file():
        return sha
    sha, _ = store_upload(data, target)
    return sha


# Loading a config or checkpoint: callbacks that run before the widgets, so they may set the widgets' values ----


def _adopt(config: RunConfig) -> None:
    """Set the data widgets to a loaded ``config``'s (``PageLoader.take`` sets the training widgets and layers)."""
    state = st.session_state
    state[K_DATASET] = config.data.dataset


#: Loading a saved setup or checkpoint into this page.
LOADER = PageLoader(PAGE, "a table", _adopt)


# The page -------------------------------------------------------------------------------------------------------


def _data_panel(t: Translator, base: RunConfig | None) -> DataConfig | None:
    st.subheader(t("data"))
    dataset = translated_choice(
        st.selectbox,
        t("dataset"),
        DATASET_CHOICES,
        key=K_DATASET,
        format_func=lambda name: t(f"tab_dataset_{name}"),
        help=t("tab_help_dataset"),
    )
    st.caption(t(f"tab_about_{dataset}"))
    if not kind_of(dataset).takes_upload:
        return data_config(dataset, base=base.data if base else None)
    return _upload_panel(t, base)


def _upload_panel(t: Translator, base: RunConfig | None) -> DataConfig | None:
    file = st.file_uploader(
        t("tab_csv"), type=["csv"], key=K_CSV, help=t("tab_help_csv"), max_upload_size=limits().max_upload_mb
    )
    if file is None:
        stored = loaded_data(base.data if base else None, UPLOAD)  # a loaded config names a stored upload
        if stored is not None:
            info = upload_info(stored.upload or "")
            st.caption(t("tab_stored_upload", target=info.target, rows=info.rows))
            return stored
        return None
    try:
        data = uploaded_bytes(file)  # refused by its size before it is read
        columns = table_columns(data)
    except UploadError as error:
        st.error(t("tab_upload_failed", reason=str(error)))
        return None
    if not columns:
        st.error(t("tab_upload_failed", reason="no columns"))
        return None
    if st.session_state.get(K_TARGET) not in columns:
        st.session_state[K_TARGET] = columns[-1]  # the usual place of the label
    target = st.selectbox(t("tab_target"), columns, key=K_TARGET, help=t("tab_help_target"))
    try:
        sha = stored_upload(data, target)
        info = upload_info(sha)
    except UploadError as error:
        st.error(t("tab_upload_failed", reason=str(error)))
        return None
    st.caption(t("tab_upload_summary", rows=info.rows, inputs=info.n_inputs, task=t(f"problem_{info.task}")))
    return data_config(UPLOAD, sha, base=base.data if base else None)


def _network_editor(t: Translator, data: DataConfig, training: dict[str, Any]) -> Edited:
    loaded, generation = LOADER.loaded_layers(data)
    initial = loaded or initial_layers(data)
    key = f"tab_stack_{data.dataset}_{data.upload or ''}_{generation}"[:120]
    validate = partial(build_config, data, training)
    try:
        input_shape = dataset_input_shape(data)
    except UploadError as error:
        return Edited(initial, None, str(error), None)
    task = data_task(data)
    output = output_layer(task, dataset_classes(data) if task == "multiclass" else 1).model_dump()
    edited = layer_stack_editor(t, key, initial, validate, input_shape, output_layer=output)
    return Edited(list(edited.layers), edited.config, edited.error, edited.failing_index)


def _output(t: Translator, data: DataConfig | None, edited: Edited | None) -> None:
    if data is None or edited is None:
        return
    started = training_run(t, PAGE, edited.config, PROBES, LOADER)
    if started is None:
        return
    run, config = started
    probe_charts(t, run, config, tuple(dataset_class_names(config.data)))
    st.subheader(t("take_away"))
    downloads(t, run, config, key=PAGE, disabled=edited.config is None)


#: The page's pieces in the skeleton the free-stack pages share.
PAGE_PIECES = FreeStackPage(
    id=PAGE,
    loader=LOADER,
    data_panel=_data_panel,
    training_panel=lambda t, base: training_panel(t, base, PAGE, DEFAULT_TRAINING),
    network_editor=_network_editor,
    output=_output,
)


def render(t: Translator) -> None:
    """Draw the whole page; ``pages/tabular.py`` only picks the language and calls this."""
    render_free_stack_page(t, PAGE_PIECES)
