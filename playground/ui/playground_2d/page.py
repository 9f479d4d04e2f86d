"""The 2D playground as a whole: the hyperparameter strip, data, network and output columns, the live view with
the network and the boundary, and the downloads (``pages/playground_2d.py`` only picks the language and calls
``render``)."""

from __future__ import annotations

import streamlit as st

from playground.config import ConfigError
from playground.data.registry import dataset_class_names
from playground.i18n import Translator
from playground.ui.common import step_through_link
from playground.ui.copy_link import copy_link_button
from playground.ui.downloads import downloads
from playground.ui.lessons.panel import lesson_frame
from playground.ui.live_view import live_training_view, plane_points
from playground.ui.playground_2d import controls
from playground.ui.playground_2d.network import (
    compare_panel,
    on_network_edit,
    on_select,
    sync_focus,
    weight_editor,
)
from playground.ui.playground_2d.points import editing_points, on_point_edit, own_data_panel, remember_data
from playground.ui.probe_charts import CHART_PROBES, probe_charts
from playground.ui.run_controls import PLAY, button_selector, cached_dataset, live_view_labels, run_buttons
from playground.ui.session import pause_session_run
from playground.ui.share_lesson import share_lesson_button
from playground.ui.stage import stage

PAGE = "2d"


#: The "Inside the network" charts' toggle, on when a page opens (live canvases, counted in the probes' budget).
K_INSIDE = "2d_inside"
INSIDE_AT_OPEN = True


def render(t: Translator) -> None:
    """Draw the whole page."""
    lesson_frame(t, PAGE)  # a lesson the link names opens here; the open lesson's panel sits beside the page
    controls.ensure_widgets_seeded(t)
    st.title(t("page_2d_title"))
    st.caption(t("page_2d_intro"))
    if notice := controls.link_notice():
        st.warning(notice, icon=":material/link_off:")

    controls.hyperparameter_row(t)
    data_column, network_column, output_column = st.columns([1, 1, 3], gap="medium")
    with data_column:
        controls.data_panel(t)
    with network_column:
        controls.network_panel(t)
    with st.container():  # below the three columns, full width: the free layer editor, when chosen
        controls.free_layer_editor(t)
    with stage(output_column):
        st.subheader(t("output"))
        try:
            config = controls.current_config(t)
        except ConfigError as error:
            pause_session_run(PAGE)  # no buttons are drawn below, so nothing may keep training unseen
            st.error(t("config_invalid", reason=str(error)))
            st.stop()
        controls.write_link(config)  # the address bar always holds a link to this setup
        remember_data(config.data)
        network_view = controls.shown("network_view")
        # the charts' probes only while the charts are on (the toggle's state from the last run: a click on it
        # reruns the page, which asks for them or not)
        inside = controls.shown("inside") and bool(st.session_state.get(K_INSIDE, INSIDE_AT_OPEN))
        probes = ("boundary", *(("network",) if network_view else ()), *(CHART_PROBES if inside else ()))
        run = run_buttons(t, page=PAGE, config=config, probes=probes)
        run.handle.set_probes(probes)  # a run started before keeps its first probes otherwise
        sync_focus(run)
        show_test, discretize = controls.view_options(t)
        compare_panel(t, run, config)
        dataset = cached_dataset(config.data)
        live_training_view(
            run.token,
            kind=config.task,
            **plane_points(dataset),
            show_test=show_test,
            discretize=discretize,
            labels=live_view_labels(t),
            key="2d_live",
            network=network_view,
            network_editable=network_view
            and not controls.state("free_layers")
            and controls.shown("hidden_layers")
            and not controls.locked("hidden_layers"),
            edit_points=editing_points(),
            on_select=on_select,
            on_network_edit=on_network_edit,
            on_point_edit=on_point_edit,
            compare=run.compare is not None,
            play_button=button_selector(PAGE, PLAY),
        )
        copy_column, share_column = st.columns(2, vertical_alignment="center")
        with copy_column:
            copy_link_button(t("copy_link"), t("link_copied"), t("link_copy_failed"), t("help_copy_link"),
                             key="2d_copy")  # fmt: skip
        with share_column:
            share_lesson_button(t, PAGE, controls.hidden_controls())
        step_through_link(t, config)
        if network_view:
            with st.expander(t("selected_weights"), icon=":material/edit_note:"):
                weight_editor(t, run)
        if controls.shown("inside") and st.toggle(
            t("inside_network"), value=INSIDE_AT_OPEN, key=K_INSIDE, help=t("help_inside_network")
        ):
            probe_charts(t, run, config, tuple(dataset_class_names(config.data)), metric=False)
        else:
            run.pictures = None
        if controls.shown("downloads"):
            with st.expander(t("take_away"), icon=":material/download:"):
                downloads(t, run, config, key=PAGE, hidden=controls.hidden_controls())

    with data_column:
        own_data_panel(t, config.data, dataset)
