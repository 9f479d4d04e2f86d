"""Live frames for the browser: a process-wide registry of frame sources and the HTTP routes serving them.

The live training view (``playground.ui.live_view``) does not go through Streamlit reruns to repaint. Its
JavaScript pulls compact *frames* from ``GET /_playground/frame/{token}?since=N`` as fast as it can paint,
and the page only has to register a frame source under an unguessable token::

    register_frame_source(token, source)      # source(since_epoch, since_compare_epoch) -> frame dict
    ...
    unregister_frame_source(token)                  # when the run or the session ends

This module imports no Streamlit, so worker-owning code and the routes can both use it without pulling in a
script-run context. ``app.py`` mounts :func:`frame_routes` on the ``st.App`` that serves the pages.

Frame format (what a frame source returns)
------------------------------------------
::

    {
      "run_id": str,               # a new id resets the browser's history
      "status": "idle" | "running" | "paused" | "finished" | "error" | "diverged",  # others shown as-is
      "message": str | None,       # shown visibly, e.g. why a run diverged or failed
      "epoch": int, "step": int, "learning_rate": float,
      "history": {"epoch": [...], "train_loss": [...], "test_loss": [...]},
                                   # only the rows with epoch > since (a delta); the browser keeps the rest
                                   # and starts over when run_id changes; extra columns are passed through
      "boundary": {"resolution": 100, "extent": 6.0, "values": [...]} | None,
      "focus": [column, unit] | None,   # which neuron the boundary shows (None: the network's output)
      "network": {...} (optional),     # the network view, see below
      "compare": {...} (optional),     # a second run on the same data: run_id, status, epoch, learning_rate,
                                       # title, history (rows after since_compare) and boundary, as above
    }

``network`` is ``{"resolution": 20, "extent": 6.0, "columns": [...]}``, one column for the inputs and one per
dense layer (the output last); each has ``title``, ``layer`` (index in the stack, None for inputs), ``units``,
``lo``, ``hi`` and ``maps`` (float [units, res * res], each map row-major like the boundary); inputs add
``names``; dense columns add ``activation``, ``weights`` [units, inputs] and ``bias`` [units].

``boundary["values"]`` is row-major over the data plane, y outer from -extent to +extent and x inner, of
length ``resolution ** 2``:

* binary: P(class 1) in [0, 1];
* regression: the prediction in [-1, 1];
* multiclass: the argmax class ids (ints) plus ``"confidence"``: the max probability in [0, 1].

Values may be lists or NumPy arrays; arrays are cheaper (no ``tolist``/rounding needed on the source side).
Non-finite numbers are fine: they become ``null`` in the history and the neutral colour in the boundary.

Wire format (what the route sends)
----------------------------------
The same dict, with the history rounded to 5 significant digits and the boundary quantised to one byte per
cell and base64-encoded (10,000 cells -> 13,336 characters instead of ~65 KB of JSON numbers; decoding in the
browser is a single ``atob`` pass, and 256 levels are more than a colour ramp can show)::

    "boundary": {"resolution": 100, "extent": 6.0, "encoding": "u8",
                 "lo": 0.0 | -1.0, "hi": 1.0, "values": "<base64>"}     # value = lo + byte / 255 * (hi - lo)
    "boundary": {"resolution": 100, "extent": 6.0, "encoding": "class-u8",
                 "values": "<base64 class ids>", "confidence": "<base64 u8, confidence * 255>"}

On the wire each column's ``maps`` become one base64 string of ``units * res * res`` bytes
(value = lo + byte / 255 * (hi - lo)), and weights and biases lists rounded to 4 significant digits.

Frame sources are called on a worker thread of the server (not on its event loop), so a slow source cannot
stall the websocket of any session, but it should still return quickly: it is called up to 30 times a second
per open page.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import sys
import threading
import types
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

#: ``source(since, since_compare)``: the frame with history rows after epoch ``since``, and when the frame carries a
#: comparison run, that run's rows after ``since_compare``.
FrameSource = Callable[[int, int], dict]

#: URL prefix of every route this module serves.
ROUTE_PREFIX = "/_playground"
FRAME_PATH = f"{ROUTE_PREFIX}/frame"

_LOGGER = logging.getLogger(__name__)
_NO_STORE = {"Cache-Control": "no-store"}

# Streamlit evicts every watched module from ``sys.modules`` when a source file of the app changes, and the
# next script run imports a fresh copy of this module. The routes, built once at server start, and the
# pages, importing the fresh copy, must still see one registry, so it lives in an entry of ``sys.modules``
# that no file backs and no watcher evicts.
_HOLDER_NAME = "_nn_playground_frame_registry"


def _holder() -> types.ModuleType:
    holder = sys.modules.get(_HOLDER_NAME)
    if holder is None:
        candidate = types.ModuleType(_HOLDER_NAME, "Frame sources of the live training view, by token.")
        candidate.sources = {}
        candidate.lock = threading.Lock()
        holder = sys.modules.setdefault(_HOLDER_NAME, candidate)
    return holder


def _sources() -> dict[str, FrameSource]:
    return _holder().sources


def register_frame_source(token: str, source: FrameSource) -> None:
    """Serve ``source(since_epoch)`` at ``/_playground/frame/{token}``; a second call replaces the first."""
    if not token or "/" in token:
        raise ValueError(f"invalid frame token {token!r}")
    holder = _holder()
    with holder.lock:
        holder.sources[token] = source


def unregister_frame_source(token: str) -> None:
    """Stop serving ``token``; unknown tokens are ignored."""
    holder = _holder()
    with holder.lock:
        holder.sources.pop(token, None)


def get_frame_source(token: str) -> FrameSource | None:
    """The source registered under ``token``, if any."""
    return _sources().get(token)


def registered_tokens() -> list[str]:
    """The tokens served right now (for tests and diagnostics)."""
    holder = _holder()
    with holder.lock:
        return list(holder.sources)


# --------------------------------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------------------------------
def _round_sig(value: Any, digits: int = 5) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    if number == 0.0:
        return 0.0
    return float(f"{number:.{digits}g}")


def _json_scalar(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return _round_sig(value, 6)
    return value


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype=np.uint8).tobytes()).decode("ascii")


def encode_boundary(boundary: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The wire form of a boundary probe (see the module docstring); ``None`` passes through."""
    if not boundary or boundary.get("values") is None:
        return None
    if "encoding" in boundary:  # already encoded by the source
        return dict(boundary)
    resolution = int(boundary.get("resolution", 100))
    encoded: dict[str, Any] = {
        "resolution": resolution,
        "extent": float(boundary.get("extent", 6.0)),
    }
    if boundary.get("confidence") is not None:
        classes = np.asarray(boundary["values"], dtype=np.float64).reshape(-1)
        classes = np.where(np.isfinite(classes), classes, 0.0).clip(0, 255).astype(np.uint8)
        confidence = np.asarray(boundary["confidence"], dtype=np.float64).reshape(-1)
        confidence = np.nan_to_num(confidence, nan=0.0, posinf=1.0, neginf=0.0).clip(0.0, 1.0)
        encoded.update(
            encoding="class-u8",
            values=_b64(classes),
            confidence=_b64(np.rint(confidence * 255.0)),
        )
        return encoded
    values = np.asarray(boundary["values"], dtype=np.float64).reshape(-1)
    finite = np.isfinite(values)
    if "lo" in boundary:  # the source knows its scale: 0..1 for probabilities, -1..1 for regression
        low = float(boundary["lo"])
    else:
        low = -1.0 if finite.any() and float(values[finite].min()) < 0.0 else 0.0
    middle = (low + 1.0) / 2.0
    values = np.where(finite, values, middle).clip(low, 1.0)
    encoded.update(encoding="u8", lo=low, hi=1.0, values=_b64(np.rint((values - low) / (1.0 - low) * 255.0)))
    return encoded


