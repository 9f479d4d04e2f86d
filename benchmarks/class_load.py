"""A class on one server: N students open the 2D page, press Play, watch the run for a minute and press Pause.

Starts the real server the way the README does (``scripts/start.sh``), once per class size. Each student is a client
that speaks Streamlit's protocol as the page does, so that the figures are the server's and not those of N browsers
drawing on the same two cores (a student's browser runs on a computer of their own):

* once, a real Chromium page opens the 2D page, presses Play and Pause, and every message it sends the server is
  recorded: its load, its Play press, its Pause press (widget ids and the buttons' fragment are the same in every
  session);
* each student opens a session of its own on the server's websocket and replays those messages (without the
  browser's cache of messages, so the server sends everything), answers the timed reruns the server asks for as
  the browser does (every second while the run plays), and asks its live view's frames over the frame socket as the
  view does: one after the other, each once the previous one arrived (``after=`` the version it holds), parsing
  every one; its Pause press also goes to the frame route's pause at once, as the live view sends it (the recording
  checks that the real page did).

Prints, for each class size: the memory of the server, the workers' template and the workers (proportional set size,
PSS: shared pages split between the processes that share them), in total and per session (the growth over the idle
server, divided by N); frames a second per page (what a browser that keeps up would redraw); Play and Pause from
the press to the first frame that shows it; epochs a second per session; the server's CPU; and every error (an
exception on a page, a frame refused, a run that failed, a socket that closed). Targets for 30 students on 2 cores
are printed beside the figures. Prints figures, asserts nothing.

    python benchmarks/class_load.py [--students 10,20,30] [--watch-seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.browser.page_helpers import INSTANT_PAUSE_ROUTE, carries_press  # noqa: E402
from tests.browser.served_app import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, Server, running_server  # noqa: E402

PAGE_PATH = "/playground_2d"
FRAME_ROUTE = re.compile(rb"/_playground/frame/[A-Za-z0-9_\-]+")
#: The targets for 30 students on two cores.
TARGET_REDRAWS = 2.0
TARGET_PAUSE_S = 1.0
TARGET_TOTAL_MB = 2500.0
#: How long a student waits for the server at each step before it counts an error.
STEP_TIMEOUT_S = 120.0
MB = 2**20


# Recording what a real page sends ----------------------------------------------------------------------------
@dataclass
class Recording:
    """What a real 2D page sent the server's websocket: from its load until its Play press, the press, then Pause."""

    opening: list[bytes] = field(default_factory=list)
    play: bytes = b""
    pause: bytes = b""


def _press(message: bytes) -> bool:
    back = BackMsg()
    back.ParseFromString(message)
    return back.WhichOneof("type") == "rerun_script" and carries_press(back.rerun_script, ("2d_play",))


def record(server: Server) -> Recording:
    """Open the 2D page in Chromium, press Play, then Pause, and keep what the page sent."""
    from playwright.sync_api import expect, sync_playwright

    recording, sent = Recording(), []

    def relay(socket) -> None:
        upstream = socket.connect_to_server()

        def from_page(message) -> None:
            if isinstance(message, bytes):
                sent.append(message)
            upstream.send(message)

        socket.on_message(from_page)
        upstream.on_message(socket.send)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.route_web_socket("**/_stcore/stream", relay)
            page.goto(server.url + PAGE_PATH)
            view = page.get_by_test_id("pg-live")
            expect(view).to_have_attribute("data-status", "paused", timeout=120_000)
            play = page.locator("[class*='st-key-2d_play_']").get_by_role("button")
            play.click()
            expect(view).to_have_attribute("data-status", "running", timeout=60_000)
            page.wait_for_timeout(1500)
            with page.expect_request(INSTANT_PAUSE_ROUTE):  # the live view pauses the run at once too
                play.click()
            expect(view).to_have_attribute("data-status", "paused", timeout=60_000)
            page.wait_for_timeout(1000)
        finally:
            browser.close()
    presses = [index for index, message in enumerate(sent) if _press(message)]
    if len(presses) != 2:
        raise RuntimeError(f"expected the page to send 2 presses of Play/Pause, it sent {len(presses)}")
    recording.opening = [message for message in sent[: presses[0]] if _rerun(message) is not None]
    recording.play, recording.pause = _fresh(sent[presses[0]]), _fresh(sent[presses[1]])
    recording.opening = [_fresh(message) for message in recording.opening]
    return recording


