"""Pictures a page paints live under its training view: a network's filters, an image's feature maps, saliency and
class probabilities, redrawn in the browser with every new probe instead of re-rendered by Streamlit once a second.

A page says what to paint with a :class:`Pictures`: the probes it reads and a ``build`` function that turns them
into *panels*. The run's frames then carry the panels, built and encoded once per new probe (a probe the worker did
not recompute keeps its object, so the memo sees it is the same), under a key the browser sends back with its next
poll (``?have=KEY``): while the pictures stay the same a frame carries the key alone.

This module imports no Streamlit; the frame route calls it on a worker thread of the server.

Panels (wire form, in ``frame["pictures"] = {"key": str, "panels": [...]}``)::

    {"kind": "grid", "heading": str, "caption": str, "count": n, "height": h, "width": w,
     "palette": "kernel" | "grey" | "activation" | "signed" | "gate",
     "tile": px | [width px, height px],          # square cells, about px over a map's longer side; or cells
                                                 # stretched to about that size (one long map: steps x units)
     "columns": c, "values": "<base64 u8 [n, h, w]>",  # byte / 255 along the palette (kernel, signed: 0 is 127.5)
     "overlay": "<base64 u8 [n, h, w]>" (optional),    # saliency, laid over the picture in SALIENCY_COLOR
     "steps": [str, ...] (optional), "marks": [int, ...] (optional)}  # a name under each column; dotted lines
                                                 # through the marked columns (1-based), in MARKER_COLOR
    {"kind": "gallery", "heading", "caption", "count": n, "height": h, "width": w, "tile": px, "columns": c,
     "values": "<base64 u8 [n, h, w]>",                # grey pictures, spaced, each framed and labelled:
     "wrong": [0 | 1, ...], "labels": [[str, ...], ...]}  # a red frame for a mistake (green otherwise), lines under it
    {"kind": "bars", "heading": str, "caption": str, "labels": [...], "values": [0..1, ...], "mark": int | None}
    {"kind": "lines", "heading", "caption", "x_title": str, "y_title": str, "log": bool,
     "series": [{"name": str, "color": "#rrggbb", "dash": bool, "x": [...], "y": [...]}],  # y null: a gap (log:
     "divider": float | None,                           # y <= 0 too); a dotted vertical line at x = divider
     "baseline": {"y": float, "label": str} | None,     # a dotted horizontal line: the score to beat
     "y_range": [lo, hi] | None, "percent": bool,       # a fixed value axis; ticks as percentages (accuracy)
     "zero": bool}                                      # the value axis reaches down (or up) to 0
    {"kind": "columns", "heading", "caption", "x_title", "y_title", "log": bool, "values": [...],  # a bar per
     "shade": {"from": int, "label": str} | None}       # step 1..n; the steps from "from" on shaded and labelled
    {"kind": "text", "heading", "caption", "prompt": str, "text": str}  # a text: the prompt greyed, then the
                                                        # network's own words highlighted
    {"kind": "note", "heading", "caption", "text": str}  # a sentence that changes as the network learns (a verdict)
    {"kind": "scatter", "heading", "caption", "x_title", "y_title", "x": [...], "y": [...],  # with the diagonal
     "baseline": {"y": float, "label": str} | None}     # a dotted horizontal line: the score to beat
    {"kind": "matrix", "heading", "caption", "rows_title", "columns_title", "labels": [...],
     "counts": [[int, ...], ...]}                                   # a confusion matrix: true rows, predicted columns
    {"kind": "histograms", "heading", "caption",
     "layers": [{"title": str, "color": "#rrggbb", "lo": float, "hi": float, "counts": [int, ...]}]}

Numbers in charts are rounded to 5 significant digits, non-finite ones sent as null.

A spec with ``history=True`` also gets the run's history rows (one per epoch, ``probes["history"]``): charts per
epoch beside the live loss, rebuilt when an epoch ends. One with ``compare=True`` also gets the probes of the run
trained beside it (run B, ``probes["compare_<name>"]``): pictures of two runs side by side, rebuilt when either's
probes change.
"""

from __future__ import annotations

import base64
import itertools
import logging
import math
import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from playground.train.protocol import Snapshot

_LOGGER = logging.getLogger(__name__)