def encode_network(network: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The wire form of a network probe: maps quantised to bytes, parameters rounded."""
    if not network:
        return None
    columns = []
    for column in network["columns"]:
        low, high = float(column["lo"]), float(column["hi"])
        maps = np.asarray(column["maps"], dtype=np.float64)
        maps = np.where(np.isfinite(maps), maps, (low + high) / 2).clip(low, high)
        encoded = {key: _json_scalar(value) for key, value in column.items() if key not in ("maps", "weights", "bias")}
        encoded["maps"] = _b64(np.rint((maps - low) / (high - low) * 255.0))
        for key in ("weights", "bias"):
            if key in column:
                values = np.asarray(column[key], dtype=np.float64)
                encoded[key] = np.vectorize(lambda v: _round_sig(v, 4), otypes=[object])(values).tolist()
        columns.append(encoded)
    return {"resolution": int(network["resolution"]), "extent": float(network["extent"]), "columns": columns}


def encode_frame(frame: Mapping[str, Any]) -> dict[str, Any]:
    """The wire form of a frame: JSON-safe scalars, rounded history, quantised boundary and network."""
    history_in = frame.get("history") or {}
    history: dict[str, list[Any]] = {}
    for column, values in history_in.items():
        if column == "epoch":
            history[column] = [int(value) for value in values]
        else:
            history[column] = [_round_sig(value) for value in values]
    special = ("history", "boundary", "network", "compare", "focus", "message_args")
    wire: dict[str, Any] = {key: _json_scalar(value) for key, value in frame.items() if key not in special}
    wire["history"] = history
    wire["boundary"] = encode_boundary(frame.get("boundary"))
    if frame.get("focus") is not None:
        wire["focus"] = [int(part) for part in frame["focus"]]
    if "message_args" in frame:
        wire["message_args"] = {key: _json_scalar(value) for key, value in (frame["message_args"] or {}).items()}
    if frame.get("network"):
        wire["network"] = encode_network(frame["network"])
    if frame.get("compare"):
        wire["compare"] = encode_frame(frame["compare"])
    return wire


def dumps_frame(frame: Mapping[str, Any]) -> bytes:
    """The response body for a frame: compact JSON of :func:`encode_frame`."""
    return json.dumps(encode_frame(frame), separators=(",", ":"), allow_nan=False).encode("utf-8")


# --------------------------------------------------------------------------------------------------
# Routes
# --------------------------------------------------------------------------------------------------
def _frame_endpoint(request: Request) -> Response:
    # A plain function: Starlette runs it in its thread pool, off the event loop that serves the websockets.
    token = request.path_params["token"]
    source = get_frame_source(token)
    if source is None:
        return JSONResponse({"error": "unknown token"}, status_code=404, headers=_NO_STORE)
    since, since_compare = (_int_param(request, name) for name in ("since", "since_compare"))
    try:
        body = dumps_frame(source(since, since_compare))
    except Exception as error:  # a failing source must not take the route down; the page shows the error
        _LOGGER.exception("frame source %s failed", token)
        return JSONResponse({"error": f"{type(error).__name__}: {error}"}, status_code=500, headers=_NO_STORE)
    return Response(body, media_type="application/json", headers=_NO_STORE)


def _int_param(request: Request, name: str) -> int:
    try:
        return int(request.query_params.get(name, "-1"))
    except ValueError:
        return -1


def enable_tcp_nodelay() -> None:
    """Make asyncio set ``TCP_NODELAY`` on every TCP connection it wraps, Streamlit's included.

    Streamlit 1.67 binds its listening socket as ``socket.socket(family)``, so accepted connections report
    ``proto == 0`` and asyncio's ``_set_nodelay`` (which insists on ``proto == IPPROTO_TCP``) leaves Nagle's
    algorithm on. Uvicorn writes a response's head and body in two writes, so on a kept-alive connection
    the body waits for the browser's delayed ACK: every request takes ~40-50 ms instead of ~1 ms, which
    caps the live view at ~18 frames a second. Call this in the server process before it accepts
    connections (``app.py`` does); calling it again is harmless.
    """
    import asyncio.base_events as base_events
    import socket

    original = getattr(base_events, "_set_nodelay", None)
    if original is None or getattr(original, "_playground_patched", False):
        return

    def _set_nodelay(sock: socket.socket) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                original(sock)
        else:
            original(sock)

    _set_nodelay._playground_patched = True  # type: ignore[attr-defined]
    base_events._set_nodelay = _set_nodelay


def frame_routes() -> list[BaseRoute]:
    """The routes to mount on ``st.App``: the frame endpoint."""
    return [
        Route(FRAME_PATH + "/{token}", _frame_endpoint, methods=["GET"], name="playground_frame"),
    ]


__all__ = [
    "FRAME_PATH",
    "FrameSource",
    "dumps_frame",
    "enable_tcp_nodelay",
    "encode_boundary",
    "encode_frame",
    "encode_network",
    "frame_routes",
    "get_frame_source",
    "register_frame_source",
    "registered_tokens",
    "unregister_frame_source",
]
