"""The home page: what the playground is and what each page teaches, with a link to each."""

from __future__ import annotations

import streamlit as st

from playground.i18n import Translator
from playground.ui.lessons.panel import lesson_frame

#: The pages the home page presents, in order: (translation prefix, page file, icon).
PAGE_CARDS = (
    ("home_lessons", "pages/lessons.py", ":material/play_lesson:"),
    ("home_2d", "pages/playground_2d.py", ":material/scatter_plot:"),
    ("home_tabular", "pages/tabular.py", ":material/table_chart:"),
    ("home_cnn", "pages/convolutions.py", ":material/grid_on:"),
    ("home_seq", "pages/sequences.py", ":material/timeline:"),
    ("home_learn", "pages/learning.py", ":material/school:"),
    ("home_why", "pages/why.py", ":material/insights:"),
)


def render(t: Translator) -> None:
    """Draw the home page (``pages/home.py`` only picks the language and calls this)."""
    lesson_frame(t, None)  # the way back to an open lesson
    st.title(t("app_title"))
    st.write(t("home_intro"))
    for prefix, page, icon in PAGE_CARDS:
        with st.container(border=True):
            st.subheader(t(f"{prefix}_title"))
            st.write(t(f"{prefix}_text"))
            st.page_link(page, label=t(f"{prefix}_link"), icon=icon)
    st.subheader(t("home_training_title"))
    st.write(t("home_training_text"))
    st.subheader(t("home_cli_title"))
    st.markdown(t("home_cli_text"))