def _rerun(message: bytes) -> BackMsg | None:
    back = BackMsg()
    back.ParseFromString(message)
    return back if back.WhichOneof("type") == "rerun_script" else None


def _fresh(message: bytes) -> bytes:
    """The message as a browser with nothing cached sends it: the server then sends every element in full."""
    back = BackMsg()
    back.ParseFromString(message)
    if back.WhichOneof("type") == "rerun_script":
        del back.rerun_script.cached_message_hashes[:]
    return back.SerializeToString()


def _timed_rerun(last: bytes, fragment_id: str) -> bytes:
    """The rerun the browser sends on a fragment's timer: the widget states it last sent, no press in them."""
    back = BackMsg()
    back.ParseFromString(last)
    rerun = back.rerun_script
    kept = [widget for widget in rerun.widget_states.widgets if widget.WhichOneof("value") != "trigger_value"]
    del rerun.widget_states.widgets[:]
    rerun.widget_states.widgets.extend(kept)
    rerun.fragment_id, rerun.is_auto_rerun = fragment_id, True
    return back.SerializeToString()


# One student ---------------------------------------------------------------------------------------------------
@dataclass
class Student:
    index: int
    errors: list[str] = field(default_factory=list)
    frames: list[tuple[float, int, str]] = field(default_factory=list)  # (time, epoch, status) of each frame
    play_s: float | None = None
    pause_s: float | None = None
    window: tuple[float, float] = (0.0, 0.0)
    new_routes: int = 0  # times the page named a new frame route (its run started afresh)

    def frames_per_s(self) -> float:
        start, end = self.window
        return sum(1 for at, _, _ in self.frames if start <= at < end) / max(end - start, 1e-9)

    def epochs_per_s(self) -> float:
        start, end = self.window
        inside = [epoch for at, epoch, _ in self.frames if start <= at < end]
        return (inside[-1] - inside[0]) / (end - start) if len(inside) > 1 else 0.0


