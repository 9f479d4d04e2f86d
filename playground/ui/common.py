"""What every page shares: the language switch (kept in the URL) and the translator."""

from __future__ import annotations

import streamlit as st

from playground.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translator, translator


def language_picker() -> Translator:
    """A language switch in the sidebar; the choice follows the user across pages and into shared links."""
    if "lang" not in st.session_state:
        wanted = st.query_params.get("lang", DEFAULT_LANGUAGE)
        st.session_state.lang = wanted if wanted in LANGUAGES else DEFAULT_LANGUAGE
    st.sidebar.selectbox(
        "Language / 语言",
        options=list(LANGUAGES),
        format_func=LANGUAGES.__getitem__,
        key="lang",
    )
    st.query_params["lang"] = st.session_state.lang
    return translator(st.session_state.lang)
