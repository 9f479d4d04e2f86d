"""Live frames for the browser: a process-wide registry of frame sources and the frames' wire format (the routes
serving them are in ``playground.ui.frame_routes``).

The live training view (``playground.ui.live_view``) does not go through Streamlit reruns to repaint. Its
JavaScript pulls compact *frames* as fast as it can paint, each asked with a query ``since=N&since_step=S&have=K&
after=V``: over one WebSocket per view (``/_playground/frame/{token}/socket``, a message per query and per
answer), or, where the socket cannot open, ``GET /_playground/frame/{token}?QUERY`` (see
``playground.ui.frame_routes``). The page only has to register a frame source under an unguessable token::

    register_frame_source(token, source, changes)   # source(since_epoch, since_compare_epoch, since_step) -> frame
    ...
    unregister_frame_source(token)                  # when the run or the session ends

With ``changes`` (a :class:`FrameChanges`: the workers' snapshot counters) every frame carries its ``version``,
and a poll with ``?after=V`` is held (on the event loop, no thread) until the version differs from ``V`` or
``frame_routes.LONG_POLL_S`` passed: a training page asks again as soon as it painted and gets each snapshot
once, the moment it is there (blind polls 30 times a second against 27 snapshots a second painted 22 a second on
screen). A frame socket's queries are answered the same way, one at a time.
``?have=k1,k2`` names the parts the browser holds (boundary, network, pictures: each wire form has a ``key``);
those come back as ``{"key": k}`` alone.

This module imports no Streamlit, so worker-owning code and the routes can both use it without pulling in a
script-run context. ``app.py`` mounts the route (``playground.ui.frame_routes``) on the ``st.App`` that serves the
pages.

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
      "batches": {"step": [...], "x": [...], "loss": [...], "accuracy": [...]} (optional),
                                   # the smoothed training loss (and accuracy, classification only) of the
                                   # batches after step since_step, x in epochs (see ``train/batch_curve``)
      "progress": {"done": int, "total": int, "per_second": float | None} (optional),
                                   # batches of the epoch in progress, and how fast they go
      "pictures": {"key": str, "panels": [...]} | None (optional),
                                   # a page's live pictures (conv filters, feature maps...), built and encoded
                                   # once per new probe (see ``playground.ui.pictures``); None while waiting for
                                   # their probes; the key alone when the poll said ``?have=key``
      "boundary": {"resolution": 100, "extent": 6.0, "values": [...]} | None,
      "focus": [column, unit] | None,   # which neuron the boundary shows (None: the network's output)
      "network": {...} (optional),     # the network view, see below
      "compare": {...} (optional),     # a second run on the same data: run_id, status, epoch, learning_rate,
                                       # title, history (rows after since_compare) and boundary, as above
    }

``network`` is ``{"resolution": 20, "extent": 6.0, "columns": [...]}``, one column for the inputs and one per
dense layer (the output last); each has ``title``, ``layer`` (index in the stack, None for inputs), ``units``
(the layer's width), ``shown`` (how many of its first neurons the view draws; ``units`` when absent), ``lo``,
``hi`` and ``maps`` (float [shown, res * res], each map row-major like the boundary); inputs add ``names``;
dense columns add ``activation``, ``weights`` [shown, shown of the column before] (the links among the drawn
neurons) and ``bias`` [shown]. The trainer's network probe decides ``shown`` (a 4,096-wide layer: 32), so a
frame carries what the view can draw, not the network's millions of weights.

``boundary["values"]`` is row-major over the data plane, y outer from -extent to +extent and x inner, of
length ``resolution ** 2``:

* binary: P(class 1) in [0, 1];
* regression: the prediction in [-1, 1];
* multiclass: the argmax class ids (ints) plus ``"confidence"``: the max probability in [0, 1].

Values may be lists or NumPy arrays; arrays are cheaper (no ``tolist``/rounding needed on the source side).
Non-finite numbers are fine: they become ``null`` in the history and the neutral colour in the boundary.

Wire format (what the route sends)
----------------------------------
The same dict, with the history rounded to 5 significant digits (in one NumPy pass per column) and the
boundary quantised to one byte per cell and base64-encoded (10,000 cells -> 13,336 characters instead of
~65 KB of JSON numbers; decoding in the browser is a single ``atob`` pass, and 256 levels are more than a colour
ramp can show)::

    "boundary": {"resolution": 100, "extent": 6.0, "encoding": "u8",
                 "lo": 0.0 | -1.0, "hi": 1.0, "values": "<base64>"}     # value = lo + byte / 255 * (hi - lo)
    "boundary": {"resolution": 100, "extent": 6.0, "encoding": "class-u8",
                 "values": "<base64 class ids>", "confidence": "<base64 u8, confidence * 255>"}

The wire boundary and network also carry a ``key`` (one per probe object, never another's), and travel as
``{"key": k}`` alone when the poll listed ``k`` in ``?have=``; with ``changes`` registered, the frame carries its
``version`` (a string) too.

On the wire each network column's ``maps`` become one base64 string of ``shown * res * res`` bytes
(value = lo + byte / 255 * (hi - lo)), and ``weights`` and ``bias`` base64 strings of little-endian float32,
the weights row-major (row ``u`` holds the links into drawn neuron ``u`` from the drawn neurons of the column
before; a non-finite weight stays NaN or infinite, which the view leaves undrawn). Run B of a comparison
travels without its ``network`` (the view draws run A's).

Every array is encoded in one vectorised NumPy step, never one Python call per number, and the wire form of a
probe (``boundary``, ``network``) is remembered by the probe object: a snapshot's probes are encoded once and
every poll of that snapshot reuses the bytes (or sends the key alone), so a request costs about the size of its
answer.

Frame sources are called on a worker thread of the server (not on its event loop), so a slow source cannot
stall the websocket of any session, but it should still return quickly: it is called for every snapshot (up to
40 a second) of every open page.
"""

