"""The Lessons page: the shipped lessons by topic with each one's progress, and a lesson file of one's own opened,
checked and turned into a link (``pages/lessons.py`` only picks the language and calls ``render``)."""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from playground.app_pages import APP_PAGES
from playground.i18n import DEFAULT_LANGUAGE, Translator
from playground.lessons import MAX_LESSON_BYTES, TOPICS, Lesson, LessonError, lesson_from_json, shipped_lessons, text_in
from playground.limits import limits
from playground.ui.lessons.opening import PROGRESS, open_lesson
from playground.ui.lessons.panel import lesson_frame

_UPLOAD = "lesson_file"


@st.cache_data(show_spinner=False)
def _shipped() -> list[Lesson]:
    return shipped_lessons()


def _language() -> str:
    return st.session_state.get("lang", DEFAULT_LANGUAGE)


def lesson_link(lesson: Lesson, page_address: str) -> str | None:
    """The full address that opens ``lesson`` with the lesson inside it, or None when it is too long for a link.
    ``page_address`` is this page's address (``st.context.url``): the app's root is taken from it."""
    param = lesson.to_url_param()
    if len(param) > limits().max_link_chars:
        return None
    parts = urlsplit(page_address)
    root = parts.path.rsplit("/", 1)[0]
    return f"{parts.scheme}://{parts.netloc}{root}/{APP_PAGES[lesson.page].url_path}?lesson_data={param}"


def render(t: Translator) -> None:
    lesson_frame(t, None)
    st.title(t("lessons_title"))
    st.caption(t("lessons_intro"))
    lessons = _shipped()
    done = st.session_state.get(PROGRESS, {})
    passed = sum(1 for lesson in lessons if lesson.id in done and done[lesson.id].passed)
    st.progress(passed / max(1, len(lessons)), text=t("lessons_progress", done=passed, total=len(lessons)))
    language = _language()
    for topic in TOPICS:
        of_topic = [lesson for lesson in lessons if lesson.topic == topic]
        if not of_topic:
            continue
        st.subheader(t(f"lesson_topic_{topic}"))
        for lesson in of_topic:
            _card(t, lesson, language, done.get(lesson.id))
    _own_lesson(t, language)


def _card(t: Translator, lesson: Lesson, language: str, progress: object | None) -> None:
    with st.container(border=True, key=f"lesson_card_{lesson.id}"):
        text, action = st.columns([5, 1], vertical_alignment="center")
        badge = f" :green-badge[:material/check: {t('lesson_passed')}]" if getattr(progress, "passed", False) else ""
        text.markdown(f"**{text_in(lesson.title, language)}**{badge}")
        text.caption(f"{text_in(lesson.summary, language)} · {t(f'lesson_page_{lesson.page}')}")
        if action.button(t("lesson_open"), key=f"lesson_open_{lesson.id}", icon=":material/play_lesson:"):
            open_lesson(lesson)


def _own_lesson(t: Translator, language: str) -> None:
    """A lesson file of one's own: refused in one line naming the field, or shown with Open and a link."""
    st.subheader(t("lessons_own_title"))
    st.markdown(t("lessons_own_text"))
    file = st.file_uploader(t("lessons_upload"), type=["json"], key=_UPLOAD, max_upload_size=1,
                            help=t("lessons_upload_help", limit=f"{MAX_LESSON_BYTES:,}"))  # fmt: skip
    if file is None:
        return
    try:
        if file.size > MAX_LESSON_BYTES:
            raise LessonError(f"the lesson file: {file.size:,} bytes is over the limit of {MAX_LESSON_BYTES:,} bytes")
        lesson = lesson_from_json(file.getvalue())
    except LessonError as error:
        st.error(t("lesson_refused", reason=str(error)), icon=":material/block:")
        return
    with st.container(border=True, key="lesson_card_uploaded"):
        st.markdown(f"**{text_in(lesson.title, language)}** · {t(f'lesson_page_{lesson.page}')}")
        link = lesson_link(lesson, st.context.url or "http://localhost/lessons")
        if st.button(t("lesson_open"), key="lesson_open_uploaded", icon=":material/play_lesson:", type="primary"):
            open_lesson(lesson, lesson.to_url_param() if link else None)
        if link is None:
            st.caption(t("lessons_link_too_long", limit=f"{limits().max_link_chars:,}"))
        else:
            st.caption(t("lessons_link"))
            st.code(link, language=None, wrap_lines=True)
