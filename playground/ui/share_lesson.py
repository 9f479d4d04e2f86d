""""Share as lesson": a link to this page that hides the controls a class should leave alone (``&hide=``, as
TensorFlow Playground's ``*_hide``), built and copied for the teacher, who ticks the controls instead of editing the
address with names looked up in the README."""

from __future__ import annotations

from collections.abc import Collection

import streamlit as st

from playground.app_pages import APP_PAGES
from playground.i18n import Translator
from playground.ui.copy_link import copy_link_button

#: The translation key of a hideable control's name, where it is not the control's own name.
_LABEL_KEYS = {
    "view_options": "hide_view_options",
    "network_view": "hide_network_view",
    "inside": "hide_inside",
    "downloads": "take_away",
    "step": "learn_tab_step",
    "descent": "learn_tab_descent",
    "graph": "learn_graph",
    "loop": "learn_loop_title",
    "surface3d": "learn_3d",
}


def control_label(t: Translator, name: str) -> str:
    """What the page calls a control a link may hide."""
    return t(_LABEL_KEYS.get(name, name))


def share_lesson_button(t: Translator, page: str, hidden: Collection[str]) -> None:
    """The button that opens the dialog; the boxes start as the page's own link hides them."""
    if st.button(t("share_lesson"), key=f"{page}_share_lesson", icon=":material/share:", help=t("help_share_lesson")):
        st.dialog(t("share_lesson"))(_share_dialog)(t, page, frozenset(hidden))


def _share_dialog(t: Translator, page: str, hidden: frozenset[str]) -> None:
    st.caption(t("share_lesson_intro"))
    names = APP_PAGES[page].hideable
    columns = st.columns(2)
    chosen = tuple(
        name
        for index, name in enumerate(names)
        if columns[index % 2].checkbox(control_label(t, name), value=name in hidden, key=f"{page}_share_hide_{name}")
    )
    copy_link_button(t("share_lesson_copy"), t("link_copied"), t("link_copy_failed"), t("help_share_lesson_copy"),
                     key=f"{page}_share_copy", hide=chosen)  # fmt: skip
    named = ", ".join(control_label(t, name) for name in chosen)
    st.caption(t("share_lesson_hides", names=named) if chosen else t("share_lesson_hides_nothing"))
