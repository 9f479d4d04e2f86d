"""The live view's Python side: the data it sends the browser and the events it hands to the page's callbacks."""

import json

import numpy as np
import pytest

from playground.ui import live_view
from playground.ui.live_view import LABEL_KEYS, normalize_event, pending_events, view_payload


def payload(**overrides):
    arguments = dict(
        kind="binary",
        n_classes=2,
        train_points=np.array([[1.23456, -2.0], [0.5, 0.25]]),
        train_labels=np.array([1, 0]),
        test_points=[],
        test_labels=[],
        show_test=True,
        discretize=False,
        labels={"epoch": "轮次"},
    )
    arguments.update(overrides)
    return view_payload("tok", **arguments)


def test_defaults_keep_the_plain_view():
    data = payload()
    assert data["frame_url"] == "/_playground/frame/tok"
    assert data["network"] is False and data["network_editable"] is False
    assert data["edit_points"] is False and data["compare"] is False
    assert data["present"] is False  # points and lines as TF Playground draws them, not a projector's
    assert data["acked"] == {}
    assert data["train"] == {"x": [1.2346, 0.5], "y": [-2.0, 0.25], "label": [1, 0]}
    assert data["test"] == {"x": [], "y": [], "label": []}
    json.dumps(data)  # the component's data must be plain JSON


def test_labels_fall_back_to_english_and_keep_the_page_language():
    data = payload()
    assert set(LABEL_KEYS) <= set(data["labels"])
    assert data["labels"]["epoch"] == "轮次"
    assert data["labels"]["train_loss"] == live_view._english("train_loss")


def test_options_are_passed_and_depend_on_each_other():
    data = payload(network=True, network_editable=True, edit_points=True, compare=True, acked={"a": 3})
    assert (data["network"], data["network_editable"], data["edit_points"], data["compare"]) == (True,) * 4
    assert data["acked"] == {"a": 3}
    assert payload(present=True)["present"] is True
    # editing needs the network; point editing needs the plane
    assert payload(network=False, network_editable=True)["network_editable"] is False
    assert payload(edit_points=True, show_boundary=False)["edit_points"] is False


def test_regression_labels_stay_floats():
    data = payload(kind="regression", train_labels=np.array([0.123456, np.nan]))
    assert data["train"]["label"] == [0.1235, 0.0]


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"kind": "select", "value": {"column": 2, "unit": 0}}, ("select", {"column": 2, "unit": 0})),
        ({"kind": "select", "value": None}, ("select", None)),
        ({"kind": "select", "value": {"column": 2.0, "unit": 1}}, ("select", {"column": 2, "unit": 1})),
        ({"kind": "select", "value": {"column": -1, "unit": 0}}, None),
        ({"kind": "select", "value": {"column": True, "unit": 0}}, None),
        (
            {"kind": "network", "value": {"action": "add_layer", "column": 3}},
            ("network", {"action": "add_layer", "column": 3}),
        ),
        ({"kind": "network", "value": {"action": "explode", "column": 3}}, None),
        ({"kind": "network", "value": {"action": "add_neuron"}}, None),
        (
            {"kind": "point", "value": {"action": "add", "x": 1, "y": -2.5}},
            ("point", {"action": "add", "x": 1.0, "y": -2.5}),
        ),
        ({"kind": "point", "value": {"action": "remove", "x": 0.5, "y": float("nan")}}, None),
        ({"kind": "point", "value": {"action": "move", "x": 0.5, "y": 0.5}}, None),
        ({"kind": "other", "value": {}}, None),
        ({"kind": "point", "value": None}, None),
    ],
)
def test_events_are_normalized_or_dropped(event, expected):
    assert normalize_event(event) == expected


def events(instance, *seqs):
    return {
        "instance": instance,
        "events": [{"seq": seq, "kind": "network", "value": {"action": "add_neuron", "column": seq}} for seq in seqs],
    }


def test_each_event_is_handled_once_although_the_browser_resends_it():
    handled, acked = pending_events(events("v1", 1), {})
    assert [payload["column"] for _, payload in handled] == [1]
    assert acked == {"v1": 1}
    # a second click before Python's acknowledgement reached the browser: both are sent, only the new one counts
    handled, acked = pending_events(events("v1", 1, 2), acked)
    assert [payload["column"] for _, payload in handled] == [2]
    # the same trigger seen again (a rerun replaying it, or a second callback call for one batch): nothing new
    assert pending_events(events("v1", 1, 2), acked) == ([], {"v1": 2})


def test_events_come_in_order_and_malformed_ones_are_acknowledged():
    value = events("v1", 3, 1, 2)
    value["events"].append({"seq": 4, "kind": "network", "value": {"action": "bogus", "column": 1}})
    value["events"].append({"seq": "5", "kind": "network"})
    handled, acked = pending_events(value, {})
    assert [payload["column"] for _, payload in handled] == [1, 2, 3]
    assert acked == {"v1": 4}


def test_a_new_view_instance_starts_its_own_count():
    _, acked = pending_events(events("old", 1, 2, 3), {})
    handled, acked = pending_events(events("new", 1), acked)
    assert len(handled) == 1
    assert acked == {"old": 3, "new": 1}
    for number in range(20):  # only the latest few instances are remembered
        _, acked = pending_events(events(f"i{number}", 1), acked)
    assert len(acked) == live_view._ACK_INSTANCES and "i19" in acked and "old" not in acked


@pytest.mark.parametrize("value", [None, "x", {"instance": 3, "events": []}, {"instance": "a", "events": "no"}])
def test_garbage_trigger_values_are_ignored(value):
    assert pending_events(value, {"a": 1}) == ([], {"a": 1})
