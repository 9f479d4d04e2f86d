"""Small RGB previews of a 2D dataset, for the dataset picker."""

from __future__ import annotations

import numpy as np

from playground.data import two_d
from playground.viz.colors import CLASS_PALETTE, NEGATIVE, POSITIVE, hex_to_rgb


def point_colors(labels: np.ndarray, task: str) -> np.ndarray:
    """An RGB colour per point: by class, or blended orange-to-blue by value for regression."""
    if task == "regression":  # through a light grey at zero, like the live view's diverging scale
        value = np.clip(labels, -1, 1)[:, None]
        end = np.where(value < 0, np.array(hex_to_rgb(NEGATIVE)), np.array(hex_to_rgb(POSITIVE)))
        return (1 - np.abs(value)) * np.array([215, 215, 215]) + np.abs(value) * end
    palette = np.array([hex_to_rgb(c) for c in CLASS_PALETTE], dtype=float)
    return palette[labels.astype(int)]


def dataset_thumbnail(name: str, task: str, noise: int = 0, n_classes: int = 3, size: int = 72) -> np.ndarray:
    """A size x size x 3 uint8 image of the dataset's points (y up), 300 points, fixed seed."""
    points, labels = two_d.generate_2d(name, 300, noise, seed=0, n_classes=n_classes)
    on_plane = np.all(np.abs(points) <= two_d.COORD_LIMIT, axis=1)
    points, labels = points[on_plane], labels[on_plane]
    image = np.full((size, size, 3), 248, dtype=np.uint8)
    scale = (size - 3) / (2 * two_d.COORD_LIMIT)
    columns = ((points[:, 0] + two_d.COORD_LIMIT) * scale).astype(int)
    rows = ((two_d.COORD_LIMIT - points[:, 1]) * scale).astype(int)
    colors = point_colors(labels, task).astype(np.uint8)
    for dx in (0, 1, 2):  # 3x3-pixel dots
        for dy in (0, 1, 2):
            image[rows + dy, columns + dx] = colors
    return image
