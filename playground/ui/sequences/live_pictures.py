"""The sequences page's live pictures (see ``playground.ui.pictures``): the predictions (a held-out series'
forecasts, or predicted against true values) or the written text, the chosen recurrent layer's hidden state for the
chosen test sequence, units x steps, with each of its gates, and how far back the gradient reaches, painted by the
training view with every new probe; the metric and errors per epoch, with every epoch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from playground.config import RunConfig
from playground.data.registry import class_name
from playground.i18n import Translator
from playground.ui.pictures import Pictures, columns, grid, lines, note, scatter, text
from playground.ui.probe_charts import metric_panel, shown_rows
from playground.ui.sequences.choices import GATE_ORDER, layer_label, marked_inputs, recurrent_runs, shown_character
from playground.viz.colors import TEST_COLOR, TRAIN_COLOR
from playground.viz.sequence_charts import errors

#: Which recurrent quantities are gates (sigmoids, on [0, 1]); the others are signed.
GATES = frozenset({"input", "forget", "output", "reset", "update"})
#: A text window's characters name the hidden state's steps up to this many steps (more would overlap).
MAX_STEP_NAMES = 60
#: Columns narrower than this many pixels get no character under them.
MIN_NAMED_CELL_PX = 8
#: Units of a state or gate the view paints at most (a layer may have 1,024: 400 KB a map over 400 steps).
MAX_UNITS = 128

#: The forecast's window before the test part, and its free-running forecast.
HISTORY_COLOR = "#808080"
ROLLOUT_COLOR = "#00a36c"

Run = tuple[int, int, str]  # (layer index, depth, direction), as ``recurrent_runs`` lists them


def prediction_pictures(t: Translator, config: RunConfig) -> Pictures:
    """A held-out series: its truth, one-step forecasts and free-running forecast; independent sequences: predicted
    against true values, with the mean of the true values as the score to beat."""
    from playground.data.registry import kind_of

    return Pictures(("predictions",), _prediction_panels, (t, kind_of(config.data).standardised))


def _prediction_panels(probes: Mapping[str, Any], t: Translator, standardised: bool) -> list[dict]:
    probe = probes["predictions"]
    if not probe.get("ordered"):
        scores = errors(probe)
        caption = t("seq_scatter_caption", network=f"{scores['network']:.3f}", mean=f"{scores['mean']:.3f}")
        true = np.asarray(probe["true"], dtype=np.float64)
        baseline = (float(true.mean()), t("seq_baseline_mean")) if true.size else None
        return [scatter(t("tab_predicted_vs_true"), caption, true, probe["predicted"], t("tab_true"),
                        t("tab_predicted"), baseline)]  # fmt: skip
    true = np.asarray(probe["true"], dtype=np.float64)
    steps = np.arange(len(true))
    series = []
    history = probe.get("history")
    if history is not None and len(history):
        series.append({"name": t("seq_history"), "color": HISTORY_COLOR, "x": np.arange(-len(history), 0),
                       "y": history})  # fmt: skip
    series += [
        {"name": t("tab_true"), "color": TRAIN_COLOR, "x": steps, "y": true},
        {"name": t("seq_one_step"), "color": TEST_COLOR, "x": steps, "y": probe["predicted"]},
    ]
    rollout = probe.get("rollout")
    has_rollout = rollout is not None and len(rollout) > 0
    if has_rollout:
        series.append({"name": t("seq_rollout"), "color": ROLLOUT_COLOR, "dash": True, "x": np.arange(len(rollout)),
                       "y": rollout})  # fmt: skip
    caption = [t("seq_forecast_caption"), t("seq_rollout_caption" if has_rollout else "seq_no_rollout")]
    caption += [t("seq_standardised")] if standardised else []
    value = t("seq_value_standardised" if standardised else "seq_value")
    return [lines(t("seq_forecast_title"), " ".join(caption), series, t("seq_step_ahead"), y_title=value,
                  divider=-0.5)]  # fmt: skip


def hidden_pictures(t: Translator, config: RunConfig, chosen: Run, classes: tuple[str, ...]) -> Pictures:
    """What the network answers for the test sequence the worker replays, and the hidden state and gates of recurrent
    run ``chosen`` for it; ``classes`` names a text model's characters."""
    from playground.data.registry import kind_of

    runs = tuple((run, config.model.layers[run[0]].kind, layer_label(t, config, run, units=False))
                 for run in recurrent_runs(config))  # fmt: skip
    kind = kind_of(config.data)
    marker = None if config.tokens else kind.marker_column
    shape = tuple(config.input_shape)
    return Pictures(("hidden",), _hidden_panels, (t, chosen, runs, shape, config.tokens, marker, classes,
                                                  kind.standardised))  # fmt: skip


