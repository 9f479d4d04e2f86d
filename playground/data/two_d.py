"""Two-dimensional toy datasets, input features and grids for the playground.

The binary and regression generators follow TensorFlow Playground's ``dataset.ts`` so that
people who know that site see the same pictures here; the multiclass sets are our own extension.
Everything is plain numpy and deterministic for a given seed, so a run can be reproduced exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = [
    "CLASSIFICATION_2D",
    "COORD_LIMIT",
    "FEATURES",
    "FEATURE_LABELS",
    "MULTICLASS_2D",
    "REGRESSION_2D",
    "boundary_grid",
    "feature_matrix",
    "generate_2d",
    "generator_of",
    "train_test_split_indices",
]

COORD_LIMIT = 6.0
"""Points live in [-COORD_LIMIT, COORD_LIMIT]^2, the square TensorFlow Playground draws."""

CLASSIFICATION_2D = ("circle", "xor", "gauss", "spiral")
REGRESSION_2D = ("plane", "multi_gauss")
MULTICLASS_2D = ("moons", "blobs")
ALL_2D = CLASSIFICATION_2D + REGRESSION_2D + MULTICLASS_2D

MIN_CLASSES = 3
MAX_CLASSES = 5
MAX_NOISE = 50

FEATURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "x1": lambda p: p[:, 0],
    "x2": lambda p: p[:, 1],
    "x1_sq": lambda p: p[:, 0] ** 2,
    "x2_sq": lambda p: p[:, 1] ** 2,
    "x1_x2": lambda p: p[:, 0] * p[:, 1],
    "sin_x1": lambda p: np.sin(p[:, 0]),
    "sin_x2": lambda p: np.sin(p[:, 1]),
}
"""Hand-made input features (TF Playground's set); each maps points [N, 2] to a column [N]."""

FEATURE_LABELS: dict[str, str] = {
    "x1": "x₁",
    "x2": "x₂",
    "x1_sq": "x₁²",
    "x2_sq": "x₂²",
    "x1_x2": "x₁·x₂",
    "sin_x1": "sin(x₁)",
    "sin_x2": "sin(x₂)",
}
"""Pretty names for the UI, keyed like FEATURES."""

# TF Playground's six regression gaussians as (centre x, centre y, sign).
_MULTI_GAUSS_CENTRES = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]],
    dtype=np.float64,
)


# --------------------------------------------------------------------------- helpers


def _split_counts(n_points: int, n_groups: int) -> list[int]:
    """Share n_points among groups as evenly as possible so classes stay balanced."""
    base, extra = divmod(n_points, n_groups)
    return [base + (1 if i < extra else 0) for i in range(n_groups)]


def _lerp(start: float, stop: float, fraction: float) -> float:
    """Linear interpolation; stands in for TF's d3 linear scales."""
    return start + (stop - start) * fraction


def _jitter(rng: np.random.Generator, n: int, half_width: float, noise_frac: float) -> np.ndarray:
    """Uniform noise [n, 2] that TF adds to the coordinates it labels (not the ones it plots)."""
    return rng.uniform(-half_width, half_width, size=(n, 2)) * noise_frac


# --------------------------------------------------------------------------- binary classification


def _circle(rng: np.random.Generator, n: int, noise_frac: float) -> tuple[np.ndarray, np.ndarray]:
    """Disc of positives (r <= 2.5) inside a ring of negatives (3.5 <= r <= 5)."""
    radius = 5.0
    n_inner, n_outer = _split_counts(n, 2)
    r = np.concatenate([rng.uniform(0, radius * 0.5, n_inner), rng.uniform(radius * 0.7, radius, n_outer)])
    angle = rng.uniform(0, 2 * np.pi, n)
    points = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    noised = points + _jitter(rng, n, radius, noise_frac)
    labels = (np.linalg.norm(noised, axis=1) < radius * 0.5).astype(np.float32)
    return points, labels


def _xor(rng: np.random.Generator, n: int, noise_frac: float) -> tuple[np.ndarray, np.ndarray]:
    """Four quadrants, positive where x and y share a sign; padded away from the axes."""
    points = rng.uniform(-5, 5, size=(n, 2))
    points += np.where(points > 0, 0.3, -0.3)
    noised = points + _jitter(rng, n, 5, noise_frac)
    labels = (noised[:, 0] * noised[:, 1] >= 0).astype(np.float32)
    return points, labels


