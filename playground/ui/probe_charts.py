"""The charts under a live view, drawn from the worker's probes: metric, confusion or predicted-vs-true, weight,
gradient and activation histograms, and the gradient norm of each layer over time. Shared by the pages."""

from __future__ import annotations

import streamlit as st

from playground.config import RunConfig
from playground.i18n import Translator
from playground.ui.session import SessionRun
from playground.viz import tabular_charts as charts

#: The probes these charts read; a page asks its worker for them.
CHART_PROBES = ("confusion", "predictions", "histograms", "gradients")


@st.fragment(run_every=1.0)
def probe_charts(
    t: Translator, run: SessionRun, config: RunConfig, class_names: tuple[str, ...], key: str, metric: bool = True
) -> None:
    """Redrawn every second from the newest snapshot, independently of the page (no full rerun). ``metric=False``
    leaves out the accuracy or R² chart where the live view already plots it."""
    snapshot, rows = run.handle.snapshot()
    usable = snapshot.probe

    left, right = st.columns(2)
    if metric:
        with left:
            figure = charts.metric_figure(
                rows, config.task, t("tab_metric_r2" if config.task == "regression" else "tab_metric_accuracy"),
                t("tab_train"), t("tab_test"), t("epoch"),
            )  # fmt: skip
            st.plotly_chart(figure, key=f"{key}_chart_metric", width="stretch")
    else:
        gradients = usable("gradients")
        with left:
            if gradients:
                figure = charts.gradient_norm_figure(gradients, t("chart_gradient_norms"), t("epoch"))
                st.plotly_chart(figure, key=f"{key}_chart_gradient_norms", width="stretch")
    with right:
        if config.task == "regression":
            if probe := usable("predictions"):
                figure = charts.prediction_figure(probe, t("tab_predicted_vs_true"), t("tab_true"), t("tab_predicted"))
                st.plotly_chart(figure, key=f"{key}_chart_predictions", width="stretch")
        elif probe := usable("confusion"):
            figure = charts.confusion_figure(probe, class_names, t("tab_confusion"), t("tab_true"), t("tab_predicted"))
            st.plotly_chart(figure, key=f"{key}_chart_confusion", width="stretch")
    if metric and (gradients := usable("gradients")):
        figure = charts.gradient_norm_figure(gradients, t("chart_gradient_norms"), t("epoch"))
        st.plotly_chart(figure, key=f"{key}_chart_gradient_norms", width="stretch")
    if histograms := usable("histograms"):
        for which, title in (
            ("weights", "tab_weights"),
            ("gradients", "chart_gradients"),
            ("activations", "tab_activations"),
        ):
            figure = charts.histogram_figure(histograms, which, t(title))
            st.plotly_chart(figure, key=f"{key}_chart_{which}", width="stretch")