def _verdict(
    probe: Mapping[str, Any], t: Translator, tokens: bool, classes: tuple[str, ...], standardised: bool
) -> str:
    """The right answer for the sequence shown and the network's (its **bold** parts marked as in Markdown)."""
    if tokens:
        true, predicted = (shown_character(class_name(classes, int(probe[key]))) for key in ("true", "predicted"))
        return t("seq_hidden_text", index=probe["index"], true=true, predicted=predicted)
    sentence = t("seq_hidden_value", index=probe["index"], true=f"{float(probe['true']):.3f}",
                 predicted=f"{float(probe['predicted']):.3f}")  # fmt: skip
    return f"{sentence} {t('seq_standardised')}" if standardised else sentence


def _hidden_panels(
    probes: Mapping[str, Any],
    t: Translator,
    chosen: Run,
    runs: tuple[tuple[Run, str, str], ...],
    input_shape: tuple[int, ...],
    tokens: bool,
    marker: int | None,
    classes: tuple[str, ...],
    standardised: bool,
) -> list[dict]:
    probe = probes["hidden"]
    if np.shape(probe["inputs"]) != input_shape:  # the last setup's, until the worker catches up
        return []
    entry = chosen_entry(probe, chosen)
    if entry is None:
        return []
    cell = entry["cell"]
    states = np.asarray(entry["states"], dtype=np.float32)  # [units, steps]
    units, steps = states.shape
    states = states[:MAX_UNITS]
    names = [shown_character(character) for character in probe.get("text", "")] if tokens else None
    if names is not None and not 0 < len(names) == steps <= MAX_STEP_NAMES:
        names = None
    marks = [] if marker is None else (np.flatnonzero(marked_inputs(probe["inputs"], marker)[1]) + 1).tolist()
    known = {run: (kind, label) for run, kind, label in runs}
    kind, label = known.get(_run(entry), (None, ""))
    if kind != cell:  # a probe of the setup before the last edit, for a moment: its kind alone
        label = f"{entry['index'] + 1}. {t(f'editor_kind_{cell}')}"
    size = (int(np.clip(steps * 12, 240, 720)), int(np.clip(len(states) * 4, 96, 256)))
    panels = [note("", "", _verdict(probe, t, tokens, classes, standardised))] if "predicted" in probe else []
    panels += [
        grid(t("seq_hidden_title" if units <= MAX_UNITS else "seq_hidden_title_first", layer=label, units=units,
               shown=len(states)), t(f"seq_hidden_caption_{cell}"), states[None], -1.0, 1.0, "signed", size,
             steps=_named(names, size[0], steps), marks=marks),
    ]  # fmt: skip
    gates = entry.get("gates") or {}
    small = (int(np.clip(steps * 6, 160, 340)), int(np.clip(len(states) * 2, 64, 128)))
    for name in GATE_ORDER.get(cell, ()):
        if name not in gates:
            continue
        values = np.asarray(gates[name], dtype=np.float32)[:MAX_UNITS]
        if name in GATES:
            low, high, palette = 0.0, 1.0, "gate"
        else:  # a candidate (tanh) on [-1, 1]; the memory cell, unbounded, on its own symmetric range
            finite = np.abs(values[np.isfinite(values)])
            high = max(1.0, float(finite.max())) if name == "memory" and finite.size else 1.0
            low, palette = -high, "signed"
        heading = t(f"seq_gate_{cell}_{name}")
        panels.append(grid(heading, "", values[None], low, high, palette, small, steps=_named(names, small[0], steps),
                           marks=marks))  # fmt: skip
    return panels


