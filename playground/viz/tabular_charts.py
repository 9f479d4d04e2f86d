"""Charts built from a worker's probes and history (tables page, 2D page): pure functions to plotly figures.

No Streamlit here, so the figures can be tested (and reused by a notebook) without a running page. Every
function takes the words it shows as arguments, already translated by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}


def _base(title: str, height: int) -> go.Layout:
    return go.Layout(title={"text": title, "font": {"size": 14}}, height=height, margin=_MARGIN)


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
