"""The 2D page's network view actions: add or remove layers and neurons from the view, select a neuron (its map
fills the big plot), read and edit its weights while paused, and compare with a second setup."""

from __future__ import annotations

import contextlib
from functools import partial

import streamlit as st

from playground.config import ConfigError, RunConfig
from playground.i18n import Translator
from playground.train.protocol import Snapshot
from playground.ui.playground_2d.controls import KEY, MAX_HIDDEN_LAYERS, MAX_NEURONS, set_network_shape, shown, state
from playground.ui.session import SessionRun

K_FOCUS = KEY + "focus"  # (column, unit) of the selected neuron, or None
K_PINNED = KEY + "compare_pinned"  # run B's setup, as JSON
NEW_LAYER_UNITS = 4


def on_network_edit(event: dict | None) -> None:
    """A +/- button of the network view: the same change the sliders make (the simple controls only)."""
    if not event or state("free_layers"):
        return
    action, column = event.get("action"), event.get("column")
    n_hidden = int(state("n_hidden"))
    if action == "add_layer" and n_hidden < MAX_HIDDEN_LAYERS:
        after = {f"units_{n_hidden}": NEW_LAYER_UNITS, "n_hidden": n_hidden + 1}
    elif action == "remove_layer" and n_hidden > 0:
        after = {"n_hidden": n_hidden - 1}
    elif action in ("add_neuron", "remove_neuron") and isinstance(column, int) and 1 <= column <= n_hidden:
        name = f"units_{column - 1}"
        change = 1 if action == "add_neuron" else -1
        after = {name: min(MAX_NEURONS, max(1, int(state(name)) + change))}
    else:
        return
    set_network_shape(after)
    st.session_state[K_FOCUS] = None  # the selected neuron may be gone; select again on the new network


def on_select(event: dict | None) -> None:
    """A click on a neuron of the network view selects it (a click on the selected one clears it)."""
    if event and isinstance(event.get("column"), int) and isinstance(event.get("unit"), int):
        st.session_state[K_FOCUS] = (event["column"], event["unit"])
    else:
        st.session_state[K_FOCUS] = None


def selected_neuron() -> tuple[int, int] | None:
    focus = st.session_state.get(K_FOCUS)
    return None if focus is None else (int(focus[0]), int(focus[1]))


def sync_focus(run: SessionRun) -> None:
    """Tell the worker which neuron the big plot shows, once per change (the worker keeps it across resets)."""
    focus = selected_neuron()
    sent = st.session_state.get(KEY + "focus_sent")
    if sent != (run.token, focus):
        run.handle.set_focus(focus)
        st.session_state[KEY + "focus_sent"] = (run.token, focus)


def _network_probe(run: SessionRun) -> tuple[dict | None, str]:
    snapshot, _ = run.handle.snapshot()
    return snapshot.probe("network"), snapshot.status


def _shown(column: dict) -> int:
    """The neurons of a network probe's column that it carries (its first ones; all of a narrow layer)."""
    return int(column.get("shown", column["units"]))


