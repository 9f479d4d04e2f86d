"""One training worker per browser session and page, released when the session ends."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import streamlit as st

from playground.config import RunConfig
from playground.train.worker import WorkerHandle
from playground.ui.frames import register_frame_source, unregister_frame_source


@dataclass
class SessionRun:
    """A worker plus the unguessable token its live view fetches frames with."""

    token: str
    handle: WorkerHandle


def _release(runs: dict[str, SessionRun]) -> None:
    for run in runs.values():
        unregister_frame_source(run.token)
        run.handle.stop()
    runs.clear()


@st.cache_resource(scope="session", on_release=_release, show_spinner=False)
def _session_runs() -> dict[str, SessionRun]:
    return {}


def session_run(page: str, config: RunConfig, probes: tuple[str, ...]) -> SessionRun:
    """This session's run for a page, started on first use; later configs are applied to it (see
    ``WorkerHandle.apply``: data or model changes reset, learning rate and regularisation change live)."""
    runs = _session_runs()
    run = runs.get(page)
    if run is not None and run.handle.alive:
        run.handle.apply(config)
        return run
    if run is not None:
        unregister_frame_source(run.token)
    run = SessionRun(token=secrets.token_urlsafe(16), handle=WorkerHandle(config, probes=probes))
    register_frame_source(run.token, run.handle.frame)
    runs[page] = run
    return run


def pause_session_run(page: str) -> None:
    """Pause this session's run for a page, if it has one (for example while its setup is invalid)."""
    run = _session_runs().get(page)
    if run is not None and run.handle.alive:
        run.handle.pause()