def _gauss(rng: np.random.Generator, n: int, noise_frac: float) -> tuple[np.ndarray, np.ndarray]:
    """Two gaussian clouds at (2, 2) (label 1) and (-2, -2) (label 0); noise widens them."""
    variance = _lerp(0.5, 4.0, noise_frac / 0.5)
    n_pos, n_neg = _split_counts(n, 2)
    pos = rng.normal((2.0, 2.0), np.sqrt(variance), size=(n_pos, 2))
    neg = rng.normal((-2.0, -2.0), np.sqrt(variance), size=(n_neg, 2))
    labels = np.concatenate([np.ones(n_pos), np.zeros(n_neg)]).astype(np.float32)
    return np.concatenate([pos, neg]), labels


def _spiral(rng: np.random.Generator, n: int, noise_frac: float) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spiral arms; the classic 'needs depth or features' task."""
    arms, labels = [], []
    for count, delta_t, label in zip(_split_counts(n, 2), (0.0, np.pi), (1.0, 0.0), strict=True):
        frac = np.arange(count) / max(count, 1)
        r = frac * 5
        t = 1.75 * frac * 2 * np.pi + delta_t
        arm = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
        arms.append(arm + rng.uniform(-1, 1, size=(count, 2)) * noise_frac)
        labels.append(np.full(count, label))
    return np.concatenate(arms), np.concatenate(labels).astype(np.float32)


# --------------------------------------------------------------------------- regression


def _plane(rng: np.random.Generator, n: int, noise_frac: float) -> tuple[np.ndarray, np.ndarray]:
    """Label rises linearly along the diagonal: (x + y) / 10, TF Playground's unclamped scale (up to ±1.2)."""
    points = rng.uniform(-COORD_LIMIT, COORD_LIMIT, size=(n, 2))
    noised = points + _jitter(rng, n, COORD_LIMIT, noise_frac)
    labels = noised.sum(axis=1) / 10.0
    return points, labels.astype(np.float32)


def _multi_gauss(rng: np.random.Generator, n: int, noise_frac: float) -> tuple[np.ndarray, np.ndarray]:
    """Six signed bumps; each point takes the bump with the largest magnitude, like TF."""
    points = rng.uniform(-COORD_LIMIT, COORD_LIMIT, size=(n, 2))
    noised = points + _jitter(rng, n, COORD_LIMIT, noise_frac)
    dist = np.linalg.norm(noised[:, None, :] - _MULTI_GAUSS_CENTRES[None, :, :2], axis=2)  # [n, 6]
    values = _MULTI_GAUSS_CENTRES[:, 2] * np.clip(1.0 - dist / 2.0, 0.0, 1.0)
    labels = values[np.arange(n), np.argmax(np.abs(values), axis=1)]
    return points, labels.astype(np.float32)


# --------------------------------------------------------------------------- multiclass


