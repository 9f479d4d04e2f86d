"""The live training view: decision boundary, network, loss curves and epoch counter, repainted by the browser.

Streamlit reruns are far too slow to animate a training run, so this view is an ``st.components.v2``
component (inline JavaScript, no iframe) that pulls compact frames from the routes in
``playground.ui.frame_routes`` at its own pace, over one WebSocket (HTTP where it cannot open): ask, draw on the
next animation frame, repeat. While the run is
``running`` each poll names the version it painted and the server answers when the worker's next snapshot is
there (up to 40 a second, each painted once as it arrives); otherwise ~2 polls a second (any click or key press
on the page polls fast again for two seconds, so Play/Pause show at once). Only the static data (the points, the
labels, the options) travels through Streamlit; a rerun with unchanged arguments does not touch the mounted
DOM, and changed arguments update it in place, so the view never blanks. The JavaScript and CSS live in
``playground/ui/web`` (``main.js`` and the modules it imports, ``live_view.css``, ``network_panel.css``).

Besides the frame fields ``frames`` documents, the view reads (all optional):

* ``network``: TF Playground's network picture, one column per layer (see ``live_training_view``);
* ``focus``: ``[column, unit]`` of the neuron whose map ``boundary`` holds, or ``null`` for the output;
* ``compare``: a second run B on the same data (``run_id``, ``status``, ``epoch``, ``learning_rate``,
  ``title``, ``history`` as a delta after ``since_compare``, ``boundary``), fetched with
  ``?since=N&since_compare=M``;
* ``title``: run A's name in the legend when a comparison is shown;
* ``history`` columns ``train_accuracy``/``test_accuracy`` (classification) or ``train_r2``/``test_r2``/
  ``train_rmse``/``test_rmse`` (regression) besides the losses.

Its ``data`` says ``present: true`` in presenter mode (``playground.ui.presenter``): points are drawn larger and
curves and links thicker, to be seen on a projector.

Test ids and attributes. The mounted element is ``[data-testid="pg-live"]``; it carries ``data-frames``
(paints so far), ``data-status``, ``data-epoch``, ``data-run-id``, ``data-rows`` (history rows held),
``data-chart`` (``loss`` or ``metric``), ``data-focus`` (``"column,unit"`` of the neuron the big map shows,
empty for the output), ``data-events`` (events sent to Python so far), ``data-present`` (``true`` in presenter
mode), with a comparison ``data-compare-run-id``, ``data-compare-epoch`` and ``data-compare-rows``,
``data-frame-route`` (the frame route's address; the view asks it over its WebSocket, ``.../socket``), and, for
benchmarks, ``data-fetch-ms`` and ``data-paint-ms`` (moving averages of a frame's round trip and of a paint).
While training, the read-outs that change on every frame (the epoch, the losses and test metrics, the progress
bar, run B's epoch and losses, and ``data-epoch``, ``data-rows``, ``data-batch-points``, ``data-batch-step``,
``data-compare-epoch``, ``data-compare-rows``) are written ten times a second, and at once for a new run.
Inside:

* header: the counter ``pg-epoch``, the status badge ``pg-status``, the test accuracy ``pg-accuracy`` or R²
  ``pg-r2``; run B's row ``pg-compare-head`` with ``pg-epoch-b`` and ``pg-status-b``;
* the message box ``pg-message`` (``data-tone`` ``error`` or ``info``);
* the canvases ``pg-boundary`` (run A, or the selected neuron), ``pg-boundary-b`` (run B), ``pg-loss``;
  the captions ``pg-focus-caption`` and ``pg-compare-caption``; the chart switches ``pg-chart-loss`` and
  ``pg-chart-metric``;
* the network panel ``pg-network`` (``data-paints``: repaints of the neuron maps), its neurons ``pg-neuron``
  (``data-column``, ``data-unit``, ``data-selected``), the line ``pg-net-summary`` (shown when wide layers
  arrive summarised: "Showing 32 of up to 4,096 neurons per layer"), and when editable the buttons
  ``pg-net-add-layer``, ``pg-net-remove-layer``, ``pg-net-add-neuron-{column}`` and
  ``pg-net-remove-neuron-{column}``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, Literal

import numpy as np
import streamlit as st

from playground.data.registry import Dataset
from playground.i18n import translator
from playground.ui.frames import FRAME_PATH
from playground.ui.presenter import presenter_on
from playground.ui.web_assets import bundle, stylesheet
from playground.viz.colors import CLASS_PALETTE, hex_to_rgb

_english = translator("en")

Kind = Literal["binary", "multiclass", "regression"]

COMPONENT_NAME = "nn_playground_live_view"

#: The view's own words (counters, legend, statuses): keys of the translation tables in ``assets/i18n``.
LABEL_KEYS: tuple[str, ...] = (
    "epoch",
    "learning_rate",
    "train_loss",
    "test_loss",
    "linear_scale",
    "log_scale",
    "no_data",
    "connection_lost",
    "status_idle",
    "status_starting",
    "status_running",
    "status_paused",
    "status_finished",
    "status_stopped",
    "status_error",
    "status_diverged",
    "msg_diverged",
    "msg_worker_died",
    "msg_worker_error",
    "msg_config_invalid",
    "msg_finished_epochs",
    "msg_finished_target",
    "msg_finished_patience",
    "status_queued",
    "status_pausing",
    "legend_train_points",
    "legend_test_points",
    "compare_ahead",
    "compare_level",
    "msg_queued",
    "msg_busy",
    "msg_out_of_memory",
    "msg_out_of_gpu_memory",
    "msg_paused_unwatched",
    # the epoch's progress and the per-batch line
    "progress_batches",
    "progress_rate",
    "progress_left",
    "batch_line",
    # metrics and the chart's switch
    "loss",
    "train_accuracy",
    "test_accuracy",
    "train_r2",
    "test_r2",
    "test_rmse",
    "chart_accuracy",
    "chart_r2",
    # the network panel and the caption of the big map
    "output",
    "focus_neuron",
    "focus_output_unit",
    "net_inputs",
    "net_neuron",
    "net_output",
    "net_output_neuron",
    "net_weight",
    "net_bias",
    "net_click_hint",
    "net_hidden_layers",
    "net_neurons",
    "net_one_neuron",
    "net_add_layer",
    "net_remove_layer",
    "net_add_neuron",
    "net_remove_neuron",
    "net_summary",
    # point editing
    "edit_points_hint",
)

_component = st.components.v2.component(
    COMPONENT_NAME, css=stylesheet("live_view.css", "network_panel.css"), js=bundle("main.js"), isolate_styles=False
)

#: The one trigger the browser sends; its value carries every event Python has not acknowledged yet.
EVENT_TRIGGER = "events"
NETWORK_ACTIONS = frozenset({"add_neuron", "remove_neuron", "add_layer", "remove_layer"})
POINT_ACTIONS = frozenset({"add", "remove"})
#: How many view instances (page loads) per key the acknowledgements remember.
_ACK_INSTANCES = 8

SelectCallback = Callable[[dict | None], None]
EditCallback = Callable[[dict], None]


# --------------------------------------------------------------------------------------------------
# Payload (Python -> browser)
# --------------------------------------------------------------------------------------------------
def _points_payload(points: Sequence[Sequence[float]] | np.ndarray, labels: Sequence[Any] | np.ndarray) -> dict:
    array = np.asarray(points, dtype=np.float64).reshape(-1, 2) if len(points) else np.zeros((0, 2))
    values = np.asarray(labels).reshape(-1)
    if values.dtype.kind == "f":
        label_list: list[Any] = np.round(np.nan_to_num(values), 4).tolist()
    else:
        label_list = values.astype(np.int64).tolist() if values.size else []
    return {
        "x": np.round(array[:, 0], 4).tolist(),
        "y": np.round(array[:, 1], 4).tolist(),
        "label": label_list,
    }


def view_payload(
    token: str,
    *,
    kind: str,
    n_classes: int,
    train_points: Sequence[Sequence[float]] | np.ndarray,
    train_labels: Sequence[Any] | np.ndarray,
    test_points: Sequence[Sequence[float]] | np.ndarray,
    test_labels: Sequence[Any] | np.ndarray,
    show_test: bool,
    discretize: bool,
    labels: Mapping[str, str],
    log_y: bool = False,
    extent: float = 6.0,
    show_boundary: bool = True,
    network: bool = False,
    network_editable: bool = False,
    edit_points: bool = False,
    compare: bool = False,
    acked: Mapping[str, int] | None = None,
    present: bool = False,
    play_button: str | None = None,
) -> dict[str, Any]:
    """The ``data`` the component receives (JSON-safe); ``live_training_view`` documents the arguments."""
    return {
        "frame_url": f"{FRAME_PATH}/{token}",
        "kind": str(kind),
        "n_classes": int(n_classes),
        "extent": float(extent),
        "train": _points_payload(train_points, train_labels),
        "test": _points_payload(test_points, test_labels),
        "show_test": bool(show_test),
        "discretize": bool(discretize),
        "palette": [list(hex_to_rgb(color)) for color in CLASS_PALETTE],  # the thumbnails' colours too
        "log_y": bool(log_y),
        "show_boundary": bool(show_boundary),
        "network": bool(network),
        "network_editable": bool(network and network_editable),
        "edit_points": bool(edit_points and show_boundary),
        "compare": bool(compare),
        "present": bool(present),
        "play_button": play_button,
        "acked": {str(instance): int(seq) for instance, seq in (acked or {}).items()},
        "labels": {**{key: _english(key) for key in LABEL_KEYS}, **{name: str(text) for name, text in labels.items()}},
    }


# --------------------------------------------------------------------------------------------------
# Events (browser -> Python)
# --------------------------------------------------------------------------------------------------
def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def normalize_event(event: Mapping[str, Any]) -> tuple[str, dict | None] | None:
    """One browser event as ``(kind, payload)`` with the public payload shape, or None when malformed.

    * ``("select", {"column": c, "unit": u} | None)``;
    * ``("network", {"action": "add_neuron" | "remove_neuron" | "add_layer" | "remove_layer", "column": c})``;
    * ``("point", {"action": "add" | "remove", "x": float, "y": float})``.
    """
    kind, value = event.get("kind"), event.get("value")
    if kind == "select":
        if value is None:
            return "select", None
        if isinstance(value, Mapping):
            column, unit = _as_int(value.get("column")), _as_int(value.get("unit"))
            if column is not None and unit is not None and column >= 0 and unit >= 0:
                return "select", {"column": column, "unit": unit}
        return None
    if not isinstance(value, Mapping):
        return None
    if kind == "network":
        action, column = value.get("action"), _as_int(value.get("column"))
        if action in NETWORK_ACTIONS and column is not None and column >= 0:
            return "network", {"action": action, "column": column}
        return None
    if kind == "point":
        action, x, y = value.get("action"), _as_float(value.get("x")), _as_float(value.get("y"))
        if action in POINT_ACTIONS and x is not None and y is not None:
            return "point", {"action": action, "x": x, "y": y}
        return None
    return None


def pending_events(value: Any, acked: Mapping[str, int] | None) -> tuple[list[tuple[str, dict | None]], dict]:
    """The events of a trigger value that were not handled yet, in order, and the acknowledgements after them.

    ``value`` is what the browser sent: ``{"instance": str, "events": [{"seq": int, "kind": str, "value": ...}]}``
    with every event since the last acknowledgement it saw; ``acked`` maps view instances to the last ``seq``
    handled. Events at or below that ``seq`` are skipped (a resent or replayed trigger), malformed ones are
    acknowledged and dropped. The returned map keeps the latest ``_ACK_INSTANCES`` instances.
    """
    acked = dict(acked or {})
    if not isinstance(value, Mapping):
        return [], acked
    instance, events = value.get("instance"), value.get("events")
    if not isinstance(instance, str) or not instance or not isinstance(events, list):
        return [], acked
    done = acked.get(instance, 0)
    fresh: list[tuple[int, Mapping[str, Any]]] = []
    for event in events:
        if isinstance(event, Mapping):
            seq = _as_int(event.get("seq"))
            if seq is not None and seq > done:
                fresh.append((seq, event))
    if not fresh:
        return [], acked
    fresh.sort(key=lambda pair: pair[0])
    out: list[tuple[str, dict | None]] = []
    seen: set[int] = set()
    for seq, event in fresh:
        if seq in seen:
            continue
        seen.add(seq)
        normalized = normalize_event(event)
        if normalized is not None:
            out.append(normalized)
    acked.pop(instance, None)
    acked[instance] = fresh[-1][0]  # the newest instance last
    while len(acked) > _ACK_INSTANCES:
        acked.pop(next(iter(acked)))
    return out, acked


def _ack_state_key(key: str) -> str:
    return f"_pg_live_acked::{key}"


def _handle_events(
    key: str,
    on_select: SelectCallback | None,
    on_network_edit: EditCallback | None,
    on_point_edit: EditCallback | None,
) -> None:
    """The component's trigger callback: hands each new event to its callback, once."""
    state = st.session_state.get(key)
    value = state.get(EVENT_TRIGGER) if isinstance(state, Mapping) else None
    events, acked = pending_events(value, st.session_state.get(_ack_state_key(key)))
    st.session_state[_ack_state_key(key)] = acked  # before the callbacks: one that raises is not replayed
    for kind, payload in events:
        if kind == "select" and on_select is not None:
            on_select(payload)
        elif kind == "network" and on_network_edit is not None and payload is not None:
            on_network_edit(payload)
        elif kind == "point" and on_point_edit is not None and payload is not None:
            on_point_edit(payload)