PALETTES = ("kernel", "grey", "activation", "signed", "gate")
#: A grid panel's tiles in a row at most.
GRID_COLUMNS = 16
#: A gallery's pictures in a row at most (each with its labels under it).
GALLERY_COLUMNS = 8


@dataclass(frozen=True)
class Pictures:
    """What a page paints live: ``build(probes, *params)`` turns the named probes (None when missing) into panels.
    Equal specs (the same function and parameters) share their memo, so a page may make a new one every rerun."""

    probes: tuple[str, ...]
    build: Callable[..., list[dict[str, Any]]]
    params: tuple[Hashable, ...] = ()
    history: bool = False  # ``build`` also gets the run's history rows, as ``probes["history"]``
    compare: bool = False  # ``build`` also gets run B's probes of the same names, as ``probes["compare_<name>"]``


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype=np.uint8).tobytes()).decode("ascii")


def _bytes(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """``values`` on [low, high] as bytes 0..255 in one vectorised step; non-finite ones the middle."""
    values = np.asarray(values, dtype=np.float64)  # float32 would round 0 on [-x, x] down to 127
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
    tile_px: int | tuple[int, int],
    overlay: np.ndarray | None = None,
    columns: int = GRID_COLUMNS,
    steps: Sequence[str] | None = None,
    marks: Sequence[int] = (),
) -> dict[str, Any]:
    """A grid panel: ``maps`` [n, h, w] coloured from ``low`` to ``high``, each tile enlarged to about ``tile_px``
    (or stretched to about (width, height)); ``overlay`` (values in [0, 1], the same shape) is laid over them in the
    saliency colour; ``steps`` names the columns and ``marks`` lines through some (1-based)."""
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
        "tile": [int(size) for size in tile_px] if isinstance(tile_px, tuple) else int(tile_px),
        "columns": int(columns),
        "values": _b64(_bytes(maps, float(low), float(high))),
    }
    if overlay is not None:
        overlay = np.asarray(overlay)
        if overlay.shape != maps.shape:
            raise ValueError(f"an overlay {overlay.shape} over maps {maps.shape}")
        panel["overlay"] = _b64(_bytes(overlay, 0.0, 1.0))
    if steps is not None:
        if len(steps) != maps.shape[2]:
            raise ValueError(f"{len(steps)} step names for {maps.shape[2]} columns")
        panel["steps"] = [str(step) for step in steps]
    if len(marks):
        panel["marks"] = [int(mark) for mark in marks]
    return panel


def gallery(
    heading: str,
    caption: str,
    images: np.ndarray,
    wrong: Sequence[bool],
    labels: Sequence[Sequence[str]],
    tile_px: int,
    columns: int = GALLERY_COLUMNS,
) -> dict[str, Any]:
    """A gallery panel: grey ``images`` [n, h, w] (bytes, or floats in [0, 1]), each tile enlarged to about
    ``tile_px``, framed red where ``wrong`` (green otherwise), with its ``labels`` (a few short lines) under it."""
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"a gallery takes images [n, h, w], not {images.shape}")
    count = int(images.shape[0])
    if len(wrong) != count or len(labels) != count:
        raise ValueError(f"{len(wrong)} frames and {len(labels)} labels for {count} images")
    values = images if images.dtype == np.uint8 else _bytes(images, 0.0, 1.0)
    return {
        "kind": "gallery",
        "heading": heading,
        "caption": caption,
        "count": count,
        "height": int(images.shape[1]),
        "width": int(images.shape[2]),
        "tile": int(tile_px),
        "columns": int(columns),
        "values": _b64(values),
        "wrong": [int(bool(flag)) for flag in wrong],
        "labels": [[str(line) for line in lines] for lines in labels],
    }


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


def _numbers(values: Any) -> list[float | None]:
    """Floats rounded to 5 significant digits, non-finite ones None (JSON has no NaN)."""
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    return [float(f"{value:.5g}") if math.isfinite(value) else None for value in array.tolist()]


#: Points of a line a chart gets at most: a run of 100,000 epochs is thinned out, its last point always kept.
MAX_LINE_POINTS = 1_000


def _thinned(values: Any) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if len(array) <= MAX_LINE_POINTS:
        return array
    return array[np.linspace(0, len(array) - 1, MAX_LINE_POINTS).round().astype(np.int64)]


