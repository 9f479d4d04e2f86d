"""The race: a simple RNN against an LSTM on the adding problem, two more workers of the session that train only
while the race is on screen."""

from __future__ import annotations

import streamlit as st

from playground.i18n import Translator
from playground.presets import load_preset
from playground.ui.common import kept_key, kept_widget
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
from playground.ui.sequences.views import (
    memory_labels,
)
from playground.ui.session import (
    SessionRun,
    live_session_run,
    release_session_runs,
    session_run,
)
from playground.viz import sequence_charts as charts


def _race_title(name: str) -> str:
    return "SimpleRNN" if name == "rnn" else "LSTM"


def _race_key(name: str) -> str:
    """The racer's name among this session's runs (``session_run``)."""
    return f"{PAGE}_race_{name}"


def start_race() -> None:
    """Start (or start over) both racers on the adding problem with the chosen length and units. Their workers are
    this session's runs of their own (``session_run``), so a restart reuses them and the session's end stops them.
    Each racer starts from fresh weights exactly once: a new worker does by itself, a running one is reset."""
    state = st.session_state
    opening = load_preset(RACE_PRESETS["rnn"])
    steps = int(state.get(kept_key(K_RACE_STEPS), opening.data.steps))
    units = int(state.get(kept_key(K_RACE_UNITS), opening.model.layers[0].units))
    runs = {}
    for name, config in race_configs(steps, units).items():
        run = live_session_run(_race_key(name))
        if run is not None:
            run.reset(config)
        else:
            run = session_run(_race_key(name), config, RACE_PROBES)
        run.play()
        runs[name] = run
    state[K_RACE] = runs
    state.pop(K_RACE_HIDDEN, None)


def stop_race() -> None:
    """End both racers: their workers stop, and they leave this session's runs and the live frames (a later start
    makes new ones)."""
    st.session_state.pop(K_RACE, None)
    st.session_state.pop(K_RACE_HIDDEN, None)
    release_session_runs(*map(_race_key, RACE_PRESETS))


def show_race(shown: bool) -> None:
    """The racers work only while the race is on screen: off screen (another view, or no output) they compute no
    probes and pause, as two more networks training unseen would slow the one the student watches; back on screen,
    the ones paused here play on."""
    state = st.session_state
    runs: dict[str, SessionRun] = state.get(K_RACE) or {}
    hidden: list[str] = state.get(K_RACE_HIDDEN, [])
    for name, run in runs.items():
        run.handle.set_probes(RACE_PROBES if shown else ())
        if shown and name in hidden:
            run.play()
        elif not shown and run.handle.playing:
            run.pause()
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


@st.fragment(run_every=1.0)
def _race_view(t: Translator) -> None:
    runs: dict[str, SessionRun] = st.session_state.get(K_RACE) or {}
    histories, memories, lines = {}, {}, []
    for name, run in runs.items():
        snapshot, rows = run.handle.snapshot()
        title = _race_title(name)
        histories[title] = rows
        memory = snapshot.probe("memory")
        if memory is not None:
            memories[title] = memory
        loss = f"{rows[-1]['test_loss']:.4f}" if rows else "–"
        status = t(f"status_{snapshot.status}")
        lines.append(t("seq_race_status", name=title, epoch=snapshot.epoch, status=status, loss=loss))
    st.markdown("  \n".join(lines))
    left, right = st.columns(2)
    labels = {"title": t("seq_race_loss_title"), "epoch": t("epoch"), "train": t("tab_train"), "test": t("tab_test")}
    left.plotly_chart(charts.comparison_loss_figure(histories, labels), key="seq_chart_race_loss", width="stretch")
    if memories:
        labels = {**memory_labels(t), "title": t("seq_race_memory_title"), "value": t("seq_race_memory_value")}
        figure = charts.comparison_memory_figure(memories, labels)
        right.plotly_chart(figure, key="seq_chart_race_memory", width="stretch")
    else:
        right.caption(t("seq_waiting"))
