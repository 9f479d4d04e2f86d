"""The sequences page as a whole: the data panel and training settings, the layer stack, the live training view and
the view the user picks (``pages/sequences.py`` only picks the language and calls ``render``)."""

from __future__ import annotations

from functools import partial
from typing import Any

import streamlit as st

from playground.config import DataConfig, RunConfig, output_layer
from playground.data.registry import (
    data_task,
    dataset_class_names,
    dataset_classes,
    dataset_input_shape,
    kind_of,
)
from playground.i18n import Translator
from playground.ui.common import kept_widget, translated_choice
from playground.ui.downloads import downloads
from playground.ui.free_stack_page import FreeStackPage, render_free_stack_page
from playground.ui.layer_editor import layer_stack_editor
from playground.ui.loading import loaded_data
from playground.ui.probe_charts import probe_charts
from playground.ui.sequences.choices import (
    K_DATASET,
    K_LOG,
    K_VIEW,
    PAGE,
    VIEWS,
    default_training,
    initial_layers,
    recurrent_runs,
    view_probes,
)
from playground.ui.sequences.data_panel import LOADER, data_panel, summary
from playground.ui.sequences.race import race_panel, show_race
from playground.ui.sequences.views import (
    hidden_panel,
    loss_view,
    memory_view,
    predictions_view,
    temperature_slider,
)
from playground.ui.training_panel import build_config, training_panel, training_run


def _network_editor(t: Translator, data: DataConfig, training: dict[str, Any]) -> RunConfig | None:
    loaded, generation = LOADER.loaded_layers(data)
    key = f"seq_stack_{data.dataset}_{data.upload or ''}" + (f"_{generation}" if generation else "")
    task = data_task(data)
    classes = dataset_classes(data) if task == "multiclass" else 1
    kind = kind_of(data)
    edited = layer_stack_editor(
        t,
        key,
        loaded or initial_layers(data),
        partial(build_config, data, training),
        dataset_input_shape(data),
        output_layer=output_layer(task, classes).model_dump(),
        family=kind.input_family,
        vocab_size=classes if kind.tokens else None,
    )
    return edited.config


def _training_panel(t: Translator, base: RunConfig | None) -> dict[str, Any]:
    """The training settings: a dataset opens with its preset's, a loaded setup's only for its own dataset."""
    dataset = st.session_state[K_DATASET]
    same = base if base is not None and loaded_data(base.data, dataset) is not None else None
    return training_panel(t, same, PAGE, default_training(dataset))


def _output(t: Translator, data: DataConfig | None, config: RunConfig | None) -> None:
    """The live run and its views; the race's workers play only while it is on screen."""
    show_race(data is not None and _views(t, data, config))


def _views(t: Translator, data: DataConfig, config: RunConfig | None) -> bool:
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
    if view != "hidden":
        run.pictures = None  # the views with live pictures (predictions, histograms) set their own below
    if view == "loss":
        loss_view(t, run, shown, summary(shown.data))
    elif view == "predictions":
        if shown.tokens:
            temperature_slider(t, run)
        predictions_view(t, run, shown)
    elif view == "hidden":
        hidden_panel(t, run, shown, names)
    elif view == "memory":
        st.caption(t("seq_memory_about"))
        log = kept_widget(st.toggle, t("seq_memory_log"), key=K_LOG, default=False, help=t("seq_help_memory_log"))
        memory_view(t, run, log)
        race_panel(t)
    else:
        probe_charts(t, run, shown, names, metric=False)
    st.subheader(t("take_away"))
    downloads(t, run, shown, key=PAGE, disabled=config is None)
    return view == "memory"


#: The page's pieces in the skeleton the free-stack pages share.
PAGE_PIECES = FreeStackPage(
    id=PAGE,
    loader=LOADER,
    data_panel=data_panel,
    training_panel=_training_panel,
    network_editor=_network_editor,
    output=_output,
)


def render(t: Translator) -> None:
    """Draw the whole page; ``pages/sequences.py`` only picks the language and calls this."""
    render_free_stack_page(t, PAGE_PIECES)