def lines(
    heading: str,
    caption: str,
    series: Sequence[Mapping[str, Any]],
    x_title: str,
    log: bool = False,
    y_title: str = "",
    divider: float | None = None,
    baseline: tuple[float, str] | None = None,
    y_range: tuple[float, float] | None = None,
    percent: bool = False,
    zero: bool = False,
) -> dict[str, Any]:
    """A line chart: each series ``{"name", "color", "x", "y"}`` (and ``"dash": True`` for a dashed one), at most
    MAX_LINE_POINTS points each; ``log`` puts y on a log scale; ``divider`` draws a dotted vertical line at that x,
    ``baseline`` (y, label) a dotted horizontal one; ``y_range`` fixes the value axis and ``percent`` writes its
    ticks as percentages; ``zero`` takes the axis to 0 (errors: a small difference must not look large)."""
    return {
        "kind": "lines",
        "heading": heading,
        "caption": caption,
        "x_title": x_title,
        "y_title": y_title,
        "log": bool(log),
        "series": [
            {
                "name": str(line["name"]),
                "color": str(line["color"]),
                "dash": bool(line.get("dash", False)),
                "x": _numbers(_thinned(line["x"])),
                "y": _numbers(_thinned(line["y"])),
            }
            for line in series
        ],
        "divider": None if divider is None else float(divider),
        "baseline": _baseline(baseline),
        "y_range": None if y_range is None else _numbers(y_range),
        "percent": bool(percent),
        "zero": bool(zero),
    }


def _baseline(baseline: tuple[float, str] | None) -> dict[str, Any] | None:
    """A score to beat in wire form, or None when there is none (or it is not a finite number)."""
    if baseline is None or baseline[0] is None or not math.isfinite(baseline[0]):
        return None
    return {"y": _numbers([baseline[0]])[0], "label": str(baseline[1])}


def scatter(
    heading: str, caption: str, x: Any, y: Any, x_title: str, y_title: str, baseline: tuple[float, str] | None = None
) -> dict[str, Any]:
    """Points (x, y) with the diagonal y = x: predicted against true values; ``baseline`` (y, label) draws the score
    to beat as a dotted horizontal line."""
    x, y = _numbers(x), _numbers(y)
    if len(x) != len(y):
        raise ValueError(f"{len(x)} x values for {len(y)} y values")
    return {"kind": "scatter", "heading": heading, "caption": caption, "x_title": x_title, "y_title": y_title,
            "x": x, "y": y, "baseline": _baseline(baseline)}  # fmt: skip


def columns(
    heading: str,
    caption: str,
    values: Any,
    x_title: str,
    y_title: str,
    log: bool = False,
    shade: tuple[int, str] | None = None,
) -> dict[str, Any]:
    """A bar per step 1..n (how strongly the loss reacts to each input step); ``log`` puts the values on a log
    scale (values <= 0 get no bar); ``shade`` (first step, label) shades the steps from that one to the last."""
    shown = None
    if shade is not None and 1 <= int(shade[0]) <= np.size(values):
        shown = {"from": int(shade[0]), "label": str(shade[1])}
    return {"kind": "columns", "heading": heading, "caption": caption, "x_title": x_title, "y_title": y_title,
            "log": bool(log), "values": _numbers(values), "shade": shown}  # fmt: skip


def text(heading: str, caption: str, prompt: str, written: str) -> dict[str, Any]:
    """A text panel: ``prompt`` greyed, then ``written`` (the network's own words) highlighted; line breaks kept."""
    return {"kind": "text", "heading": heading, "caption": caption, "prompt": str(prompt), "text": str(written)}


def note(heading: str, caption: str, sentence: str) -> dict[str, Any]:
    """A note panel: one sentence, painted as text (say what the network answers for the example shown)."""
    return {"kind": "note", "heading": heading, "caption": caption, "text": str(sentence)}


