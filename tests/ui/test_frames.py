"""The live view's wire format and frame route, without a browser."""

import asyncio
import base64
import json
import math

import numpy as np
from starlette.requests import Request

from playground.ui import frames


def decode_u8(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=np.uint8)


def test_probability_boundary_is_quantised_to_a_byte_per_cell():
    values = np.linspace(0, 1, 10_000, dtype=np.float32)
    wire = frames.encode_boundary({"resolution": 100, "extent": 6.0, "values": values, "lo": 0.0})
    assert wire["encoding"] == "u8" and (wire["lo"], wire["hi"]) == (0.0, 1.0)
    decoded = wire["lo"] + decode_u8(wire["values"]) / 255 * (wire["hi"] - wire["lo"])
    assert decoded.shape == (10_000,)
    assert np.abs(decoded - values).max() <= 0.5 / 255 + 1e-6


def test_regression_keeps_its_symmetric_scale_even_when_all_values_are_positive():
    values = np.full(4, 0.0, dtype=np.float32)  # zero must stay the neutral middle colour
    wire = frames.encode_boundary({"resolution": 2, "extent": 6.0, "values": values, "lo": -1.0})
    assert wire["lo"] == -1.0
    assert set(decode_u8(wire["values"])) == {128}


def test_multiclass_boundary_sends_classes_and_confidence():
    wire = frames.encode_boundary(
        {"resolution": 2, "extent": 6.0, "values": np.array([0, 1, 2, 4]), "confidence": np.array([1, 0.5, 0, np.nan])}
    )
    assert wire["encoding"] == "class-u8"
    assert list(decode_u8(wire["values"])) == [0, 1, 2, 4]
    assert list(decode_u8(wire["confidence"])) == [255, 128, 0, 0]


def test_frame_history_is_rounded_and_non_finite_becomes_null():
    frame = {
        "run_id": "abc",
        "status": "running",
        "epoch": np.int64(3),
        "learning_rate": 0.030000000001,
        "history": {"epoch": [1, 2, 3], "train_loss": [0.123456789, math.nan, math.inf]},
        "boundary": None,
    }
    body = json.loads(frames.dumps_frame(frame))
    assert body["history"] == {"epoch": [1, 2, 3], "train_loss": [0.12346, None, None]}
    assert body["epoch"] == 3 and body["learning_rate"] == 0.03 and body["boundary"] is None


def call_route(token: str, query: bytes = b"") -> tuple[int, dict]:
    scope = {
        "type": "http",
        "method": "GET",
        "path": f"/_playground/frame/{token}",
        "path_params": {"token": token},
        "query_string": query,
        "headers": [],
    }
    response = frames._frame_endpoint(Request(scope))
    return response.status_code, json.loads(response.body)


def test_route_serves_registered_sources_only():
    seen = []

    def source(since: int, since_compare: int, since_step: int) -> dict:
        seen.append((since, since_compare, since_step))
        return {"run_id": "r", "status": "paused", "epoch": 0, "history": {}, "boundary": None}

    frames.register_frame_source("tok-en_1", source)
    try:
        status, body = call_route("tok-en_1", b"since=7&since_compare=3&since_step=250")
        assert status == 200 and body["status"] == "paused" and seen == [(7, 3, 250)]
        assert "tok-en_1" in frames.registered_tokens()
    finally:
        frames.unregister_frame_source("tok-en_1")
    status, body = call_route("tok-en_1")
    assert status == 404 and body == {"error": "unknown token"}


def test_a_failing_source_answers_500_with_the_reason():
    frames.register_frame_source("broken", lambda since, since_compare, since_step: 1 / 0)
    try:
        status, body = call_route("broken")
    finally:
        frames.unregister_frame_source("broken")
    assert status == 500 and "ZeroDivisionError" in body["error"]


def test_route_list_is_mountable():
    paths = [route.path for route in frames.frame_routes()]
    assert paths == ["/_playground/frame/{token}"]
    assert asyncio.iscoroutinefunction(frames._frame_endpoint) is False  # runs in the thread pool, not the loop


def test_history_rounding_is_one_numpy_pass_that_matches_the_scalar_rule():
    rng = np.random.default_rng(1)
    values = rng.standard_normal(2_000) * 10.0 ** rng.integers(-30, 30, 2_000)
    values[:6] = [0.0, -0.0, math.nan, -math.inf, 1e-300, 0.123456789]
    body = json.loads(frames.dumps_frame({"run_id": "r", "history": {"epoch": range(2_000), "loss": values}}))
    assert body["history"]["loss"] == [frames._round_sig(value) for value in values]
    assert body["history"]["loss"][:2] == [0.0, 0.0] and body["history"]["epoch"][-1] == 1_999
