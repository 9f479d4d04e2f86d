"""The live view's wire format and frame route, without a browser."""

import asyncio
import base64
import concurrent.futures
import json
import math
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

import numpy as np
from starlette.applications import Starlette
from starlette.requests import Request

from playground.ui import frame_routes, frames

T = TypeVar("T")


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


def route_request(token: str, query: bytes = b"") -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "path": f"/_playground/frame/{token}",
        "path_params": {"token": token},
        "query_string": query,
        "headers": [],
    }
    return Request(scope)


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on an event loop of its own, in a thread of its own: the suite's browser tests keep
    Playwright's loop running in the main thread."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result(timeout=30)


def call_route(token: str, query: bytes = b"") -> tuple[int, dict]:
    response = run_async(frame_routes._frame_endpoint(route_request(token, query)))
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
    paths = [route.path for route in frame_routes.frame_routes()]
    assert paths == [
        "/_playground/frame/{token}",
        "/_playground/frame/{token}/pause",
        "/_playground/frame/{token}/socket",
    ]


def post_pause(token: str, query: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None) -> tuple[int, bytes]:
    """A POST to the pause route of ``token``, through the mounted routes as the server serves them."""
    app = Starlette(routes=frame_routes.frame_routes())
    sent: list[dict] = []

    async def scenario() -> None:
        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": f"/_playground/frame/{token}/pause", "root_path": "",
                 "headers": headers or [], "query_string": query}  # fmt: skip
        await app(scope, receive, send)

    run_async(scenario())
    return sent[0]["status"], b"".join(message.get("body", b"") for message in sent[1:])


def test_the_pause_route_pauses_the_run_of_its_token_at_once_and_knows_no_other():
    asked: list[int | None] = []
    frames.register_frame_source("paused", lambda *_: {}, pause=lambda plays: asked.append(plays) or True)
    try:
        assert post_pause("paused", b"plays=3") == (204, b"")
        assert post_pause("paused") == (204, b"")
        assert asked == [3, None]  # the Play count of the view's frame, when it says one
        cross_site = [(b"sec-fetch-site", b"cross-site")]
        assert post_pause("paused", b"plays=3", cross_site) == (403, b'{"error":"pause from another site"}')
        assert asked == [3, None]
        frames.register_frame_source("paused", lambda *_: {})  # registered again without one: none any more
        assert post_pause("paused")[0] == 404
    finally:
        frames.unregister_frame_source("paused")
    assert post_pause("paused") == (404, b'{"error":"unknown token"}')


def socket_exchange(token: str, queries: list[str | bytes], gone_after: int | None = None) -> list[dict]:
    """The ASGI messages the frame socket sends for a client that connects, sends ``queries`` one by one (each
    after the answer to the one before, as the live view does; bytes as a binary message) and then goes away; with
    ``gone_after``, the client is gone when answer number ``gone_after`` is sent (the send fails as uvicorn's does)."""
    app = Starlette(routes=frame_routes.frame_routes())
    sent: list[dict] = []

    async def scenario() -> None:
        incoming: asyncio.Queue[dict] = asyncio.Queue()
        await incoming.put({"type": "websocket.connect"})
        pending = list(queries)

        async def receive() -> dict:
            return await incoming.get()

        async def send(message: dict) -> None:
            answers = sum(item["type"] == "websocket.send" for item in sent)
            if message["type"] == "websocket.send" and gone_after is not None and answers + 1 >= gone_after:
                raise OSError("the client disconnected")
            sent.append(message)
            if message["type"] in ("websocket.accept", "websocket.send"):
                query = pending.pop(0) if pending else None
                kind = "bytes" if isinstance(query, bytes) else "text"
                await incoming.put({"type": "websocket.disconnect", "code": 1000} if query is None
                                   else {"type": "websocket.receive", kind: query})  # fmt: skip

        scope = {"type": "websocket", "path": f"/_playground/frame/{token}/socket", "headers": [],
                 "query_string": b"", "subprotocols": [], "root_path": ""}  # fmt: skip
        await app(scope, receive, send)

    run_async(scenario())
    return sent


def test_the_frame_socket_answers_each_query_as_the_route_does_and_closes_for_an_unknown_token():
    seen = []

    def source(since: int, since_compare: int, since_step: int) -> dict:
        seen.append((since, since_compare, since_step))
        return {"run_id": "r", "status": "paused", "epoch": len(seen), "history": {}, "boundary": None}

    frames.register_frame_source("sock", source)
    try:
        sent = socket_exchange("sock", ["since=7&since_compare=3&since_step=250", "since=8"])
        _, over_http = call_route("sock", b"since=9")
    finally:
        frames.unregister_frame_source("sock")
    assert [message["type"] for message in sent] == ["websocket.accept", "websocket.send", "websocket.send"]
    answers = [json.loads(message["text"]) for message in sent[1:]]
    assert [answer["code"] for answer in answers] == [200, 200]
    assert [answer["body"]["epoch"] for answer in answers] == [1, 2] and over_http["epoch"] == 3
    assert seen == [(7, 3, 250), (8, -1, -1), (9, -1, -1)]
    assert answers[0]["body"].keys() == over_http.keys()

    sent = socket_exchange("sock", ["since=-1"])  # unregistered: the answer says so and the socket closes
    assert json.loads(sent[1]["text"]) == {"code": 404, "body": {"error": "unknown token"}}
    assert sent[-1]["type"] == "websocket.close" and sent[-1]["code"] == 1000


