"""The sequences page's views of a run: the metric and errors, predictions or written text, the hidden state and
gates step by step, and how far back the gradient reaches, all painted live by the training view (see
``live_pictures``); the words around them (waiting, a probe that failed, the chosen sequence) follow every second."""

from __future__ import annotations

import numpy as np
import streamlit as st

from playground.config import RunConfig
from playground.data.registry import class_name, kind_of
from playground.i18n import Translator
from playground.sequence_summary import (
    DataSummary,
)
from playground.train.probes.sequences import DEFAULT_TEMPERATURE
from playground.ui.common import kept_key, kept_widget, pick_test_example, translated_choice
from playground.ui.sequences.choices import (
    GATE_ORDER,
    K_LAYER,
    K_SAMPLE,
    K_TEMPERATURE,
    layer_label,
    marked_inputs,
    recurrent_runs,
    shown_character,
)
from playground.ui.sequences.data_panel import feature_label, feature_lines, summary
from playground.ui.sequences.live_pictures import (
    chosen_entry,
    generated_pictures,
    hidden_pictures,
    loss_pictures,
    memory_pictures,
    prediction_pictures,
)
from playground.ui.session import (
    SessionRun,
)
from playground.viz import sequence_charts as charts


def _probe(t: Translator, run: SessionRun, name: str) -> dict | None:
    """The newest ``name`` probe; None (with a word on why) while it is not there or cannot be computed."""
    snapshot, _ = run.handle.snapshot()
    failed = snapshot.probe_error(name)
    if failed is not None:
        st.info(t("seq_probe_failed", reason=failed), icon=":material/info:")
        return None
    probe = snapshot.probe(name)
    if probe is None:
        st.caption(t("seq_waiting"))
    return probe


def loss_view(t: Translator, run: SessionRun, config: RunConfig, shown: DataSummary) -> None:
    """The training view paints the metric beside the live loss with every epoch: R² or accuracy per epoch and, for
    values, the errors in their own units, each against what a network that ignores the sequence would score."""
    run.pictures = loss_pictures(t, config, shown.baseline, baseline_label(t, shown, config.task))
    if config.task != "regression":
        st.markdown(t("seq_loss_caption_text"))


def temperature_slider(t: Translator, run: SessionRun) -> None:
    """How adventurous the generated text is; kept while another view is shown, and told again to a new worker."""
    wanted = float(st.session_state.get(kept_key(K_TEMPERATURE), DEFAULT_TEMPERATURE))
    if run.handle.temperature != wanted:
        run.handle.set_temperature(wanted)

    def picked() -> None:
        value = st.session_state[kept_key(K_TEMPERATURE)] = round(float(st.session_state[K_TEMPERATURE]), 2)
        run.handle.set_temperature(value)

    kept_widget(
        st.slider,
        t("seq_temperature"),
        0.1,
        2.0,
        step=0.1,
        key=K_TEMPERATURE,
        default=DEFAULT_TEMPERATURE,
        on_change=picked,
        help=t("seq_help_temperature"),
    )


@st.fragment(run_every=1.0)
def predictions_view(t: Translator, run: SessionRun, config: RunConfig) -> None:
    """The text the network writes, or the predictions, painted by the training view with every new probe
    (``generated_pictures``, ``prediction_pictures``); this says why while there is none."""
    run.pictures = generated_pictures(t) if config.tokens else prediction_pictures(t, config)
    _probe(t, run, "generated" if config.tokens else "predictions")  # a word while it is not there, or why not


