"""A press of Play, Pause or Step is never lost and never counted twice, in a real browser against the real server.

Every page with a run opens afresh several times (a new browser context, so a new Streamlit session and a new
worker each time) and gets Play pressed the moment the button appears, while the page is still drawing and the
worker still starting: training must start every time.

Streamlit's browser side can deliver one press twice: each timed rerun of a fragment (``run_every``) sends every
widget state, a press not yet sent included, and the press then goes out on its own too. The buttons used to
toggle, so the second delivery paused the run the first had just started (one Play in nine on the sequences
page, whose charts reran every second then). ``DoubledPresses`` makes that race happen every time, by relaying the
page's websocket and sending each press first inside a copy of the latest timed rerun, then on its own once the
server has finished that copy: every press must still count once. The copy may also go as a full rerun, which is
what the server makes of a timed rerun that meets a pending full rerun (it folds them into one): that run applies
the press and redraws the buttons before the second delivery arrives (a Step stepped twice, an editor's insert
inserted twice, and a Play became a Pause: the likely way a Play pressed as a sequences page loaded ended paused).
A paused 2D page has no timed rerun at all (nothing there can change by itself), nor do the tables page and the
sequences page's loss view since their charts are painted by the live view, so there a press cannot be doubled in
the first place; the convolutions page's views still rerun every second.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, WebSocketRoute, expect
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from playground.presets import load_preset

from .largest import PRESENTER, open_largest, page_cases
from .page_helpers import (
    INSTANT_PAUSE_ROUTE,
    assert_same_live_view,
    carries_press,
    fetch_frame,
    frame_urls,
    live,
    mark_live_view,
    open_2d_page,
    play_controls,
    wait_until_idle,
    without_instant_pause,
)
from .served_app import VIEWPORT

pytestmark = pytest.mark.browser

#: The pages with a run: their buttons' key prefix and their path.
PAGES = {"2d": "/playground_2d", "tab": "/tabular", "cnn": "/convolutions", "seq": "/sequences"}
#: Fresh pages per page kind. Each costs about 10 s of CPU (the worker imports PyTorch, the server runs the page,
#: Chromium draws it), so the default keeps the four kinds within a few minutes on two cores; set
#: ``PLAYGROUND_TEST_FRESH_PAGES=20`` for a longer hunt.
OPENINGS = int(os.environ.get("PLAYGROUND_TEST_FRESH_PAGES", "3"))
#: Pages waiting for training to start at once: the next one loads while the worker of the other starts.
IN_FLIGHT = 2
LOAD_TIMEOUT_MS = 60_000
#: A fresh worker imports PyTorch and builds its model before it trains, on a machine busy with the next page.
START_TIMEOUT_S = 90.0
TRAINING_STARTED_JS = """() => {
  const view = document.querySelector('[data-testid="pg-live"]');
  return !!view && (view.dataset.status === "running" || +(view.dataset.epoch || 0) > 0);
}"""
#: How long a stepped run must stay at its one new epoch (an epoch of the CNN on the 8x8 digits takes a tenth of a
#: second or so).
STEP_SETTLE_MS = 1_500
#: The convolutions page's CNN on the 8x8 digits, as a link: quick epochs, and a view that reruns every second.
DIGITS_LINK = load_preset("digits-cnn").to_url_param()
#: How long a paused page is watched for timed reruns (its fragments would rerun every second).
IDLE_WATCH_MS = 3_000


@dataclass
class Opening:
    """One fresh page whose Play was pressed ``pressed_after_s`` after it was opened."""

    kind: str
    index: int
    context: BrowserContext
    page: Page
    pressed_at: float
    pressed_after_s: float

    def trains(self) -> bool:
        return bool(self.page.evaluate(TRAINING_STARTED_JS))

    def describe(self) -> str:
        view = live(self.page)
        _, play_label = play_controls(self.kind)
        status = view.get_attribute("data-status") if view.count() else "(no live view)"
        label = play_label(self.page).inner_text() if play_label(self.page).count() == 1 else "(no button)"
        return (
            f"{self.kind} #{self.index}: pressed {self.pressed_after_s:.1f} s after opening; "
            f"{time.monotonic() - self.pressed_at:.0f} s later the live view says {status!r}, the button {label!r}"
        )


def press_play_at_once(browser: Browser, url: str, kind: str, index: int) -> Opening:
    """Open the page in a new browser context (a new session, a new worker) and click Play as soon as it shows."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    page = context.new_page()
    opened = time.monotonic()
    page.goto(url, timeout=LOAD_TIMEOUT_MS)
    play_button, _ = play_controls(kind)
    play_button(page).click(timeout=LOAD_TIMEOUT_MS)  # waits for the button to appear, then clicks at once
    return Opening(kind, index, context, page, time.monotonic(), time.monotonic() - opened)