from __future__ import annotations

import base64
import itertools
import json
import math
import secrets
import sys
import threading
import types
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from playground.limits import server_cores
from playground.train.ray_backend import ray_address
from playground.train.worker_slots import busy_share, running_runs

if TYPE_CHECKING:
    from playground.train.protocol import Snapshot
    from playground.train.worker import WorkerHandle

#: ``source(since, since_compare, since_step)``: the frame with history rows after epoch ``since`` and per-batch
#: points after step ``since_step``, and when the frame carries a comparison run, that run's rows after
#: ``since_compare`` (run B draws no per-batch line).
FrameSource = Callable[[int, int, int], dict]

#: URL prefix of every route this module serves.
ROUTE_PREFIX = "/_playground"
FRAME_PATH = f"{ROUTE_PREFIX}/frame"


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
        candidate.changes = {}
        candidate.pausers = {}
        candidate.lock = threading.Lock()
        holder = sys.modules.setdefault(_HOLDER_NAME, candidate)
    return holder


def _sources() -> dict[str, FrameSource]:
    return _holder().sources


#: Pauses a run at once: ``pause(plays)`` with the Play count of the frame the live view had (None: not given);
#: returns whether it paused (it does not when a later Play was applied, or nothing plays).
Pauser = Callable[[int | None], bool]


class FrameChanges(Protocol):
    """What tells a frame source's polls that a new frame is there (the workers' snapshots): a ``version()`` that
    differs after every change, and ``on_change(listener)`` that calls ``listener()`` from another thread after
    each one (it must return at once) until the function it returns is called."""

    def version(self) -> str: ...

    def on_change(self, listener: Callable[[], None]) -> Callable[[], None]: ...


