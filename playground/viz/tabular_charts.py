"""Charts built from a worker's probes and history (tables page, 2D page): pure functions to plotly figures.

No Streamlit here, so the figures can be tested (and reused by a notebook) without a running page. Every
function takes the words it shows as arguments, already translated by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.viz.colors import CLASS_PALETTE, TEST_COLOR, TRAIN_COLOR

_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def _base(title: str, height: int) -> go.Layout:
    return go.Layout(title={"text": title, "font": {"size": 14}}, height=height, margin=_MARGIN)


def metric_figure(
    rows: Sequence[Mapping[str, float]], task: str, title: str, train: str, test: str, epoch: str = "epoch"
) -> go.Figure:
    """Accuracy (classification) or R² (regression) per epoch, train and test: the loss view's companion."""
    metric = "r2" if task == "regression" else "accuracy"
    epochs = [row["epoch"] for row in rows]
    figure = go.Figure(layout=_base(title, 280))
    for prefix, name, color in (("train", train, TRAIN_COLOR), ("test", test, TEST_COLOR)):
        values = [row.get(f"{prefix}_{metric}") for row in rows]
        figure.add_scatter(x=epochs, y=values, mode="lines", name=name, line={"color": color})
    figure.update_xaxes(title_text=epoch, rangemode="tozero")
    if metric == "accuracy":
        figure.update_yaxes(range=[0, 1.02], tickformat=".0%")
    figure.update_layout(legend={"orientation": "h", "y": -0.25})
    return figure


def confusion_figure(probe: Mapping, class_names: Sequence[str], title: str, true: str, predicted: str) -> go.Figure:
    """Counts of true (rows) against predicted (columns) classes, with the count in each cell."""
    matrix = np.asarray(probe["matrix"], dtype=np.int64)
    n = matrix.shape[0]
    names = [str(name) for name in class_names][:n]
    names += [str(index) for index in range(len(names), n)]
    figure = go.Figure(
        go.Heatmap(
            z=matrix,
            x=names,
            y=names,
            text=matrix,
            texttemplate="%{text}",
            colorscale="Blues",
            showscale=False,
            hovertemplate=f"{true}: %{{y}}<br>{predicted}: %{{x}}<br>%{{z}}<extra></extra>",
        ),
        layout=_base(title, 320),
    )
    figure.update_xaxes(title_text=predicted, type="category", side="bottom")
    figure.update_yaxes(title_text=true, type="category", autorange="reversed")
    return figure


def prediction_figure(probe: Mapping, title: str, true: str, predicted: str) -> go.Figure:
    """Predicted against true values; the diagonal is a perfect fit, so the spread around it is the error."""
    actual = np.asarray(probe["true"], dtype=np.float64)
    guess = np.asarray(probe["predicted"], dtype=np.float64)
    figure = go.Figure(layout=_base(title, 320))
    figure.add_scatter(
        x=actual, y=guess, mode="markers", marker={"size": 5, "color": TEST_COLOR, "opacity": 0.6}, showlegend=False
    )
    finite = np.concatenate([actual, guess])
    finite = finite[np.isfinite(finite)]
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        figure.add_scatter(
            x=[lo, hi], y=[lo, hi], mode="lines", line={"color": "grey", "dash": "dash"}, showlegend=False
        )
    figure.update_xaxes(title_text=true)
    figure.update_yaxes(title_text=predicted)
    return figure


def histogram_figure(probe: Mapping, which: str, title: str) -> go.Figure:
    """One small bar chart per layer of its weights (``which="weights"``), their gradients (``"gradients"``) or its
    outputs (``"activations"``)."""
    layers = [layer for layer in probe.get("layers", []) if layer.get(which) is not None]
    if not layers:
        return go.Figure(layout=_base(title, 200))
    figure = make_subplots(
        rows=1,
        cols=len(layers),
        subplot_titles=[f"{layer['index']}: {layer['title']}" for layer in layers],
        horizontal_spacing=0.04,
    )
    for column, layer in enumerate(layers, start=1):
        counts = np.asarray(layer[which]["counts"], dtype=np.int64)
        edges = np.asarray(layer[which]["edges"], dtype=np.float64)
        if counts.size == 0:
            continue
        figure.add_bar(
            x=(edges[:-1] + edges[1:]) / 2,
            y=counts,
            width=np.diff(edges),
            marker={"color": CLASS_PALETTE[(column - 1) % len(CLASS_PALETTE)]},
            showlegend=False,
            row=1,
            col=column,
        )
    figure.update_layout(_base(title, 240), bargap=0)
    figure.update_annotations(font_size=11)
    return figure


def gradient_norm_figure(probe: Mapping, title: str, epoch: str) -> go.Figure:
    """The weight-gradient norm of each dense layer per epoch, on a log scale: with sigmoid in a deep stack the
    first layers' lines sit orders of magnitude below the last one's (vanishing gradients)."""
    figure = go.Figure(layout=_base(title, 280))
    norms = np.asarray(probe.get("norms") or [], dtype=np.float64)
    epochs = probe.get("epochs") or []
    if norms.ndim == 2 and norms.size:
        for index, name in enumerate(probe.get("titles", [])):
            figure.add_scatter(
                x=epochs,
                y=np.where(norms[:, index] > 0, norms[:, index], np.nan),
                mode="lines",
                name=f"{index + 1}: {name}",
                line={"color": CLASS_PALETTE[index % len(CLASS_PALETTE)]},
            )
    figure.update_xaxes(title_text=epoch, rangemode="tozero")
    figure.update_yaxes(type="log", exponentformat="power")
    figure.update_layout(legend={"orientation": "h", "y": -0.3}, hovermode="x unified")
    return figure
