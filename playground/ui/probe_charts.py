"""The charts under a live view, drawn from the worker's probes and its history: the metric per epoch, confusion or
predicted-vs-true, the gradient norm of each layer over time, and weight, gradient and activation histograms, painted
on canvas by the training view with every new probe and every epoch (``chart_pictures``). Shared by the pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from playground.config import RunConfig
from playground.data.registry import class_name
from playground.i18n import Translator
from playground.ui.pictures import MAX_LINE_POINTS, Pictures, histograms, lines, matrix, scatter
from playground.ui.session import SessionRun
from playground.viz.colors import CLASS_PALETTE, TEST_COLOR, TRAIN_COLOR

#: The probes these charts read; a page asks its worker for them.
CHART_PROBES = ("confusion", "predictions", "histograms", "gradients")
#: The histograms, in the order shown, with their headings.
HISTOGRAMS = (("weights", "tab_weights"), ("gradients", "chart_gradients"), ("activations", "tab_activations"))


def chart_pictures(t: Translator, task: str, class_names: tuple[str, ...], metric: bool = True) -> Pictures:
    """With ``metric`` the accuracy or R² per epoch; then predicted against true values (regression) or the
    confusion matrix, the gradient norms, the histograms."""
    answer = "predictions" if task == "regression" else "confusion"
    return Pictures((answer, "gradients", "histograms"), _chart_panels, (t, task, class_names), history=metric)


def shown_rows(rows: Sequence[Mapping[str, float]]) -> Sequence[Mapping[str, float]]:
    """At most MAX_LINE_POINTS of a run's history rows, evenly spread, the last one kept: a chart per epoch of a
    run of 100,000 epochs reads 1,000 rows, not all of them."""
    if len(rows) <= MAX_LINE_POINTS:
        return rows
    return [rows[index] for index in np.linspace(0, len(rows) - 1, MAX_LINE_POINTS).round().astype(np.int64)]


def metric_panel(
    t: Translator, rows: Sequence[Mapping[str, float]], task: str, baseline: tuple[float, str] | None = None
) -> dict:
    """Accuracy (classification, on 0-100 %) or R² (regression) per epoch, train and test: the loss view's
    companion; ``baseline`` (value, label) is the score to beat."""
    metric = "r2" if task == "regression" else "accuracy"
    rows = shown_rows(rows)
    epochs = [row["epoch"] for row in rows]
    series = [
        {"name": t(name), "color": color, "x": epochs, "y": [_value(row, f"{prefix}_{metric}") for row in rows]}
        for prefix, name, color in (("train", "tab_train", TRAIN_COLOR), ("test", "tab_test", TEST_COLOR))
    ]
    title = t("tab_metric_r2" if metric == "r2" else "tab_metric_accuracy")
    accuracy = metric == "accuracy"
    return lines(title, "", series, t("epoch"), baseline=baseline, y_range=(0.0, 1.02) if accuracy else None,
                 percent=accuracy)  # fmt: skip


def confusion_panel(t: Translator, probe: Mapping[str, Any], class_names: Sequence[str]) -> dict:
    """The confusion probe's counts: true classes in rows, predicted ones in columns, each named."""
    counts = probe["matrix"]
    names = [class_name(class_names, index) for index in range(len(counts))]
    return matrix(t("tab_confusion"), "", counts, names, t("tab_true"), t("tab_predicted"))


def _value(row: Mapping[str, float], column: str) -> float:
    value = row.get(column)
    return float("nan") if value is None else float(value)


def _chart_panels(probes: Mapping[str, Any], t: Translator, task: str, class_names: tuple[str, ...]) -> list[dict]:
    panels = []
    if rows := probes.get("history"):
        panels.append(metric_panel(t, rows, task))
    if (probe := probes.get("predictions")) is not None:
        panels.append(scatter(t("tab_predicted_vs_true"), "", probe["true"], probe["predicted"], t("tab_true"),
                              t("tab_predicted")))  # fmt: skip
    if (probe := probes.get("confusion")) is not None:
        panels.append(confusion_panel(t, probe, class_names))
    if (probe := probes.get("gradients")) is not None and probe.get("epochs"):
        norms = probe["norms"]
        series = [
            {"name": f"{index + 1}: {title}", "color": CLASS_PALETTE[index % len(CLASS_PALETTE)],
             "x": probe["epochs"], "y": [row[index] if row[index] > 0 else float("nan") for row in norms]}
            for index, title in enumerate(probe.get("titles", []))
        ]  # fmt: skip
        panels.append(lines(t("chart_gradient_norms"), "", series, t("epoch"), log=True))
    if (probe := probes.get("histograms")) is not None:
        for which, title in HISTOGRAMS:
            layers = [
                {"title": f"{layer['index']}: {layer['title']}", "color": CLASS_PALETTE[number % len(CLASS_PALETTE)],
                 **layer[which]}
                for number, layer in enumerate(layer for layer in probe.get("layers", []) if layer.get(which))
            ]  # fmt: skip
            panel = histograms(t(title), "", layers)
            if panel["layers"]:  # a layer whose values are not finite has no histogram
                panels.append(panel)
    return panels


def probe_charts(
    t: Translator, run: SessionRun, config: RunConfig, class_names: tuple[str, ...], metric: bool = True
) -> None:
    """The training view paints the charts with every new probe and, with ``metric``, the accuracy or R² per epoch
    beside them (``metric=False`` where the live view already plots it)."""
    run.pictures = chart_pictures(t, config.task, class_names, metric)