def weight_editor(t: Translator, run: SessionRun) -> None:
    """The selected neuron's incoming weights and bias as numbers; editable while the run is paused."""
    focus = selected_neuron()
    probe, status = _network_probe(run)
    if focus is None or probe is None:
        st.caption(t("weights_select_hint"))
        return
    column, unit = focus
    columns = probe["columns"]
    # a wide layer's probe holds its first ``shown`` neurons only: those the view draws, and can select
    if not 1 <= column < len(columns) or not 0 <= unit < _shown(columns[column]):
        st.caption(t("weights_select_hint"))
        return
    target, source = columns[column], columns[column - 1]
    names = source.get("names") or [t("neuron_n", n=index + 1) for index in range(_shown(source))]
    weights, bias = target["weights"][unit], float(target["bias"][unit])
    last = column == len(columns) - 1
    title = t("output_unit", n=unit + 1) if last else t("neuron_of_layer", n=unit + 1, layer=column)
    st.markdown(f"**{title}** · {target['title']}")
    if _shown(source) < source["units"]:  # the weights from the neurons the view draws, not all 4,096
        st.caption(t("net_summary", shown=f"{_shown(source):,}", units=f"{source['units']:,}"))
    running = status == "running"
    if running:
        st.caption(t("weights_pause_to_edit"))
    generation = st.session_state.get(KEY + "weights_generation", 0)
    snapshot = run.handle.snapshot()[0]
    stamp = f"{snapshot.run_id}_{snapshot.step}_{generation}_{column}_{unit}"
    with st.form(key=f"{KEY}weights_form", border=False):
        grid = st.columns(4)
        entered = []
        for index, (name, weight) in enumerate(zip(names, weights, strict=True)):
            entered.append(
                grid[index % 4].number_input(
                    t("weight_from", name=name),
                    value=float(weight),
                    step=0.1,
                    format="%.4f",
                    key=f"{KEY}w_{index}_{stamp}",
                    disabled=running,
                )  # fmt: skip
            )
        new_bias = grid[len(names) % 4].number_input(
            t("bias"), value=bias, step=0.1, format="%.4f", key=f"{KEY}b_{stamp}", disabled=running
        )
        applied = st.form_submit_button(t("weights_apply"), icon=":material/edit:", disabled=running)
    if applied:
        changes = [
            (index, value) for index, (value, old) in enumerate(zip(entered, weights, strict=True)) if value != old
        ]
        if new_bias != bias:
            changes.append((None, new_bias))
        before = run.handle.snapshot()[0]
        for index, value in changes:
            run.handle.edit_parameter(column, unit, index, value)
        if changes:
            answered = partial(_edits_answered, before, column, unit, changes)
            with contextlib.suppress(TimeoutError):
                run.handle.wait_until(lambda latest, _: answered(latest), timeout=3.0)
            error = run.handle.snapshot()[0].edit_error
            if error:
                st.error(t("weights_edit_failed", reason=error))
            else:
                st.session_state[KEY + "weights_generation"] = generation + 1
                st.rerun()


def _edits_answered(
    before: Snapshot, column: int, unit: int, changes: list[tuple[int | None, float]], latest: Snapshot
) -> bool:
    """Whether the worker has answered a batch of weight edits: its network probe shows every edited value (the
    page then draws the editor from it), or it refused one. Waiting for the first fresh snapshot only, the page
    drew the editor after the first edit: a bias edited with a weight showed its old value until the next rerun."""
    if latest is before:
        return False
    if latest.edit_error:
        return True
    probe = latest.probe("network")
    if probe is None or not column < len(probe["columns"]):
        return False
    target = probe["columns"][column]
    for index, value in changes:
        shown = target["bias"][unit] if index is None else target["weights"][unit][index]
        if abs(float(shown) - value) > 1e-4 * max(1.0, abs(value)):  # the probe holds float32
            return False
    return True


def describe(config: RunConfig) -> str:
    """A short name of a setup for legends: hidden sizes and activation, optimizer and learning rate."""
    hidden = config.model.layers[:-1]
    sizes = "-".join(str(getattr(layer, "units", layer.kind)) for layer in hidden) or "0"
    activations = {getattr(layer, "activation", None) for layer in hidden} - {None}
    activation = activations.pop() if len(activations) == 1 else ""
    training = config.training
    return f"{sizes} {activation} · {training.optimizer} {training.learning_rate:g}".replace("  ", " ")


def compare_panel(t: Translator, run: SessionRun, config: RunConfig) -> None:
    """Compare: pin a setup as run B; B then trains beside the current setup (A) on A's data, with the buttons
    steering both and the curves overlaid in the live view."""
    if not shown("compare"):
        run.set_compare(None)
        return
    on = st.toggle(t("compare"), key=KEY + "compare", help=t("help_compare"))
    if not on:
        st.session_state.pop(K_PINNED, None)
        run.set_compare(None)
        return
    pin = st.button(t("compare_pin"), key=KEY + "compare_pin_button")
    if pin or K_PINNED not in st.session_state:
        st.session_state[K_PINNED] = config.model_dump_json()
    pinned = RunConfig.model_validate_json(st.session_state[K_PINNED])
    try:  # B trains on A's data: same points, same split
        b_config = RunConfig.from_dict({**pinned.model_dump(), "data": config.data.model_dump()})
    except ConfigError as error:
        st.warning(t("compare_unfit", reason=str(error)), icon=":material/warning:")
        run.set_compare(None)
        return
    st.caption(t("compare_caption", a=describe(config), b=describe(b_config)))
    run.set_compare(b_config, title=describe(b_config), own_title=describe(config))