def test_the_frame_socket_ends_quietly_when_the_browser_is_gone_and_refuses_binary_messages():
    frames.register_frame_source("gone", lambda since, since_compare, since_step: {"status": "running"})
    try:
        sent = socket_exchange("gone", ["since=-1", "since=-1", "since=-1"], gone_after=2)
        assert [message["type"] for message in sent] == ["websocket.accept", "websocket.send"]  # then it returned
        sent = socket_exchange("gone", [b"since=-1"])
    finally:
        frames.unregister_frame_source("gone")
    assert [message["type"] for message in sent] == ["websocket.accept", "websocket.close"]
    assert sent[1]["code"] == 1003


def test_the_frame_socket_refuses_a_query_over_its_limit():
    frames.register_frame_source("long-query", lambda since, since_compare, since_step: {"status": "paused"})
    try:
        sent = socket_exchange("long-query", ["have=" + "k," * frame_routes.MAX_QUERY_CHARS])
    finally:
        frames.unregister_frame_source("long-query")
    assert [message["type"] for message in sent] == ["websocket.accept", "websocket.close"]
    assert sent[1]["code"] == 1009 and sent[1]["reason"] == "query: 4101 characters, limit 2048"


def test_history_rounding_is_one_numpy_pass_that_matches_the_scalar_rule():
    rng = np.random.default_rng(1)
    values = rng.standard_normal(2_000) * 10.0 ** rng.integers(-30, 30, 2_000)
    values[:6] = [0.0, -0.0, math.nan, -math.inf, 1e-300, 0.123456789]
    body = json.loads(frames.dumps_frame({"run_id": "r", "history": {"epoch": range(2_000), "loss": values}}))
    assert body["history"]["loss"] == [frames._round_sig(value) for value in values]
    assert body["history"]["loss"][:2] == [0.0, 0.0] and body["history"]["epoch"][-1] == 1_999


class Changes:
    """A frame source's version, bumped by hand (a worker's snapshots in the product)."""

    def __init__(self) -> None:
        self.count = 0
        self.listeners: list = []

    def version(self) -> str:
        return str(self.count)

    def on_change(self, listener):
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener)

    def bump(self) -> None:
        self.count += 1
        for listener in list(self.listeners):
            listener()


def register_counting_source(token: str, changes: Changes) -> None:
    frame = {"run_id": "r", "status": "running", "epoch": 0, "history": {}, "boundary": None}
    frames.register_frame_source(token, lambda since, since_compare, since_step: dict(frame), changes=changes)


def test_a_poll_after_the_version_it_has_waits_for_the_next_one():
    changes = Changes()
    register_counting_source("long", changes)

    async def scenario() -> tuple[float, dict, float, dict]:
        loop = asyncio.get_running_loop()
        loop.call_later(0.2, lambda: threading.Thread(target=changes.bump).start())  # a snapshot from a thread
        started = time.monotonic()
        waited = await frame_routes._frame_endpoint(route_request("long", b"after=0"))
        waited_s = time.monotonic() - started
        started = time.monotonic()
        at_once = await frame_routes._frame_endpoint(route_request("long", b"after=0"))  # it holds an older one
        return waited_s, json.loads(waited.body), time.monotonic() - started, json.loads(at_once.body)

    try:
        waited_s, waited, at_once_s, at_once = run_async(scenario())
    finally:
        frames.unregister_frame_source("long")
    assert 0.15 <= waited_s < frame_routes.LONG_POLL_S and waited["version"] == "1"
    assert at_once_s < 0.15 and at_once["version"] == "1"
    assert changes.listeners == [], "the waiting poll left its listener behind"


def test_a_poll_with_nothing_new_is_answered_after_the_longest_wait(monkeypatch):
    monkeypatch.setattr(frame_routes, "LONG_POLL_S", 0.2)
    changes = Changes()
    register_counting_source("quiet", changes)
    try:
        started = time.monotonic()
        status, body = call_route("quiet", b"after=0")
        elapsed = time.monotonic() - started
    finally:
        frames.unregister_frame_source("quiet")
    assert status == 200 and body["version"] == "0" and 0.18 <= elapsed < 1.0


