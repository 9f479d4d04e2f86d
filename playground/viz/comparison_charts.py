"""Pictures of the network against classic machine learning: each model's decision boundary as a small map in the
2D page's colours, learning curves over training-set sizes, and a capacity sweep.

The maps are plain RGB arrays (the page hands them to ``st.image``; tests check pixels); the curves are Plotly
figures built from the rows the worker's comparison reports (``train.compare``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from playground.data import two_d
from playground.viz.colors import CLASS_PALETTE, MIDDLE, NEGATIVE, POSITIVE, hex_to_rgb
from playground.viz.thumbnails import point_colors

#: The boundary is painted as if translucent over white, as the live view paints it (``web/paint.js``).
HEAT_ALPHA = 160 / 255
#: Side of a small map in pixels.
MAP_PIXELS = 200
#: Lines of the learning curves, one colour per model (the network's is black and thicker).
MODEL_COLORS = {
    "network": "#111111",
    "logreg": "#1f77b4",
    "features": "#17becf",
    "knn": "#ff7f0e",
    "svm": "#9467bd",
    "tree": "#8c564b",
    "forest": "#2ca02c",
    "boosting": "#d62728",
}

_MID, _NEG, _POS = (np.array(hex_to_rgb(color), dtype=np.float32) for color in (MIDDLE, NEGATIVE, POSITIVE))


def _over_white(colors: np.ndarray) -> np.ndarray:
    return colors * HEAT_ALPHA + 255.0 * (1.0 - HEAT_ALPHA)


def boundary_picture(
    values: np.ndarray, confidence: np.ndarray | None, task: str, n_classes: int, resolution: int
) -> np.ndarray:
    """The model's output over the 2D page's grid (``two_d.boundary_grid``: rows from the bottom up) as an RGB
    picture with y up, coloured as the live view colours the network's: orange to white to blue around the middle
    of the output's range (0.5 for a probability, 0 for a value in -1..1), or each class's colour as deep as the
    model is sure of it."""
    values = np.asarray(values, dtype=np.float32).reshape(resolution, resolution)
    if task == "multiclass":
        palette = np.array([hex_to_rgb(color) for color in CLASS_PALETTE], dtype=np.float32)
        classes = np.asarray(values, dtype=np.int64) % len(palette)
        sure = np.ones_like(values) if confidence is None else np.asarray(confidence).reshape(values.shape)
        k = max(2, n_classes)
        weight = np.clip((sure - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)[..., None]
        depth = 0.12 + 0.88 * weight
        colors = _MID + (palette[classes] - _MID) * depth
    else:
        low = -1.0 if task == "regression" else 0.0
        t = np.clip((values - (low + 1.0) / 2.0) / ((1.0 - low) / 2.0), -1.0, 1.0)[..., None]
        colors = np.where(t < 0, _MID + (_NEG - _MID) * -t, _MID + (_POS - _MID) * t)
    return _over_white(colors)[::-1].round().astype(np.uint8)


def map_with_points(
    picture: np.ndarray, points: np.ndarray, labels: np.ndarray, task: str, size: int = MAP_PIXELS
) -> np.ndarray:
    """The picture enlarged to ``size`` pixels with the points over it as dots ringed in white, placed on the
    plane of ``two_d.COORD_LIMIT`` as the 2D page places them."""
    rows = np.minimum(np.arange(size) * picture.shape[0] // size, picture.shape[0] - 1)
    image = picture[rows][:, rows].copy()
    limit = two_d.COORD_LIMIT
    inside = np.all(np.abs(points) <= limit, axis=1)
    points, labels = points[inside], np.asarray(labels)[inside]
    columns = ((points[:, 0] + limit) / (2 * limit) * (size - 1)).round().astype(int)
    lines = ((limit - points[:, 1]) / (2 * limit) * (size - 1)).round().astype(int)
    colors = point_colors(labels.reshape(-1), task).round().astype(np.uint8)
    for radius, fill in ((3, None), (2, colors)):
        for dy in range(-radius, radius + 1):
            for dx in range(-radius, radius + 1):
                if dx * dx + dy * dy > radius * radius + 1:
                    continue
                y, x = np.clip(lines + dy, 0, size - 1), np.clip(columns + dx, 0, size - 1)
                image[y, x] = 255 if fill is None else fill
    return image


def _spread(rows: Sequence[Mapping], group: str, measure: str) -> dict[str, dict[float, tuple[float, float, float]]]:
    """Per model, per ``group`` value (a size, a width): the mean, lowest and highest ``measure`` over seeds,
    leaving out runs that diverged (NaN)."""
    values: dict[str, dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        value = float(row[measure])
        if math.isfinite(value):
            values[str(row.get("model", "network"))][float(row[group])].append(value)
    return {
        model: {x: (float(np.mean(v)), min(v), max(v)) for x, v in sorted(by_x.items())}
        for model, by_x in values.items()
    }


@dataclass(frozen=True)
class Lead:
    """At one training-set size: the model with the best mean test score (the network included) and the
    network's own."""

    size: int
    best: str
    best_score: float
    network: float


