"""Part A of "How it learns": one training step slowed down. The student picks training examples (a number, or a
click on the plane), then walks Forward → Loss → Backward → Update → next example, and Back; the network shows
the numbers of each stage, the formulas are filled in for the neuron or weight clicked, and the computation graph
holds one example's loss. Every number comes from the worker (``WorkerHandle.take_step``)."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from playground.config import RunConfig
from playground.i18n import Translator
from playground.train.one_step import MAX_STEP_EXAMPLES, StepError, check_steppable
from playground.ui.common import show_first_of_each
from playground.ui.learning.links import hidden_parts, linked_example
from playground.ui.live_view import live_training_view, plane_points
from playground.ui.run_controls import (
    PLAY,
    button_selector,
    cached_dataset,
    in_fragment_rerun,
    live_view_labels,
    run_buttons,
)
from playground.ui.session import SessionRun
from playground.viz.colors import CLASS_PALETTE
from playground.viz.training_step import (
    STAGES,
    activation_chain_formula,
    boundary_pair_figure,
    chain_rule_formula,
    computation_graph,
    loss_formula,
    neuron_formula,
    step_network_figure,
    update_formula,
)

PAGE = "learn"
#: How long the page waits for the worker's answer to a step (a fresh worker first imports PyTorch).
ANSWER_TIMEOUT_S = 60.0
#: Seconds between stages while "Play slowly" runs, to choose from.
SLOW_SPEEDS = (0.5, 1.0, 2.0, 4.0)
#: Optimizer steps the "Run 100 steps" button trains.
LOOP_STEPS = 100

_STATE = "learn_walk_"


def _state(name: str, default: object = None) -> object:
    return st.session_state.get(_STATE + name, default)


def _set(name: str, value: object) -> None:
    st.session_state[_STATE + name] = value


def _version() -> int:
    """How many presses of the stage buttons were applied: the last part of their keys, so a press delivered twice
    (Streamlit can, see ``run_controls._queue_press``) or of a button drawn before the last one counts once."""
    return int(_state("version", 0))


def _clicks() -> int:
    """How many clicks on the charts were applied: the last part of their keys, so that a new chart holds no old
    selection. Apart from the buttons' number, so that a click on a chart never voids a press of a button drawn
    before it."""
    return int(_state("clicks", 0))


def _rows(start: int, count: int, n_train: int) -> list[int]:
    return [(start + offset) % n_train for offset in range(count)]


def _take_step(run: SessionRun, rows: list[int]) -> None:
    """Ask the worker for one step on ``rows``; its answer is shown from the Forward stage."""
    request = run.handle.take_step(rows)
    with st.spinner():
        answer = run.handle.wait_for_answer("step", request, timeout=ANSWER_TIMEOUT_S)
    _set("answer", answer)
    _set("stage", 0)


def _press(version: int, action: str, run: SessionRun, n_train: int) -> None:
    """A stage button's callback: "next" walks on (after Update, to the next examples and their step), "back"
    walks back; a press of buttons drawn before the last applied press is void."""
    if version != _version():
        return
    _set("version", version + 1)
    stage = int(_state("stage", -1))
    if action == "loop":
        run.handle.train_steps(LOOP_STEPS)
        return
    if action == "back":
        _set("stage", max(0, stage - 1))
        return
    if stage == -1 or _state("answer") is None:
        _take_step(run, _rows(int(_state("example", 0)), int(_state("batch", 1)), n_train))
    elif stage < len(STAGES) - 1:
        _set("stage", stage + 1)
    else:  # after the update: the next examples, and their step
        following = (int(_state("example", 0)) + int(_state("batch", 1))) % n_train
        _set("example", following)
        st.session_state[_STATE + "example_widget"] = following
        _take_step(run, _rows(following, int(_state("batch", 1)), n_train))


def render(t: Translator, run: SessionRun, config: RunConfig) -> None:
    """The step tab."""
    try:
        check_steppable(config)
    except StepError as error:
        st.info(t("learn_too_big", reason=str(error)), icon=":material/zoom_out_map:")
        return
    dataset = cached_dataset(config.data)
    n_train = len(dataset.y_train)
    if _state("example") is None:
        _set("example", linked_example(n_train))
    # keys that end with the presses applied: Streamlit keeps the old widget below the new one until the run ends
    show_first_of_each([f"{_STATE}{name}_" for name in ("back", "next", "loop", "points", "network")])
    # One container for the walk-through, whose number of elements changes with the stage: the run buttons below it
    # keep their place, and with it their fragment's id (Streamlit derives it from the place), so a press sent
    # while the page redraws for a new stage still finds their fragment.
    with st.container():
        st.write(t("learn_step_intro"))
        _example_picker(t, dataset, n_train)
        _stage_buttons(t, run, n_train)
        answer = _state("answer")
        stage = int(_state("stage", -1))
        if answer is None or stage < 0:
            st.info(t("learn_press_forward"), icon=":material/arrow_forward:")
        elif "error" in answer:
            st.error(t("learn_step_failed", reason=answer["error"]))
        else:
            _stage_view(t, answer, STAGES[stage])
    if "loop" not in hidden_parts():
        _the_loop(t, run, config)


def _example_picker(t: Translator, dataset, n_train: int) -> None:
    """The examples of the next step: a number and a batch size, or a click on a training point."""
    left, right = st.columns(2)
    key = _STATE + "example_widget"
    if st.session_state.get(key) != _state("example"):
        st.session_state[key] = _state("example")
    left.number_input(
        t("learn_example"),
        min_value=0,
        max_value=n_train - 1,
        step=1,
        key=key,
        help=t("help_learn_example"),
        on_change=lambda: _set("example", int(st.session_state[key])),
    )
    _set(
        "batch",
        right.slider(t("learn_batch"), 1, MAX_STEP_EXAMPLES, int(_state("batch", 1)), key=_STATE + "batch_widget"),
    )
    if dataset.points_train is None:
        return
    points = dataset.points_train
    chosen = _rows(int(_state("example", 0)), int(_state("batch", 1)), n_train)
    colors = [
        CLASS_PALETTE[int(label) % len(CLASS_PALETTE)] if dataset.n_classes else "#0877bd" for label in dataset.y_train
    ]
    figure = go.Figure(
        [
            go.Scatter(
                x=points[:, 0],
                y=points[:, 1],
                mode="markers",
                marker={"size": 6, "color": colors},
                customdata=list(range(n_train)),
                hovertemplate="#%{customdata}<extra></extra>",
                name=t("learn_training_points"),
            ),
            go.Scatter(
                x=points[chosen, 0],
                y=points[chosen, 1],
                mode="markers",
                marker={"size": 14, "color": "rgba(0,0,0,0)", "line": {"width": 2, "color": "#111827"}},
                hoverinfo="skip",
                name=t("learn_chosen"),
            ),
        ]
    )
    figure.update_layout(
        height=300, margin={"l": 10, "r": 10, "t": 10, "b": 10}, legend={"orientation": "h"}, dragmode=False
    )
    extent = [-6.0, 6.0]  # the plane the 2D page draws
    figure.update_xaxes(range=extent, constrain="domain")
    figure.update_yaxes(range=extent, scaleanchor="x")
    event = st.plotly_chart(
        figure, key=_STATE + f"points_{_clicks()}", on_select="rerun", selection_mode="points", width="stretch"
    )
    picked = [point.get("customdata") for point in event.selection.points if point.get("curve_number") == 0]
    if picked and picked[0] is not None and int(picked[0]) != _state("example"):
        _set("example", int(picked[0]))
        _set("clicks", _clicks() + 1)  # a new chart: the selection is applied once
        st.rerun()


def _stage_buttons(t: Translator, run: SessionRun, n_train: int) -> None:
    stage = int(_state("stage", -1))
    version = _version()
    if stage == -1 or _state("answer") is None:
        label = t("learn_stage_forward")
    elif stage < len(STAGES) - 1:
        label = t(f"learn_stage_{STAGES[stage + 1]}")
    else:
        label = t("learn_next_example")
    back, forward, progress = st.columns([1, 2, 3])
    back.button(
        t("learn_back"),
        key=f"{_STATE}back_{version}",
        icon=":material/arrow_back:",
        disabled=stage <= 0,
        on_click=_press,
        args=(version, "back", run, n_train),
        width="stretch",
    )
    forward.button(
        label,
        key=f"{_STATE}next_{version}",
        type="primary",
        icon=":material/arrow_forward:",
        on_click=_press,
        args=(version, "next", run, n_train),
        width="stretch",
    )
    slow, speed = st.columns([1, 2])
    playing = slow.toggle(t("learn_play_slowly"), key=_STATE + "slowly", help=t("help_learn_play_slowly"))
    seconds = speed.select_slider(
        t("learn_seconds_per_stage"), SLOW_SPEEDS, value=1.0, key=_STATE + "speed", disabled=not playing
    )
    if playing:
        st.fragment(_tick, run_every=float(seconds))(run, n_train)
    names = [t(f"learn_stage_{name}") for name in STAGES]
    marked = [f"**{name}**" if index == stage else name for index, name in enumerate(names)]
    progress.markdown(" → ".join(marked))


def _tick(run: SessionRun, n_train: int) -> None:
    """While "Play slowly" is on: each timed rerun walks one stage on, as a press of the forward button would."""
    if in_fragment_rerun():
        _press(_version(), "next", run, n_train)
        st.rerun(scope="app")


def _selection(answer: dict) -> tuple:
    """The neuron or weight the formulas are about: the one clicked, else the output neuron."""
    chosen = _state("selection")
    layers = answer["layers"]
    if (
        chosen
        and chosen[0] == "neuron"
        and chosen[1] <= len(layers)
        and chosen[2] < len(layers[chosen[1] - 1]["biases"])
    ):
        return tuple(chosen)
    if chosen and chosen[0] == "weight" and chosen[1] <= len(layers):
        weights = layers[chosen[1] - 1]["weights"]
        if chosen[2] < len(weights) and chosen[3] < len(weights[0]):
            return tuple(chosen)
    return ("neuron", len(layers), 0)


def _stage_view(t: Translator, answer: dict, stage: str) -> None:
    selection = _selection(answer)
    labels = {
        "inputs": t("learn_inputs"),
        "layer": t("learn_layer"),
        "output": t("learn_output"),
        "bias": t("learn_bias"),
        "after_update": t("learn_after_update"),
    }
    st.caption(t(f"learn_about_{stage}"))
    figure = step_network_figure(answer, stage, labels, selection)
    event = st.plotly_chart(
        figure, key=f"{_STATE}network_{_clicks()}", on_select="rerun", selection_mode="points", width="stretch"
    )
    for point in event.selection.points:
        data = point.get("customdata")
        if data and data[0] in ("neuron", "weight") and tuple(data[: 3 if data[0] == "neuron" else 4]) != selection:
            _set("selection", tuple(data[: 3 if data[0] == "neuron" else 4]))
            _set("clicks", _clicks() + 1)
            st.rerun()
    _formulas(t, answer, stage, selection)
    if "graph" not in hidden_parts():
        with st.expander(t("learn_graph"), icon=":material/account_tree:"):
            st.caption(t("learn_graph_about"))
            st.graphviz_chart(computation_graph(answer, labels={"loss": t("loss")}))


def _formulas(t: Translator, answer: dict, stage: str, selection: tuple) -> None:
    """The stage's formulas with the values filled in, for the selected neuron or weight."""
    kind, layer, unit = selection[0], selection[1], selection[2]
    source = selection[3] if kind == "weight" else 0
    if stage == "forward":
        st.markdown(t("learn_forward_formula", layer=layer, unit=unit + 1))
        st.latex(neuron_formula(answer, layer, unit))
    elif stage == "loss":
        st.markdown(t("learn_loss_formula", loss=answer["loss_name"]))
        st.latex(loss_formula(answer))
    elif stage == "backward":
        st.markdown(t("learn_backward_formula", layer=layer, unit=unit + 1, source=source + 1))
        st.latex(activation_chain_formula(answer, layer, unit))
        st.latex(chain_rule_formula(answer, layer, unit, source))
    else:
        st.markdown(t("learn_update_formula", optimizer=answer["optimizer"], rule=answer["update_rule"]))
        st.latex(update_formula(answer, layer, unit, source))
        st.latex(update_formula(answer, layer, unit, None))
        pair = boundary_pair_figure(
            answer, {"before": t("learn_before"), "after": t("learn_after"), "examples": t("learn_chosen")}
        )
        if pair is not None:
            st.plotly_chart(pair, key=f"{_STATE}pair", width="stretch")


def _the_loop(t: Translator, run: SessionRun, config: RunConfig) -> None:
    """The loop repeated: normal training with the boundary moving, and a button for 100 more steps."""
    st.subheader(t("learn_loop_title"))
    st.caption(t("learn_loop_about"))
    run_buttons(t, page=PAGE, config=config, probes=("boundary",))
    version = _version()
    st.button(
        t("learn_run_steps", steps=LOOP_STEPS),
        key=f"{_STATE}loop_{version}",
        icon=":material/fast_forward:",
        help=t("help_learn_run_steps"),
        on_click=_press,
        args=(version, "loop", run, len(cached_dataset(config.data).y_train)),
    )
    dataset = cached_dataset(config.data)
    if dataset.points_train is None:
        return
    live_training_view(
        run.token,
        kind=config.task,
        **plane_points(dataset),
        show_test=False,
        discretize=False,
        labels=live_view_labels(t),
        key="learn_live",
        play_button=button_selector(PAGE, PLAY),
    )