def matrix(
    heading: str, caption: str, counts: Any, labels: Sequence[str], rows_title: str, columns_title: str
) -> dict[str, Any]:
    """A matrix of counts with a name per row and column (a confusion matrix: true rows, predicted columns)."""
    counts = np.asarray(counts, dtype=np.int64)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] != len(labels):
        raise ValueError(f"a matrix {counts.shape} with {len(labels)} labels")
    return {"kind": "matrix", "heading": heading, "caption": caption, "rows_title": rows_title,
            "columns_title": columns_title, "labels": [str(label) for label in labels],
            "counts": counts.tolist()}  # fmt: skip


def histograms(heading: str, caption: str, layers: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Small bar charts side by side, one per layer: ``{"title", "color", "counts", "edges"}`` (edges: counts + 1
    of them, evenly spaced)."""
    shown = []
    for layer in layers:
        counts, edges = np.asarray(layer["counts"], dtype=np.int64), np.asarray(layer["edges"], dtype=np.float64)
        if counts.size == 0 or edges.size != counts.size + 1:
            continue
        low, high = _numbers([edges[0], edges[-1]])
        shown.append({"title": str(layer["title"]), "color": str(layer["color"]), "lo": low, "hi": high,
                      "counts": counts.tolist()})  # fmt: skip
    return {"kind": "histograms", "heading": heading, "caption": caption, "layers": shown}


_KEYS = itertools.count(1)


#: Reads a run's newest snapshot with its history rows after the given epoch (``WorkerHandle.snapshot``).
HistoryReader = Callable[[int], "tuple[Snapshot, list[dict[str, float]]]"]


class PictureMemo:
    """The last pictures a run's frames carried, built and encoded once for as long as their probes stay the
    same objects and no epoch ended (one per run: its frames are asked for with every snapshot, up to 40 a
    second). It keeps its own copy of the run's history, read a new tail at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: tuple[Pictures, tuple[Any, ...], dict[str, Any] | None] | None = None
        self._run_id: str | None = None
        self._rows: list[dict[str, float]] = []

    def part(
        self,
        snapshot: Snapshot,
        pictures: Pictures,
        history: HistoryReader | None = None,
        compare: Callable[[], Snapshot] | None = None,
    ) -> dict[str, Any] | None:
        """``{"key", "panels"}`` for the snapshot's probes (and, for a spec that asks, the run's history rows read
        through ``history`` and run B's probes from ``compare``, its newest snapshot), or None while there is nothing
        to show (no probe yet, failed, no epoch ended) or when ``build`` failed on them (logged); ``build`` gets None
        for the probes missing."""
        names = pictures.probes
        probes = tuple(snapshot.probe(name) for name in names)
        if pictures.compare:
            other = compare() if compare is not None else None
            names += tuple(f"compare_{name}" for name in pictures.probes)
            probes += tuple(other.probe(name) if other is not None else None for name in pictures.probes)
        with self._lock:
            if pictures.history and history is not None:
                names += ("history",)
                probes += (self._history(snapshot.run_id, history),)
            if all(probe is None or (pictures.history and probe == []) for probe in probes):
                return None
            last = self._last
            if last is not None and last[0] == pictures and all(a is b for a, b in zip(last[1], probes, strict=True)):
                return last[2]
        try:
            panels = pictures.build(dict(zip(names, probes, strict=True)), *pictures.params)
            part: dict[str, Any] | None = {"key": str(next(_KEYS)), "panels": panels}
        except Exception:  # a picture that cannot be built must not take the live view (loss, status) down with it
            _LOGGER.exception("live pictures %s could not be built", pictures.build.__name__)
            part = None  # remembered for these probes: not tried again with every poll
        with self._lock:
            self._last = (pictures, probes, part)  # holds the probes: an id is never mistaken for a new object's
        return part

    def _history(self, run_id: str, history: HistoryReader) -> list[dict[str, float]]:
        """The run's rows so far: a new list when an epoch ended (so the memo sees the change), else the same."""
        if run_id != self._run_id:
            self._run_id, self._rows = run_id, []
        latest, rows = history(len(self._rows))
        if latest.run_id == run_id and rows:
            self._rows = self._rows + rows
        return self._rows


__all__ = [
    "GALLERY_COLUMNS",
    "GRID_COLUMNS",
    "PALETTES",
    "PictureMemo",
    "Pictures",
    "bars",
    "columns",
    "gallery",
    "grid",
    "histograms",
    "lines",
    "matrix",
    "note",
    "scatter",
    "text",
]