def chosen_entry(probe: Mapping[str, Any], chosen: Run) -> dict | None:
    """The hidden probe's entry for recurrent run ``chosen``, or its first (the stack just changed), or None."""
    layers = probe.get("layers") or []
    return next((layer for layer in layers if _run(layer) == chosen), layers[0] if layers else None)


def _named(names: list[str] | None, width_px: int, steps: int) -> list[str] | None:
    """The step names, when the map's columns are wide enough to read them."""
    return names if names is not None and round(width_px / max(steps, 1)) >= MIN_NAMED_CELL_PX else None


def _run(layer: Mapping[str, Any]) -> Run:
    return (int(layer["index"]), int(layer["depth"]), str(layer["direction"]))


def loss_pictures(t: Translator, config: RunConfig, baseline: float, baseline_label: str) -> Pictures:
    """Beside the live loss, per epoch: the metric (R², or accuracy against always answering the most frequent
    character) and, for values, the errors in their own units (an upload's in standard deviations) against
    predicting the training mean (``baseline``, its test RMSE, named ``baseline_label``)."""
    from playground.data.registry import kind_of

    standardised = kind_of(config.data).standardised
    return Pictures((), _loss_panels, (t, config.task, float(baseline), baseline_label, standardised), history=True)


def _loss_panels(
    probes: Mapping[str, Any], t: Translator, task: str, baseline: float, baseline_label: str, standardised: bool
) -> list[dict]:
    rows = probes["history"]
    if task != "regression":
        return [metric_panel(t, rows, task, (baseline, baseline_label))]
    panels = [metric_panel(t, rows, task, (0.0, t("seq_baseline_mean")))]  # R² 0 is the mean predictor's
    rows = shown_rows(rows)
    epochs = [row["epoch"] for row in rows]
    series = []
    for metric, name, dash in (("rmse", "RMSE", False), ("mae", "MAE", True)):
        for prefix, color in (("train", TRAIN_COLOR), ("test", TEST_COLOR)):
            values = [row.get(f"{prefix}_{metric}") for row in rows]
            if any(value is not None for value in values):
                series.append({"name": f"{name} {t(f'tab_{prefix}')}", "color": color, "dash": dash, "x": epochs,
                               "y": [np.nan if value is None else value for value in values]})  # fmt: skip
    caption = t("seq_loss_caption_values") + (" " + t("seq_standardised") if standardised else "")
    title = t("seq_errors_title_standardised" if standardised else "seq_errors_title")
    panels.append(lines(title, caption, series, t("epoch"), baseline=(baseline, baseline_label), zero=True))
    return panels


def generated_pictures(t: Translator) -> Pictures:
    """The text the network writes from a prompt of the test text, at the chosen temperature."""
    return Pictures(("generated",), _generated_panels, (t,))


def _generated_panels(probes: Mapping[str, Any], t: Translator) -> list[dict]:
    probe = probes["generated"]
    caption = t("seq_generated_caption", temperature=f"{float(probe['temperature']):.1f}")
    return [text("", caption, probe["prompt"], probe["text"])]


def memory_pictures(t: Translator, log: bool) -> Pictures:
    """How strongly the loss reacts to each input step, with the steps that hold 90 % of it shaded: the network's
    reach into the past (``log``: on a log scale)."""
    return Pictures(("memory",), _memory_panels, (t, bool(log)))


def _memory_panels(probes: Mapping[str, Any], t: Translator, log: bool) -> list[dict]:
    probe = probes["memory"]
    gradient = np.asarray(probe["gradient"], dtype=np.float64)
    reach, steps = int(probe.get("reach") or 0), int(probe["steps"])
    shade = (len(gradient) - reach + 1, t("seq_memory_reach_label")) if reach > 0 else None
    caption = t("seq_memory_reach", reach=reach, steps=steps)
    return [columns(t("seq_memory_title"), caption, gradient, t("seq_step"), t("seq_memory_value"), log, shade)]
