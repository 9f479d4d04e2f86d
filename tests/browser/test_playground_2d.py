"""The 2D playground in a real browser against the real server: training runs and shows, the UI switches
language, and no training process outlives its tab or its server."""

from __future__ import annotations

import os
import re
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from playground.config import RunConfig
from playground.presets import load_preset

from .page_helpers import frame_route_of, pictures, play_controls, wait_pictures_change

pytestmark = pytest.mark.browser

PAGE_PATH = "/playground_2d"  # st.navigation's URL for pages/playground_2d.py
play_button, play_label = play_controls("2d")
#: Streamlit 1.67 clears a session's ``scope="session"`` resources as soon as its websocket closes
#: (``WebsocketSessionManager.disconnect_session`` calls ``clear_session_caches``), not after
#: ``server.disconnectedSessionTTL``; so the default TTL is kept and the worker must go within seconds.
RELEASE_TIMEOUT_S = 15.0
#: The worker polls its parent's pid about every 0.1 s (and its pipe breaks when the server dies).
ORPHAN_TIMEOUT_S = 10.0

#: Coloured pixels of the two canvases: the loss curves (train #636efa, test #ef553b; the legend swatches
#: count too, so compare with the empty chart) and the share of the boundary tinted blue or orange.
CANVAS_STATS_JS = """() => {
  const near = (d, i, c) => Math.abs(d[i] - c[0]) < 25 && Math.abs(d[i + 1] - c[1]) < 25
      && Math.abs(d[i + 2] - c[2]) < 25 && d[i + 3] > 200;
  const loss = document.querySelector('[data-testid="pg-loss"]');
  const ld = loss.getContext("2d").getImageData(0, 0, loss.width, loss.height).data;
  let train = 0, test = 0;
  for (let i = 0; i < ld.length; i += 4) {
    if (near(ld, i, [99, 110, 250])) train++;
    if (near(ld, i, [239, 85, 59])) test++;
  }
  const heat = document.querySelector('[data-testid="pg-boundary"]');
  const hd = heat.getContext("2d").getImageData(0, 0, heat.width, heat.height).data;
  let blue = 0, orange = 0, painted = 0;
  for (let i = 0; i < hd.length; i += 4) {
    if (hd[i + 3] < 200) continue;
    painted++;
    if (hd[i + 2] - hd[i] > 60) blue++;
    if (hd[i] - hd[i + 2] > 60) orange++;
  }
  return {train, test, blue: blue / Math.max(1, painted), orange: orange / Math.max(1, painted)};
}"""


#: For one second, the DOM writes (text, attributes) to the epoch read-out, the status badge and the chart's switches.
READ_OUT_WRITES_JS = """() => new Promise((resolve) => {
  const root = document.querySelector('[data-testid="pg-live"]');
  const counts = { epoch: 0, status: 0, switches: 0 }, observers = [];
  const watch = (node, key) => {
    const observer = new MutationObserver((records) => { counts[key] += records.length; });
    observer.observe(node, { childList: true, characterData: true, subtree: true, attributes: true });
    observers.push(observer);
  };
  watch(root.querySelector('[data-testid="pg-epoch"]'), "epoch");
  watch(root.querySelector('[data-testid="pg-status"]'), "status");
  for (const node of root.querySelectorAll("[data-scale], [data-mode]")) watch(node, "switches");
  setTimeout(() => { observers.forEach((observer) => observer.disconnect()); resolve(counts); }, 1000);
})"""


def epoch(page: Page) -> int:
    return int(page.get_by_test_id("pg-epoch").inner_text())


def frames(page: Page) -> int:
    return int(page.get_by_test_id("pg-live").get_attribute("data-frames") or 0)


def nav_link(page: Page, title: str):
    return page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True)


def open_playground(page: Page, url: str, *, via_home: bool = False) -> None:
    if via_home:  # the way a visitor arrives: the home page, then the page's entry in the sidebar
        page.goto(url + "/")
        nav_link(page, "2D playground").click()
        expect(page).to_have_url(re.compile(re.escape(url + PAGE_PATH) + r"(\?|$)"))
    else:  # a shared link
        page.goto(url + PAGE_PATH)
    expect(play_button(page)).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("pg-live")).to_be_attached()


