"""Part B of "How it learns": gradient descent on a surface you can see. A loss over two parameters (logistic
regression's two weights, a line's slope and intercept, or a slice of the page's network), mapped in the worker,
and optimisers racing down it from one start, each at its own rate; the paths grow on the map and their losses
beside as soon as the race is shown. The race follows every change of its settings, and the settings travel in
the link (``&descent=``)."""

from __future__ import annotations

import hashlib

import streamlit as st

from playground.config import RunConfig
from playground.i18n import Translator
from playground.train.descent import DEFAULT_RATES, OPTIMIZERS, DescentRequest
from playground.ui.autoplay import autoplay
from playground.ui.common import show_first_of_each
from playground.ui.learning.links import hidden_parts, linked_descent
from playground.ui.session import SessionRun
from playground.viz.descent_charts import descent_race_figure, descent_surface_figure

#: How long the page waits for a map and a race (a network's slice on a slow machine takes a few seconds).
ANSWER_TIMEOUT_S = 60.0
#: The steps of a race the slider offers (a link may ask for more; the page shows what it can).
MIN_STEPS, MAX_SHOWN_STEPS = 10, 500
#: The rates a racer can take.
RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.5, 1.0, 3.0, 10.0)
#: Where a race starts by default on each surface: away from the minimum, so the paths have a way to go.
DEFAULT_STARTS = {"logistic": (-2.5, 2.5), "line": (-1.5, 1.5), "slice": (-0.7, 0.7)}
#: Extent of each surface's map either way from its centre (as ``train.descent`` draws them).
EXTENTS = {"logistic": 3.0, "line": 2.0, "slice": 1.0}

_KEY = "learn_descent_"


def surfaces_for(config: RunConfig) -> list[str]:
    """The surfaces this setup's data allow: two weights of a logistic regression on two-class data, a line on
    values, and a slice of the network's own loss on any rows of numbers."""
    kinds = []
    if config.task == "binary" and config.input_shape[0] >= 2:
        kinds.append("logistic")
    if config.task == "regression":
        kinds.append("line")
    kinds.append("slice")
    return kinds


def _request(t: Translator, config: RunConfig) -> DescentRequest:
    """The race the controls describe (seeded from the link on a session's first run)."""
    state = st.session_state
    if _KEY + "seeded" not in state:
        state[_KEY + "seeded"] = True
        linked, problem = linked_descent()
        if problem:
            state[_KEY + "notice"] = problem
        if linked is not None:
            state[_KEY + "surface"] = linked.surface
            state[_KEY + "unscaled"] = linked.scale != 1.0
            state[_KEY + "optimizers"] = list(linked.rates)
            for name, rate in linked.rates.items():
                state[_KEY + f"rate_{name}"] = min(RATES, key=lambda choice: abs(choice - rate))
            limit = EXTENTS[linked.surface] * 2
            start = tuple(min(max(value, -limit), limit) for value in linked.start)
            steps = min(max(round(linked.steps / 10) * 10, MIN_STEPS), MAX_SHOWN_STEPS)
            state[_KEY + "start_a"], state[_KEY + "start_b"] = start
            state[_KEY + "start_surface"] = linked.surface
            state[_KEY + "steps"] = steps
            state[_KEY + "batch"] = linked.batch_size or 0
            changes = [f"start {linked.start} → {start}"] if start != linked.start else []
            changes += [f"steps {linked.steps} → {steps}"] if steps != linked.steps else []
            changes += [f"scale {linked.scale:g} → 10"] if linked.scale not in (1.0, 10.0) else []
            if changes:
                state[_KEY + "adjusted"] = "; ".join(changes)
    if notice := state.pop(_KEY + "notice", None):
        st.warning(t("learn_descent_link_invalid", reason=notice), icon=":material/link_off:")
    if adjusted := state.pop(_KEY + "adjusted", None):
        st.warning(t("learn_descent_link_adjusted", changes=adjusted), icon=":material/link:")
    kinds = surfaces_for(config)
    if state.get(_KEY + "surface") not in kinds:
        state[_KEY + "surface"] = kinds[0]
    surface = st.radio(
        t("learn_surface"),
        kinds,
        format_func=lambda kind: t(f"learn_surface_{kind}"),
        key=_KEY + "surface",
        horizontal=True,
        help=t("help_learn_surface"),
    )
    unscaled = False
    if surface != "slice":
        unscaled = st.toggle(t("learn_unscaled"), key=_KEY + "unscaled", help=t("help_learn_unscaled"))
    state.setdefault(_KEY + "optimizers", ["sgd", "momentum", "adam"])
    state.setdefault(_KEY + "steps", 100)
    state.setdefault(_KEY + "batch", 0)
    chosen = st.multiselect(
        t("learn_optimizers"),
        OPTIMIZERS,
        key=_KEY + "optimizers",
        max_selections=len(OPTIMIZERS),
        help=t("help_learn_optimizers"),
    )
    rates = {}
    columns = st.columns(max(1, len(chosen)))
    for column, name in zip(columns, chosen, strict=False):
        rate_key = _KEY + f"rate_{name}"
        if rate_key not in state:
            state[rate_key] = min(RATES, key=lambda choice: abs(choice - DEFAULT_RATES[name]))
        rates[name] = float(column.select_slider(t("learn_rate_of", optimizer=name), RATES, key=rate_key))
    start_a, start_b, steps, batch = st.columns(4)
    default_start = DEFAULT_STARTS[surface]
    extent = EXTENTS[surface] * 2
    for key, value in zip(("start_a", "start_b"), default_start, strict=True):
        if _KEY + key not in state or state.get(_KEY + "start_surface") != surface:
            state[_KEY + key] = value
    state[_KEY + "start_surface"] = surface
    if picked := state.pop(_KEY + "picked", None):
        state[_KEY + "start_a"], state[_KEY + "start_b"] = (min(max(value, -extent), extent) for value in picked)
    first = start_a.number_input(t("learn_start_a"), -extent, extent, step=0.1, key=_KEY + "start_a")
    second = start_b.number_input(t("learn_start_b"), -extent, extent, step=0.1, key=_KEY + "start_b")
    count = steps.slider(t("learn_steps"), MIN_STEPS, MAX_SHOWN_STEPS, step=10, key=_KEY + "steps")
    batch_size = batch.number_input(
        t("learn_race_batch"), 0, 1000, step=1, key=_KEY + "batch", help=t("help_learn_race_batch")
    )
    return DescentRequest(
        surface=surface,
        scale=10.0 if unscaled else 1.0,
        rates=rates or {"sgd": DEFAULT_RATES["sgd"]},
        start=(float(first), float(second)),
        steps=int(count),
        batch_size=int(batch_size) or None,
        resolution=60,
    )