def test_frame_sources_are_built_off_the_event_loop():
    """Two polls whose sources wait for each other finish only if the sources run in threads, not on the loop
    that serves every session's websocket."""
    first_built, second_built = threading.Event(), threading.Event()

    def first(since: int, since_compare: int, since_step: int) -> dict:
        first_built.set()
        assert second_built.wait(5), "the second source never ran while the first waited"
        return {"run_id": "a", "status": "paused", "epoch": 0, "history": {}, "boundary": None}

    def second(since: int, since_compare: int, since_step: int) -> dict:
        assert first_built.wait(5)
        second_built.set()
        return {"run_id": "b", "status": "paused", "epoch": 0, "history": {}, "boundary": None}

    frames.register_frame_source("first", first)
    frames.register_frame_source("second", second)

    async def both() -> list:
        requests = (route_request("first"), route_request("second"))
        return await asyncio.gather(*(frame_routes._frame_endpoint(request) for request in requests))

    try:
        answers = run_async(both())
    finally:
        frames.unregister_frame_source("first")
        frames.unregister_frame_source("second")
    assert [json.loads(answer.body)["run_id"] for answer in answers] == ["a", "b"]


def test_the_boundary_and_network_the_browser_holds_are_sent_as_their_keys():
    boundary = {"resolution": 2, "extent": 6.0, "values": np.array([0.0, 0.5, 1.0, 0.25]), "lo": 0.0}
    network = {"resolution": 1, "extent": 6.0, "columns": [
        {"title": "x", "layer": None, "units": 1, "lo": -1.0, "hi": 1.0, "maps": np.zeros((1, 1)), "names": ["x"]},
    ]}  # fmt: skip
    frame = {"run_id": "r", "status": "running", "epoch": 1, "history": {}, "boundary": boundary, "network": network}
    full = frames.encode_frame(frame)
    boundary_key, network_key = full["boundary"]["key"], full["network"]["key"]
    assert full["boundary"]["values"] and full["network"]["columns"] and boundary_key != network_key
    held = frames.encode_frame(frame, frozenset({boundary_key, network_key}))
    assert held["boundary"] == {"key": boundary_key} and held["network"] == {"key": network_key}
    fresh = frames.encode_frame({**frame, "boundary": dict(boundary)}, frozenset({boundary_key}))  # a new snapshot
    assert fresh["boundary"]["values"] == full["boundary"]["values"] and fresh["boundary"]["key"] != boundary_key


def test_the_live_views_pause_pauses_only_what_plays_and_never_undoes_a_later_play():
    from playground.presets import load_preset
    from playground.train.worker import WorkerHandle
    from playground.ui.session import SessionRun

    run = SessionRun(token="late-pause", handle=WorkerHandle(load_preset("circle")))
    try:
        run.handle.wait_until(lambda s, _: s.status == "paused" and bool(s.run_id), timeout=90)
        assert not run.pause_now(0)  # nothing plays: nothing to do
        run.play()
        run.handle.wait_until(lambda s, _: s.status == "running", timeout=90)
        assert run.frame(-1, -1)["plays"] == 1
        assert not run.pause_now(0)  # sent with the frame before this Play, and late: the Play stands
        assert run.handle.wants_to_run and run.handle.snapshot()[0].status == "running"
        assert run.pause_now(1)
        run.handle.wait_until(lambda s, _: s.status == "paused", timeout=30)
        assert not run.handle.wants_to_run
    finally:
        run.stop()


def test_a_frame_counts_as_shown_once_the_view_asks_for_the_next_one(monkeypatch):
    """The page's rerun after Pause waits for this: the view asks again only after painting its last frame."""
    from playground.presets import load_preset
    from playground.train.worker import WorkerHandle
    from playground.ui import session
    from playground.ui.session import SessionRun

    run = SessionRun(token="shown", handle=WorkerHandle(load_preset("circle")))
    try:
        started = time.monotonic()
        assert not run.wait_until_stop_shown(timeout=10)  # no view asked yet: nothing to wait for
        assert time.monotonic() - started < 1
        run.play()
        run.handle.wait_until(lambda s, _: s.status == "running", timeout=90)
        assert run.frame(-1, -1)["status"] == "running"
        run.pause()
        run.handle.wait_until(lambda s, _: s.status == "paused", timeout=30)
        assert run.frame(-1, -1)["status"] == "paused"  # sent: the one before it (running) is what shows
        started = time.monotonic()
        assert not run.wait_until_stop_shown(timeout=0.2)
        assert time.monotonic() - started >= 0.2
        asker = threading.Timer(0.1, run.frame, args=(-1, -1))  # the view painted it and asks again
        asker.start()
        assert run.wait_until_stop_shown(timeout=10)
        asker.join()
        run.play()
        run.handle.wait_until(lambda s, _: s.status == "running", timeout=30)
        run.frame(-1, -1)
        run.frame(-1, -1)  # "running" shows
        monkeypatch.setattr(session, "WATCHING_S", 0.05)
        time.sleep(0.1)  # the view stopped asking (the tab was hidden, the page left)
        started = time.monotonic()
        assert not run.wait_until_stop_shown(timeout=10)
        assert time.monotonic() - started < 1
    finally:
        run.stop()
