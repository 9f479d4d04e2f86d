"""Keyboard shortcuts of the run buttons: Space plays or pauses, the right arrow steps, R resets.

Space and the right arrow are Streamlit's own button shortcuts (``SPACE`` and ``RIGHT``, set by
``run_controls``). Streamlit refuses R as a button shortcut, since it reruns the page on R, so a small script
(``web/shortcuts.js``) presses the Reset button instead and keeps that R from Streamlit. A press by key is a click
of the same button, so the buttons' guards against lost and doubled presses hold for keys too.
"""

from __future__ import annotations

import streamlit as st

from playground.i18n import Translator
from playground.ui.web_assets import bundle

#: The shortcuts Streamlit binds to the Play/Pause and Step buttons.
SPACE, RIGHT = "Space", "Right"

_component = st.components.v2.component("nn_playground_run_shortcuts", js=bundle("shortcuts.js"), isolate_styles=False)


def run_shortcuts(t: Translator, reset_selector: str, play_selector: str, key: str) -> None:
    """Press the Reset button that ``reset_selector`` finds when R is pressed, make "Skip to Play/Pause" the page's
    first tab stop (it focuses the button ``play_selector`` finds), and list the shortcuts in a small popover (a
    teacher at a projector learns them without a manual)."""
    with st.container(horizontal=True, horizontal_alignment="right", key=f"{key}_row"):
        data = {"resetSelector": reset_selector, "playSelector": play_selector, "skipLabel": t("skip_to_run")}
        _component(key=key, data=data)
        with st.popover(t("shortcut_title"), icon=":material/keyboard:", type="tertiary", help=t("shortcut_help")):
            for name in ("shortcut_play", "shortcut_step", "shortcut_reset"):
                st.markdown(t(name))
            st.caption(t("shortcut_note"))