def register_frame_source(
    token: str, source: FrameSource, changes: FrameChanges | None = None, pause: Pauser | None = None
) -> None:
    """Serve ``source(since_epoch, ...)`` at ``/_playground/frame/{token}``; a second call replaces the first.
    With ``changes``, frames carry their ``version`` and a poll that says ``?after=VERSION`` is answered once there
    is a newer frame (long polling, at most ``frame_routes.LONG_POLL_S``). With ``pause``, a POST to
    ``/_playground/frame/{token}/pause?plays=N`` calls ``pause(N)``: the live view pauses its run the moment Pause
    is clicked, before the page's script run for the click (which waits its turn behind every other session's);
    ``N`` is the frame's ``plays`` the view had (see ``Pauser``)."""
    if not token or "/" in token:
        raise ValueError(f"invalid frame token {token!r}")
    holder = _holder()
    with holder.lock:
        holder.sources[token] = source
        for name, value in (("changes", changes), ("pausers", pause)):
            registry = holder.__dict__.setdefault(name, {})  # missing in a registry made by an older module
            if value is None:
                registry.pop(token, None)
            else:
                registry[token] = value


def unregister_frame_source(token: str) -> None:
    """Stop serving ``token``; unknown tokens are ignored."""
    holder = _holder()
    with holder.lock:
        holder.sources.pop(token, None)
        getattr(holder, "changes", {}).pop(token, None)
        getattr(holder, "pausers", {}).pop(token, None)


def get_frame_changes(token: str) -> FrameChanges | None:
    """What tells the polls of ``token`` that a new frame is there, if it was registered with one."""
    return getattr(_holder(), "changes", {}).get(token)


def get_frame_pause(token: str) -> Pauser | None:
    """What pauses the run of ``token`` at once, if it was registered with it."""
    return getattr(_holder(), "pausers", {}).get(token)


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


def _b64_float32(array: Any) -> str:
    """Little-endian float32 bytes, base64: what the browser reads back with one ``Float32Array`` view."""
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")


#: Powers of ten that float64 holds exactly: dividing by one rounds correctly, so ``0.12346`` prints as that.
_EXACT_POWERS = 22


def _rounded(values: Any, digits: int = 5) -> list[float | None]:
    """``values`` rounded to ``digits`` significant digits, non-finite ones None: ``_round_sig`` for a whole
    column at once (a history of 200,000 epochs is one NumPy pass, not a million Python calls)."""
    try:
        array = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):  # something that is not a number: the scalar rules, value by value
        return [_round_sig(value, digits) for value in values]
    finite = np.isfinite(array)
    safe = np.where(finite & (array != 0.0), np.abs(array), 1.0)
    decimals = digits - 1 - np.floor(np.log10(safe))
    exact = np.abs(decimals) <= _EXACT_POWERS
    powers = 10.0 ** np.abs(np.where(exact, decimals, 0.0))
    with np.errstate(over="ignore", invalid="ignore"):
        rounded = np.where(decimals >= 0, np.rint(array * powers) / powers, np.rint(array / powers) * powers)
    rounded += 0.0  # -0.0 -> 0.0, as ``_round_sig`` sends it
    out: list[float | None] = rounded.tolist()
    for index in np.flatnonzero(~finite | ~exact).tolist():  # rare: non-finite, or below 1e-18 / above 1e26
        out[index] = _round_sig(array[index], digits)
    return out


