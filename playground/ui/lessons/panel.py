"""The lesson panel beside a page's own views: the open lesson's steps one at a time, its task with a live check on
the page's run (every condition ticked as it holds, the values as they are now), hints on demand and the quiz. The
progress (step, check passed, quiz answer) is kept for the session (``opening.progress``)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from playground.app_pages import APP_PAGES
from playground.i18n import DEFAULT_LANGUAGE, Translator
from playground.lessons import ConditionResult, Lesson, RunState, text_in
from playground.ui.common import page_link
from playground.ui.lessons.opening import (
    ACTIVE,
    Progress,
    active_lesson,
    follow_lesson_link,
    open_lesson,
    progress,
)
from playground.ui.presenter import presenter_on
from playground.ui.session import live_session_run
from playground.ui.web_assets import stylesheet

#: How often the check looks at the run while the task is shown (the page's own views redraw about as often).
CHECK_EVERY_S = 1.0


def run_state(page_id: str) -> RunState | None:
    """What the check sees of the page's run: its current setup, its newest epoch and its newest probes."""
    run = live_session_run(page_id)
    if run is None:
        return None
    latest, _ = run.handle.snapshot(10**9)
    _, rows = run.handle.snapshot(max(0, latest.epoch - 1))
    return RunState(run.handle.config, rows[-1] if rows else None, latest.probes)


def _language() -> str:
    return st.session_state.get("lang", DEFAULT_LANGUAGE)


def _number(measure: str, value: float) -> str:
    if measure.endswith("accuracy"):
        return f"{value:.1%}"
    return f"{value:.4g}"


def _shown(measure: str, value: Any) -> str:
    if isinstance(value, float | int):
        return _number(measure, float(value))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "-"
    return str(value)


def condition_text(t: Translator, result: ConditionResult) -> str:
    """``test loss below 0.1 (now 0.23)``: the condition, in the reader's language, and its current value."""
    condition = result.condition
    comparison, limit = condition.test
    limit_text = ", ".join(limit) if isinstance(limit, list) else _shown(condition.measure, limit)
    wanted = t(f"lesson_test_{comparison}", value=limit_text)
    now = t("lesson_not_measured") if result.value is None else _shown(condition.measure, result.value)
    return t("lesson_condition", measure=t(f"lesson_measure_{condition.measure}"), wanted=wanted, now=now)


def lesson_frame(t: Translator, page_id: str | None) -> None:
    """Before a page draws: open the lesson its address names (once), then draw the open lesson's panel (a page
    that is no lesson's, ``None``, shows the way back to the open one)."""
    follow_lesson_link(t)
    lesson_panel(t, page_id)


def lesson_panel(t: Translator, page_id: str | None) -> None:
    """The open lesson beside the page (nothing when none is open); on another page, a way back to it."""
    active = active_lesson()
    if active is None:
        return
    lesson, data_param = active
    title = text_in(lesson.title, _language())
    # The sidebar is beside the page; presenter mode hides it, so the panel floats at the right there instead.
    presenting = presenter_on()
    if presenting:
        st.html(f"<style>{stylesheet('lesson_panel.css')}</style>")
    with (st.container if presenting else st.sidebar.container)(border=True, key="lesson_panel"):
        if page_id != lesson.page:
            st.caption(t("lesson_elsewhere", title=title))
            query = {"lang": _language(), **({"lesson_data": data_param} if data_param else {"lesson": lesson.id})}
            page_link(APP_PAGES[lesson.page].script, t("lesson_go_back"), ":material/school:", query)
            return
        _steps(t, lesson, data_param)


def _go_to(lesson_id: str, step: int) -> None:
    """A Back/Next press: set the step itself, so that a press delivered twice lands on the same step."""
    progress(lesson_id).step = step


def _close() -> None:
    st.session_state.pop(ACTIVE, None)


