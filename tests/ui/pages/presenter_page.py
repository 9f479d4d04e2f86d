"""Presenter mode as ``app.navigation`` applies it before every page, over a page with a live view: AppTest opens
the real entry point's pages without it after the first run (it treats ``pages/`` as an old-style page folder)."""

import streamlit as st

from playground.i18n import translator
from playground.ui.live_view import live_training_view
from playground.ui.presenter import presenter_mode

t = translator(st.query_params.get("lang", "en"))
presenter_mode(t)
st.button("rerun", key="rerun")  # any rerun of the page
live_training_view(
    "token",
    kind="binary",
    n_classes=2,
    train_points=[],
    train_labels=[],
    test_points=[],
    test_labels=[],
    show_test=False,
    discretize=False,
    labels={},
    key="presenter_live",
)
