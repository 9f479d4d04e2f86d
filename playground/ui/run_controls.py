"""Play/Pause, Step and Reset for a page's worker, and the strings its live view shows."""

from __future__ import annotations

import contextlib

import streamlit as st

from playground.config import DataConfig, RunConfig
from playground.data.registry import Dataset, load_dataset
from playground.i18n import Translator
from playground.ui.live_view import LABEL_KEYS
from playground.ui.session import SessionRun, session_run


def live_view_labels(t: Translator) -> dict[str, str]:
    return {key: t(key) for key in LABEL_KEYS}


@st.cache_data(show_spinner=False, max_entries=8)
def _dataset_from_json(data_json: str) -> Dataset:
    return load_dataset(DataConfig.model_validate_json(data_json))


def cached_dataset(data: DataConfig) -> Dataset:
    """The page draws the same points the worker trains on (same config, same seed, same generator)."""
    return _dataset_from_json(data.model_dump_json())


def run_buttons(
    t: Translator, page: str, config: RunConfig, probes: tuple[str, ...] = ("boundary",), disabled: bool = False
) -> SessionRun:
    """Start or follow this session's worker for the page and draw its buttons (greyed out while ``disabled``,
    say while the page's setup is invalid and ``config`` is the last good one)."""
    run = session_run(page, config, probes=probes)
    _buttons(t, page, run, config, disabled)
    return run


def _in_fragment_rerun() -> bool:
    """Whether this script run redraws fragments only (a full run draws the whole page anyway)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return bool(ctx and ctx.fragment_ids_this_run)


def _toggle_play(run: SessionRun) -> None:
    """Play or pause, then wait briefly for the worker's answer so the redrawn label is the true one."""
    running = run.handle.playing
    (run.pause if running else run.play)()
    settled = {"paused", "diverged", "error"} if running else {"running", "diverged", "error", "starting"}
    with contextlib.suppress(TimeoutError):
        run.handle.wait_until(lambda latest, _: latest.status in settled, timeout=5.0)


@st.fragment(run_every=1.0)
def _buttons(t: Translator, page: str, run: SessionRun, config: RunConfig, disabled: bool = False) -> None:
    """Redrawn every second on its own, so Play/Pause follows a run that stopped itself (diverged, failed,
    finished); when the run stops playing, the whole page reruns, so what it shows of the model (the selected
    neuron's weights) is that of the paused model and editable."""
    running = run.handle.playing
    was_running = st.session_state.get(f"{page}_was_running", False)
    st.session_state[f"{page}_was_running"] = running
    if was_running and not running and _in_fragment_rerun():
        st.rerun(scope="app")
    play, step, reset = st.columns(3)
    play.button(
        t("pause") if running else t("play"),
        key=f"{page}_play",
        type="primary",
        icon=":material/pause:" if running else ":material/play_arrow:",
        help=t("help_play"),
        width="stretch",
        disabled=disabled,
        on_click=_toggle_play,
        args=(run,),
    )
    step.button(
        t("step"),
        key=f"{page}_step",
        icon=":material/skip_next:",
        help=t("help_step"),
        width="stretch",
        disabled=disabled,
        on_click=run.step,
    )
    reset.button(
        t("reset"),
        key=f"{page}_reset",
        icon=":material/restart_alt:",
        help=t("help_reset"),
        width="stretch",
        disabled=disabled,
        on_click=run.reset,
        args=(config,),
    )
