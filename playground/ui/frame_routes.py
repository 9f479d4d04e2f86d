"""The routes the live view asks for frames (see ``playground.ui.frames`` for the frames and their registry): a
WebSocket per view (``/_playground/frame/{token}/socket``, one message per query and one per answer) and, for
browsers or proxies without WebSockets, ``GET /_playground/frame/{token}?QUERY``. Both long-poll: a query that
names the version it painted waits on the event loop for the next one. ``POST /_playground/frame/{token}/pause``
pauses the run at once (the live view sends it when Pause is clicked, with the Play count of its frame).
``app.py`` mounts :func:`frame_routes` on the ``st.App`` that serves the pages."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Mapping
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from playground.ui.frames import (
    FRAME_PATH,
    FrameChanges,
    FrameSource,
    dumps_frame,
    get_frame_changes,
    get_frame_pause,
    get_frame_source,
)

_LOGGER = logging.getLogger(__name__)
_NO_STORE = {"Cache-Control": "no-store"}

#: The longest a poll with ``?after=VERSION`` waits for a newer frame: the answer is then the same frame again.
LONG_POLL_S = 0.5


async def wait_for_change(changes: FrameChanges, after: str, timeout: float | None = None) -> None:
    """Return once ``changes.version()`` differs from ``after``, or after ``timeout`` seconds (``LONG_POLL_S``);
    waits on the event loop (no thread is held while a page waits for its next snapshot)."""
    timeout = LONG_POLL_S if timeout is None else timeout
    if changes.version() != after:
        return
    loop = asyncio.get_running_loop()
    changed = asyncio.Event()
    stop = changes.on_change(lambda: loop.call_soon_threadsafe(changed.set))
    try:
        if changes.version() == after:  # no change slipped in before the listener was there
            with contextlib.suppress(TimeoutError, asyncio.TimeoutError):  # one class since Python 3.11
                await asyncio.wait_for(changed.wait(), timeout)
    finally:
        stop()


#: The longest query a frame socket's message may carry (the live view's are under 200 characters). The server
#: reads a whole message before this check, up to Streamlit's ``server.maxMessageSize`` as for its own socket.
MAX_QUERY_CHARS = 2048


async def frame_answer(token: str, params: Mapping[str, str]) -> tuple[int, bytes]:
    """The answer to one frame request, over HTTP or the frame socket alike: a status code and a JSON body.
    ``params`` are the request's query parameters (``since``, ``since_compare``, ``since_step``, ``have``,
    ``after``); with ``after``, it first waits for a newer frame (long polling)."""
    source = get_frame_source(token)
    if source is None:
        return 404, b'{"error":"unknown token"}'
    changes = get_frame_changes(token)
    after = params.get("after")
    if changes is not None and after is not None:
        await wait_for_change(changes, after[:64])
    since, since_compare, since_step = (_int_param(params, name) for name in ("since", "since_compare", "since_step"))
    # built in Starlette's thread pool, off the event loop that serves every session's websocket
    return await run_in_threadpool(_frame_body, token, source, changes, since, since_compare, since_step,
                                   _have(params))  # fmt: skip


async def _frame_endpoint(request: Request) -> Response:
    status, body = await frame_answer(request.path_params["token"], request.query_params)
    return Response(body, status_code=status, media_type="application/json", headers=_NO_STORE)


async def _frame_socket(websocket: WebSocket) -> None:
    """The same frames over one WebSocket per live view (``FRAME_PATH/{token}/socket``): each text message is a
    request's query string, each answer one text message ``{"code": status, "body": answer}`` (see
    ``frame_answer``). One connection for the view's life instead of an HTTP request per frame, which cost the
    browser's request machinery about 0.13 of a core at 36 frames a second."""
    token = websocket.path_params["token"]
    await websocket.accept()
    with contextlib.suppress(WebSocketDisconnect):  # also what a send raises once the browser has gone
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            query = message.get("text")
            if query is None:
                await websocket.close(code=1003, reason="frame queries are text messages")
                return
            if len(query) > MAX_QUERY_CHARS:
                await websocket.close(code=1009, reason=f"query: {len(query)} characters, limit {MAX_QUERY_CHARS}")
                return
            status, body = await frame_answer(token, dict(parse_qsl(query)))
            await websocket.send_text(f'{{"code":{status},"body":{body.decode("utf-8")}}}')
            if status == 404:
                await websocket.close(code=1000)
                return


async def _pause_endpoint(request: Request) -> Response:
    """Pause the run of a live view now: a click on Pause otherwise waits for the page's script run, which waits
    behind the other sessions' runs on the server's one Python process (1.7 s median with thirty students pressing
    at once). The click's script run still comes and pauses again, which changes nothing."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return Response(b'{"error":"pause from another site"}', status_code=403, media_type="application/json")
    pause = get_frame_pause(request.path_params["token"])
    if pause is None:
        return Response(b'{"error":"unknown token"}', status_code=404, media_type="application/json")
    plays = _int_param(request.query_params, "plays")
    # a message to each worker of the run, off the event loop; none when nothing plays or a Play came after
    await run_in_threadpool(pause, plays if plays >= 0 else None)
    return Response(status_code=204, headers=_NO_STORE)


def _frame_body(
    token: str,
    source: FrameSource,
    changes: FrameChanges | None,
    since: int,
    since_compare: int,
    since_step: int,
    have: frozenset[str],
) -> tuple[int, bytes]:
    try:
        version = None if changes is None else changes.version()  # before the frame: a later change is newer
        frame = source(since, since_compare, since_step)
        if version is not None:
            frame = {**frame, "version": version}
        return 200, dumps_frame(frame, have)
    except Exception as error:  # a failing source must not take the route down; the page shows the error
        _LOGGER.exception("frame source %s failed", token)
        return 500, json.dumps({"error": f"{type(error).__name__}: {error}"}).encode("utf-8")


def _int_param(params: Mapping[str, str], name: str) -> int:
    try:
        return int(params.get(name, "-1"))
    except ValueError:
        return -1


def _have(params: Mapping[str, str]) -> frozenset[str]:
    """The keys of the parts the browser already holds (``have=k1,k2``): those parts are not sent again."""
    return frozenset(key for key in params.get("have", "").split(",")[:8] if key)


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
    """The routes to mount on ``st.App``: the frame endpoint and its WebSocket."""
    return [
        Route(FRAME_PATH + "/{token}", _frame_endpoint, methods=["GET"], name="playground_frame"),
        Route(FRAME_PATH + "/{token}/pause", _pause_endpoint, methods=["POST"], name="playground_frame_pause"),
        WebSocketRoute(FRAME_PATH + "/{token}/socket", _frame_socket, name="playground_frame_socket"),
    ]


__all__ = ["LONG_POLL_S", "enable_tcp_nodelay", "frame_routes", "wait_for_change"]
