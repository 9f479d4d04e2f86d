"""Gradient descent drawn: the loss over two parameters as a contour map (or a 3D surface) with the optimisers'
paths growing on it, and their losses step by step.

Pure functions of a descent answer (``train.descent.explained_descent``). The paths grow in the browser: the map
carries Plotly animation frames, so the animation runs at the browser's pace without a server round trip.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

#: One colour per optimiser, the same on every chart.
RACER_COLORS = {
    "sgd": "#111827",
    "momentum": "#d62728",
    "nesterov": "#9467bd",
    "rmsprop": "#2ca02c",
    "adagrad": "#8c564b",
    "adam": "#e377c2",
}
#: At most this many animation frames, whatever the number of steps (longer races skip steps between frames).
MAX_FRAMES = 120
#: Milliseconds a frame shows: 20 frames a second.
FRAME_MS = 50


def _log_losses(losses: Sequence[Sequence[float]]) -> list[list[float]]:
    """log10 of the losses: the valleys of a loss map are only visible on a log scale."""
    return [[math.log10(max(value, 1e-12)) if math.isfinite(value) else 12.0 for value in row] for row in losses]


def _frame_ends(steps: int) -> list[int]:
    """How many points of each path every animation frame shows (the last frame shows them all)."""
    if steps <= MAX_FRAMES:
        return list(range(1, steps + 2))
    stride = steps / MAX_FRAMES
    return sorted({min(steps + 1, 1 + round(index * stride)) for index in range(MAX_FRAMES + 1)} | {steps + 1})


def _path_trace(path: Mapping, end: int, labels: Mapping[str, str]) -> go.Scatter:
    points = path["points"][:end]
    name = f"{path['optimizer']} ({labels['rate']} {path['rate']:g})"
    return go.Scatter(
        x=[point[0] for point in points],
        y=[point[1] for point in points],
        mode="lines+markers",
        marker={"size": 4},
        line={"color": RACER_COLORS.get(path["optimizer"], "#444"), "width": 2},
        name=name,
    )


def descent_map_figure(answer: Mapping, labels: Mapping[str, str], animate: bool = True) -> go.Figure:
    """The loss map (log scale) with each optimiser's path; with ``animate`` the paths grow from the start when
    the Play button under the map is pressed (and the last frame, every step, shows before that)."""
    first_name, second_name = answer["names"]
    contour = go.Contour(
        x=answer["first"],
        y=answer["second"],
        z=_log_losses(answer["losses"]),
        colorscale="Viridis",
        ncontours=30,
        colorbar={"title": {"text": labels["log_loss"]}},
        hovertemplate=f"{first_name} %{{x:.3f}}<br>{second_name} %{{y:.3f}}<br>log10 loss %{{z:.3f}}<extra></extra>",
    )
    paths = answer["trajectories"]
    longest = max(len(path["points"]) for path in paths) - 1
    figure = go.Figure(data=[contour, *(_path_trace(path, len(path["points"]), labels) for path in paths)])
    start = paths[0]["points"][0]
    figure.add_trace(
        go.Scatter(
            x=[start[0]],
            y=[start[1]],
            mode="markers",
            marker={"size": 14, "symbol": "star", "color": "white", "line": {"width": 1, "color": "black"}},
            name=labels["start"],
        )
    )
    extent_x = [min(answer["first"]), max(answer["first"])]
    extent_y = [min(answer["second"]), max(answer["second"])]
    figure.add_trace(_start_picker(extent_x, extent_y))
    figure.update_layout(
        height=520,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"title": first_name, "range": extent_x},
        yaxis={"title": second_name, "range": extent_y},
        legend={"orientation": "h", "y": -0.15},
        clickmode="event+select",
    )
    if animate:
        ends = _frame_ends(longest)
        figure.frames = [
            go.Frame(
                data=[_path_trace(path, end, labels) for path in paths],
                traces=list(range(1, 1 + len(paths))),
                name=str(end - 1),
            )
            for end in ends
        ]
        play = {
            "label": labels["animate"],
            "method": "animate",
            "args": [
                None,
                {"frame": {"duration": FRAME_MS, "redraw": False}, "fromcurrent": False, "transition": {"duration": 0}},
            ],
        }
        figure.update_layout(
            updatemenus=[
                {"type": "buttons", "showactive": False, "x": 0, "y": -0.08, "xanchor": "left", "buttons": [play]}
            ]
        )
    return figure


#: Points a side of the invisible grid a click on the map picks a new start from.
PICKER_POINTS = 25


def _start_picker(extent_x: Sequence[float], extent_y: Sequence[float]) -> go.Scatter:
    """Invisible points all over the map, so that a click anywhere selects one (a contour itself cannot be
    selected): the page takes the clicked point as the race's new start. Always the map's last trace."""
    xs = [extent_x[0] + (extent_x[1] - extent_x[0]) * i / (PICKER_POINTS - 1) for i in range(PICKER_POINTS)]
    ys = [extent_y[0] + (extent_y[1] - extent_y[0]) * i / (PICKER_POINTS - 1) for i in range(PICKER_POINTS)]
    return go.Scatter(
        x=[x for x in xs for _ in ys],
        y=[y for _ in xs for y in ys],
        mode="markers",
        marker={"size": 18, "color": "rgba(0, 0, 0, 0.01)"},  # invisible, yet hit by a click
        hoverinfo="none",
        showlegend=False,
        name="start picker",
    )


def descent_surface_figure(answer: Mapping, labels: Mapping[str, str]) -> go.Figure:
    """The same loss as a 3D surface, each path drawn on it at its loss."""
    first_name, second_name = answer["names"]
    figure = go.Figure(
        go.Surface(
            x=answer["first"],
            y=answer["second"],
            z=_log_losses(answer["losses"]),
            colorscale="Viridis",
            opacity=0.85,
            showscale=False,
        )
    )
    for path in answer["trajectories"]:
        figure.add_trace(
            go.Scatter3d(
                x=[point[0] for point in path["points"]],
                y=[point[1] for point in path["points"]],
                z=_log_losses([path["losses"]])[0],
                mode="lines",
                line={"color": RACER_COLORS.get(path["optimizer"], "#444"), "width": 5},
                name=path["optimizer"],
            )
        )
    figure.update_layout(
        height=520,
        margin={"l": 0, "r": 0, "t": 30, "b": 0},
        scene={"xaxis_title": first_name, "yaxis_title": second_name, "zaxis_title": labels["log_loss"]},
    )
    return figure


def descent_loss_figure(answer: Mapping, labels: Mapping[str, str]) -> go.Figure:
    """Each optimiser's loss after every step (log scale): who gets down first, who crawls, who bounces."""
    figure = go.Figure()
    for path in answer["trajectories"]:
        figure.add_trace(
            go.Scatter(
                y=path["losses"],
                mode="lines",
                line={"color": RACER_COLORS.get(path["optimizer"], "#444")},
                name=path["optimizer"],
            )
        )
    figure.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"title": labels["step"]},
        yaxis={"title": labels["loss"], "type": "log"},
        legend={"orientation": "h", "y": -0.25},
    )
    return figure
