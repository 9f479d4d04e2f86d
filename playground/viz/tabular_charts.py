"""Charts built from a worker's probes and history (tables page, 2D page): pure functions to plotly figures.

No Streamlit here, so the figures can be tested (and reused by a notebook) without a running page. Every
function takes the words it shows as arguments, already translated by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from playground.viz.colors import TEST_COLOR, TRAIN_COLOR

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