def new_worker(server, before: set[int], timeout: float = 30.0) -> int:
    """The worker the page just started (the server starts one per session and page on the first run)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fresh = set(server.workers()) - before
        if fresh:
            assert len(fresh) == 1, f"one page started several workers: {server.describe(sorted(fresh))}"
            return fresh.pop()
        time.sleep(0.2)
    raise AssertionError(f"no worker process appeared within {timeout:.0f} s:\n{server.log_tail()}")


def press_play(page: Page) -> None:
    # Pressed at once, as an impatient class would: the worker may still be importing torch ("starting"); the
    # label must say Pause anyway and training must begin as soon as the worker is ready.
    expect(play_label(page)).to_have_text("Play")
    play_button(page).click()
    expect(play_label(page)).to_have_text("Pause", timeout=20_000)
    expect(page.get_by_test_id("pg-live")).to_have_attribute("data-status", "running", timeout=60_000)


def test_play_trains_live_pause_stops_and_closing_the_tab_ends_the_worker(server, context, tmp_path):
    page = context.new_page()
    http_frames: list[str] = []  # frames asked over HTTP, the live view's instant pauses, the frames its socket got
    pauses: list[str] = []

    def watch_request(request) -> None:
        if "/_playground/frame/" in request.url:
            (pauses if request.method == "POST" else http_frames).append(request.url)

    page.on("request", watch_request)
    sockets: list[str] = []
    socket_frames: list[int] = []

    def watch_socket(socket) -> None:
        if "/_playground/frame/" in socket.url:
            sockets.append(socket.url)
            socket.on("framereceived", lambda payload: socket_frames.append(len(payload)))

    page.on("websocket", watch_socket)
    before = set(server.workers())
    open_playground(page, server.url, via_home=True)
    worker = new_worker(server, before)
    assert epoch(page) == 0
    page.wait_for_timeout(1000)
    empty_chart = page.evaluate(CANVAS_STATS_JS)

    press_play(page)
    started = time.monotonic()
    frames_at_play = frames(page)
    first = epoch(page)
    page.wait_for_timeout(3000)
    second = epoch(page)
    assert second > first, f"the epoch counter stayed at {first} for 3 s of training"
    page.wait_for_timeout(3000)
    third = epoch(page)
    assert third > second, f"the epoch counter stayed at {second} for 3 s of training"
    # only what changes is written: the epoch's text ten times a second (not on each of the 30 or more frames), the
    # status and the chart's switches never
    writes = page.evaluate(READ_OUT_WRITES_JS)
    assert 1 <= writes["epoch"] <= 14 and writes["status"] == 0 and writes["switches"] == 0, f"writes in 1 s: {writes}"
    # the Inside the network charts, on as the page opens: painted by the live view, repainted as it learns; switched
    # off, they go from the view (the toggle reruns the page, which asks the worker for none of their probes)
    expect(pictures(page).get_by_test_id("pg-picture-histograms")).to_have_count(3, timeout=30_000)
    expect(pictures(page).get_by_test_id("pg-picture-matrix")).to_have_count(1)
    # far below the window (the page is at its top) a chart waits unpainted while its data changes; scrolled to,
    # it is painted (``wait_pictures_change`` scrolls it into view and waits for that)
    last_chart = pictures(page).get_by_test_id("pg-picture-histograms").last
    expect(last_chart).to_have_attribute("data-stale", "true", timeout=15_000)
    wait_pictures_change(page, "the Inside the network charts, while training,")
    page.get_by_text("Inside the network", exact=False).first.click()
    expect(pictures(page)).to_be_hidden(timeout=30_000)

    # About 10 s of training on the default circle data; then the README's screenshot.
    page.wait_for_timeout(max(0.0, 10.0 - (time.monotonic() - started)) * 1000)
    page.mouse.move(5, 5)  # no hover tooltip in the picture
    page.wait_for_timeout(300)
    assert frames(page) > frames_at_play + 10, "the live view painted (almost) no new frames while training"
    losses = [page.locator('[data-r="train"]').inner_text(), page.locator('[data-r="test"]').inner_text()]
    for text in losses:
        assert float(text) >= 0, f"loss read-outs {losses}"
    chart = page.evaluate(CANVAS_STATS_JS)
    # the test curve is drawn over the training curve, which shows only where the two differ: on a chart 260 px wide
    # (beside the boundary) that may be a few dozen pixels (47 seen)
    assert chart["train"] > empty_chart["train"], f"no training-loss curve drawn: {empty_chart} -> {chart}"
    assert chart["train"] + chart["test"] > empty_chart["train"] + empty_chart["test"] + 100, (
        f"no loss curves drawn: {empty_chart} -> {chart}"
    )
    assert chart["test"] > empty_chart["test"] + 50, f"no test-loss curve drawn: {empty_chart} -> {chart}"
    # The circle: a blue disc inside an orange ring, each far more than the dots of its class alone.
    assert chart["blue"] > 0.08 and chart["orange"] > 0.3, f"no decision boundary painted: {chart}"
    page.screenshot(path=str(tmp_path / "screenshot-2d.png"))  # to look at; the README's picture stays as it is

    play_button(page).click()
    expect(play_label(page)).to_have_text("Play", timeout=20_000)
    expect(page.get_by_test_id("pg-live")).to_have_attribute("data-status", "paused", timeout=20_000)
    paused_at = epoch(page)
    assert paused_at >= third
    page.wait_for_timeout(2000)
    assert epoch(page) == paused_at, "the epoch counter kept rising after Pause"
    assert len(pauses) == 1, f"the live view sent Pause to its run {len(pauses)} times"
    # the exported script trains as many epochs as the page did (written when the download is asked for)
    page.get_by_text("Take it with you").click()
    with page.expect_download(timeout=30_000) as download:
        page.locator(".st-key-2d_dl_pytorch button").click()
    assert f"\nEPOCHS = {paused_at}\n" in Path(download.value.path()).read_text(encoding="utf-8")

    # The frames came over the view's WebSocket, none over HTTP (each request cost the browser's request machinery).
    assert sockets and not http_frames, f"frame sockets {sockets}, HTTP frame requests {http_frames[:3]}"
    assert len(socket_frames) > 100, f"{len(socket_frames)} frames over the socket in some 10 s of training"
    # Closing the tab ends the session: its worker stops and its frame route is unregistered.
    frame_url = frame_route_of(sockets[0])
    context.close()
    left = server.wait_until_gone([worker], RELEASE_TIMEOUT_S)
    assert not left, f"the worker outlived its closed tab by {RELEASE_TIMEOUT_S:.0f} s: {server.describe(left)}"
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(frame_url, timeout=5)
    assert answer.value.code == 404, f"{frame_url} still answers after the session ended"
    with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=5) as response:
        assert response.status == 200


def test_language_switch_shows_the_page_in_chinese(server, context):
    page = context.new_page()
    open_playground(page, server.url)
    expect(play_label(page)).to_have_text("Play")
    page.locator(".st-key-lang").get_by_role("combobox").click()
    page.get_by_role("option", name="中文").click()
    expect(play_label(page)).to_have_text("播放", timeout=20_000)
    expect(page.get_by_role("heading", name="二维游乐场")).to_be_visible()
    expect(page.get_by_test_id("pg-live").locator(".pg-epoch-label")).to_have_text("轮次")
    assert "lang=zh" in page.url
    # Every translated choice shows its Chinese label and still works, switched back and forth, while the
    # buttons' fragment keeps rerunning on its timer (a stale English label once crashed the page here).
    expect(page.locator(".st-key-2d_regularization_zh").get_by_role("combobox")).to_have_value("无")
    for _ in range(3):
        page.locator(".st-key-2d_problem_zh").get_by_role("combobox").click()
        page.get_by_role("option", name="回归").click()
        expect(page.locator(".st-key-2d_dataset_zh")).to_contain_text("多高斯", timeout=20_000)
        page.wait_for_timeout(1200)  # at least one timer rerun of the buttons' fragment
        expect(page.get_by_test_id("stException")).to_have_count(0)
        page.locator(".st-key-lang").get_by_role("combobox").click()
        page.get_by_role("option", name="English").click()
        expect(play_label(page)).to_have_text("Play", timeout=20_000)
        expect(page.locator(".st-key-2d_problem_en").get_by_role("combobox")).to_have_value("Regression")
        page.locator(".st-key-2d_problem_en").get_by_role("combobox").click()
        page.get_by_role("option", name="Classification", exact=True).click()
        expect(page.locator(".st-key-2d_dataset_en")).to_contain_text("Spiral", timeout=20_000)
        page.locator(".st-key-lang").get_by_role("combobox").click()
        page.get_by_role("option", name="中文").click()
        expect(play_label(page)).to_have_text("播放", timeout=20_000)
        expect(page.get_by_test_id("stException")).to_have_count(0)


@pytest.mark.parametrize("stop_signal", [signal.SIGKILL, signal.SIGTERM], ids=["crash", "stop"])
def test_worker_exits_when_the_server_is_killed_or_stopped(own_server, context, stop_signal):
    server = own_server
    page = context.new_page()
    open_playground(page, server.url)
    worker = new_worker(server, set())
    press_play(page)
    expect(page.get_by_test_id("pg-epoch")).not_to_have_text("0", timeout=20_000)

    os.kill(server.pid, stop_signal)  # the server only, not its process group
    server.process.wait(10)
    left = server.wait_until_gone([worker], ORPHAN_TIMEOUT_S)
    assert not left, f"the worker outlived its killed server by {ORPHAN_TIMEOUT_S:.0f} s: {server.describe(left)}"
    deadline = time.monotonic() + ORPHAN_TIMEOUT_S
    while not server.port_is_free():
        assert time.monotonic() < deadline, f"port {server.port} still taken after the server was killed"
        time.sleep(0.2)


def test_a_shared_link_on_a_fresh_server_shows_the_app_navigation(own_server, context):
    page = context.new_page()
    open_playground(page, own_server.url)  # the first session of this server comes in through a shared link
    expect(nav_link(page, "Home")).to_be_visible(timeout=3000)
    expect(nav_link(page, "Lessons")).to_be_visible(timeout=1000)
    expect(nav_link(page, "2D playground")).to_be_visible(timeout=1000)
    expect(nav_link(page, "Tables")).to_be_visible(timeout=1000)
    expect(nav_link(page, "Convolutions")).to_be_visible(timeout=1000)
    expect(nav_link(page, "Sequences")).to_be_visible(timeout=1000)
    expect(nav_link(page, "How it learns")).to_be_visible(timeout=1000)
    expect(nav_link(page, "Why deep learning")).to_be_visible(timeout=1000)
    expect(page.get_by_test_id("stSidebarNav").get_by_role("link")).to_have_count(8)


def test_a_diverging_run_pauses_and_says_why(server, context):
    raw = load_preset("plane").model_dump()
    raw["training"].update(learning_rate=10.0, optimizer="sgd")
    link = RunConfig.from_dict(raw).to_url_param()
    page = context.new_page()
    page.goto(f"{server.url}{PAGE_PATH}?config={link}")
    expect(play_button(page)).to_be_visible(timeout=60_000)
    expect(page.get_by_role("heading", name="2D playground")).to_be_visible()
    play_button(page).click()
    live = page.get_by_test_id("pg-live")
    expect(live).to_have_attribute("data-status", "diverged", timeout=60_000)
    expect(page.get_by_test_id("pg-message")).to_contain_text("learning rate (10) is probably too high")
    expect(page.get_by_test_id("pg-message")).to_be_visible()
    expect(play_label(page)).to_have_text("Play", timeout=20_000)