def settle(waiting: list[Opening], lost: list[str], keep: int) -> None:
    """Close the pages whose run trains (their sessions and workers end with them) and note the ones that did not
    start in time, until at most ``keep`` pages wait."""
    while True:
        for opening in list(waiting):
            started = opening.trains()
            if not started and time.monotonic() - opening.pressed_at < START_TIMEOUT_S:
                continue
            if not started:
                lost.append(opening.describe())
            opening.context.close()
            waiting.remove(opening)
        if len(waiting) <= keep:
            return
        waiting[0].page.wait_for_timeout(100)


@pytest.mark.timeout(120 + 60 * OPENINGS)
@pytest.mark.parametrize("kind", list(PAGES))
def test_play_pressed_the_moment_it_appears_starts_training_every_time(server, browser, kind):
    url = f"{server.url}{PAGES[kind]}"
    waiting: list[Opening] = []
    lost: list[str] = []
    try:
        for index in range(OPENINGS):
            waiting.append(press_play_at_once(browser, url, kind, index))
            settle(waiting, lost, keep=IN_FLIGHT - 1)
        settle(waiting, lost, keep=0)
    finally:
        for opening in waiting:
            opening.context.close()
    assert not lost, f"{len(lost)} of {OPENINGS} presses of Play did not start training:\n" + "\n".join(lost)


#: Server messages up to this size are parsed for the run's status; bigger ones are drawings (deltas).
SMALL_MESSAGE_BYTES = 256