@st.fragment
def _steps(t: Translator, lesson: Lesson, data_param: str | None) -> None:
    """One step at a time, with Back and Next: the text steps, then the task, then the quiz."""
    language = _language()
    pages = [*(("step", i) for i in range(len(lesson.steps))), *([("task", 0)] if lesson.task else [])]
    pages += [("quiz", 0)] if lesson.quiz else []
    done = progress(lesson.id)
    done.step = min(done.step, len(pages) - 1)
    _note_check(lesson, done)
    st.markdown(f"**:material/school: {text_in(lesson.title, language)}**")
    status = t("lesson_step_of", n=done.step + 1, total=len(pages))
    if done.passed:
        status += " · " + t("lesson_check_passed")
    st.progress((done.step + 1) / len(pages), text=status)
    kind, index = pages[done.step]
    # The step's body lies in one container, so Back and Next keep their place whatever the step draws: when a
    # step drew one element more than the next, the old buttons stayed on screen under the new ones for seconds
    # after the fragment's rerun (two Next buttons, the stale one a step behind).
    with st.container():
        if kind == "step":
            step = lesson.steps[index]
            st.markdown(text_in(step.text, language))
            if step.latex:
                st.latex(step.latex)
        elif kind == "task":
            _task(t, lesson, language)
        else:
            _quiz(t, lesson, done, language)
    back, forward = st.columns(2)
    back.button(t("lesson_back"), key="lesson_back", icon=":material/arrow_back:", disabled=done.step == 0,
                on_click=_go_to, args=(lesson.id, done.step - 1), width="stretch")  # fmt: skip
    forward.button(t("lesson_next"), key="lesson_next", icon=":material/arrow_forward:", type="primary",
                   disabled=done.step == len(pages) - 1, on_click=_go_to, args=(lesson.id, done.step + 1),
                   width="stretch")  # fmt: skip
    again, leave = st.columns(2)
    if again.button(t("lesson_restart"), key="lesson_restart", icon=":material/restart_alt:", width="stretch"):
        open_lesson(lesson, data_param)
    leave.button(t("lesson_close"), key="lesson_close", icon=":material/close:", on_click=_close, width="stretch")


def _task(t: Translator, lesson: Lesson, language: str) -> None:
    task = lesson.task
    assert task is not None
    st.markdown(f"**{t('lesson_task')}** {text_in(task.text, language)}")
    _check(t, lesson)
    for number, hint in enumerate(task.hints, start=1):
        with st.expander(t("lesson_hint", n=number), icon=":material/lightbulb:"):
            st.markdown(text_in(hint, language))


@st.fragment(run_every=CHECK_EVERY_S)
def _check(t: Translator, lesson: Lesson) -> None:
    """The task's conditions, ticked on the page's run every second; once they all hold together the check
    stays passed for the session."""
    done = progress(lesson.id)
    was_passed = done.passed
    run, results = _note_check(lesson, done)
    if done.passed and not was_passed:
        st.rerun()  # the whole panel says so (its progress line), once
    for result in results:
        icon = ":material/check_circle:" if result.passed else ":material/radio_button_unchecked:"
        st.markdown(f"{icon} {condition_text(t, result)}")
    if done.passed:
        st.success(t("lesson_check_passed"), icon=":material/verified:")
    elif run is None:
        st.caption(t("lesson_no_run"))


def _note_check(lesson: Lesson, done: Progress) -> tuple[RunState | None, list[ConditionResult]]:
    """Evaluate the task's check on the page's run; once every condition holds, the lesson is passed for good."""
    if lesson.task is None:
        return None, []
    run = run_state(lesson.page)
    results = lesson.task.results(run) if run is not None else []
    if results and all(result.passed for result in results):
        done.passed = True
    return run, results


def _answer(lesson_id: str, key: str) -> None:
    progress(lesson_id).quiz_answer = st.session_state.get(key)


def _quiz(t: Translator, lesson: Lesson, done: Progress, language: str) -> None:
    quiz = lesson.quiz
    assert quiz is not None
    key = f"lesson_quiz_{lesson.id}_{done.opened}"
    st.radio(
        f"**{t('lesson_quiz')}** {text_in(quiz.question, language)}",
        range(len(quiz.options)),
        index=done.quiz_answer,
        format_func=lambda i: text_in(quiz.options[i], language),
        key=key,
        on_change=_answer,
        args=(lesson.id, key),
    )
    if done.quiz_answer is None:
        return
    if done.quiz_answer == quiz.answer:
        st.success(t("lesson_quiz_right"), icon=":material/thumb_up:")
    else:
        st.error(t("lesson_quiz_wrong"), icon=":material/replay:")
    st.markdown(text_in(quiz.explanation, language))
