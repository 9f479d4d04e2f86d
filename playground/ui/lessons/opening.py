"""Opening a lesson: the page it names shows its setup with its hidden and locked controls, and the lesson panel
beside it. A lesson opens from the Lessons page (a shipped one or an uploaded file), from a link (``?lesson=ID``
or ``?lesson_data=`` with the whole lesson inside), or again from its panel ("Start over").

The app keeps one lesson open per session (``st.session_state[ACTIVE]``) and each lesson's progress
(``PROGRESS``: step, check passed, quiz answer) for the whole session, across pages and lessons.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import NoReturn

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from playground.app_pages import APP_PAGES
from playground.i18n import DEFAULT_LANGUAGE, Translator
from playground.lessons import Lesson, LessonError, lesson_from_url_param, shipped_lesson

ACTIVE = "lesson_active"
PROGRESS = "lesson_progress"
#: The link parameter last opened, so that a link opens its lesson once and later reruns keep the student's changes.
_LINK_SEEN = "lesson_link_seen"
#: Where each free-stack page keeps its loader (``PageLoader.take`` shows a config there, as a loaded file does).
_LOADERS = {
    "tab": "playground.ui.tabular.page",
    "cnn": "playground.ui.convolutions.data_panel",
    "seq": "playground.ui.sequences.data_panel",
}


@dataclass
class Progress:
    """How far a student got in one lesson."""

    step: int = 0
    passed: bool = False
    quiz_answer: int | None = None
    opened: int = 0  # how often it was opened (started over) in this session


def progress(lesson_id: str) -> Progress:
    return st.session_state.setdefault(PROGRESS, {}).setdefault(lesson_id, Progress())


def active_lesson() -> tuple[Lesson, str | None] | None:
    """The open lesson and its link parameter (``lesson_data``, for a lesson that is no shipped file), if any."""
    return st.session_state.get(ACTIVE)


def lesson_query(lesson: Lesson, data_param: str | None) -> dict[str, str]:
    """The address that opens the lesson on its page: the lesson itself and, for the pages that read them from the
    link, its setup and hidden and locked controls."""
    query = {"lang": st.session_state.get("lang", DEFAULT_LANGUAGE)}
    query.update({"lesson_data": data_param} if data_param else {"lesson": lesson.id})
    if lesson.page in ("2d", "learn", "why"):
        query["config"] = lesson.setup().to_url_param()
        if lesson.hide:
            query["hide"] = ",".join(lesson.hide)
        if lesson.lock:
            query["lock"] = ",".join(lesson.lock)
    return query


def open_lesson(lesson: Lesson, data_param: str | None = None) -> NoReturn:
    """Make ``lesson`` the open one and go to its page, which starts from the lesson's setup: the 2D page forgets
    its controls and reads them from the address again, the free-stack pages load the setup as a loaded file."""
    state = st.session_state
    state[ACTIVE] = (lesson, data_param)
    started = progress(lesson.id)
    started.step, started.opened = 0, started.opened + 1
    query = lesson_query(lesson, data_param)
    state[_LINK_SEEN] = query.get("lesson_data") or query.get("lesson")
    if lesson.page == "2d":
        for key in [key for key in state if str(key).startswith("2d_")]:
            del state[key]
    elif lesson.page == "learn":
        state.pop("learn_hidden", None)  # read again from the address
    elif lesson.page in _LOADERS:
        importlib.import_module(_LOADERS[lesson.page]).LOADER.take(lesson.setup())
    try:
        st.switch_page(APP_PAGES[lesson.page].script, query_params=query)
    except StreamlitPageNotFoundError:  # a page run on its own (no navigation): it can only be this page
        st.query_params.from_dict(query)
        st.rerun()


def linked_lesson() -> tuple[Lesson, str | None] | None:
    """The lesson the address names, the first time this session sees that address (else None); a lesson that
    cannot be opened raises LessonError saying why."""
    data_param = st.query_params.get("lesson_data")
    lesson_id = st.query_params.get("lesson")
    wanted = data_param or lesson_id
    if not wanted or st.session_state.get(_LINK_SEEN) == wanted:
        return None
    st.session_state[_LINK_SEEN] = wanted
    if data_param:
        return lesson_from_url_param(data_param), data_param
    lesson = shipped_lesson(lesson_id or "")
    if lesson is None:
        raise LessonError(f"lesson: there is no lesson {lesson_id!r}")
    return lesson, None


def follow_lesson_link(t: Translator) -> None:
    """Open the lesson a link names (once per link); a bad one warns in one line and the page opens as it is."""
    try:
        linked = linked_lesson()
    except LessonError as error:
        st.warning(t("lesson_refused", reason=str(error)), icon=":material/link_off:")
        return
    if linked is not None:
        open_lesson(*linked)
