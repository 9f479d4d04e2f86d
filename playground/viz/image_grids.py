"""Pictures as plain RGB arrays: image galleries (a dataset's preview) and maps of a loss.

Pure numpy, so the page only hands the arrays to ``st.image`` and the tests check pixels. Small images are
enlarged by repeating pixels (browsers would blur them), and grids keep a gap between tiles.
"""

from __future__ import annotations

import base64
import io
import math

import numpy as np
from PIL import Image

from playground.viz.colors import VIRIDIS_STOPS

_VIRIDIS = np.array([[int(code[i : i + 2], 16) for i in (1, 3, 5)] for code in VIRIDIS_STOPS], dtype=np.float32)
_GAP_COLOUR = 255


def _ramp(values: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Values in [0, 1] coloured along ``stops`` (evenly spaced), as uint8 RGB."""
    position = np.clip(np.nan_to_num(values), 0.0, 1.0) * (len(stops) - 1)
    lower = np.minimum(position.astype(np.int64), len(stops) - 2)
    fraction = (position - lower)[..., None]
    return (stops[lower] * (1 - fraction) + stops[lower + 1] * fraction).round().astype(np.uint8)


def banded_viridis(values: np.ndarray, low: float, high: float, bands: int) -> np.ndarray:
    """Values from ``low`` to ``high`` in ``bands`` flat Viridis colours: a filled contour map as a picture."""
    band = np.floor((values - low) / max(high - low, 1e-12) * bands).clip(0, bands - 1)
    return _ramp(band / max(bands - 1, 1), _VIRIDIS)


def png_data_uri(image: np.ndarray) -> str:
    """An RGB array as a ``data:`` URI of a PNG, for a picture inside a Plotly figure."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8), mode="RGB").save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def grey(values: np.ndarray) -> np.ndarray:
    """Pixels in [0, 1] as grey RGB."""
    level = (np.clip(values, 0.0, 1.0) * 255).round().astype(np.uint8)
    return np.repeat(level[..., None], 3, axis=-1)


def enlarge(image: np.ndarray, factor: int) -> np.ndarray:
    """Every pixel repeated ``factor`` times each way, so a small image stays sharp when shown big."""
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def scale_for(side: int, target: int) -> int:
    """The whole-number enlargement that brings an image of ``side`` pixels closest to ``target`` pixels."""
    return max(1, round(target / max(side, 1)))


def tile(tiles: np.ndarray, columns: int, gap: int = 2) -> np.ndarray:
    """RGB tiles ``(n, h, w, 3)`` in a grid of ``columns``, separated by white gaps."""
    count, height, width, _ = tiles.shape
    columns = max(1, min(columns, count))
    rows = math.ceil(count / columns)
    grid = np.full(
        (rows * height + (rows - 1) * gap, columns * width + (columns - 1) * gap, 3), _GAP_COLOUR, dtype=np.uint8
    )
    for number, picture in enumerate(tiles):
        row, column = divmod(number, columns)
        top, left = row * (height + gap), column * (width + gap)
        grid[top : top + height, left : left + width] = picture
    return grid


def image_grid(images: np.ndarray, tile_px: int = 56, columns: int = 10) -> np.ndarray:
    """Pixel images ``(n, h, w)`` (floats in [0, 1] or uint8) as a grid of tiles about ``tile_px`` wide."""
    pixels = images.astype(np.float32) / 255.0 if images.dtype == np.uint8 else images
    factor = scale_for(pixels.shape[-1], tile_px)
    return tile(np.stack([enlarge(grey(picture), factor) for picture in pixels]), columns, gap=4)