@dataclass
class DoubledPresses:
    """Relays a page's websocket, delivering each press of the buttons keyed ``suffixes`` twice, as Streamlit's
    browser side can: first inside a copy of the latest timed fragment rerun the page sent (once the server is
    idle, so that the copy runs on its own), then, once that run has finished, the press's own message.
    ``answered`` counts the presses whose own message the server has answered (a run that redrew the buttons)."""

    suffixes: tuple[str, ...]
    #: Send the copy as a full rerun instead: what the server makes of a timed fragment rerun when a full rerun is
    #: pending (it folds them into one full rerun), as while a page loads or redraws itself after a change.
    copy_as_full_rerun: bool = False
    #: Never send the press's own message: what happens when the server drops it (a rerun of a fragment it no
    #: longer holds is dropped whole), so the copy inside the timed rerun is the press's only delivery.
    own_message_lost: bool = False
    timed_fragment: str = ""
    server_busy: bool = True
    phase: str = "idle"  # idle -> copy waiting -> copy running -> own running -> idle
    copy: bytes = b""
    held: bytes = b""
    held_fragment: str = ""
    redrawn: bool = False
    copies: int = 0
    answered: int = 0
    log: list[str] = field(default_factory=list)

    def pressed(self, rerun) -> bool:
        return carries_press(rerun, self.suffixes)

    def route(self, socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()

        def send_copy() -> None:
            server.send(self.copy)
            self.phase = "copy running"
            self.log.append(f"press {self.copies}: sent inside a timed rerun of {self.timed_fragment[:8]}")

        def from_page(message: str | bytes) -> None:
            if isinstance(message, bytes) and self.phase == "idle":
                back = BackMsg()
                back.ParseFromString(message)
                rerun = back.rerun_script if back.WhichOneof("type") == "rerun_script" else None
                if rerun is not None and rerun.is_auto_rerun and rerun.fragment_id:
                    self.timed_fragment = rerun.fragment_id
                elif rerun is not None and self.timed_fragment and self.pressed(rerun):
                    copy = BackMsg()
                    copy.CopyFrom(back)
                    copy.rerun_script.is_auto_rerun = not self.copy_as_full_rerun
                    copy.rerun_script.fragment_id = "" if self.copy_as_full_rerun else self.timed_fragment
                    self.copy, self.held, self.held_fragment = copy.SerializeToString(), message, rerun.fragment_id
                    self.copies += 1
                    self.phase = "copy waiting"
                    if not self.server_busy:
                        send_copy()
                    return
            server.send(message)

        def from_server(message: str | bytes) -> None:
            socket.send(message)
            if not isinstance(message, bytes):
                return
            if len(message) > SMALL_MESSAGE_BYTES and self.phase != "own running":
                return
            forward = ForwardMsg()
            forward.ParseFromString(message)
            kind = forward.WhichOneof("type")
            if kind == "session_status_changed":
                self.server_busy = forward.session_status_changed.script_is_running
            if self.phase == "copy waiting" and not self.server_busy:
                send_copy()
            elif self.phase == "copy running" and kind == "script_finished" and self.own_message_lost:
                self.phase = "idle"
                self.answered += 1
                self.log.append(f"press {self.copies}: its own message lost")
            elif self.phase == "copy running" and kind == "script_finished":
                server.send(self.held)  # the press's own message, once the copy's run has finished
                self.phase, self.redrawn = "own running", False
                self.log.append(f"press {self.copies}: sent on its own")
            elif self.phase == "own running" and kind == "delta" and forward.delta.fragment_id == self.held_fragment:
                self.redrawn = True
            elif self.phase == "own running" and kind == "script_finished" and self.redrawn:
                self.phase = "idle"
                self.answered += 1

        socket.on_message(from_page)
        server.on_message(from_server)

    def wait_answered(self, page: Page, count: int, timeout_s: float = 60.0) -> None:
        """Wait until the server has answered ``count`` doubled presses (the relay runs while Playwright waits)."""
        deadline = time.monotonic() + timeout_s
        while self.answered < count:
            assert time.monotonic() < deadline, f"press {count} was not answered in {timeout_s:.0f} s: {self.log}"
            page.wait_for_timeout(100)
        assert self.copies == count, f"expected {count} doubled presses: {self.log}"


def wait_for_timed_rerun(page: Page, doubled: DoubledPresses, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not doubled.timed_fragment:
        assert time.monotonic() < deadline, f"the page sent no timed fragment rerun in {timeout_s:.0f} s"
        page.wait_for_timeout(100)


def test_a_paused_2d_page_reruns_nothing_on_a_timer_and_a_pause_delivered_twice_counts_once(server, context):
    page = context.new_page()
    without_instant_pause(page)  # the press's deliveries alone must pause
    doubled = DoubledPresses(suffixes=("-2d_play",))
    page.route_web_socket("**/_stcore/stream", doubled.route)
    urls = frame_urls(page)
    open_2d_page(page, server.url)
    view = live(page)
    expect(view).to_have_attribute("data-status", "paused", timeout=START_TIMEOUT_S * 1000)  # the worker is up
    page.wait_for_timeout(IDLE_WATCH_MS)
    assert not doubled.timed_fragment, "a paused 2D page reruns a fragment every second (and may deliver presses twice)"
    play_button, play_label = play_controls("2d")

    play_button(page).click()  # nothing to hide it in: delivered once
    expect(view).to_have_attribute("data-status", "running", timeout=START_TIMEOUT_S * 1000)
    wait_for_timed_rerun(page, doubled)  # while it plays, the buttons' follower checks the run every second
    play_button(page).click()
    doubled.wait_answered(page, 1)
    assert fetch_frame(page, urls)["status"] == "paused", f"Pause, delivered twice, did not pause: {doubled.log}"
    expect(play_label(page)).to_have_text("Play")


def test_a_pause_whose_only_delivery_rode_a_timed_rerun_still_pauses(server, context):
    """The press's callback notes it in another fragment's run and its own message never comes: the buttons'
    follower, which checks the run every second while it plays, must apply it (before, the press waited unseen)."""
    page = context.new_page()
    without_instant_pause(page)  # the press's one delivery alone must pause
    doubled = DoubledPresses(suffixes=("-2d_play",), own_message_lost=True)
    page.route_web_socket("**/_stcore/stream", doubled.route)
    urls = frame_urls(page)
    open_2d_page(page, server.url)
    view = live(page)
    expect(view).to_have_attribute("data-status", "paused", timeout=START_TIMEOUT_S * 1000)  # the worker is up
    play_button, play_label = play_controls("2d")
    play_button(page).click()  # a paused 2D page has no timed rerun: delivered on its own
    expect(view).to_have_attribute("data-status", "running", timeout=START_TIMEOUT_S * 1000)
    wait_for_timed_rerun(page, doubled)

    play_button(page).click()
    doubled.wait_answered(page, 1)
    expect(play_label(page)).to_have_text("Play", timeout=10_000)
    assert fetch_frame(page, urls)["status"] == "paused", f"Pause, delivered only in a timed rerun: {doubled.log}"


@pytest.mark.parametrize("first_delivery", ["timed fragment rerun", "full rerun"])
def test_play_and_step_delivered_twice_count_once(server, context, first_delivery):
    page = context.new_page()
    doubled = DoubledPresses(
        suffixes=("-cnn_play", "-cnn_step"), copy_as_full_rerun=first_delivery == "full rerun"
    )
    page.route_web_socket("**/_stcore/stream", doubled.route)
    urls = frame_urls(page)
    page.goto(f"{server.url}/convolutions?config={DIGITS_LINK}")
    view = live(page)
    expect(view).to_have_attribute("data-status", "paused", timeout=START_TIMEOUT_S * 1000)  # the worker is up
    wait_for_timed_rerun(page, doubled)  # the filters view reruns every second (its channel sliders)
    play_button, play_label = play_controls("cnn")

    epoch = fetch_frame(page, urls)["epoch"]
    page.locator("[class*='st-key-cnn_step_']").get_by_role("button").click()
    doubled.wait_answered(page, 1)
    expect(view).to_have_attribute("data-epoch", str(epoch + 1), timeout=30_000)
    page.wait_for_timeout(STEP_SETTLE_MS)  # a second step would have trained another epoch by now
    frame = fetch_frame(page, urls)
    assert (frame["status"], frame["epoch"]) == ("paused", epoch + 1), f"Step, delivered twice: {doubled.log}"

    play_button(page).click()
    doubled.wait_answered(page, 2)
    assert fetch_frame(page, urls)["status"] == "running", f"Play, delivered twice, did not play: {doubled.log}"
    expect(play_label(page)).to_have_text("Pause")


@pytest.mark.parametrize("first_delivery", ["timed fragment rerun", "full rerun"])
def test_layer_editor_presses_delivered_twice_change_the_stack_once(server, context, first_delivery):
    """The convolutions page's filters view reruns every second even while it is paused, so the editor's buttons
    meet the same doubled delivery: an insert or a removal must happen once (the second delivery used to insert a
    second layer, or fail with "0 is not in list" removing a row already gone)."""
    stack = "cnn_stack_mnist_"  # the editor's key for the seed CNN's stack on MNIST, as the page opens
    page = context.new_page()
    doubled = DoubledPresses(suffixes=("_insert_above", "_remove"), copy_as_full_rerun=first_delivery == "full rerun")
    page.route_web_socket("**/_stcore/stream", doubled.route)
    page.goto(f"{server.url}/convolutions")
    expect(live(page)).to_have_attribute("data-status", "paused", timeout=START_TIMEOUT_S * 1000)
    wait_for_timed_rerun(page, doubled)
    page_rows = page.locator(f"[class*='st-key-{stack}_'][class*='_remove']")
    rows = page_rows.count()

    page.locator(f"[class*='st-key-{stack}_2_insert_above_r']").get_by_role("button").click()
    doubled.wait_answered(page, 1)
    expect(page_rows).to_have_count(rows + 1)
    page.locator(f"[class*='st-key-{stack}_0_remove_r']").get_by_role("button").click()
    doubled.wait_answered(page, 2)
    expect(page_rows).to_have_count(rows)
    assert page.get_by_test_id("stException").count() == 0, page.get_by_test_id("stException").first.inner_text()


@dataclass
class HeldRedraw:
    """Relays a page's websocket and, once the page has sent a press of the button keyed ``suffix``, holds all the
    server sends back until ``release``: the page keeps showing the buttons drawn before that press was applied,
    as on a slow connection, so the next click is on one of them. ``finished`` tells that the server has run the
    held press (its run's end is among the held messages)."""

    suffix: str
    holding: bool = False
    finished: bool = False
    held: list[str | bytes] = field(default_factory=list)
    socket: WebSocketRoute | None = None

    def route(self, socket: WebSocketRoute) -> None:
        self.socket = socket
        server = socket.connect_to_server()

        def from_page(message: str | bytes) -> None:
            if isinstance(message, bytes) and not self.holding:
                back = BackMsg()
                back.ParseFromString(message)
                if back.WhichOneof("type") == "rerun_script" and carries_press(back.rerun_script, (self.suffix,)):
                    self.holding = True
            server.send(message)

        def from_server(message: str | bytes) -> None:
            if not self.holding:
                socket.send(message)
                return
            self.held.append(message)
            if isinstance(message, bytes) and len(message) <= SMALL_MESSAGE_BYTES:
                forward = ForwardMsg()
                forward.ParseFromString(message)
                self.finished = self.finished or forward.WhichOneof("type") == "script_finished"

        socket.on_message(from_page)
        server.on_message(from_server)

    def wait_finished(self, page: Page, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not self.finished:
            assert time.monotonic() < deadline, f"the held press was not run in {timeout_s:.0f} s"
            page.wait_for_timeout(100)

    def release(self) -> None:
        self.holding = False
        assert self.socket is not None
        for message in self.held:
            self.socket.send(message)
        self.held.clear()


def test_reset_then_play_clicked_before_the_buttons_redraw_both_count(server, context):
    """Reset, then Play on the buttons still on screen before the page redrew them after the Reset: the Play is
    a new press, not a repeat, and the run must play (a lesson's "Reset, then Play" ended paused: every press of a
    button drawn before the last presses were applied was taken for a repeat and dropped)."""
    page = context.new_page()
    held = HeldRedraw(suffix="-2d_reset")
    page.route_web_socket("**/_stcore/stream", held.route)
    open_2d_page(page, server.url)
    view = live(page)
    expect(view).to_have_attribute("data-status", "paused", timeout=START_TIMEOUT_S * 1000)  # the worker is up
    play_button, play_label = play_controls("2d")

    page.locator("[class*='st-key-2d_reset_']").get_by_role("button").click()
    held.wait_finished(page)  # the server applied the Reset; the page still shows the buttons drawn before it
    play_button(page).click()
    page.wait_for_timeout(STEP_SETTLE_MS)  # the server runs the Play press meanwhile
    held.release()
    expect(view).to_have_attribute("data-status", "running", timeout=30_000)
    expect(play_label(page)).to_have_text("Pause")


@dataclass
class FoldedPresses:
    """Relays a page's websocket, holding the first press of the buttons keyed ``suffixes`` and sending it inside
    the next one's message: what the server makes of two quick clicks while it is busy (it folds waiting rerun
    requests into one, and runs their callbacks in the order the buttons are drawn, not clicked)."""

    suffixes: tuple[str, ...]
    held: BackMsg | None = None
    sent: int = 0

    def route(self, socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()

        def from_page(message: str | bytes) -> None:
            if isinstance(message, bytes):
                back = BackMsg()
                back.ParseFromString(message)
                if back.WhichOneof("type") == "rerun_script" and carries_press(back.rerun_script, self.suffixes):
                    if self.held is None:
                        self.held = back
                        return
                    self.fold_held_into(back)
                    message = back.SerializeToString()
                    self.sent += 1
            server.send(message)

        socket.on_message(from_page)
        server.on_message(socket.send)

    def fold_held_into(self, back: BackMsg) -> None:
        assert self.held is not None
        widgets = back.rerun_script.widget_states.widgets
        for held in self.held.rerun_script.widget_states.widgets:
            if held.WhichOneof("value") == "trigger_value" and held.trigger_value:
                same = [widget for widget in widgets if widget.id == held.id]
                if same:
                    same[0].trigger_value = True
                else:
                    widgets.add().CopyFrom(held)
        self.held = None


def test_reset_then_play_that_reach_the_server_together_start_over_and_train(server, context):
    """The server runs the callbacks of presses it got together in the order the buttons are drawn: Play, then
    Reset, which undid the Play (a lesson's "Reset, then Play" ended paused on a busy machine)."""
    page = context.new_page()
    folded = FoldedPresses(suffixes=("-2d_reset", "-2d_play"))
    page.route_web_socket("**/_stcore/stream", folded.route)
    open_2d_page(page, server.url)
    view = live(page)
    expect(view).to_have_attribute("data-status", "paused", timeout=START_TIMEOUT_S * 1000)  # the worker is up
    play_button, play_label = play_controls("2d")

    page.locator("[class*='st-key-2d_reset_']").get_by_role("button").click()  # held, then sent with the Play
    play_button(page).click()
    expect(view).to_have_attribute("data-status", "running", timeout=30_000)
    expect(play_label(page)).to_have_text("Pause")
    assert folded.sent == 1


class HeldMessages:
    """Relays a page's websocket, holding back what the page sends while ``holding`` (as a busy server leaves a
    click's script run waiting behind every other session's) until ``release``."""

    def __init__(self) -> None:
        self.holding = False
        self.held: list[str | bytes] = []
        self.server: WebSocketRoute | None = None

    def route(self, socket: WebSocketRoute) -> None:
        self.server = server = socket.connect_to_server()

        def from_page(message: str | bytes) -> None:
            if self.holding:
                self.held.append(message)
            else:
                server.send(message)

        socket.on_message(from_page)

    def release(self) -> None:
        self.holding = False
        assert self.server is not None
        for message in self.held:
            self.server.send(message)
        self.held.clear()


#: Records each status text the live view shows, so a short-lived one ("Pausing…") is not missed.
RECORD_STATUS_JS = """() => {
  const status = document.querySelector('[data-testid="pg-status"]');
  window.__pgStatuses = [status.textContent];
  new MutationObserver(() => window.__pgStatuses.push(status.textContent))
    .observe(status, { childList: true, characterData: true, subtree: true });
}"""


def test_pause_pauses_the_run_before_its_script_run_reaches_the_server(server, context):
    """A click on Pause pauses the run through the live view's frame route at once and says "Pausing…" until the
    worker has: on a busy server the click's script run waits behind every other session's (1.7 s median with
    thirty students pressing at once). Here that run does not reach the server at all until the run has paused;
    afterwards it comes and changes nothing but the button's label."""
    page = context.new_page()
    held = HeldMessages()
    page.route_web_socket("**/_stcore/stream", held.route)
    urls = frame_urls(page)
    open_2d_page(page, server.url)
    view = live(page)
    expect(view).to_have_attribute("data-status", "paused", timeout=START_TIMEOUT_S * 1000)  # the worker is up
    play_button, play_label = play_controls("2d")
    play_button(page).click()
    expect(view).to_have_attribute("data-status", "running", timeout=START_TIMEOUT_S * 1000)
    expect(play_label(page)).to_have_text("Pause")
    page.evaluate(RECORD_STATUS_JS)

    held.holding = True
    with page.expect_request(INSTANT_PAUSE_ROUTE) as pause_request:
        play_button(page).click()
    assert pause_request.value.method == "POST"
    expect(view).to_have_attribute("data-status", "paused", timeout=10_000)  # the click's own run never came
    assert any(isinstance(message, bytes) for message in held.held), "the click's own message was not held back"
    assert fetch_frame(page, urls)["status"] == "paused"
    assert "Pausing…" in page.evaluate("window.__pgStatuses")
    expect(view).to_have_attribute("data-pausing", "false")
    expect(play_label(page)).to_have_text("Pause")  # the page's script has not heard of the click yet

    held.release()
    expect(play_label(page)).to_have_text("Play", timeout=10_000)
    page.wait_for_timeout(1_000)
    assert fetch_frame(page, urls)["status"] == "paused"  # the late press paused again: nothing changed

    # Space, the button's shortcut, which Streamlit applies without a click: at once too
    play_button(page).click()
    expect(view).to_have_attribute("data-status", "running", timeout=START_TIMEOUT_S * 1000)
    expect(play_label(page)).to_have_text("Pause")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    held.holding = True
    with page.expect_request(INSTANT_PAUSE_ROUTE):
        page.keyboard.press("Space")
    expect(view).to_have_attribute("data-status", "paused", timeout=10_000)
    held.release()
    expect(play_label(page)).to_have_text("Play", timeout=10_000)


def test_the_first_tab_stop_skips_to_play_and_space_then_plays(server, context):
    """Keyboard only: one Tab reaches "Skip to Play/Pause" (shown while focused), Enter puts the focus on Play, past
    the sidebar and every control above it, and Space presses it."""
    page = context.new_page()
    open_2d_page(page, server.url)
    view = live(page)
    expect(view).to_have_attribute("data-status", "paused", timeout=START_TIMEOUT_S * 1000)  # the worker is up
    play_button, play_label = play_controls("2d")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Tab")
    skip = page.locator("#pg-skip-to-run")
    expect(skip).to_be_focused()
    expect(skip).to_have_text("Skip to Play/Pause")
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0, f"the focused skip link is off screen: {box}"
    page.keyboard.press("Enter")
    expect(play_button(page)).to_be_focused()
    page.keyboard.press("Space")
    expect(view).to_have_attribute("data-status", "running", timeout=START_TIMEOUT_S * 1000)
    expect(play_label(page)).to_have_text("Pause", timeout=10_000)


#: The order in which the live view shows "paused" and the page's layer rows go stale (their full rerun began).
RECORD_PAUSE_AND_RERUN_JS = """(rows) => {
  const view = document.querySelector('[data-testid="pg-live"]');
  const seen = window.__pgOrder = [];
  new MutationObserver((records) => {
    for (const record of records) {
      const value = record.target.getAttribute(record.attributeName);
      if (record.attributeName === "data-status" && record.target === view) seen.push(value);
      else if (record.attributeName === "data-stale" && value === "true" && record.target.closest(rows)
          && !seen.includes("rows stale")) seen.push("rows stale");
    }
  }).observe(document.body, { attributes: true, subtree: true, attributeFilter: ["data-status", "data-stale"] });
}"""


def test_the_live_view_shows_the_pause_before_a_long_page_reruns(server, browser, tmp_path):
    """After Pause the whole page reruns (what it shows of the model is then the paused model's, editable), but only
    once the live view shows the run paused: on the tables page with the longest layer list a setup may have, that
    rerun keeps the server's event loop and the browser busy for about a second, and the frame saying "paused"
    waited behind it (Pause took 0.4 to 2.4 s to show; the run itself had stopped within a tenth of a second)."""
    case = next(case for case in page_cases() if case.path == "tabular")
    context = browser.new_context(viewport=PRESENTER, locale="en-US")
    try:
        page = context.new_page()
        open_largest(page, server.url, case, tmp_path)  # a setup file loaded: the page said so, once
        view = live(page)
        mark_live_view(page)
        play_button, play_label = play_controls(case.page_key)
        for _ in range(2):
            play_button(page).click()
            expect(view).to_have_attribute("data-status", "running", timeout=START_TIMEOUT_S * 1000)
            expect(play_label(page)).to_have_text("Pause")
            page.evaluate(RECORD_PAUSE_AND_RERUN_JS, f"[class*='st-key-{case.page_key}_stack_'][class*='_row_']")
            play_button(page).click()
            page.wait_for_function("() => window.__pgOrder.includes('rows stale')", timeout=10_000)  # it reruns
            wait_until_idle(page)
            expect(play_label(page)).to_have_text("Play")  # drawn by that rerun
            order = page.evaluate("window.__pgOrder")
            assert "paused" in order[: order.index("rows stale")], f"the page reran before Pause showed: {order}"
        assert_same_live_view(page)  # the setup's notice gone, the stage kept its place: its view was not rebuilt
    finally:
        context.close()
