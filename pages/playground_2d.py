"""The 2D playground: click a small network together, press Play, watch the boundary and the loss move."""

import streamlit as st

from playground.ui import controls_2d as controls
from playground.ui.common import language_picker
from playground.ui.downloads import downloads
from playground.ui.live_view import live_training_view
from playground.ui.run_controls import cached_dataset, live_view_labels, run_buttons
from playground.ui.session import pause_session_run

t = language_picker()
controls.ensure_widgets_seeded(t)
st.title(t("page_2d_title"))
st.caption(t("page_2d_intro"))
if notice := controls.link_notice():
    st.warning(notice, icon=":material/link_off:")

controls.hyperparameter_row(t)
data_column, network_column, output_column = st.columns([1, 1, 2], gap="medium")
with data_column:
    controls.data_panel(t)
with network_column:
    controls.network_panel(t)
with st.container():  # below the three columns, full width: the free layer editor, when chosen
    controls.free_layer_editor(t)
config = controls.current_config(t)

with output_column:
    st.subheader(t("output"))
    if isinstance(config, str):
        pause_session_run("2d")  # no buttons are drawn below, so nothing may keep training unseen
        st.error(t("config_invalid", reason=config))
        st.stop()
    st.query_params["config"] = config.to_url_param()  # the address bar always holds a link to this setup
    run = run_buttons(t, page="2d", config=config)
    show_test, discretize = controls.view_options(t)
    dataset = cached_dataset(config.data)
    live_training_view(
        run.token,
        kind=config.task,
        n_classes=dataset.n_classes,
        train_points=dataset.points_train,
        train_labels=dataset.y_train,
        test_points=dataset.points_test,
        test_labels=dataset.y_test,
        show_test=show_test,
        discretize=discretize,
        labels=live_view_labels(t),
        key="pg2d_live",
    )
    with st.expander(t("take_away"), icon=":material/download:"):
        downloads(t, run, config, key="2d")