class StudentSession:
    """One student's page: a Streamlit session over the websocket, and the live view's frame socket."""

    def __init__(self, student: Student, base_url: str, recording: Recording, pause_after_s: float = 0.0) -> None:
        self.student, self.base_url, self.recording = student, base_url, recording
        self.pause_after_s = pause_after_s  # when this student presses Pause, after the class is told to
        self.script_running = False
        self.idle = asyncio.Event()
        self.frame_route: str | None = None
        self.route_found = asyncio.Event()
        self.status, self.epoch = "", 0
        self.plays: int | None = None  # the Play count of the latest frame, which the live view's Pause names
        self.status_changed = asyncio.Event()
        self.last_sent = b""
        self.timers: dict[str, asyncio.Task] = {}
        self.done = False

    def error(self, text: str) -> None:
        self.student.errors.append(text)

    async def run(self, watch_s: float, start_gate: asyncio.Event, stop_gate: asyncio.Event) -> None:
        from websockets.asyncio.client import connect

        address = self.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        try:
            async with connect(address, subprotocols=["streamlit"], max_size=None, open_timeout=60) as socket:
                reader = asyncio.create_task(self._read(socket))
                try:
                    await self._open(socket)
                    await self._watch(socket, watch_s, start_gate, stop_gate)
                finally:
                    self.done = True
                    for timer in self.timers.values():
                        timer.cancel()
                    reader.cancel()
        except Exception as error:  # noqa: BLE001 - a load test reports every failure and goes on
            self.error(f"{type(error).__name__}: {error}")

    async def _send(self, socket, message: bytes) -> None:
        self.last_sent = message
        self.script_running = True
        self.idle.clear()
        await socket.send(message)

    async def _open(self, socket) -> None:
        for message in self.recording.opening:
            await self._send(socket, message)
            await asyncio.wait_for(self.idle.wait(), STEP_TIMEOUT_S)
        await asyncio.wait_for(self.route_found.wait(), STEP_TIMEOUT_S)
        asyncio.create_task(self._ask_frames())
        await self._until_status(lambda status: status == "paused")  # the worker is up

    async def _watch(self, socket, watch_s: float, start_gate: asyncio.Event, stop_gate: asyncio.Event) -> None:
        await start_gate.wait()
        pressed = time.monotonic()
        await self._send(socket, self.recording.play)
        await self._until_status(lambda status: status == "running")
        self.student.play_s = time.monotonic() - pressed
        await asyncio.sleep(2.0)  # every student's run has started
        self.student.window = (time.monotonic(), time.monotonic() + watch_s)
        await asyncio.sleep(watch_s)
        await stop_gate.wait()
        await asyncio.sleep(self.pause_after_s)
        pressed = time.monotonic()
        instant = asyncio.create_task(self._pause_at_once())  # the live view's, beside the press's own message
        await self._send(socket, self.recording.pause)
        await self._until_status(lambda status: status == "paused")
        self.student.pause_s = time.monotonic() - pressed
        await instant

    async def _pause_at_once(self) -> None:
        """What the page's live view sends when Pause is clicked: a POST to its frame route's pause."""
        assert self.frame_route is not None
        request = urllib.request.Request(f"{self.base_url}{self.frame_route}/pause?plays={self.plays}", method="POST")

        def post() -> int:
            with urllib.request.urlopen(request, timeout=STEP_TIMEOUT_S) as response:
                return response.status

        try:
            status = await asyncio.to_thread(post)
        except OSError as error:
            self.error(f"instant pause: {error}")
            return
        if status != 204:
            self.error(f"instant pause: HTTP {status}")

    async def _until_status(self, wanted) -> None:
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while not wanted(self.status):
            self.status_changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"status stayed {self.status!r}")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.status_changed.wait(), left)

    async def _read(self, socket) -> None:
        """Everything the server sends the page: runs starting and ending, elements (the live view's frame route,
        exceptions), and the fragments' timers."""
        with contextlib.suppress(asyncio.CancelledError):
            async for message in socket:
                if not isinstance(message, bytes):
                    continue
                if (found := FRAME_ROUTE.search(message)) and found.group().decode() != self.frame_route:
                    if self.frame_route is not None:
                        self.student.new_routes += 1  # the page's run started afresh: a new worker
                    self.frame_route = found.group().decode()
                    self.route_found.set()
                forward = ForwardMsg()
                forward.ParseFromString(message)
                kind = forward.WhichOneof("type")
                if kind == "session_status_changed":
                    self.script_running = forward.session_status_changed.script_is_running
                    if not self.script_running:
                        self.idle.set()
                elif kind == "script_finished":
                    self.script_running = False
                    self.idle.set()
                elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                    element = forward.delta.new_element
                    if element.WhichOneof("type") == "exception":
                        self.error(f"exception on the page: {element.exception.message[:200]}")
                elif kind == "auto_rerun":
                    self._start_timer(socket, forward.auto_rerun.fragment_id, forward.auto_rerun.interval)
                elif kind == "stop_auto_rerun":
                    for fragment_id in forward.stop_auto_rerun.fragment_ids:
                        timer = self.timers.pop(fragment_id, None)
                        if timer is not None:
                            timer.cancel()

    def _start_timer(self, socket, fragment_id: str, interval: float) -> None:
        if fragment_id in self.timers:
            return

        async def tick() -> None:
            with contextlib.suppress(asyncio.CancelledError):
                while not self.done:
                    await asyncio.sleep(interval)
                    if not self.script_running and self.last_sent:
                        await socket.send(_timed_rerun(self.last_sent, fragment_id))

        self.timers[fragment_id] = asyncio.create_task(tick())

    async def _ask_frames(self) -> None:
        """The live view's frames, one after the other, as the view asks for them; from the newest route the page
        names, as the view does when a new run replaced the old one."""
        while not self.done:
            route = self.frame_route
            assert route is not None
            if await self._ask_route(route):
                return
            deadline = time.monotonic() + 10.0  # a refused route: the page should name a new one
            while self.frame_route == route and time.monotonic() < deadline and not self.done:
                await asyncio.sleep(0.1)
            if self.done:
                return  # the student left: the session and its routes end with the page
            if self.frame_route == route:
                self.error(f"frame route {route} refused ({self.status}, epoch {self.epoch}) and no new one came")
                return

    async def _ask_route(self, route: str) -> bool:
        """Frames from ``route`` until the student is done (True) or the route is refused (False)."""
        from websockets.asyncio.client import connect

        address = urllib.parse.urljoin(self.base_url, route + "/socket").replace("http", "ws", 1)
        since, since_step, version, held = -1, -1, None, {}
        try:
            async with connect(address, max_size=None, open_timeout=60) as socket:
                while not self.done:
                    query = {"since": since, "since_step": since_step}
                    if held:
                        query["have"] = ",".join(held.values())
                    if version is not None:
                        query["after"] = version
                    await socket.send(urllib.parse.urlencode(query))
                    answer = json.loads(await socket.recv())
                    if answer["code"] == 404:
                        return False
                    if answer["code"] != 200:
                        self.error(f"frame refused ({self.status}, epoch {self.epoch}): {answer}")
                        return True
                    frame = answer["body"]
                    epochs = (frame.get("history") or {}).get("epoch") or []
                    since = epochs[-1] if epochs else since
                    steps = (frame.get("batches") or {}).get("step") or []
                    since_step = steps[-1] if steps else since_step
                    version = frame.get("version")
                    for part in ("pictures", "boundary", "network"):
                        if isinstance(frame.get(part), dict) and frame[part].get("key"):
                            held[part] = frame[part]["key"]
                    self.epoch = int(frame.get("epoch") or self.epoch)
                    self.plays = frame.get("plays", self.plays)
                    if frame.get("status") == "error":
                        self.error(f"run failed: {frame.get('message')}")
                    if frame.get("status") != self.status:
                        self.status = frame.get("status") or ""
                        self.status_changed.set()
                    self.student.frames.append((time.monotonic(), self.epoch, self.status))
        except Exception as error:  # noqa: BLE001
            if not self.done:
                self.error(f"frame socket: {type(error).__name__}: {error}")
        return True