def render(t: Translator, run: SessionRun, config: RunConfig) -> None:
    """The gradient-descent tab."""
    show_first_of_each([f"{_KEY}map_"])  # its key ends with the clicks on it (see ``step_view.render``)
    st.write(t("learn_descent_intro"))
    request = _request(t, config)
    wanted = request.model_dump_json()
    st.query_params["descent"] = wanted
    state = st.session_state
    answer = state.get(_KEY + "answer")
    if state.get(_KEY + "asked") != wanted or answer is None:
        with st.spinner(t("learn_racing")):
            answer = run.handle.wait_for_answer("descent", run.handle.descend(wanted), timeout=ANSWER_TIMEOUT_S)
        state[_KEY + "answer"], state[_KEY + "asked"] = answer, wanted
    if answer is None:
        st.warning(t("learn_no_answer"))
        return
    if "error" in answer:
        st.error(t("learn_descent_failed", reason=answer["error"]))
        return
    labels = {
        "log_loss": t("learn_log_loss"),
        "start": t("learn_start"),
        "rate": t("learn_rate"),
        "animate": t("learn_animate"),
        "step": t("learn_step_axis"),
        "loss": t("loss"),
    }
    for path in answer["trajectories"]:
        if path["diverged"]:
            st.warning(
                t("learn_diverged", optimizer=path["optimizer"], rate=path["rate"], step=len(path["points"])),
                icon=":material/trending_up:",
            )
    race_id = hashlib.sha1(wanted.encode()).hexdigest()[:12]
    figure = descent_race_figure(answer, labels, race_id=race_id)
    picker = len(figure.data) - 1
    picks = state.get(_KEY + "picks", 0)
    event = st.plotly_chart(
        figure, key=f"{_KEY}map_{picks}", on_select="rerun", selection_mode="points", width="stretch"
    )
    autoplay(f"[class*='st-key-{_KEY}map_'] .js-plotly-plot", race_id, key=_KEY + "autoplay")
    st.caption(t("learn_click_start"))
    chosen = [point for point in event.selection.points if point.get("curve_number") == picker]
    if chosen:  # a click on the map: the race starts there (applied before the inputs are drawn)
        state[_KEY + "picked"] = (round(float(chosen[0]["x"]), 2), round(float(chosen[0]["y"]), 2))
        state[_KEY + "picks"] = picks + 1
        st.rerun()
    st.markdown(_summary(t, answer))
    if "surface3d" not in hidden_parts() and st.toggle(t("learn_3d"), key=_KEY + "3d"):
        st.plotly_chart(descent_surface_figure(answer, labels), key=_KEY + "surface_figure", width="stretch")


def _summary(t: Translator, answer: dict) -> str:
    """Who got lowest, as a sentence per racer: end loss and steps taken."""
    lines = []
    for path in sorted(answer["trajectories"], key=lambda path: path["losses"][-1]):
        lines.append(
            "- "
            + t(
                "learn_racer_result",
                optimizer=path["optimizer"],
                rate=path["rate"],
                start=f"{path['losses'][0]:.4f}",
                end=f"{path['losses'][-1]:.4f}",
                steps=len(path["points"]) - 1,
            )
        )
    return "\n".join(lines)
