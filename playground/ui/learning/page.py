"""The "How it learns" page as a whole: the setup from a 2D page's link, then two tabs, one training step and
gradient descent, both served by this session's worker for the page (``pages/learning.py`` calls ``render``)."""

from __future__ import annotations

import streamlit as st

from playground.config import ConfigError, RunConfig
from playground.i18n import Translator
from playground.presets import load_preset
from playground.ui.common import page_link
from playground.ui.downloads import lesson_download
from playground.ui.learning import descent_view, step_view
from playground.ui.learning.links import hidden_parts
from playground.ui.lessons.panel import lesson_frame
from playground.ui.session import session_run
from playground.ui.share_lesson import share_lesson_button

PAGE = "learn"
#: The setup a page opens with when its link holds none: the 2D page's default, small enough to show every number.
DEFAULT_PRESET = "circle"


def linked_config() -> tuple[RunConfig, str | None]:
    """The link's setup (``?config=``, as the 2D page writes it), else the default; with why a link could not be
    opened. Read again only when the address holds another setup (the 2D page's "Step through this network")."""
    state = st.session_state
    param = st.query_params.get("config")
    if "learn_config" not in state or (param and param != state.get("learn_config_param")):
        config, problem = load_preset(DEFAULT_PRESET), None
        if param:
            try:
                config = RunConfig.from_url_param(param)
            except ConfigError as error:
                problem = str(error)
        state["learn_config"], state["learn_link_problem"] = config, problem
        state["learn_config_param"] = config.to_url_param()
    return state["learn_config"], state.pop("learn_link_problem", None)


def render(t: Translator) -> None:
    lesson_frame(t, PAGE)
    st.title(t("page_learn_title"))
    st.caption(t("page_learn_intro"))
    config, problem = linked_config()
    if problem:
        st.warning(t("link_invalid", reason=problem), icon=":material/link_off:")
    st.query_params["config"] = config.to_url_param()
    page_link("pages/playground_2d.py", t("learn_edit_in_2d"), ":material/edit:")
    run = session_run(PAGE, config, probes=("boundary",))
    hidden = hidden_parts()
    download_column, share_column = st.columns(2, vertical_alignment="center")
    with download_column:
        lesson_download(t, PAGE, config, hidden)
    with share_column:
        share_lesson_button(t, PAGE, hidden)
    parts = [name for name in ("step", "descent") if name not in hidden]
    if not parts:
        return
    tabs = st.tabs([t(f"learn_tab_{name}") for name in parts])
    for tab, name in zip(tabs, parts, strict=True):
        with tab:
            (step_view if name == "step" else descent_view).render(t, run, config)
