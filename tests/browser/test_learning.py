"""The "How it learns" page in a real browser against the real server: step through every stage of one training
step, click a weight to get its chain rule, run the loop, Play slowly, race the optimisers and watch their paths
grow on the map by themselves; then the page in Chinese, whose race waits in its tab until the tab is opened.

One test per page visit (one Streamlit session, one worker); the worker goes when the test's browser context
closes.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from .page_helpers import fetch_frame, frame_urls, live, no_exception, wait_until_idle

pytestmark = pytest.mark.browser

PAGE_PATH = "/learning"
LOAD_TIMEOUT_MS = 60_000
#: The worker imports PyTorch and builds its model before it answers the first step.
WORKER_TIMEOUT_MS = 90_000


def stage_button(page: Page):
    """The button that walks on: its key ends with the number of presses applied."""
    return page.locator("[class*='st-key-learn_walk_next_']").get_by_role("button")


def walk(page: Page, expected_next: str) -> None:
    """Press the stage button, wait for the page to settle with the next stage's label on it."""
    stage_button(page).click()
    expect(stage_button(page)).to_have_text(re.compile(expected_next), timeout=WORKER_TIMEOUT_MS)
    wait_until_idle(page)


def test_one_training_step_walked_stage_by_stage_then_the_loop_runs(server, context):
    page = context.new_page()
    urls = frame_urls(page)
    page.goto(f"{server.url}{PAGE_PATH}")
    expect(page.get_by_role("heading", name="How it learns", exact=True)).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(stage_button(page)).to_have_text(re.compile("Forward"), timeout=LOAD_TIMEOUT_MS)

    walk(page, "Loss")  # Forward: the output neuron's weighted sum and activation
    expect(page.get_by_text("Forward pass: each neuron adds up")).to_be_visible()
    expect(page.locator(".katex-display").first).to_contain_text("σ")
    walk(page, "Backward")
    expect(page.locator(".katex-display").first).to_contain_text("log")
    walk(page, "Update")
    expect(page.locator(".katex-display")).to_have_count(2)
    expect(page.locator(".katex-display").nth(1)).to_contain_text("∂L")

    # A click on a link's middle dot selects that weight: its chain rule names the input it multiplies.
    network = page.locator("[class*='st-key-learn_walk_network_'] .js-plotly-plot")
    expect(network).to_be_visible()
    before = page.locator(".katex-display").nth(1).inner_text()
    point = page.evaluate(
        """() => {
          const plot = document.querySelector("[class*='st-key-learn_walk_network_'] .js-plotly-plot");
          const trace = plot._fullData.findIndex((t) => t.name === "weights");
          const layout = plot._fullLayout, data = plot._fullData[trace];
          const box = plot.getBoundingClientRect();  // the first weight into layer 1: from x1
          return {x: box.left + layout.xaxis._offset + layout.xaxis.l2p(data.x[0]),
                  y: box.top + layout.yaxis._offset + layout.yaxis.l2p(data.y[0])};
        }"""
    )
    page.mouse.click(point["x"], point["y"])
    expect(page.locator(".katex-display").nth(1)).not_to_have_text(before, timeout=30_000)
    expect(page.locator(".katex-display").nth(1)).to_contain_text("x")

    walk(page, "Next example")  # Update: the new weight and bias, the plane before and after
    expect(page.get_by_text("Before the update")).to_be_visible()
    walk(page, "Forward|Loss")  # the next example's step
    no_exception(page)

    # The loop: 100 more steps trained as training does (two were the stepped examples), then paused.
    page.locator("[class*='st-key-learn_walk_loop_']").get_by_role("button").click()
    deadline = time.monotonic() + WORKER_TIMEOUT_MS / 1000
    while (frame := fetch_frame(page, urls))["step"] < 102 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert (frame["step"], frame["status"]) == (102, "paused"), frame
    expect(live(page)).to_have_attribute("data-status", "paused")


def test_play_slowly_walks_the_stages_on_its_own_and_stops_when_turned_off(server, context):
    page = context.new_page()
    page.goto(f"{server.url}{PAGE_PATH}?hide=descent,graph,loop")
    expect(stage_button(page)).to_have_text(re.compile("Forward"), timeout=LOAD_TIMEOUT_MS)
    # Note every label the stage button shows (a stage lasts a second: too short to poll for each in turn).
    page.evaluate(
        """() => { window.__labels = [];
                   const note = () => {
                     const button = document.querySelector("[class*='st-key-learn_walk_next_'] button");
                     const text = button ? button.innerText.replace("arrow_forward", "").trim() : "";
                     if (text && text !== window.__labels.at(-1)) window.__labels.push(text);
                     window.__noting = requestAnimationFrame(note); };
                   note(); }"""
    )
    toggle = page.get_by_text("Play slowly")
    toggle.click()
    page.wait_for_function("() => window.__labels.includes('Next example')", timeout=WORKER_TIMEOUT_MS)
    toggle.click()  # off: the walk stops where it is
    wait_until_idle(page)
    labels = page.evaluate("() => window.__labels")
    assert labels[: labels.index("Next example") + 1] == ["Forward", "Loss", "Backward", "Update", "Next example"]
    stopped = stage_button(page).inner_text()
    page.wait_for_timeout(3_000)  # three ticks at the default second a stage
    assert stage_button(page).inner_text() == stopped
    no_exception(page)


