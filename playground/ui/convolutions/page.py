"""The convolutions page as a whole, in the skeleton of the free-stack pages (``pages/convolutions.py`` only picks
the language and calls ``render``)."""

from __future__ import annotations

from functools import partial
from typing import Any

import streamlit as st

from playground.config import DataConfig, RunConfig, output_layer
from playground.data.registry import (
    dataset_class_names,
    dataset_classes,
    dataset_input_shape,
    kind_of,
)
from playground.i18n import Translator
from playground.ui.common import pick_test_example, translated_choice
from playground.ui.convolutions.choices import (
    DEFAULT_TRAINING,
    K_SAMPLE,
    K_VIEW,
    PAGE,
    PROBES,
    VIEW_PROBES,
    VIEWS,
    initial_layers,
)
from playground.ui.convolutions.data_panel import LOADER, data_panel
from playground.ui.convolutions.views import draw_panel, views
from playground.ui.downloads import downloads
from playground.ui.free_stack_page import FreeStackPage, render_free_stack_page
from playground.ui.layer_editor import layer_stack_editor
from playground.ui.probe_charts import probe_charts
from playground.ui.training_panel import build_config, training_panel, training_run


def _network_editor(t: Translator, data: DataConfig, training: dict[str, Any]) -> RunConfig | None:
    loaded, generation = LOADER.loaded_layers(data)
    key = f"cnn_stack_{data.dataset}_{data.upload or ''}" + (f"_{generation}" if generation else "")
    validate = partial(build_config, data, training)
    output = output_layer("multiclass", dataset_classes(data)).model_dump()
    output["activation"] = "softmax"  # the seed article's output; templates end like it
    initial = loaded or initial_layers(data)
    edited = layer_stack_editor(t, key, initial, validate, dataset_input_shape(data), output_layer=output)
    return edited.config


def _output(t: Translator, data: DataConfig | None, config: RunConfig | None) -> None:
    if data is None:
        return
    started = training_run(t, PAGE, config, PROBES, LOADER)
    if started is None:
        return
    run, shown = started
    names = tuple(dataset_class_names(shown.data))
    view = translated_choice(
        st.segmented_control,
        t("cnn_view"),
        VIEWS,
        key=K_VIEW,
        format_func=lambda name: t(f"cnn_view_{name}"),
        help=t("cnn_help_view"),
    )
    view = view or VIEWS[0]
    run.handle.set_probes(VIEW_PROBES[view])
    if view not in ("filters", "maps"):
        run.pictures = None  # the views with live pictures (filters, feature maps, histograms) set their own
    if view == "draw":
        draw_panel(t, run, shown.data)
    elif view == "inside":
        probe_charts(t, run, shown, names)
    else:
        n_test = kind_of(shown.data).test_count(shown.data)
        if view == "maps":
            pick_test_example(run, n_test, K_SAMPLE, t("cnn_sample"), t("cnn_help_sample"))
        views(t, run, view, names, n_test)
    st.subheader(t("take_away"))
    downloads(t, run, shown, key=PAGE, disabled=config is None)


#: The page's pieces in the skeleton the free-stack pages share.
PAGE_PIECES = FreeStackPage(
    id=PAGE,
    loader=LOADER,
    data_panel=data_panel,
    training_panel=lambda t, base: training_panel(t, base, PAGE, DEFAULT_TRAINING),
    network_editor=_network_editor,
    output=_output,
)


def render(t: Translator) -> None:
    """Draw the whole page; ``pages/convolutions.py`` only picks the language and calls this."""
    render_free_stack_page(t, PAGE_PIECES)
