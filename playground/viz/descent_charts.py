"""Gradient descent drawn: the loss over two parameters as a contour map (or a 3D surface) with the optimisers'
paths growing on it, and their losses step by step.

Pure functions of a descent answer (``train.descent.explained_descent``). The paths grow in the browser: the race
figure carries Plotly animation frames, so the animation runs at the browser's pace without a server round trip.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from playground.viz.image_grids import banded_viridis, png_data_uri

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
#: Paths up to this many points mark each step; longer ones are lines only (3,000 markers redrawn per frame
#: halve the frame rate).
MARKED_POINTS = 201
#: Milliseconds a frame shows: 30 frames a second (the painted rate the benchmark measures must stay above 20).
FRAME_MS = 33
#: The share of the race figure's width the map takes; its colour bar and the losses take the rest.
MAP_WIDTH = 0.55
#: Pixels a side of the map's picture and its colour bands (a filled contour look).
MAP_PIXELS, MAP_BANDS = 300, 30


def _log_losses(losses: Sequence[Sequence[float]]) -> list[list[float]]:
    """log10 of the losses: the valleys of a loss map are only visible on a log scale."""
    return [[math.log10(max(value, 1e-12)) if math.isfinite(value) else 12.0 for value in row] for row in losses]


def _frame_ends(steps: int) -> list[int]:
    """How many points of each path every animation frame shows (the last frame shows them all)."""
    if steps <= MAX_FRAMES:
        return list(range(1, steps + 2))
    stride = steps / MAX_FRAMES
    return sorted({min(steps + 1, 1 + round(index * stride)) for index in range(MAX_FRAMES + 1)} | {steps + 1})


def _path_traces(path: Mapping, end: int, labels: Mapping[str, str]) -> tuple[go.Scatter, go.Scatter]:
    """One racer's first ``end`` points on the map and its loss after each of those steps beside it (one legend
    entry for both)."""
    points = path["points"][:end]
    color = RACER_COLORS.get(path["optimizer"], "#444")
    on_map = go.Scatter(
        x=[point[0] for point in points],
        y=[point[1] for point in points],
        mode="lines+markers" if len(path["points"]) <= MARKED_POINTS else "lines",  # markers cost frames
        marker={"size": 4},
        line={"color": color, "width": 2},
        name=f"{path['optimizer']} ({labels['rate']} {path['rate']:g})",
        legendgroup=path["optimizer"],
        xaxis="x",
        yaxis="y",
    )
    losses = path["losses"][:end]
    beside = go.Scatter(
        x=list(range(len(losses))),
        y=losses,
        mode="lines",
        line={"color": color, "width": 2},
        name=path["optimizer"],
        legendgroup=path["optimizer"],
        showlegend=False,
        xaxis="x2",
        yaxis="y2",
    )
    return on_map, beside


def _racer_traces(paths: Sequence[Mapping], end: int, labels: Mapping[str, str]) -> list[go.Scatter]:
    """Every racer's path, then every racer's losses: the traces each animation frame replaces, in order."""
    pairs = [_path_traces(path, end, labels) for path in paths]
    return [pair[0] for pair in pairs] + [pair[1] for pair in pairs]


def _loss_range(paths: Sequence[Mapping]) -> list[float]:
    """The log10 range of the loss axis, fixed for the whole animation (frames do not rescale axes)."""
    values = [value for path in paths for value in path["losses"] if math.isfinite(value) and value > 0]
    low, high = (math.log10(min(values)), math.log10(max(values))) if values else (-3.0, 1.0)
    pad = max(0.05, (high - low) * 0.05)
    return [low - pad, high + pad]


def descent_race_figure(
    answer: Mapping, labels: Mapping[str, str], animate: bool = True, race_id: str = ""
) -> go.Figure:
    """The race: the loss map (log scale) with each optimiser's path on the left, each one's loss step by step on
    the right. With ``animate`` the figure opens on the start and carries animation frames: paths and losses grow
    together when the Replay button under the map is pressed (the page presses it for each new race), at the
    browser's pace without a server round trip. Trace order: the paths, the losses, the start, then the start
    picker (always last), which also carries the map's colour bar and its hover. ``race_id`` goes into the
    layout's ``meta``, so the page's script can tell when the browser shows this race.

    The map is a picture under the axes, not a contour trace: Plotly removes every trace of a kind a frame does
    not animate when the frame is drawn without a full redraw (plotly.js#4491), and a full redraw of a contour
    per frame is far too slow to animate."""
    first_name, second_name = answer["names"]
    log_losses = np.asarray(_log_losses(answer["losses"]), dtype=np.float32)
    paths = answer["trajectories"]
    longest = max(len(path["points"]) for path in paths) - 1
    ends = _frame_ends(longest)
    shown = ends[0] if animate else longest + 1
    figure = go.Figure(data=_racer_traces(paths, shown, labels))
    start = paths[0]["points"][0]
    figure.add_trace(
        go.Scatter(
            x=[start[0]],
            y=[start[1]],
            mode="markers",
            marker={"size": 14, "symbol": "star", "color": "white", "line": {"width": 1, "color": "black"}},
            name=labels["start"],
            xaxis="x",
            yaxis="y",
        )
    )
    extent_x = [min(answer["first"]), max(answer["first"])]
    extent_y = [min(answer["second"]), max(answer["second"])]
    figure.add_trace(_start_picker(answer, log_losses, labels))
    figure.update_layout(
        height=520,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"title": first_name, "range": extent_x, "domain": [0, MAP_WIDTH], "showgrid": False},
        yaxis={"title": second_name, "range": extent_y, "showgrid": False},
        xaxis2={"title": labels["step"], "range": [0, max(1, longest)], "domain": [MAP_WIDTH + 0.17, 1]},
        yaxis2={"title": labels["loss"], "type": "log", "range": _loss_range(paths), "anchor": "x2"},
        images=[_map_picture(extent_x, extent_y, log_losses)],
        legend={"orientation": "h", "y": -0.15},
        clickmode="event+select",
        meta=race_id,
    )
    if animate:
        racers = list(range(2 * len(paths)))
        figure.frames = [
            go.Frame(data=_racer_traces(paths, end, labels), traces=racers, name=str(end - 1)) for end in ends
        ]
        play = {
            "label": labels["animate"],
            "method": "animate",
            "args": [
                None,
                {
                    # the last frame redraws the whole figure: after frames drawn without it Plotly ignores clicks
                    "frame": [{"duration": FRAME_MS, "redraw": False}] * (len(ends) - 1)
                    + [{"duration": 0, "redraw": True}],
                    "fromcurrent": False,
                    "transition": {"duration": 0},
                },
            ],
        }
        figure.update_layout(
            updatemenus=[
                {"type": "buttons", "showactive": False, "x": 0, "y": -0.08, "xanchor": "left", "buttons": [play]}
            ]
        )
    return figure


def _finite_range(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)


def _map_picture(extent_x: Sequence[float], extent_y: Sequence[float], log_losses: np.ndarray) -> dict:
    """The loss map as a picture under the axes: the grid smoothed up to ``MAP_PIXELS`` a side and coloured in
    ``MAP_BANDS`` flat bands (a filled contour map), highest second parameter on top."""
    low, high = _finite_range(log_losses)
    smooth = Image.fromarray(log_losses, mode="F").resize((MAP_PIXELS, MAP_PIXELS), Image.Resampling.BILINEAR)
    picture = banded_viridis(np.asarray(smooth)[::-1], low, high, MAP_BANDS)
    return {
        "source": png_data_uri(picture),
        "xref": "x",
        "yref": "y",
        "x": extent_x[0],
        "y": extent_y[1],
        "sizex": extent_x[1] - extent_x[0],
        "sizey": extent_y[1] - extent_y[0],
        "sizing": "stretch",
        "layer": "below",
    }


#: Points a side of the invisible grid a click on the map picks a new start from.
PICKER_POINTS = 25


def _start_picker(answer: Mapping, log_losses: np.ndarray, labels: Mapping[str, str]) -> go.Scatter:
    """Invisible points all over the map, so that a click anywhere selects one (a picture cannot be clicked): the
    page takes the clicked point as the race's new start. Each point hovers with the loss there and is coloured
    by it, which gives the map its colour bar. Always the map's last trace."""
    first, second = np.asarray(answer["first"]), np.asarray(answer["second"])
    xs = np.linspace(first[0], first[-1], PICKER_POINTS)
    ys = np.linspace(second[0], second[-1], PICKER_POINTS)
    columns = np.abs(first[None, :] - xs[:, None]).argmin(axis=1)  # the grid's nearest cell, for the hover
    rows = np.abs(second[None, :] - ys[:, None]).argmin(axis=1)
    low, high = _finite_range(log_losses)
    first_name, second_name = answer["names"]
    return go.Scatter(
        x=[float(x) for x in xs for _ in ys],
        y=[float(y) for _ in xs for y in ys],
        mode="markers",
        marker={
            "size": 18,
            "opacity": 0.01,  # invisible, yet hit by a click
            "color": [float(log_losses[row, column]) for column in columns for row in rows],
            "colorscale": "Viridis",
            "cmin": low,
            "cmax": high,
            "colorbar": {"title": {"text": labels["log_loss"]}, "x": MAP_WIDTH + 0.01, "len": 0.9},
        },
        hovertemplate=f"{first_name} %{{x:.3f}}<br>{second_name} %{{y:.3f}}<br>log10 loss %{{marker.color:.3f}}"
        "<extra></extra>",
        showlegend=False,
        name="start picker",
        xaxis="x",
        yaxis="y",
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