def leaders(rows: Sequence[Mapping]) -> list[Lead]:
    """The leader at every size the network was measured at, smallest first (means over seeds)."""
    means = {model: {size: mean for size, (mean, _, _) in by_size.items()}
             for model, by_size in _spread(rows, "size", "test_metric").items()}  # fmt: skip
    network = means.get("network", {})
    result = []
    for size in sorted(network):
        scores = {model: by_size[size] for model, by_size in means.items() if size in by_size}
        best = max(scores, key=lambda model: (scores[model], model == "network"))
        result.append(Lead(int(size), best, scores[best], network[size]))
    return result


def _band(x: list[float], low: list[float], high: list[float], color: str, name: str) -> go.Scatter:
    """The range over seeds as a translucent band (the upper edge, then the lower edge back)."""
    red, green, blue = hex_to_rgb(color)
    return go.Scatter(
        x=x + x[::-1],
        y=high + low[::-1],
        fill="toself",
        fillcolor=f"rgba({red},{green},{blue},0.15)",
        line={"width": 0},
        hoverinfo="skip",
        showlegend=False,
        legendgroup=name,
        name=name,
    )


def learning_curve_figure(
    rows: Sequence[Mapping], names: Mapping[str, str], labels: Mapping[str, str], show_train: bool = False
) -> go.Figure:
    """Test metric (solid; the training metric dashed with ``show_train``) against training-set size on a log
    axis, one line per model (the mean over seeds) with a band from the lowest to the highest seed.
    ``names`` maps model ids to the legend's names; ``labels`` holds ``title``, ``size``, ``metric``, ``test``
    and ``train``."""
    figure = go.Figure()
    measures = [("test_metric", "solid", labels["test"])]
    if show_train:
        measures.append(("train_metric", "dash", labels["train"]))
    for measure, dash, part in measures:
        for model, by_size in _spread(rows, "size", measure).items():
            color = MODEL_COLORS.get(model, "#7f7f7f")
            name = names.get(model, model)
            sizes = list(by_size)
            means, lows, highs = ([by_size[size][i] for size in sizes] for i in range(3))
            if len(sizes) > 1 and any(high > low for low, high in zip(lows, highs, strict=True)):
                figure.add_trace(_band(sizes, lows, highs, color, name))
            figure.add_trace(
                go.Scatter(
                    x=sizes,
                    y=means,
                    mode="lines+markers",
                    name=f"{name} ({part})" if show_train else name,
                    legendgroup=name,
                    line={"color": color, "dash": dash, "width": 3 if model == "network" else 1.8},
                    hovertemplate=f"{name}<br>{labels['size']} %{{x}}<br>{part} %{{y:.3f}}<extra></extra>",
                )
            )
    figure.update_layout(
        title=labels["title"],
        height=420,
        margin={"l": 50, "r": 10, "t": 50, "b": 40},
        xaxis={"type": "log", "title": labels["size"]},
        yaxis={"title": labels["metric"]},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure


def capacity_figure(rows: Sequence[Mapping], labels: Mapping[str, str]) -> go.Figure:
    """Training and test loss (mean over seeds, band over seeds) against the network's parameters on a log axis:
    the gap between them is what the network memorised. ``labels``: ``title``, ``params``, ``loss``, ``train``,
    ``test``."""
    figure = go.Figure()
    for measure, color, part in (("train_loss", "#636efa", labels["train"]), ("test_loss", "#ef553b", labels["test"])):
        by_params = _spread(rows, "params", measure).get("network", {})
        params = list(by_params)
        means, lows, highs = ([by_params[p][i] for p in params] for i in range(3))
        if len(params) > 1:
            figure.add_trace(_band(params, lows, highs, color, part))
        figure.add_trace(
            go.Scatter(
                x=params,
                y=means,
                mode="lines+markers",
                name=part,
                legendgroup=part,
                line={"color": color, "width": 2.5},
                hovertemplate=f"%{{x}} {labels['params']}<br>{part} %{{y:.4f}}<extra></extra>",
            )
        )
    figure.update_layout(
        title=labels["title"],
        height=380,
        margin={"l": 50, "r": 10, "t": 50, "b": 40},
        xaxis={"type": "log", "title": labels["params"]},
        yaxis={"type": "log", "title": labels["loss"]},
        legend={"orientation": "h", "y": -0.22},
    )
    return figure