# A class -------------------------------------------------------------------------------------------------------
def session_memory_mb(server: Server) -> dict[str, float]:
    """PSS of the server's processes by role: the server, the workers' template, the training workers."""
    totals = {"server": 0.0, "template": 0.0, "workers": 0.0}
    root = psutil.Process(server.pid)
    for process in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            command = " ".join(process.cmdline())
            parent = process.parent()
            if "template_main" in command:
                forked = parent is not None and "template_main" in " ".join(parent.cmdline())
                role = "workers" if forked else "template"
            else:
                role = "workers" if "worker_main" in command else "server"
            totals[role] += process.memory_full_info().pss / MB
    return totals


def settled_memory_mb(server: Server, timeout_s: float = 60.0) -> dict[str, float]:
    """``session_memory_mb`` once the workers' template has imported everything (it starts with the server and
    takes a few seconds): two readings a second apart within 1 MB of each other."""
    deadline = time.monotonic() + timeout_s
    before = session_memory_mb(server)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = session_memory_mb(server)
        if abs(sum(now.values()) - sum(before.values())) < 1.0:
            return now
        before = now
    return before


def cpu_seconds(server: Server) -> float:
    root = psutil.Process(server.pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system
    return total


async def run_class(
    server: Server, recording: Recording, students: int, watch_s: float, pause_spread_s: float
) -> tuple[list[Student], float]:
    start_gate, stop_gate = asyncio.Event(), asyncio.Event()
    order = list(range(students))
    random.Random(0).shuffle(order)  # who presses Pause when: the same in every run
    sessions = [
        StudentSession(Student(index), server.url, recording, pause_spread_s * order[index] / students)
        for index in range(students)
    ]
    tasks = [asyncio.create_task(session.run(watch_s, start_gate, stop_gate)) for session in sessions]
    deadline = time.monotonic() + STEP_TIMEOUT_S * 2
    while time.monotonic() < deadline and not all(s.status == "paused" or s.student.errors for s in sessions):
        await asyncio.sleep(0.2)
    opened = time.monotonic()
    cpu_before = cpu_seconds(server)
    start_gate.set()
    await asyncio.sleep(watch_s + 2.0)
    cpu = (cpu_seconds(server) - cpu_before) / (time.monotonic() - opened)
    stop_gate.set()
    await asyncio.gather(*tasks)
    return [session.student for session in sessions], cpu


def describe(values: list[float], form: str) -> str:
    if not values:
        return "-"
    return f"median {form.format(statistics.median(values))}, worst {form.format(max(values))}"


def one_class(
    recording: Recording | None, students: int, watch_s: float, pause_spread_s: float, log_dir: Path
) -> Recording:
    with running_server(log_dir, f"class-{students}", check=False) as server:
        if recording is None:
            recording = record(server)
        if not server.wait_for_no_workers(timeout=60.0):  # the recording's session ends, and its worker with it
            print("  the recording page's worker is still there: the idle figure includes it")
        idle = settled_memory_mb(server)
        result: list[Student] = []
        peak: dict[str, float] = {}

        async def main() -> float:
            nonlocal result, peak
            task = asyncio.create_task(run_class(server, recording, students, watch_s, pause_spread_s))
            while not task.done():  # the memory while every student's run trains
                await asyncio.sleep(5.0)
                now = session_memory_mb(server)
                if sum(now.values()) > sum(peak.values()):
                    peak = now
            result, cpu = task.result()
            return cpu

        cpu = asyncio.run(main())
    total = sum(peak.values())
    errors = [f"student {s.index}: {text}" for s in result for text in s.errors]
    errors += [f"student {s.index}: the run started afresh {s.new_routes} times" for s in result if s.new_routes]
    print(f"\n{students} students, {watch_s:.0f} s of watching each:")
    print(f"  memory at peak: {total:,.0f} MB (server {peak['server']:,.0f}, template {peak['template']:,.0f}, "
          f"workers {peak['workers']:,.0f}); idle server {sum(idle.values()):,.0f} MB; "
          f"per session {(total - sum(idle.values())) / students:,.1f} MB")  # fmt: skip
    frames = [s.frames_per_s() for s in result if s.window[1]]
    print(f"  frames a second per page: median {statistics.median(frames):.1f}, lowest {min(frames):.1f}"
          if frames else "  no page watched")  # fmt: skip
    print(f"  Play to a running frame: {describe([s.play_s for s in result if s.play_s is not None], '{:.2f} s')}")
    pauses = [s.pause_s for s in result if s.pause_s is not None]
    when = f"spread over {pause_spread_s:.0f} s" if pause_spread_s else "all at once"
    print(f"  Pause (pressed {when}) to a paused frame: {describe(pauses, '{:.2f} s')}")
    epochs = [s.epochs_per_s() for s in result if s.window[1]]
    print(f"  epochs a second per session: median {statistics.median(epochs):.1f}, lowest {min(epochs):.1f}, "
          f"all together {sum(epochs):.0f}" if epochs else "")  # fmt: skip
    print(f"  server, template and workers used {cpu:.2f} cores of {os.cpu_count()}")
    print(f"  errors: {len(errors)}" + "".join(f"\n    {text}" for text in errors[:20]))
    if students >= 30:
        verdicts = [
            ("no error", not errors),
            (f"at least {TARGET_REDRAWS:.0f} redraws a second per page", min(frames, default=0) >= TARGET_REDRAWS),
            (f"Pause within {TARGET_PAUSE_S:.0f} s", len(pauses) == students and max(pauses) <= TARGET_PAUSE_S),
            (f"at most {TARGET_TOTAL_MB:,.0f} MB in total", total <= TARGET_TOTAL_MB),
        ]
        print("  targets: " + "; ".join(f"{name}: {'meets' if ok else 'MISSES'}" for name, ok in verdicts))
    return recording


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", default="10,20,30", help="class sizes, comma-separated (default 10,20,30)")
    parser.add_argument("--watch-seconds", type=float, default=60.0, help="how long each student watches (60)")
    parser.add_argument("--pause-spread", type=float, default=10.0,
                        help="the students press Pause one after another over this many seconds, as a class told "
                        "to pause does (default 10; 0: all at once)")  # fmt: skip
    parser.add_argument("--log-dir", type=Path, help="keep the servers' logs here (default: a temporary folder)")
    args = parser.parse_args()
    sizes = [int(size) for size in args.students.split(",")]
    os.environ.setdefault("PLAYGROUND_MAX_WORKERS", str(max(sizes) + 1))  # every student trains at once
    print(f"{os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB; the 2D page's default setup; "
          f"at most {os.environ['PLAYGROUND_MAX_WORKERS']} runs train at once")  # fmt: skip
    recording = None
    with tempfile.TemporaryDirectory() as temporary:
        log_dir = args.log_dir or Path(temporary)
        log_dir.mkdir(parents=True, exist_ok=True)
        for students in sizes:
            recording = one_class(recording, students, args.watch_seconds, args.pause_spread, log_dir)


if __name__ == "__main__":
    main()