def _moons(rng: np.random.Generator, n: int, noise_frac: float, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """A chain of interleaved half-moons (sklearn's two moons, extended to k arcs).

    Arc c is a unit half-circle centred at (1.5 c, 0.5 (c mod 2)), opening down for even c and up
    for odd c, so neighbours hook into each other without touching (gap about 0.29 before stretching).
    """
    counts = _split_counts(n, n_classes)
    arcs, labels = [], []
    for cls, count in enumerate(counts):
        t = rng.uniform(0, np.pi, count)
        centre_x, centre_y = 1.5 * cls, 0.5 * (cls % 2)
        direction = 1.0 if cls % 2 == 0 else -1.0
        arcs.append(np.stack([centre_x + np.cos(t), centre_y + direction * np.sin(t)], axis=1))
        labels.append(np.full(count, cls))
    points = np.concatenate(arcs)
    # Centre the chain's bounding box (x in [-1, 1.5 (k - 1) + 1], y in [-0.5, 1]) and stretch it to
    # x in [-5, 5], y in [-2.25, 2.25]; an affine stretch keeps the arcs apart and uses the square.
    x_min, x_max = -1.0, 1.5 * (n_classes - 1) + 1.0
    scale = np.array([10.0 / (x_max - x_min), 3.0])
    points = (points - np.array([(x_min + x_max) / 2, 0.25])) * scale
    points += rng.normal(0.0, noise_frac * 2.0, size=points.shape)
    return points, np.concatenate(labels).astype(np.int64)


def _blobs(rng: np.random.Generator, n: int, noise_frac: float, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs whose centres sit evenly on a circle of radius 3.5."""
    sd = 0.5 + noise_frac * 2 * 1.5  # noise/50 * 1.5, with noise_frac = noise/100
    counts = _split_counts(n, n_classes)
    blobs, labels = [], []
    for cls, count in enumerate(counts):
        angle = np.pi / 2 + 2 * np.pi * cls / n_classes
        centre = 3.5 * np.array([np.cos(angle), np.sin(angle)])
        blobs.append(rng.normal(centre, sd, size=(count, 2)))
        labels.append(np.full(count, cls))
    return np.concatenate(blobs), np.concatenate(labels).astype(np.int64)


_BINARY_AND_REGRESSION: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "circle": _circle,
    "xor": _xor,
    "gauss": _gauss,
    "spiral": _spiral,
    "plane": _plane,
    "multi_gauss": _multi_gauss,
}
_MULTICLASS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {"moons": _moons, "blobs": _blobs}


# --------------------------------------------------------------------------- public API


def generator_of(name: str) -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    """The function that makes the named set (an exported script copies its source)."""
    return {**_BINARY_AND_REGRESSION, **_MULTICLASS}[name]


def generate_2d(name: str, n_points: int, noise: int, seed: int, n_classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Sample a named 2-D dataset: points float32 [n_points, 2] in [-6, 6]^2 and their labels.

    Labels are float32 0/1 for binary sets, float32 in [-1, 1] for regression and int64
    0..n_classes-1 for multiclass (n_classes is ignored elsewhere). ``noise`` is a percentage
    0..50 as on TF Playground. Rows are shuffled so that any prefix mixes the classes.
    """
    if name not in ALL_2D:
        raise ValueError(f"Unknown 2-D dataset {name!r}; known datasets: {', '.join(ALL_2D)}")
    if n_points < 1:
        raise ValueError(f"n_points must be at least 1, got {n_points}")
    if not 0 <= noise <= MAX_NOISE:
        raise ValueError(f"noise must be a percentage between 0 and {MAX_NOISE}, got {noise}")
    rng = np.random.default_rng(seed)
    noise_frac = noise / 100.0
    if name in _MULTICLASS:
        if not MIN_CLASSES <= n_classes <= MAX_CLASSES:
            raise ValueError(f"n_classes must be between {MIN_CLASSES} and {MAX_CLASSES} for {name!r}, got {n_classes}")
        points, labels = _MULTICLASS[name](rng, n_points, noise_frac, n_classes)
    else:
        points, labels = _BINARY_AND_REGRESSION[name](rng, n_points, noise_frac)
    order = rng.permutation(n_points)
    points = points[order].astype(np.float32)  # not clipped: wide gauss clouds spill past the plane, as in TF
    return points, labels[order]


def feature_matrix(points: np.ndarray, features: Sequence[str]) -> np.ndarray:
    """Stack the chosen input features of points [N, 2] into float32 [N, len(features)]."""
    unknown = [f for f in features if f not in FEATURES]
    if unknown:
        raise ValueError(f"Unknown feature(s) {unknown}; allowed features: {', '.join(FEATURES)}")
    if len(features) == 0:
        raise ValueError(f"Choose at least one feature; allowed features: {', '.join(FEATURES)}")
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"points must have shape [N, 2], got {points.shape}")
    return np.stack([FEATURES[f](points) for f in features], axis=1).astype(np.float32)


def train_test_split_indices(n_points: int, train_share: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled, disjoint train/test index arrays (int64) that together cover range(n_points).

    ``train_share`` is a percentage 10..90; with at least two points each side keeps one point,
    so neither the training loop nor the test metric ever sees an empty set.
    """
    if not 10 <= train_share <= 90:
        raise ValueError(f"train_share must be a percentage between 10 and 90, got {train_share}")
    if n_points < 1:
        raise ValueError(f"n_points must be at least 1, got {n_points}")
    n_train = round(n_points * train_share / 100)
    if n_points >= 2:
        n_train = min(max(n_train, 1), n_points - 1)
    order = np.random.default_rng(seed).permutation(n_points).astype(np.int64)
    return order[:n_train], order[n_train:]


def boundary_grid(resolution: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evenly spaced grid over the plotting square, for decision-boundary heatmaps.

    Returns xs [res], ys [res] and points [res * res, 2] in row-major order (y outer, x inner),
    so ``predictions.reshape(res, res)`` is indexed [y, x] as heatmap plots expect.
    """
    if resolution < 2:
        raise ValueError(f"resolution must be at least 2, got {resolution}")
    xs = np.linspace(-COORD_LIMIT, COORD_LIMIT, resolution, dtype=np.float32)
    ys = np.linspace(-COORD_LIMIT, COORD_LIMIT, resolution, dtype=np.float32)
    grid_x, grid_y = np.meshgrid(xs, ys, indexing="xy")
    points = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1).astype(np.float32)
    return xs, ys, points
