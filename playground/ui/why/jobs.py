"""The page's comparisons in its worker: one runs at a time (a new one stops the one running, which keeps what it
did), and the page keeps the last answer of each kind ("table", "curve", "capacity") for the setup it was made
for, so switching tabs or starting another kind loses nothing."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from playground.i18n import Translator
from playground.train.compare import ComparisonRequest
from playground.ui.session import SessionRun, live_session_run

PAGE = "why"
_JOBS = "why_jobs"
_GENERATION = "why_job_generation"


@dataclass
class Job:
    """A comparison asked of the worker: for which setup (``key``), its request number and its newest answer."""

    key: str
    request: int
    worker: int  # ``id`` of the worker's handle: a run started afresh never answers this job
    answer: dict | None = None

    @property
    def active(self) -> bool:
        """Still working: no last answer yet (finished, stopped or an error)."""
        answer = self.answer
        return answer is None or not (answer.get("finished") or answer.get("stopped") or answer.get("error"))


def _jobs() -> dict[str, Job]:
    return st.session_state.setdefault(_JOBS, {})


def start(run: SessionRun, kind: str, key: str, request: ComparisonRequest) -> None:
    """Ask the worker for a comparison of ``kind`` made for the setup ``key``; the one running stops."""
    jobs = _jobs()
    for other in jobs.values():
        if other.active:
            refresh(run, other)
    jobs[kind] = Job(key, run.handle.compare(request.model_dump_json()), id(run.handle))


def refresh(run: SessionRun, job: Job) -> Job:
    """The job with the worker's newest answer to it. A job the worker no longer answers (another one replaced it,
    or a reset of the run stopped it) ends as stopped with what it had."""
    answer = run.handle.answer("compare", job.request) if job.worker == id(run.handle) else None
    if answer is not None:
        job.answer = answer
    elif job.active:
        newest = run.handle.answer("compare")
        if job.worker != id(run.handle) or (newest is not None and newest["request"] > job.request):
            job.answer = {**(job.answer or {"rows": [], "grids": {}}), "stopped": True, "running": None}
    return job


def job(run: SessionRun, kind: str, key: str) -> Job | None:
    """This session's job of ``kind`` if it was made for the setup ``key``, with its newest answer."""
    found = _jobs().get(kind)
    if found is None or found.key != key:
        return None
    return refresh(run, found)


def stop(run: SessionRun) -> None:
    run.handle.stop_comparison()


def press_generation() -> int:
    """Presses of the page's start buttons so far: the buttons' keys end with it, and a press of a button drawn
    before the last press is void (a timed fragment rerun can deliver one press twice; see ``run_controls``)."""
    return st.session_state.get(_GENERATION, 0)


def on_press(generation: int, kind: str, key: str, request_json: str) -> None:
    """A start button's callback: start the job once per press."""
    if generation != press_generation():
        return
    st.session_state[_GENERATION] = generation + 1
    run = live_session_run(PAGE)
    if run is not None:
        start(run, kind, key, ComparisonRequest.model_validate_json(request_json))


def start_and_stop(
    t: Translator, run: SessionRun, kind: str, key: str, request: ComparisonRequest | None, label: str, icon: str
) -> bool:
    """The start button of a kind of job (off while ``request`` is None) and its Stop (on while that job runs);
    returns whether it runs."""
    found = job(run, kind, key)
    active = found is not None and found.active
    generation = press_generation()
    start, stop_button = st.columns(2)
    start.button(
        label,
        key=f"why_{kind}_start_{generation}",
        type="primary",
        icon=icon,
        disabled=request is None,
        on_click=on_press,
        args=(generation, kind, key, request.model_dump_json() if request else ""),
        width="stretch",
    )
    stop_button.button(
        t("why_stop"),
        key=f"why_{kind}_stop",
        icon=":material/stop:",
        disabled=not active,
        on_click=lambda: stop(run),
        width="stretch",
    )
    return active
