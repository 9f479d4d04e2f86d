"""Pictures a page paints live under its training view: a network's filters, an image's feature maps, saliency and
class probabilities, redrawn in the browser with every new probe instead of re-rendered by Streamlit once a second.

A page says what to paint with a :class:`Pictures`: the probes it reads and a ``build`` function that turns them
into *panels*. The run's frames then carry the panels, built and encoded once per new probe (a probe the worker did
not recompute keeps its object, so the memo sees it is the same), under a key the browser sends back with its next
poll (``?have=KEY``): while the pictures stay the same a frame carries the key alone.

This module imports no Streamlit; the frame route calls it on a worker thread of the server.

Panels (wire form, in ``frame["pictures"] = {"key": str, "panels": [...]}``)::

    {"kind": "grid", "heading": str, "caption": str, "count": n, "height": h, "width": w,
     "palette": "kernel" | "grey" | "activation", "tile": px, "columns": c,
     "values": "<base64 u8 [n, h, w]>",          # byte / 255 along the palette (kernel: 0 is the middle, 127.5)
     "overlay": "<base64 u8 [n, h, w]>" (optional)}   # saliency, laid over the picture in SALIENCY_COLOR
    {"kind": "bars", "heading": str, "caption": str, "labels": [...], "values": [0..1, ...], "mark": int | None}
"""

from __future__ import annotations

import base64
import itertools
import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from playground.train.protocol import Snapshot

PALETTES = ("kernel", "grey", "activation")
#: A grid panel's tiles in a row at most.
GRID_COLUMNS = 16


@dataclass(frozen=True)
class Pictures:
    """What a page paints live: ``build(probes, *params)`` turns the named probes (all present) into panels.
    Equal specs (the same function and parameters) share their memo, so a page may make a new one every rerun."""

    probes: tuple[str, ...]
    build: Callable[..., list[dict[str, Any]]]
    params: tuple[Hashable, ...] = ()


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype=np.uint8).tobytes()).decode("ascii")


def _bytes(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """``values`` on [low, high] as bytes 0..255 in one vectorised step; non-finite ones the middle."""
    values = np.asarray(values, dtype=np.float32)
    values = np.where(np.isfinite(values), values, (low + high) / 2).clip(low, high)
    scale = 255.0 / (high - low) if high > low else 0.0
    return np.rint((values - low) * scale).astype(np.uint8)


def grid(
    heading: str,
    caption: str,
    maps: np.ndarray,
    low: float,
    high: float,
    palette: str,
    tile_px: int,
    overlay: np.ndarray | None = None,
    columns: int = GRID_COLUMNS,
) -> dict[str, Any]:
    """A grid panel: ``maps`` [n, h, w] coloured from ``low`` to ``high``, each tile enlarged to about ``tile_px``;
    ``overlay`` (values in [0, 1], the same shape) is laid over them in the saliency colour."""
    if palette not in PALETTES:
        raise ValueError(f"unknown palette {palette!r}")
    maps = np.asarray(maps)
    if maps.ndim != 3:
        raise ValueError(f"a grid takes maps [n, h, w], not {maps.shape}")
    panel: dict[str, Any] = {
        "kind": "grid",
        "heading": heading,
        "caption": caption,
        "count": int(maps.shape[0]),
        "height": int(maps.shape[1]),
        "width": int(maps.shape[2]),
        "palette": palette,
        "tile": int(tile_px),
        "columns": int(columns),
        "values": _b64(_bytes(maps, float(low), float(high))),
    }
    if overlay is not None:
        overlay = np.asarray(overlay)
        if overlay.shape != maps.shape:
            raise ValueError(f"an overlay {overlay.shape} over maps {maps.shape}")
        panel["overlay"] = _b64(_bytes(overlay, 0.0, 1.0))
    return panel


def bars(heading: str, caption: str, labels: Sequence[str], values: Sequence[float], mark: int | None) -> dict:
    """A bars panel: one bar per label, ``values`` in [0, 1] (probabilities), the bar ``mark`` highlighted."""
    values = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0).clip(0.0, 1.0)
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels for {len(values)} bars")
    return {
        "kind": "bars",
        "heading": heading,
        "caption": caption,
        "labels": [str(label) for label in labels],
        "values": np.round(values, 4).tolist(),
        "mark": None if mark is None else int(mark),
    }


_KEYS = itertools.count(1)


class PictureMemo:
    """The last pictures a run's frames carried, built and encoded once for as long as their probes stay the
    same objects (one per run: its frames are asked for up to 30 times a second)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: tuple[Pictures, tuple[Any, ...], dict[str, Any]] | None = None

    def part(self, snapshot: Snapshot, pictures: Pictures) -> dict[str, Any] | None:
        """``{"key", "panels"}`` for the snapshot's probes, or None while one of them is missing (not computed yet,
        or failed)."""
        probes = tuple(snapshot.probe(name) for name in pictures.probes)
        if any(probe is None for probe in probes):
            return None
        with self._lock:
            last = self._last
            if last is not None and last[0] == pictures and all(a is b for a, b in zip(last[1], probes, strict=True)):
                return last[2]
        panels = pictures.build(dict(zip(pictures.probes, probes, strict=True)), *pictures.params)
        part = {"key": str(next(_KEYS)), "panels": panels}
        with self._lock:
            self._last = (pictures, probes, part)  # holds the probes: an id is never mistaken for a new object's
        return part


def wire_pictures(part: Mapping[str, Any] | None, have: frozenset[str]) -> dict[str, Any] | None:
    """What a frame sends of its pictures: the key alone when the browser said it has them (``?have=``)."""
    if part is None:
        return None
    return {"key": part["key"]} if part["key"] in have else dict(part)


__all__ = ["GRID_COLUMNS", "PALETTES", "PictureMemo", "Pictures", "bars", "grid", "wire_pictures"]