def hidden_panel(t: Translator, run: SessionRun, config: RunConfig, names: tuple[str, ...]) -> None:
    """The test-sequence picker and, with several recurrent layers or directions, which one to show."""
    runs = recurrent_runs(config)
    if not runs:
        run.pictures = None
        st.info(t("seq_no_recurrent"), icon=":material/info:")
        return
    left, right = st.columns(2)
    with left:
        n_test = kind_of(config.data).test_count(config.data)
        pick_test_example(run, n_test, K_SAMPLE, t("seq_sample"), t("seq_help_sample", n=f"{n_test:,}"))
    chosen = runs[0]
    if len(runs) > 1:
        state = st.session_state
        if state.get(K_LAYER) not in range(len(runs)):
            state[K_LAYER] = 0
        with right:  # the choice is kept (under K_LAYER) while another view is shown
            choice = translated_choice(
                st.selectbox,
                t("seq_layer"),
                list(range(len(runs))),
                key=K_LAYER,
                format_func=lambda number: layer_label(t, config, runs[number]),
                help=t("seq_help_layer"),
            )
        chosen = runs[choice]
    hidden_view(t, run, config, chosen, names)


@st.fragment(run_every=1.0)
def hidden_view(
    t: Translator, run: SessionRun, config: RunConfig, chosen: tuple[int, int, str], names: tuple[str, ...]
) -> None:
    """The chosen test sequence's inputs; the training view paints the network's answer for it, the hidden state of
    the chosen recurrent run, units x steps, and (LSTM, GRU) each gate with every new probe (``hidden_pictures``),
    and this says what each gate does. The inputs change only with the sequence chosen."""
    run.pictures = hidden_pictures(t, config, chosen, names)
    probe = _probe(t, run, "hidden")
    if probe is None:
        return
    if np.shape(probe["inputs"]) != tuple(config.input_shape):  # the last setup's, until the worker catches up
        st.caption(t("seq_waiting"))
        return
    step = t("seq_step")
    if config.tokens:
        marked = shown_character(class_name(names, int(probe["true"])))
        st.markdown(charts.text_html(probe.get("text", ""), marked=marked), unsafe_allow_html=True)
    else:
        inputs = np.asarray(probe["inputs"], dtype=np.float32)
        title = t("seq_inputs_title", index=probe["index"])
        marker = kind_of(config.data).marker_column
        if marker is not None:
            values, marked_steps = marked_inputs(inputs, marker)
            figure = charts.inputs_figure(
                values, [t("seq_value")], title, step, markers=marked_steps, marker_label=t("seq_marked")
            )
        else:
            feature_names = [feature_label(t, config.data.dataset, name) for name in summary(config.data).feature_names]
            lines = feature_lines(t, config.data, len(feature_names), narrow=False)
            figure = charts.inputs_figure(inputs, feature_names, title, step, **lines)
        st.plotly_chart(figure, key="seq_chart_inputs", width="stretch")
    entry = chosen_entry(probe, chosen)
    if entry is None:
        st.info(t("seq_no_recurrent"), icon=":material/info:")
        return
    cell = entry["cell"]
    shown = [name for name in GATE_ORDER.get(cell, ()) if name in (entry.get("gates") or {})]
    if not shown:
        return
    about = [f"- **{t(f'seq_gate_{cell}_{name}')}**: " + t(f"seq_about_gate_{cell}_{name}") for name in shown]
    st.markdown(f"**{t('seq_gates_title')}**\n\n" + "\n".join(about))
    st.caption(t("seq_gates_colours"))


def memory_labels(t: Translator) -> dict[str, str]:
    return {"step": t("seq_step"), "value": t("seq_memory_value")}


@st.fragment(run_every=1.0)
def memory_view(t: Translator, run: SessionRun, log: bool) -> None:
    """How far back the gradient reaches, painted by the training view with every new probe (``memory_pictures``);
    this says why while there is none."""
    run.pictures = memory_pictures(t, log)
    _probe(t, run, "memory")


def baseline_label(t: Translator, shown: DataSummary, task: str) -> str:
    """The name of the dotted line a network must beat; "about" when it was estimated from a smaller copy."""
    name = "seq_baseline_frequent" if task == "multiclass" else "seq_baseline_mean"
    return t(name) if shown.exact else t(f"{name}_about", n=f"{shown.sequences:,}")
