"""The race: a simple RNN against an LSTM on the adding problem, one run of the session with the LSTM as its run B
(two more workers, that train only while the race is on screen). Its own live view paints both loss curves with
every snapshot, and the memory of both with every new probe."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import streamlit as st

from playground.i18n import Translator
from playground.presets import load_preset
from playground.ui.common import kept_key, kept_widget
from playground.ui.live_view import chart_view
from playground.ui.pictures import Pictures, lines
from playground.ui.run_controls import live_view_labels
from playground.ui.sequences.choices import (
    K_RACE,
    K_RACE_HIDDEN,
    K_RACE_STEPS,
    K_RACE_UNITS,
    PAGE,
    RACE_PRESETS,
    RACE_PROBES,
    race_configs,
)
from playground.ui.session import SessionRun, live_session_run, release_session_runs, session_run
from playground.viz.colors import CLASS_PALETTE

#: The race's run among this session's runs (``session_run``): the SimpleRNN, with the LSTM as its run B.
RACE_RUN = f"{PAGE}_race"
TITLES = {"rnn": "SimpleRNN", "lstm": "LSTM"}


def start_race() -> None:
    """Start (or start over) both racers on the adding problem with the chosen length and units. They are one run
    of this session (``session_run``) with the LSTM beside the RNN as run B, so a restart reuses both workers and
    the session's end stops them. Each racer starts from fresh weights exactly once: a new worker does by itself,
    a running one is reset."""
    state = st.session_state
    opening = load_preset(RACE_PRESETS["rnn"])
    steps = int(state.get(kept_key(K_RACE_STEPS), opening.data.steps))
    units = int(state.get(kept_key(K_RACE_UNITS), opening.model.layers[0].units))
    configs = race_configs(steps, units)
    run = live_session_run(RACE_RUN)
    if run is not None and run.compare is not None and run.compare.alive:
        run.handle.reset(configs["rnn"])
        run.compare.reset(configs["lstm"])
    else:
        release_session_runs(RACE_RUN)  # a half race (a racer that died) starts over whole
        run = session_run(RACE_RUN, configs["rnn"], RACE_PROBES)
        run.set_compare(configs["lstm"], title=TITLES["lstm"], own_title=TITLES["rnn"], probes=RACE_PROBES)
    run.play()
    state[K_RACE] = True
    state.pop(K_RACE_HIDDEN, None)


def stop_race() -> None:
    """End both racers: their workers stop, and the race leaves this session's runs and the live frames (a later
    start makes new ones)."""
    st.session_state.pop(K_RACE, None)
    st.session_state.pop(K_RACE_HIDDEN, None)
    release_session_runs(RACE_RUN)


def race_run() -> SessionRun | None:
    """The race while it is on: both racers' workers alive."""
    run = live_session_run(RACE_RUN) if st.session_state.get(K_RACE) else None
    return run if run is not None and run.compare is not None else None


def show_race(shown: bool) -> None:
    """The racers work only while the race is on screen: off screen (another view, or no output) they compute no
    probes and pause, as two more networks training unseen would slow the one the student watches; back on screen,
    the ones paused here play on."""
    state = st.session_state
    run = race_run()
    if run is None:
        return
    racers = {"rnn": run.handle, "lstm": run.compare}
    hidden: list[str] = state.get(K_RACE_HIDDEN, [])
    for name, handle in racers.items():
        handle.set_probes(RACE_PROBES if shown else ())
        if shown and name in hidden:
            handle.play()
        elif not shown and (handle.playing or (handle.wants_to_run and handle.snapshot()[0].status == "paused")):
            handle.pause()  # also one whose Play the worker has not answered yet (a finished one stays as it is)
            hidden = [*hidden, name]
    if shown:
        state.pop(K_RACE_HIDDEN, None)
    elif hidden:
        state[K_RACE_HIDDEN] = hidden


def race_panel(t: Translator) -> None:
    st.subheader(t("seq_race_title"))
    st.caption(t("seq_race_about"))
    state = st.session_state
    opening = load_preset(RACE_PRESETS["rnn"])
    length, units = st.columns(2)
    with length:
        kept_widget(
            st.slider,
            t("seq_race_steps"),
            10,
            200,
            step=10,
            key=K_RACE_STEPS,
            default=opening.data.steps,
            help=t("seq_help_race_steps"),
        )
    with units:
        kept_widget(
            st.number_input,
            t("seq_race_units"),
            1,
            256,
            step=1,
            key=K_RACE_UNITS,
            default=opening.model.layers[0].units,
            help=t("seq_help_race_units"),
        )
    racing = bool(state.get(K_RACE))
    start, stop = st.columns(2)
    start.button(
        t("seq_race_restart" if racing else "seq_race_start"),
        key="seq_race_start",
        type="primary",
        icon=":material/sports_score:",
        on_click=start_race,
        width="stretch",
    )
    stop.button(
        t("seq_race_stop"),
        key="seq_race_stop",
        icon=":material/stop:",
        on_click=stop_race,
        disabled=not racing,
        width="stretch",
    )
    if racing:
        _race_view(t)


def _race_view(t: Translator) -> None:
    """Both racers in a live view of their own: each one's epoch, losses and status, both loss curves (the LSTM's
    dashed), and under them the memory of both, painted with every snapshot and every new probe."""
    run = race_run()
    if run is None:
        return
    run.pictures = race_pictures(t)
    labels = live_view_labels(t)
    chart_view(run.token, kind="regression", n_classes=2, labels=labels, key="seq_race_live", log_y=True, compare=True)


def race_pictures(t: Translator) -> Pictures:
    """How far back each racer's gradient reaches: its share per input step, on a log scale."""
    return Pictures(RACE_PROBES, _race_panels, (t,), compare=True)


def _race_panels(probes: Mapping[str, Any], t: Translator) -> list[dict]:
    series = []
    for number, (name, probe) in enumerate((("rnn", probes["memory"]), ("lstm", probes["compare_memory"]))):
        if probe is None:
            continue
        gradient = np.asarray(probe["gradient"], dtype=np.float64)
        total = gradient.sum()
        share = gradient / total if total > 0 else gradient
        reach = int(probe.get("reach") or 0)
        name = t("seq_race_reach", name=TITLES[name], reach=reach) if reach > 0 else TITLES[name]
        series.append({"name": name, "color": CLASS_PALETTE[number % len(CLASS_PALETTE)], "dash": number == 1,
                       "x": np.arange(1, len(share) + 1), "y": np.where(share > 0, share, np.nan)})  # fmt: skip
    title, value = t("seq_race_memory_title"), t("seq_race_memory_value")
    return [lines(title, "", series, t("seq_step"), y_title=value, log=True)] if series else []
