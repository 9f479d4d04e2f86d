"""Presenter mode: the whole app made readable on a projector (larger text, high contrast, no sidebar).

It is on when the address holds ``?present=1`` or after the sidebar's toggle, and stays on across pages for the
session. While it is on, the address keeps ``present=1``, so a copied link opens in presenter mode too. The live
training view reads :func:`presenter_on` to draw larger points and thicker lines.
"""

from __future__ import annotations

import streamlit as st

from playground.i18n import Translator
from playground.ui.common import kept_key, kept_widget
from playground.ui.web_assets import stylesheet

#: The query parameter that asks for presenter mode (``?present=1``).
PRESENT_PARAM = "present"
#: The sidebar toggle's key; the choice itself lives under ``kept_key(TOGGLE_KEY)``.
TOGGLE_KEY = "present_toggle"
#: The key of the "Leave presenter mode" button.
LEAVE_KEY = "present_leave"
#: Text and background colours: pure ink on paper, inverted when the viewer uses a dark theme.
LIGHT_COLORS = {"ink": "#000000", "paper": "#ffffff"}
DARK_COLORS = {"ink": "#ffffff", "paper": "#000000"}


def presenter_on() -> bool:
    """Whether this session shows the app in presenter mode."""
    return bool(st.session_state.get(kept_key(TOGGLE_KEY), False))


def _leave() -> None:
    st.session_state[kept_key(TOGGLE_KEY)] = False


def _stylesheet() -> str:
    colors = DARK_COLORS if st.context.theme.type == "dark" else LIGHT_COLORS
    variables = f":root {{ --pg-ink: {colors['ink']}; --pg-paper: {colors['paper']}; }}"
    return f"<style>{variables}\n{stylesheet('presenter.css')}</style>"


def presenter_mode(t: Translator) -> bool:
    """Draw the sidebar's toggle and, while presenter mode is on, restyle the page and offer a way out.

    Run it on every full run, before the page (``app.navigation`` does): the styles and the leave button then
    reach every page. The address is read only on a session's first run; after that the session's choice rules,
    since switching pages drops the address's parameters. Returns whether the mode is on.
    """
    first_choice = st.query_params.get(PRESENT_PARAM) == "1"
    on = kept_widget(
        st.sidebar.toggle, t("present_toggle"), key=TOGGLE_KEY, default=first_choice, help=t("present_toggle_help")
    )
    if on:
        st.query_params[PRESENT_PARAM] = "1"
        st.html(_stylesheet())
        st.button(t("present_leave"), key=LEAVE_KEY, icon=":material/close_fullscreen:", on_click=_leave)
    elif PRESENT_PARAM in st.query_params:
        del st.query_params[PRESENT_PARAM]
    return bool(on)