# --------------------------------------------------------------------------------------------------
# The view
# --------------------------------------------------------------------------------------------------
def plane_points(dataset: Dataset) -> dict[str, Any]:
    """The keyword arguments of ``live_training_view`` that draw a 2D dataset's points and classes."""
    return {
        "n_classes": dataset.n_classes,
        "train_points": dataset.points_train,
        "train_labels": dataset.y_train,
        "test_points": dataset.points_test,
        "test_labels": dataset.y_test,
    }


def live_training_view(
    token: str,
    *,
    kind: Kind | str,
    n_classes: int,
    train_points: Sequence[Sequence[float]] | np.ndarray,
    train_labels: Sequence[Any] | np.ndarray,
    test_points: Sequence[Sequence[float]] | np.ndarray,
    test_labels: Sequence[Any] | np.ndarray,
    show_test: bool,
    discretize: bool,
    labels: Mapping[str, str],
    key: str,
    log_y: bool = False,
    extent: float = 6.0,
    show_boundary: bool = True,
    network: bool = False,
    network_editable: bool = False,
    edit_points: bool = False,
    on_select: SelectCallback | None = None,
    on_network_edit: EditCallback | None = None,
    on_point_edit: EditCallback | None = None,
    compare: bool = False,
    play_button: str | None = None,
) -> None:
    """Mount (or update in place) the live view that paints the run served under ``token``.

    ``token`` names a frame source registered with ``playground.ui.frames.register_frame_source``; the view
    shows an empty plot until one is registered. ``kind`` is ``"binary"``, ``"multiclass"`` or
    ``"regression"``; labels are class ids (0/1 for binary) or regression targets in [-1, 1]. ``labels``
    holds the translated UI strings (keys of ``LABEL_KEYS``; missing keys fall back to English).
    ``log_y`` is the initial scale of the loss axis (the chart has its own linear/log switch, and a
    loss/metric switch once the history carries accuracy or R²). ``extent`` is the half-width of the plane,
    used until the first boundary arrives; ``show_boundary=False`` leaves the plane out (tables: only the
    counters and the chart). Keep ``key`` stable: the same key keeps the same mounted view across reruns.

    ``network=True`` draws the frames' ``network`` (TF Playground's picture: every neuron as a small map over
    the plane, links coloured by sign and as wide as ``|w|``, a bias marker per neuron) left of the plane, and
    a caption over the plane naming what it shows (the output, or the neuron of ``frame["focus"]``). A layer
    wider than the view can draw arrives as its first neurons (the frame's ``shown``), and one line says so.
    Clicking a hidden or output neuron selects it, clicking the selected one clears the selection.
    ``network_editable=True`` adds TF Playground's +/- buttons for hidden layers and their neurons.
    ``edit_points=True`` turns clicks on the plane into point edits (click adds, shift-click or right-click
    removes the nearest point); Python decides the labels and passes the new points back in
    ``train_points``/``test_points``. ``compare=True`` asks the frame source for run B
    (``?since_compare=M``) and shows ``frame["compare"]`` beside run A when present. ``play_button``: the CSS
    selector of the page's Play/Pause button (``run_controls.button_selector``); a click on it while it shows
    Pause pauses the run at once through the frame route and the view says "Pausing..." until the worker has.
    In presenter mode the view
    draws larger points and thicker lines on every page, so no page passes anything for it.

    The callbacks get one dict each and follow Streamlit's widget-callback semantics: they run at the start of
    the rerun the click causes, *before* the page script, so they may set ``st.session_state`` of widgets the
    script draws earlier than this view. Each click reaches its callback exactly once, also when several
    arrive before one rerun (the browser resends unacknowledged events; Python skips those it has handled):

    * ``on_select({"column": c, "unit": u})`` or ``on_select(None)``: the neuron to show on the big map
      (``column`` counts the inputs as 0; the last column is the output layer), or back to the output;
    * ``on_network_edit({"action": a, "column": c})`` with ``a`` in ``add_neuron`` / ``remove_neuron``
      (``c``: the hidden column to change), ``add_layer`` (``c``: the column the new hidden layer will have,
      i.e. the output column's index now) or ``remove_layer`` (``c``: the last hidden column, which goes);
    * ``on_point_edit({"action": "add" | "remove", "x": x, "y": y})`` in data units (y up).
    """
    ack_key = _ack_state_key(key)
    data = view_payload(
        token,
        kind=kind,
        n_classes=n_classes,
        train_points=train_points,
        train_labels=train_labels,
        test_points=test_points,
        test_labels=test_labels,
        show_test=show_test,
        discretize=discretize,
        labels=labels,
        log_y=log_y,
        extent=extent,
        show_boundary=show_boundary,
        network=network,
        network_editable=network_editable,
        edit_points=edit_points,
        compare=compare,
        acked=st.session_state.get(ack_key),
        present=presenter_on(),
        play_button=play_button,
    )
    callbacks: dict[str, Any] = {}
    if network or edit_points or on_select or on_network_edit or on_point_edit:
        handler = partial(_handle_events, key, on_select, on_network_edit, on_point_edit)
        callbacks[f"on_{EVENT_TRIGGER}_change"] = handler
    _component(key=key, data=data, width="stretch", height="content", **callbacks)


def chart_view(token: str, *, kind: str, n_classes: int, labels: Mapping[str, str], key: str, **options: Any) -> None:
    """The live view without a plane (tables, images, sequences): counters, the loss chart and the pictures;
    ``options`` as ``live_training_view`` takes them (``log_y``, ``compare``...)."""
    live_training_view(token, kind=kind, n_classes=n_classes, train_points=[], train_labels=[], test_points=[],
                       test_labels=[], show_test=False, discretize=False, labels=labels, key=key, show_boundary=False,
                       **options)  # fmt: skip


__all__ = [
    "COMPONENT_NAME",
    "EVENT_TRIGGER",
    "LABEL_KEYS",
    "chart_view",
    "live_training_view",
    "normalize_event",
    "pending_events",
    "view_payload",
]
