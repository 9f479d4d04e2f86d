"""The page skeleton the pages that train a free layer stack share (tables, convolutions, sequences): the data panel,
training settings and layer-stack editor on the left, the live run and its views on the stage beside them (in view
while the settings scroll; first on a phone), and the panel that loads a saved setup or checkpoint at the end. Each
page gives its own pieces."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import streamlit as st

from playground.config import DataConfig, RunConfig
from playground.i18n import Translator
from playground.ui.lessons.panel import lesson_frame
from playground.ui.loading import PageLoader
from playground.ui.session import pause_session_run
from playground.ui.stage import stage

#: What a page's network editor gives its output (the config, or the editor's whole answer).
Edited = TypeVar("Edited")


@dataclass(frozen=True)
class FreeStackPage(Generic[Edited]):
    """One free-stack page: its id (the prefix of its translation keys, widgets and runs) and its pieces."""

    id: str
    loader: PageLoader
    #: The data choices; None while there is no data to train on (an upload is still to come).
    data_panel: Callable[[Translator, RunConfig | None], DataConfig | None]
    #: The training settings (optimizer, rate, batch size), for the loaded setup if any.
    training_panel: Callable[[Translator, RunConfig | None], dict[str, Any]]
    #: The layer-stack editor for the data and the training settings.
    network_editor: Callable[[Translator, DataConfig, dict[str, Any]], Edited]
    #: The live run and the views; called with no data too (a page may have runs to pause then).
    output: Callable[[Translator, DataConfig | None, Edited | None], None]


def render_free_stack_page(t: Translator, page: FreeStackPage[Any]) -> None:
    """Draw a free-stack page; its ``pages/`` file only picks the language and calls its ``render``."""
    lesson_frame(t, page.id)  # a lesson the link names opens here; the open lesson's panel sits beside the page
    st.title(t(f"{page.id}_title"))
    st.caption(t(f"{page.id}_intro"))
    base = page.loader.base_config()
    settings_column, stage_column = st.columns(2, gap="medium")
    edited = None
    with settings_column:
        data = page.data_panel(t, base)
        training = page.training_panel(t, base)
        if data is None:
            st.info(t(f"{page.id}_data_first"), icon=":material/upload_file:")
            pause_session_run(page.id)  # no buttons are drawn, so nothing may keep training unseen
        else:
            edited = page.network_editor(t, data, training)
    with stage(stage_column):
        page.output(t, data, edited)
    page.loader.panel(t)
