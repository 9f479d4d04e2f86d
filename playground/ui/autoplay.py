"""Plays a Plotly chart's animation once, as soon as the browser shows a new figure: Streamlit draws frames but
never starts them, and a race whose paths only grow after a press is not a race to watch."""

from __future__ import annotations

import streamlit as st

from playground.ui.web_assets import bundle

#: How long the script waits for the chart to show the figure (a big map takes a moment to draw).
WAIT_MS = 15_000

_component = st.components.v2.component("nn_playground_autoplay", js=bundle("autoplay.js"), isolate_styles=False)


def autoplay(selector: str, figure_id: str, key: str) -> None:
    """Press the first animation button of the chart under ``selector`` once it shows the figure whose layout
    ``meta`` is ``figure_id``; each figure plays once."""
    _component(key=key, data={"selector": selector, "figureId": figure_id, "waitMs": WAIT_MS})
