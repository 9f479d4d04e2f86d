"""What every page shares: the language switch (kept in the URL) and the translator."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import streamlit as st

from playground.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translator, translator

if TYPE_CHECKING:
    from playground.config import RunConfig
    from playground.ui.session import SessionRun


def translated_choice(widget: Callable[..., Any], label: str, options: Any, *, key: str, **kwargs: Any) -> Any:
    """A selectbox or radio whose option labels are translated, keeping its value in ``st.session_state[key]``.

    Streamlit identifies a choice by its label. After a language switch a request still carrying the old label
    (a fragment's timer can send one before the new labels arrive) matches no option, and the value turns into
    that stale label. So each language gets a widget of its own (``key`` + ``_`` + language), which a stale
    request of the other language cannot touch; the value itself lives under ``key``, language-independent.
    """
    widget_key = f"{key}_{st.session_state.get('lang', DEFAULT_LANGUAGE)}"
    wanted = st.session_state.get(key)
    if wanted in list(options) and st.session_state.get(widget_key) != wanted:
        st.session_state[widget_key] = st.session_state[key]  # set in code (a preset, a callback): show it
    user_callback = kwargs.pop("on_change", None)

    def keep_value() -> None:
        st.session_state[key] = st.session_state[widget_key]
        if user_callback is not None:
            user_callback()

    value = widget(label, options, key=widget_key, on_change=keep_value, **kwargs)
    st.session_state[key] = value
    return value


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


def pick_test_example(run: SessionRun, n_test: int, key: str, label: str, help_text: str) -> None:
    """Which test example (an image, a sequence) a view explains; the worker is told with ``set_sample``. The choice
    lives under ``{key}_value``: Streamlit forgets a widget's state while its view is not shown, and a new worker
    must be told it again."""
    state = st.session_state
    value_key = f"{key}_value"
    wanted = state.get(value_key, 0)
    if wanted >= n_test:  # a smaller test set now: start over at its first example
        wanted = state[value_key] = 0
    if state.get(key) != wanted:
        state[key] = wanted
    if run.handle.sample_index != wanted:  # a reset to 0 above, or a worker that never heard of it
        run.handle.set_sample(wanted)

    def picked() -> None:
        state[value_key] = int(state[key])
        run.handle.set_sample(state[value_key])

    st.number_input(label, min_value=0, max_value=n_test - 1, step=1, key=key, help=help_text, on_change=picked)


def kept_key(key: str) -> str:
    """Where the value of the widget ``key`` is kept (see ``kept_widget``); set it to change what the widget
    shows next."""
    return f"{key}_value"


def kept_widget(widget: Callable[..., Any], label: str, *args: Any, key: str, default: Any, **kwargs: Any) -> Any:
    """A widget whose value survives the runs that do not draw it (another dataset, another view).

    Streamlit deletes a widget's state on a run that does not draw it, and the widget then comes back with its
    default. So the value lives under ``kept_key(key)`` (``default`` until the user picks one) and is handed to the
    widget whenever it is drawn; ``on_change`` runs after the value is kept."""
    state = st.session_state
    kept = kept_key(key)
    wanted = state.setdefault(kept, default)
    if state.get(key) != wanted:
        state[key] = wanted
    callback = kwargs.pop("on_change", None)

    def keep() -> None:
        state[kept] = state[key]
        if callback is not None:
            callback()

    return widget(label, *args, key=key, on_change=keep, **kwargs)


def show_first_of_each(key_prefixes: list[str]) -> None:
    """Hide a widget that follows one whose key starts the same way. Widgets whose keys change after a change
    from Python (run buttons, the 2D network's shape) would otherwise show twice: Streamlit keeps a widget whose
    key went away on screen, below the new one, until the run ends."""
    keyed = [f"[class*='st-key-{prefix}']" for prefix in key_prefixes]
    st.html("<style>" + ", ".join(f"{widget} ~ {widget}" for widget in keyed) + " {display: none;}</style>")


def step_through_link(t: Translator, config: RunConfig) -> None:
    """A link to the "How it learns" page with this setup, for a network small enough to show every number."""
    from playground.train.one_step import StepError, check_steppable

    try:
        check_steppable(config)
    except StepError:
        return
    query = {"config": config.to_url_param(), "lang": st.session_state.get("lang", DEFAULT_LANGUAGE)}
    page_link("pages/learning.py", t("learn_step_through"), ":material/school:", query)


def page_link(page: str, label: str, icon: str, query: dict[str, str] | None = None) -> None:
    """A link to another page of the app. A page run on its own (``streamlit run pages/x.py``, a test of one page)
    has no navigation that knows the other pages: it shows no link then, instead of failing."""
    from streamlit.errors import StreamlitPageNotFoundError

    with contextlib.suppress(StreamlitPageNotFoundError):
        st.page_link(page, label=label, icon=icon, query_params=query)
