"""Charts of the sequences page: plotly figures from a worker's sequence probes and history, and the HTML of a
text window. No Streamlit here, so they can be tested (and reused by a notebook) without a running page; every
word they show comes as an argument, already translated by the caller.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from playground.viz.colors import CLASS_PALETTE, MARKER_COLOR, TEST_COLOR

_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}
#: At most this many input features are drawn as lines: more would be a tangle nobody can read.
MAX_LINES = 10


def _layout(title: str, height: int) -> go.Layout:
    return go.Layout(title={"text": title, "font": {"size": 14}}, height=height, margin=_MARGIN)


def _legend_below(figure: go.Figure) -> go.Figure:
    """A horizontal legend under the plot, clear of the x axis's title."""
    figure.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.3})
    return figure


def inputs_figure(
    values: np.ndarray,
    names: Sequence[str],
    title: str,
    step_label: str,
    markers: np.ndarray | None = None,
    marker_label: str = "",
    height: int = 240,
    legend: bool = True,
    faint_after: int | None = None,
    faint_label: str = "",
) -> go.Figure:
    """One line per input feature over the steps of a sequence (the first ``MAX_LINES``); ``markers`` (a bool per
    step) shades the steps the task points at, as the adding problem's two marked values. ``legend=False`` leaves
    the names to the hover labels (a narrow chart of many features). Features from ``faint_after`` on are drawn
    thin and grey under one legend entry, ``faint_label``: distractors beside the features that matter."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]
    steps = np.arange(1, len(array) + 1)
    figure = go.Figure(layout=_layout(title, height))
    for column in range(min(array.shape[1], MAX_LINES)):
        name = names[column] if column < len(names) else str(column)
        if faint_after is not None and column >= faint_after:
            figure.add_scatter(
                x=steps,
                y=array[:, column],
                mode="lines",
                name=faint_label,
                hovertext=name,
                legendgroup="faint",
                showlegend=column == faint_after,
                opacity=0.35,
                line={"color": "#9ca3af", "width": 1},
            )
            continue
        color = CLASS_PALETTE[column % len(CLASS_PALETTE)]
        figure.add_scatter(x=steps, y=array[:, column], mode="lines", name=name, line={"color": color, "width": 1.5})
    if markers is not None:
        marked = np.flatnonzero(np.asarray(markers, dtype=bool))
        for step in marked:
            figure.add_vrect(x0=step + 0.5, x1=step + 1.5, fillcolor=MARKER_COLOR, opacity=0.3, line_width=0)
        if marked.size:
            figure.add_scatter(
                x=marked + 1,
                y=array[marked, 0],
                mode="markers",
                name=marker_label,
                marker={"color": MARKER_COLOR, "size": 10, "line": {"color": "black", "width": 1}},
            )
    figure.update_xaxes(title_text=step_label)
    figure.update_layout(showlegend=legend and (array.shape[1] > 1 or markers is not None))
    return figure


def errors(probe: Mapping) -> dict[str, float]:
    """The root-mean-square error of the network's predictions and that of always predicting the mean of the
    true values (a network worse than that has learned nothing)."""
    true = np.asarray(probe["true"], dtype=np.float64)
    predicted = np.asarray(probe["predicted"], dtype=np.float64)
    if true.size == 0:
        return {"network": float("nan"), "mean": float("nan")}
    return {
        "network": float(np.sqrt(np.mean((predicted - true) ** 2))),
        "mean": float(np.sqrt(np.mean((true - true.mean()) ** 2))),
    }


def text_html(prompt: str, generated: str = "", marked: str = "") -> str:
    """A text in a monospace box: ``prompt`` greyed, ``generated`` highlighted after it, then ``marked`` (say, the
    next character the network was asked for) boxed. Line breaks are kept; everything is escaped."""
    box = (
        "font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: pre-wrap; "
        "word-break: break-word; line-height: 1.5; padding: 0.6rem 0.8rem; border-radius: 0.4rem; "
        "border: 1px solid rgba(128, 128, 128, 0.35); font-size: 0.9rem"
    )
    parts = [f'<span style="color: #6b7280">{html.escape(prompt)}</span>']
    if generated:
        parts.append(f'<span style="background: rgba(250, 204, 21, 0.35)">{html.escape(generated)}</span>')
    if marked:
        parts.append(f'<span style="outline: 2px solid {TEST_COLOR}; border-radius: 2px">{html.escape(marked)}</span>')
    return f'<div style="{box}">{"".join(parts)}</div>'
