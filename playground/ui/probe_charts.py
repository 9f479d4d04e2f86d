"""The charts under a live view, drawn from the worker's probes: confusion or predicted-vs-true, the gradient norm
of each layer over time, and weight, gradient and activation histograms, painted on canvas by the training view with
every new probe (``chart_pictures``); and the metric per epoch (a Plotly chart, redrawn once a second). Shared by
the pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from playground.config import RunConfig
from playground.data.registry import class_name
from playground.i18n import Translator
from playground.ui.pictures import Pictures, histograms, lines, matrix, scatter
from playground.ui.session import SessionRun
from playground.viz import tabular_charts as charts
from playground.viz.colors import CLASS_PALETTE

#: The probes these charts read; a page asks its worker for them.
CHART_PROBES = ("confusion", "predictions", "histograms", "gradients")
#: The histograms, in the order shown, with their headings.
HISTOGRAMS = (("weights", "tab_weights"), ("gradients", "chart_gradients"), ("activations", "tab_activations"))


def chart_pictures(t: Translator, task: str, class_names: tuple[str, ...]) -> Pictures:
    """Predicted against true values (regression) or the confusion matrix, the gradient norms, the histograms."""
    answer = "predictions" if task == "regression" else "confusion"
    return Pictures((answer, "gradients", "histograms"), _chart_panels, (t, class_names))


def _chart_panels(probes: Mapping[str, Any], t: Translator, class_names: tuple[str, ...]) -> list[dict]:
    panels = []
    if (probe := probes.get("predictions")) is not None:
        panels.append(scatter(t("tab_predicted_vs_true"), "", probe["true"], probe["predicted"], t("tab_true"),
                              t("tab_predicted")))  # fmt: skip
    if (probe := probes.get("confusion")) is not None:
        counts = probe["matrix"]
        names = [class_name(class_names, index) for index in range(len(counts))]
        panels.append(matrix(t("tab_confusion"), "", counts, names, t("tab_true"), t("tab_predicted")))
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
    t: Translator, run: SessionRun, config: RunConfig, class_names: tuple[str, ...], key: str, metric: bool = True
) -> None:
    """The training view paints the charts with every new probe; with ``metric`` the accuracy or R² per epoch is
    drawn beside them, once a second (``metric=False`` where the live view already plots it)."""
    run.pictures = chart_pictures(t, config.task, class_names)
    if metric:
        _metric_chart(t, run, config, key)


@st.fragment(run_every=1.0)
def _metric_chart(t: Translator, run: SessionRun, config: RunConfig, key: str) -> None:
    """Redrawn every second from the newest history, on its own (no page rerun)."""
    _, rows = run.handle.snapshot()
    figure = charts.metric_figure(
        rows, config.task, t("tab_metric_r2" if config.task == "regression" else "tab_metric_accuracy"),
        t("tab_train"), t("tab_test"), t("epoch"),
    )  # fmt: skip
    st.plotly_chart(figure, key=f"{key}_chart_metric", width="stretch")
