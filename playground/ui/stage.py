"""Where a page's run sits: the stage (Play/Pause, the live view and the views under it) in a column beside the
controls.

On a wide screen the stage stays in view while the controls and a long layer list scroll past it (when taller than
the window it scrolls on its own). On a phone the columns stack with the stage first, and the run's
Play/Step/Reset bar stays at the bottom of the screen. One stylesheet (``web/layout.css``), drawn on every page
run by ``page_styles``, does both; it also holds the app-wide fixes for contrast and touch targets.
"""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from playground.ui.web_assets import stylesheet

#: The key of the container holding a page's stage (its CSS class is ``st-key-pg_stage``).
STAGE_KEY = "pg_stage"
#: The key of a strip of settings drawn above the stage's row: on a phone it moves below that row, so that the
#: stage still comes right after the page's title.
STRIP_KEY = "pg_strip"


def run_bar_key(page: str) -> str:
    """The key of the container holding the page's Play/Pause, Step and Reset buttons (``layout.css`` keeps it
    on screen on phones)."""
    return f"{page}_run_bar"


#: The phone's run bar covers the page, so it takes the page's background: Streamlit's light or dark one.
BAR_PAPER = {"light": "#ffffff", "dark": "#0e1117"}


def page_styles() -> None:
    """The app-wide layout and accessibility styles; drawn on every full run of every page."""
    paper = BAR_PAPER["dark" if st.context.theme.type == "dark" else "light"]
    st.html(f"<style>:root {{ --pg-bar-paper: {paper}; }}\n{stylesheet('layout.css')}</style>")


def stage(column: DeltaGenerator) -> DeltaGenerator:
    """The stage inside ``column``: the column must hold nothing else, so that it can stay in view."""
    return column.container(key=STAGE_KEY)
