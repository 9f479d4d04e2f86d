"""The "Why deep learning" page as a whole: a setup of any page (a preset or a link's ``?config=``), its network
training live on the left, and three tabs on the right: the classic models side by side, learning curves and
overfitting. Everything heavy runs in this session's worker for the page (``pages/why.py`` calls ``render``)."""

from __future__ import annotations

import streamlit as st

from playground.config import ConfigError, RunConfig
from playground.i18n import Translator
from playground.presets import load_preset
from playground.ui.common import kept_key, kept_widget
from playground.ui.downloads import lesson_download
from playground.ui.lessons.panel import lesson_frame
from playground.ui.live_view import chart_view, live_training_view, plane_points
from playground.ui.run_controls import PLAY, button_selector, cached_dataset, live_view_labels, run_buttons
from playground.ui.stage import stage
from playground.ui.why import curves, overfitting, side_by_side
from playground.ui.why.jobs import PAGE

#: The setups the page offers, a few of every page's: the plane, tables, images, sequences.
SETUPS = (
    "circle", "xor", "spiral", "moons", "blobs", "multi-gauss",
    "seed-ffn", "digits-cnn", "seed-cnn", "seed-lstm", "sine-lstm", "text-lstm",
)  # fmt: skip
DEFAULT_SETUP = "spiral"
#: The option that stands for the setup a link brought.
LINKED = "link"


def _linked_setup(t: Translator) -> RunConfig | None:
    """The setup of the address's ``?config=`` (any page's link), read again only when the address holds another
    one; a damaged link says why in one line."""
    state = st.session_state
    param = st.query_params.get("config")
    if param and param != state.get("why_link_param"):
        state["why_link_param"] = param
        try:
            state["why_linked"] = RunConfig.from_url_param(param)
            state[kept_key("why_setup")] = LINKED
        except ConfigError as error:
            st.warning(t("link_invalid", reason=str(error)), icon=":material/link_off:")
    return state.get("why_linked")


def chosen_setup(t: Translator) -> RunConfig:
    """The setup picked (a preset, or the link's), before the overfitting tab's changes."""
    linked = _linked_setup(t)
    options = [*([LINKED] if linked is not None else []), *SETUPS]
    if st.session_state.get(kept_key("why_setup"), DEFAULT_SETUP) not in options:
        st.session_state[kept_key("why_setup")] = DEFAULT_SETUP
    name = kept_widget(
        st.selectbox,
        t("why_setup"),
        options,
        key="why_setup",
        default=DEFAULT_SETUP,
        format_func=lambda option: t("why_setup_link") if option == LINKED else t(f"why_setup_{option}"),
        help=t("why_help_setup"),
    )
    return linked if name == LINKED and linked is not None else load_preset(name)


def render(t: Translator) -> None:
    lesson_frame(t, PAGE)
    st.title(t("page_why_title"))
    st.caption(t("page_why_intro"))
    base = chosen_setup(t)
    network, views = st.columns([2, 3], gap="large")
    with views:
        tabs = st.tabs([t(f"why_tab_{name}") for name in ("side", "curves", "overfit")])
        with tabs[2]:
            config = overfitting.controls(t, base)
    st.query_params["config"] = config.to_url_param()
    st.session_state["why_link_param"] = st.query_params["config"]  # the page's own address is not a new link
    dataset = cached_dataset(config.data)
    plane = dataset.points_train is not None
    with stage(network):
        st.subheader(t("why_network"))
        st.caption(t("why_network_caption", params=f"{config.total_params():,}", rows=f"{len(dataset.x_train):,}"))
        run = run_buttons(t, page=PAGE, config=config, probes=("boundary",) if plane else ())
        labels = live_view_labels(t)
        if plane:
            live_training_view(run.token, kind=config.task, **plane_points(dataset), show_test=False,
                               discretize=False, labels=labels, key="why_live",
                               play_button=button_selector(PAGE, PLAY))  # fmt: skip
        else:
            n_classes = config.output_size if config.task == "multiclass" else 2
            chart_view(run.token, kind=config.task, n_classes=n_classes, labels=labels, key="why_live",
                       play_button=button_selector(PAGE, PLAY))  # fmt: skip
        lesson_download(t, PAGE, config)
    with tabs[0]:
        side_by_side.render(t, run, config, dataset)
    with tabs[1]:
        curves.render(t, run, config, dataset)
    with tabs[2]:
        overfitting.render(t, run, config, dataset)