class _WireCache:
    """The wire form of the probes encoded lately, by probe object.

    A snapshot's probes are new objects, and a page may poll the same snapshot several times: each probe is
    encoded once and every later poll gets the same (shared, never mutated) wire dict. The entry holds the probe
    itself, so an id is never mistaken for a new object's; the least recently used entries go first. Each wire
    dict carries a ``key`` no other probe of this server gets: a browser that holds it says so (``?have=``) and
    the frame sends the key alone (``held``).
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[int, tuple[Mapping[str, Any], dict[str, Any] | None]] = OrderedDict()
        self._lock = threading.Lock()
        self._keys = itertools.count()
        self._key_prefix = secrets.token_hex(3)  # a key of another server process (a replica) never matches

    def get(
        self, probe: Mapping[str, Any], encode: Callable[[Mapping[str, Any]], dict[str, Any] | None]
    ) -> dict[str, Any] | None:
        key = id(probe)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] is probe:
                self._entries.move_to_end(key)
                return entry[1]
        wire = encode(probe)  # outside the lock: two polls of a new snapshot at worst both encode it
        if wire is not None:
            wire["key"] = f"w{self._key_prefix}{next(self._keys)}"  # a letter first: never a picture's key
        with self._lock:
            self._entries[key] = (probe, wire)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return wire


#: Two probes (boundary, network) for each of a few dozen open pages; the network probes it holds are the
#: summarised ones (a few hundred KB at most), so this stays small.
_WIRE_CACHE = _WireCache(size=128)


def held(wire: dict[str, Any] | None, have: frozenset[str]) -> dict[str, Any] | None:
    """What a frame sends of an encoded part: its key alone when the browser said it holds it (``?have=``)."""
    if wire is None or "key" not in wire or wire["key"] not in have:
        return wire
    return {"key": wire["key"]}


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
    """The wire form of a network probe (see the module docstring): maps quantised to bytes, parameters float32,
    all base64; the same probe object is encoded once (callers must not mutate the result)."""
    if not network:
        return None
    return _WIRE_CACHE.get(network, _encode_network)


def _encode_network(network: Mapping[str, Any]) -> dict[str, Any]:
    columns = []
    sources = 0  # drawn neurons of the column before: the width of the weights' rows
    for column in network["columns"]:
        units = int(column["units"])
        shown = min(units, int(column.get("shown", units)))
        low, high = float(column["lo"]), float(column["hi"])
        maps = np.asarray(column["maps"], dtype=np.float32)[:shown]
        maps = np.where(np.isfinite(maps), maps, (low + high) / 2).clip(low, high)
        scale = 255.0 / (high - low) if high > low else 0.0
        encoded: dict[str, Any] = {
            key: _json_scalar(value)
            for key, value in column.items()
            if key not in ("maps", "weights", "bias", "names", "shown")
        }
        encoded["shown"] = shown
        if "names" in column:
            encoded["names"] = [str(name) for name in list(column["names"])[:shown]]
        encoded["maps"] = _b64(np.rint((maps - low) * scale))
        if "weights" in column:
            weights = np.asarray(column["weights"], dtype=np.float32)[:shown, :sources]
            if weights.shape != (shown, sources):
                raise ValueError(f"network column {column.get('title')!r}: weights {weights.shape}, "
                                 f"expected ({shown}, {sources})")  # fmt: skip
            encoded["weights"] = _b64_float32(weights)
        if "bias" in column:
            encoded["bias"] = _b64_float32(np.asarray(column["bias"], dtype=np.float32)[:shown])
        columns.append(encoded)
        sources = shown
    return {"resolution": int(network["resolution"]), "extent": float(network["extent"]), "columns": columns}


def worker_frame(
    handle: WorkerHandle,
    since_epoch: int = 0,
    since_step: int | None = None,
    pictures: Callable[[Snapshot], dict[str, Any] | None] | None = None,
) -> dict[str, Any]:
    """A worker's frame (see the format above): counters, status, history rows after ``since_epoch``, probes;
    unless ``since_step`` is None the per-batch points after it and the epoch's progress; and with ``pictures``
    (a page's live pictures of a snapshot, see ``playground.ui.pictures``) those pictures."""
    snapshot, rows = handle.snapshot(since_epoch)
    columns = list(rows[0]) if rows else ["epoch", "train_loss", "test_loss"]
    boundary = snapshot.probe("boundary")
    network = snapshot.probe("network")
    return {
        "run_id": snapshot.run_id,
        "status": snapshot.status,
        **_message(snapshot),
        "epoch": snapshot.epoch,
        "step": snapshot.step,
        "learning_rate": snapshot.learning_rate,
        "history": {column: [row[column] for row in rows] for column in columns},
        "boundary": boundary,
        "focus": None if boundary is None else boundary.get("focus"),
        **({"network": network} if network is not None else {}),
        **(_batch_part(handle, snapshot, since_step) if since_step is not None else {}),
        **({"pictures": pictures(snapshot)} if pictures is not None else {}),
    }


def _message(snapshot: Snapshot) -> dict[str, Any]:
    """The run's message; while it trains without one, how busy the server is when more runs train than it has
    cores (each then trains slower than alone, and the page says how much)."""
    message = {"message": snapshot.message, "message_key": snapshot.message_key, "message_args": snapshot.message_args}
    if snapshot.status == "running" and snapshot.message_key is None and not ray_address():  # on a cluster, runs
        # do not share this server's cores
        running, cores = running_runs(), server_cores()
        slower = busy_share(running, cores)
        if slower is not None:
            args = {"running": running, "cores": cores, "slower": f"{slower:.1f}"}
            english = (f"The server is busy: {running} runs share its {cores} cores, so each trains about "
                       f"{slower:.1f} times slower than alone.")  # fmt: skip
            message = {"message": english, "message_key": "msg_busy", "message_args": args}
    return message


def _batch_part(handle: WorkerHandle, snapshot: Snapshot, since_step: int) -> dict[str, Any]:
    points = handle.batch_points(since_step)
    steps, xs, losses, accuracies = zip(*points, strict=True) if points else ((), (), (), ())
    batches: dict[str, Any] = {"step": list(steps), "x": list(xs), "loss": list(losses)}
    if any(accuracy is not None for accuracy in accuracies):
        batches["accuracy"] = [math.nan if accuracy is None else accuracy for accuracy in accuracies]
    progress = {
        "done": snapshot.batches_done,
        "total": snapshot.batches_per_epoch,
        "per_second": snapshot.batches_per_second,
    }
    return {"batches": batches, "progress": progress}


def encode_frame(frame: Mapping[str, Any], have: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The wire form of a frame: JSON-safe scalars, rounded history, quantised boundary and network; of the
    pictures, the boundary and the network the key alone when it is in ``have`` (the browser holds them)."""
    history_in = frame.get("history") or {}
    history: dict[str, list[Any]] = {}
    for column, values in history_in.items():
        if column == "epoch":
            history[column] = np.asarray(values, dtype=np.int64).reshape(-1).tolist()
        else:
            history[column] = _rounded(values)
    special = ("history", "boundary", "network", "compare", "focus", "message_args", "batches", "progress", "pictures")
    wire: dict[str, Any] = {key: _json_scalar(value) for key, value in frame.items() if key not in special}
    wire["history"] = history
    boundary = frame.get("boundary")
    wire["boundary"] = held(_WIRE_CACHE.get(boundary, encode_boundary), have) if boundary else None
    if frame.get("focus") is not None:
        wire["focus"] = [int(part) for part in frame["focus"]]
    if "batches" in frame:
        batches = frame["batches"]
        wire["batches"] = {  # x keeps hundredths of an epoch after epoch 10,000
            key: np.asarray(values, dtype=np.int64).reshape(-1).tolist()
            if key == "step"
            else _rounded(values, 9 if key == "x" else 5)
            for key, values in batches.items()
        }
    if "pictures" in frame:
        wire["pictures"] = held(frame["pictures"], have)
    if "progress" in frame:
        wire["progress"] = {key: _json_scalar(value) for key, value in frame["progress"].items()}
    if "message_args" in frame:
        wire["message_args"] = {key: _json_scalar(value) for key, value in (frame["message_args"] or {}).items()}
    if frame.get("network"):
        wire["network"] = held(encode_network(frame["network"]), have)
    if frame.get("compare"):  # the view draws run A's network only
        compare = {key: value for key, value in frame["compare"].items() if key != "network"}
        wire["compare"] = encode_frame(compare, have)
    return wire


def dumps_frame(frame: Mapping[str, Any], have: frozenset[str] = frozenset()) -> bytes:
    """The response body for a frame: compact JSON of :func:`encode_frame`."""
    return json.dumps(encode_frame(frame, have), separators=(",", ":"), allow_nan=False).encode("utf-8")


__all__ = [
    "FRAME_PATH",
    "FrameChanges",
    "FrameSource",
    "dumps_frame",
    "encode_boundary",
    "encode_frame",
    "encode_network",
    "get_frame_changes",
    "get_frame_source",
    "held",
    "register_frame_source",
    "registered_tokens",
    "unregister_frame_source",
]