def test_the_optimisers_race_from_a_clicked_start_and_their_paths_animate_to_the_last_step(server, context):
    page = context.new_page()
    page.goto(f"{server.url}{PAGE_PATH}?hide=step")
    expect(page.get_by_text("Optimisers", exact=True)).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(page.locator(MAP)).to_be_visible(timeout=WORKER_TIMEOUT_MS)
    wait_for_paths_from(page, -2.5)

    # A click on the map starts the race there: the start's inputs take the clicked point, the paths follow.
    start = page.get_by_label("Start: first parameter")
    corner = page.evaluate(
        """(selector) => { const p = document.querySelector(selector), l = p._fullLayout;
                   const box = p.getBoundingClientRect();
                   const at = (axis, value) => axis._offset + axis.l2p(value);
                   return {x: box.left + at(l.xaxis, 2.0), y: box.top + at(l.yaxis, 2.0)}; }""",
        MAP,
    )
    # Note every path length the browser paints from the click on: the new race must grow on its own.
    page.evaluate(
        """(selector) => { window.__lengths = [];
                   const note = () => { const p = document.querySelector(selector);
                     if (p && p._fullData && p._fullData.length > 4 && Math.abs(p._fullData[0].x[0] - 2.0) < 1e-6)
                       window.__lengths.push([p._fullData[0].x.length, p._fullData[3].x.length]);
                     window.__noting = requestAnimationFrame(note); };
                   note(); }""",
        MAP,
    )
    page.mouse.move(corner["x"], corner["y"])
    page.mouse.click(corner["x"], corner["y"])
    expect(start).to_have_value("2.00", timeout=30_000)
    wait_for_paths_from(page, 2.0)
    page.wait_for_function("() => window.__lengths.some(([path, losses]) => path === 101 && losses === 101)")
    lengths = page.evaluate("() => { cancelAnimationFrame(window.__noting); return window.__lengths; }")
    assert lengths[0] == [1, 1], lengths[:3]  # the race opens on its start...
    grown = sorted({path for path, losses in lengths if path == losses})
    assert len(grown) >= 20 and grown[-1] == 101, grown  # ...and paths and losses grow together, unpressed

    # Replay plays every frame again, to the last step.
    page.evaluate(
        """(selector) => { const p = document.querySelector(selector);
                   window.__frames = []; p.on('plotly_animatingframe', (e) => window.__frames.push(e.name)); }""",
        MAP,
    )
    page.get_by_test_id("stPlotlyChart").get_by_text("▶ Replay").click()
    page.wait_for_function("() => window.__frames.length > 0 && window.__frames.at(-1) === '100'", timeout=30_000)
    assert page.evaluate("() => window.__frames.length") == 101
    lengths = page.evaluate(
        "(selector) => document.querySelector(selector)._fullData.slice(0, 6).map((t) => t.x.length)", MAP
    )
    assert lengths == [101] * 6
    # The loss map is still under the paths after the animation (a contour trace would have been wiped).
    assert (
        page.evaluate(
            "(selector) => document.querySelector(selector).querySelectorAll('.imagelayer image').length", MAP
        )
        == 1
    )
    no_exception(page)


#: The race's map (its key ends with the clicks on it).
MAP = "[class*='st-key-learn_descent_map_'] .js-plotly-plot"


def wait_for_paths_from(page: Page, first: float) -> None:
    """Wait until the map shows three paths with their animation frames, starting at ``first`` on the first axis."""
    page.wait_for_function(
        """([selector, first]) => { const p = document.querySelector(selector);
                   return p && p._fullData && p._fullData.length >= 5 && p._transitionData
                          && p._transitionData._frames.length > 0 && Math.abs(p._fullData[0].x[0] - first) < 1e-6; }""",
        arg=[MAP, first],
        timeout=WORKER_TIMEOUT_MS,
    )


def test_the_page_in_chinese(server, context):
    page = context.new_page()
    page.goto(f"{server.url}{PAGE_PATH}?lang=zh")
    expect(page.get_by_role("heading", name="网络如何学习", exact=True)).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(stage_button(page)).to_have_text(re.compile("前向传播"), timeout=LOAD_TIMEOUT_MS)
    walk(page, "损失")
    expect(page.get_by_text("前向传播：每个神经元")).to_be_visible()

    # The race drawn in the tab not opened yet waits there on its start, and grows once the tab is opened.
    wait_for_paths_from(page, -2.5)
    page.wait_for_timeout(4_000)  # longer than the animation takes
    assert page.evaluate("(selector) => document.querySelector(selector)._fullData[0].x.length", MAP) == 1
    page.get_by_role("tab", name="梯度下降").click()
    page.wait_for_function(
        "(selector) => document.querySelector(selector)._fullData[0].x.length === 101", arg=MAP, timeout=30_000
    )
    expect(page.get_by_test_id("stPlotlyChart").get_by_text("▶ 重播")).to_be_visible()
    no_exception(page)
