"""The 2D playground's network view and the controls around it, clicked in a real browser against the real
server: live neuron maps, the +/- buttons, selecting a neuron and editing its weights, own points (upload and
click-to-edit), lesson links, the copy-link button, comparing with a second setup, learning-rate schedules and
stopping rules, and the Chinese labels of all of these.

Every test opens its own page (one Streamlit session, one worker) on the session's shared server; the worker
goes when the test's browser context closes.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from playground.config import ConfigError, RunConfig

from .page_helpers import (
    CUT_SELECTS_JS,
    LOAD_TIMEOUT_MS,
    assert_same_live_view,
    choose,
    fetch_frame,
    frame_urls,
    live,
    mark_live_view,
    no_exception,
    open_2d_page,
    play_controls,
    wait_attribute_at_least,
    wait_epoch_at_least,
    wait_until_idle,
)

pytestmark = pytest.mark.browser

play_button, play_label = play_controls("2d")
#: The circle preset the page opens with: x1, x2 -> 4 -> 2 -> 1, SGD at 0.03.
DEFAULT_HIDDEN = [4, 2]
DEFAULT_RATE = 0.03

#: A neuron's map as a number: a hash over the pixels of its square on the maps canvas, inside its border.
NEURON_SIGNATURE_JS = """([column, unit]) => {
  const node = document.querySelector(`[data-testid="pg-neuron"][data-column="${column}"][data-unit="${unit}"]`);
  const maps = node.parentElement.querySelector('[data-testid="pg-net-maps"]');
  const scale = maps.width / maps.clientWidth, inset = 2;
  const d = maps.getContext("2d").getImageData(Math.round((node.offsetLeft + inset) * scale),
    Math.round((node.offsetTop + inset) * scale), Math.round((node.offsetWidth - 2 * inset) * scale),
    Math.round((node.offsetHeight - 2 * inset) * scale)).data;
  let h = 0;
  for (let i = 0; i < d.length; i++) h = (Math.imul(h, 31) + d[i]) | 0;
  return h;
}"""

#: Which colour a neuron's square shows near the middle of each of its edges (on the maps canvas), as
#: "orange", "blue" or "other" (TF Playground's orange for negative values, blue for positive).
NEURON_EDGES_JS = """([column, unit]) => {
  const node = document.querySelector(`[data-testid="pg-neuron"][data-column="${column}"][data-unit="${unit}"]`);
  const maps = node.parentElement.querySelector('[data-testid="pg-net-maps"]');
  const scale = maps.width / maps.clientWidth, ctx = maps.getContext("2d");
  const x0 = node.offsetLeft, y0 = node.offsetTop, size = node.offsetWidth, edge = 4;
  const at = (x, y) => {
    const [r, g, b] = ctx.getImageData(Math.round(x * scale), Math.round(y * scale), 1, 1).data;
    return b > r + 60 ? "blue" : r > b + 60 ? "orange" : "other";
  };
  return { left: at(x0 + edge, y0 + size / 2), right: at(x0 + size - edge, y0 + size / 2),
           top: at(x0 + size / 2, y0 + edge), bottom: at(x0 + size / 2, y0 + size - edge),
           topLeft: at(x0 + edge, y0 + 1), bottomLeft: at(x0 + edge, y0 + size - 2) };  // first and last rows
}"""

#: The big plot's pixels at data coordinates (x, y), and how many pixels of the plot square have a point's
#: colour: class 1 is TF Playground blue (8, 119, 189), class 0 orange (245, 147, 34). The layout is the view's
#: (``HeatPanel.layout``: 26 px left, 6 px top, 8 px right, 20 px bottom; the plane spans -6..6).
PLOT_JS = """([points]) => {
  const canvas = document.querySelector('[data-testid="pg-boundary"]'), wrap = canvas.parentElement;
  const dpr = window.devicePixelRatio || 1;
  const side = Math.max(10, Math.min(wrap.clientWidth - 34, wrap.clientHeight - 26));
  const ctx = canvas.getContext("2d");
  const near = (d, i, c) => Math.abs(d[i] - c[0]) < 14 && Math.abs(d[i + 1] - c[1]) < 14
      && Math.abs(d[i + 2] - c[2]) < 14 && d[i + 3] > 250;
  const BLUE = [8, 119, 189], ORANGE = [245, 147, 34];
  const kind = (d, i) => (near(d, i, BLUE) ? "blue" : near(d, i, ORANGE) ? "orange" : "other");
  const at = points.map(([x, y]) => {
    const px = Math.round((26 + ((x + 6) / 12) * side) * dpr), py = Math.round((6 + ((6 - y) / 12) * side) * dpr);
    return kind(ctx.getImageData(px, py, 1, 1).data, 0);
  });
  const d = ctx.getImageData(Math.round(26 * dpr), Math.round(6 * dpr), Math.round(side * dpr),
    Math.round(side * dpr)).data;
  let dots = 0;
  for (let i = 0; i < d.length; i += 4) if (kind(d, i) !== "other") dots++;
  return { at, dots };
}"""

#: Where on the big plot's canvas (element coordinates, CSS pixels) the data point (x, y) lies.
PLOT_POSITION_JS = """(canvas, [x, y]) => {
  const wrap = canvas.parentElement;
  const side = Math.max(10, Math.min(wrap.clientWidth - 34, wrap.clientHeight - 26));
  return { x: 26 + ((x + 6) / 12) * side, y: 6 + ((6 - y) / 12) * side };
}"""


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def expander(page: Page, title: str) -> Locator:
    return page.get_by_test_id("stExpander").filter(has=page.locator("summary", has_text=title))


def open_expander(page: Page, title: str) -> Locator:
    wait_until_idle(page)
    section = expander(page, title)
    expect(section).to_have_count(1)
    if section.locator("details").get_attribute("open") is None:
        section.locator("summary").click()
    expect(section.locator("details")).to_have_attribute("open", "")
    return section


def url_config(page: Page) -> RunConfig:
    """The setup in the address bar's ``config`` parameter (the page keeps it a link to what it shows)."""
    return RunConfig.from_url_param(urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)["config"][0])


def wait_for_config(page: Page, check: Callable[[RunConfig], bool], what: str, timeout: float = 20.0) -> RunConfig:
    """Wait until the address bar's config passes ``check``; returns it."""
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            last = url_config(page)
            if check(last):
                return last
        except (KeyError, ConfigError) as error:
            last = error
        if time.monotonic() >= deadline:
            raise AssertionError(f"the address bar's config never showed {what}; last: {last!r}")
        page.wait_for_timeout(200)


def hidden_units(config: RunConfig) -> list[int]:
    return [layer.units for layer in config.model.layers[:-1]]


def neuron_count(config: RunConfig) -> int:
    """Inputs + hidden units + outputs: one map each in the network view."""
    return len(config.data.features) + sum(layer.units for layer in config.model.layers)


def points_in_view(page: Page, expected: int, timeout: float = 30.0) -> None:
    """Wait until the own-data download button's help says the page holds ``expected`` points (training and
    test): read from its tooltip, which costs no rerun. Fails at once if the page shows an exception."""
    wanted = f"All {expected} points"
    tip = page.get_by_test_id("stTooltipContent")
    deadline = time.monotonic() + timeout
    seen = ""
    while True:
        no_exception(page)
        button = expander(page, "Your own data").get_by_test_id("stDownloadButton")
        if button.count() == 1:
            page.mouse.move(2, 2)
            button.hover(timeout=5_000)
            try:
                expect(tip).to_contain_text(wanted, timeout=2_000)
                return
            except AssertionError:
                seen = tip.inner_text() if tip.count() == 1 else "(no tooltip)"
        if time.monotonic() >= deadline:
            raise AssertionError(f"expected {wanted!r} in the download button's help; it says {seen!r}")
        page.wait_for_timeout(300)


def click_plot(page: Page, x: float, y: float, button: str = "left") -> None:
    """A click on the big plot at data coordinates (x, y)."""
    canvas = page.get_by_test_id("pg-boundary")
    canvas.scroll_into_view_if_needed()
    position = canvas.evaluate(PLOT_POSITION_JS, [x, y])
    canvas.click(position=position, button=button)


def click_for_neurons(page: Page, test_id: str, expected: int) -> None:
    """Click one of the network view's +/- buttons and wait for the network to have ``expected`` neurons; the
    failure says whether the view sent the click to Python at all (``data-events``)."""
    events = live(page).get_attribute("data-events")
    page.get_by_test_id(test_id).click()
    try:
        expect(page.get_by_test_id("pg-neuron")).to_have_count(expected, timeout=20_000)
    except AssertionError as error:
        raise AssertionError(
            f"{test_id}: expected {expected} neurons, the view shows {page.get_by_test_id('pg-neuron').count()}; "
            f"events sent by the view {events} -> {live(page).get_attribute('data-events')}, hidden layers "
            f"{page.get_by_role('spinbutton', name='Hidden layers').input_value()}, "
            f"run {live(page).get_attribute('data-run-id')}"
        ) from error


@contextlib.contextmanager
def slowed_down(pid: int, halted_s: float = 0.6, running_s: float = 0.08) -> Iterator[None]:
    """The server process halted for ``halted_s`` of every ``halted_s + running_s`` seconds (SIGSTOP, SIGCONT):
    its reruns take about eight times longer, as on a classroom server that thirty students keep busy, longer
    than the live view's resend period, and requests from the browser queue up while it is halted."""
    done = threading.Event()

    def stutter() -> None:
        while not done.is_set():
            os.kill(pid, signal.SIGSTOP)
            done.wait(halted_s)
            os.kill(pid, signal.SIGCONT)
            done.wait(running_s)

    thread = threading.Thread(target=stutter, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        os.kill(pid, signal.SIGCONT)


def write_csv(path: Path, rows: list[tuple[float, float, int]], header: str = "x1,x2,label") -> Path:
    path.write_text(header + "\n" + "".join(f"{x:.3f},{y:.3f},{label}\n" for x, y, label in rows))
    return path


# --------------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------------
def test_network_view_draws_every_neuron_and_its_maps_stay_live_while_training(server, context):
    page = context.new_page()
    open_2d_page(page, server.url)
    config = wait_for_config(page, lambda _: True, "a config")
    assert hidden_units(config) == DEFAULT_HIDDEN, f"the page did not open on the circle preset: {config}"
    assert neuron_count(config) == 9
    neurons = page.get_by_test_id("pg-neuron")
    expect(neurons).to_have_count(neuron_count(config))
    for column, units in enumerate([len(config.data.features), *hidden_units(config), 1]):
        expect(page.locator(f'[data-testid="pg-neuron"][data-column="{column}"]')).to_have_count(units)
    network = page.get_by_test_id("pg-network")
    expect(network).to_be_visible()
    expect(network).to_contain_text("Hidden layers: 2")
    wait_attribute_at_least(page, '[data-testid="pg-network"]', "data-paints", 1)
    before = page.evaluate(NEURON_SIGNATURE_JS, [1, 0])
    # Each map is drawn in its neuron's square: input x1 runs from orange (x = -6) on the left to blue on the
    # right, x2 from orange at the bottom to blue at the top.
    x1, x2 = page.evaluate(NEURON_EDGES_JS, [0, 0]), page.evaluate(NEURON_EDGES_JS, [0, 1])
    assert x1["left"] == "orange" and x1["right"] == "blue", x1
    assert x2["bottom"] == "orange" and x2["top"] == "blue", x2
    # the first and last rows are the map's own, not blended with the map drawn next to it
    assert x1["bottomLeft"] == "orange" and x2["topLeft"] == "blue", (x1, x2)

    play_button(page).click()
    expect(live(page)).to_have_attribute("data-status", "running", timeout=LOAD_TIMEOUT_MS)
    paints = int(network.get_attribute("data-paints") or 0)
    # The neuron maps repaint as the weights change: many repaints within a few seconds of training.
    wait_attribute_at_least(page, '[data-testid="pg-network"]', "data-paints", paints + 10, timeout=30_000)
    wait_epoch_at_least(page, 2)
    assert page.evaluate(NEURON_SIGNATURE_JS, [1, 0]) != before, "the first hidden neuron's map did not change"
    play_button(page).click()
    expect(live(page)).to_have_attribute("data-status", "paused", timeout=20_000)
    no_exception(page)


def first_layer_slider(page: Page) -> Locator:
    """The slider of the first hidden layer's neurons: its key gets a new suffix after each +/- click (the old one,
    kept by Streamlit until the run ends, is hidden)."""
    return page.locator('[class*="st-key-2d_units_0"]:visible')


def test_plus_and_minus_buttons_change_the_network_the_sliders_and_the_link(server, context):
    page = context.new_page()
    open_2d_page(page, server.url)
    neurons = page.get_by_test_id("pg-neuron")
    expect(neurons).to_have_count(9)
    mark_live_view(page)

    click_for_neurons(page, "pg-net-add-neuron-1", 10)
    expect(page.locator('[data-testid="pg-neuron"][data-column="1"]')).to_have_count(5)
    expect(first_layer_slider(page).get_by_test_id("stSliderThumbValue")).to_have_text("5")
    wait_for_config(page, lambda c: hidden_units(c) == [5, 2], "a first layer of 5 units")

    click_for_neurons(page, "pg-net-add-layer", 14)  # a new hidden layer of 4 before the output
    expect(page.get_by_role("spinbutton", name="Hidden layers")).to_have_value("3")
    expect(page.get_by_test_id("pg-network")).to_contain_text("Hidden layers: 3")
    wait_for_config(page, lambda c: hidden_units(c) == [5, 2, 4], "three hidden layers 5-2-4")

    click_for_neurons(page, "pg-net-remove-layer", 10)
    click_for_neurons(page, "pg-net-remove-layer", 8)
    expect(page.get_by_role("spinbutton", name="Hidden layers")).to_have_value("1")
    expect(page.get_by_text("Neurons in layer 2")).to_have_count(0)
    wait_for_config(page, lambda c: hidden_units(c) == [5], "one hidden layer of 5 units")

    click_for_neurons(page, "pg-net-remove-neuron-1", 7)
    expect(first_layer_slider(page).get_by_test_id("stSliderThumbValue")).to_have_text("4")
    wait_for_config(page, lambda c: hidden_units(c) == [4], "one hidden layer of 4 units")
    # one view sent all five clicks (its event counter): each rerun updated it in place, none mounted it afresh
    assert_same_live_view(page)
    expect(live(page)).to_have_attribute("data-events", "5")
    no_exception(page)


def test_plus_and_minus_clicks_on_a_slow_server_are_each_applied(server, context):
    """On a server slowed down about eight times, a click's rerun outlasted the view's resend period: the resend
    (or the next click) restarted it with the browser's old slider values, or reached the server while a run was
    queued, and the click was lost (3 of 4 sequences of these five clicks lost one before the fix). Later every
    rerun that changed the view's data mounted it afresh (its module tag was shadowed by its frame version), and
    a click in flight then was dropped with the old view (1 of 4 runs with the Inside the network charts on)."""
    page = context.new_page()
    open_2d_page(page, server.url)
    expect(page.get_by_test_id("pg-neuron")).to_have_count(9)
    mark_live_view(page)
    with slowed_down(server.pid):
        for test_id, expected in [
            ("pg-net-add-neuron-1", 10),
            ("pg-net-add-layer", 14),
            ("pg-net-remove-layer", 10),
            ("pg-net-remove-layer", 8),
            ("pg-net-remove-neuron-1", 7),
            ("pg-net-add-layer", 11),
            ("pg-net-add-neuron-2", 12),
        ]:
            click_for_neurons(page, test_id, expected)
    wait_for_config(page, lambda c: hidden_units(c) == [4, 5], "hidden layers of 4 and 5 units")
    assert_same_live_view(page)
    no_exception(page)


def test_a_selected_neuron_fills_the_plot_and_its_edited_weights_reach_the_worker(server, context):
    page = context.new_page()
    urls = frame_urls(page)
    open_2d_page(page, server.url)
    view = live(page)
    expect(view).to_have_attribute("data-status", "paused", timeout=LOAD_TIMEOUT_MS)
    caption = page.get_by_test_id("pg-focus-caption")
    expect(caption).to_have_text("Output")

    neuron = page.locator('[data-testid="pg-neuron"][data-column="2"][data-unit="1"]')
    neuron.click()
    expect(view).to_have_attribute("data-focus", "2,1", timeout=20_000)
    expect(neuron).to_have_attribute("data-selected", "true")
    expect(caption).to_be_visible()
    expect(caption).to_have_text("Neuron 2 of layer 2")

    editor = open_expander(page, "Weights of the selected neuron")
    expect(editor).to_contain_text("Neuron 2 of layer 2")
    inputs = editor.get_by_role("spinbutton")
    expect(inputs).to_have_count(4 + 1)  # one weight from each of layer 1's four neurons, and the bias
    weight = editor.get_by_role("spinbutton", name="Weight from neuron 2")
    bias = editor.get_by_role("spinbutton", name="Bias")
    expect(weight).to_be_enabled()
    network = fetch_frame(page, urls)["network"]
    shown = float(weight.input_value())
    assert shown == pytest.approx(network["columns"][2]["weights"][1][1], abs=2e-3), "the editor shows another weight"

    weight.fill("2.5")
    weight.press("Tab")
    bias.fill("-1.25")
    bias.press("Tab")
    editor.get_by_role("button", name="Apply the edited weights").click()
    deadline = time.monotonic() + 20
    while True:  # the worker's own frames carry the edited parameters
        column = fetch_frame(page, urls)["network"]["columns"][2]
        if column["weights"][1][1] == 2.5 and column["bias"][1] == -1.25:
            break
        assert time.monotonic() < deadline, f"the edit never reached the worker: {column['weights'][1]}"
        page.wait_for_timeout(200)
    assert column["weights"][0] == network["columns"][2]["weights"][0], "the other neuron's weights changed"
    # After the rerun the editor shows the worker's values, the edited ones included.
    expect(editor.get_by_role("spinbutton", name="Weight from neuron 2")).to_have_value("2.5000")
    expect(editor.get_by_role("spinbutton", name="Bias")).to_have_value("-1.2500")
    expect(editor.get_by_test_id("stAlertContentError")).to_have_count(0)

    play_button(page).click()
    expect(view).to_have_attribute("data-status", "running", timeout=LOAD_TIMEOUT_MS)
    wait_epoch_at_least(page, 3)
    deadline = time.monotonic() + 20
    while fetch_frame(page, urls)["network"]["columns"][2]["weights"][1][1] == 2.5:  # training moves it on
        assert time.monotonic() < deadline, "the edited weight stayed at 2.5 while training"
        page.wait_for_timeout(200)
    expect(view).to_have_attribute("data-focus", "2,1")
    no_exception(page)


def test_weights_edited_after_training_and_pausing_reach_the_worker(server, context):
    page = context.new_page()
    urls = frame_urls(page)
    open_2d_page(page, server.url)
    view = live(page)
    page.locator('[data-testid="pg-neuron"][data-column="2"][data-unit="1"]').click()
    expect(view).to_have_attribute("data-focus", "2,1", timeout=20_000)
    editor = open_expander(page, "Weights of the selected neuron")
    expect(editor.get_by_role("spinbutton")).to_have_count(5)

    play_button(page).click()
    expect(view).to_have_attribute("data-status", "running", timeout=LOAD_TIMEOUT_MS)
    wait_epoch_at_least(page, 5)
    play_button(page).click()
    expect(view).to_have_attribute("data-status", "paused", timeout=20_000)
    expect(play_label(page)).to_have_text("Play", timeout=20_000)
    paused = fetch_frame(page, urls)["network"]["columns"][2]["weights"][1][1]

    # The fields drawn before Play stay on the page (enabled) until the page reruns for the paused model, then
    # new ones replace them: edit only once they show the paused model's weight, or the edit is typed into a
    # field about to go.
    weight = editor.get_by_role("spinbutton", name="Weight from neuron 2")
    expect(weight).to_have_value(f"{paused:.4f}", timeout=20_000)
    expect(weight).to_be_enabled()
    weight.fill("2.5")
    weight.press("Tab")
    editor.get_by_role("button", name="Apply the edited weights").click()
    deadline = time.monotonic() + 10
    while True:
        column = fetch_frame(page, urls)["network"]["columns"][2]
        if column["weights"][1][1] == 2.5:
            break
        assert time.monotonic() < deadline, f"the edit never reached the worker: {column['weights'][1]}"
        page.wait_for_timeout(200)
    expect(editor.get_by_role("spinbutton", name="Weight from neuron 2")).to_have_value("2.5000")
    no_exception(page)


def test_own_points_from_a_csv_and_a_broken_csv_says_why(server, context, tmp_path):
    page = context.new_page()
    open_2d_page(page, server.url)
    key = page.get_by_test_id("pg-points-key")  # what the plane's dots are
    expect(key).to_have_text("training points", use_inner_text=True, timeout=30_000)  # no test points shown
    # Show the test points too, so that every uploaded point is drawn.
    page.get_by_text("Show test data", exact=True).click()
    expect(page.get_by_role("checkbox", name="Show test data")).to_be_checked()
    wait_for_config(page, lambda _: "view=test" in page.url, "view=test")
    expect(key).to_have_text(re.compile(r"^training points\s*test points$"), use_inner_text=True)
    own = open_expander(page, "Your own data")
    upload = own.locator('input[type="file"]')

    broken = write_csv(tmp_path / "broken.csv", [(i % 5, i % 3, i % 2) for i in range(20)], header="x1,x2,colour")
    upload.set_input_files(broken)
    error = own.get_by_test_id("stAlertContentError")
    expect(error).to_be_visible(timeout=20_000)
    expect(error).to_contain_text("The file could not be used")
    expect(error).to_contain_text("label is missing")
    no_exception(page)
    expect(page.locator(".st-key-2d_dataset_en").get_by_role("radio", name="Circle")).to_be_checked()

    # Two clusters far from the circle's points: class 1 (blue) top left, class 0 (orange) bottom right.
    offsets = [(0.0, 0.0), (0.8, 0.0), (-0.8, 0.0), (0.0, 0.8), (0.0, -0.8), (0.6, 0.6), (-0.6, -0.6)]
    rows = [(-4 + dx, 4 + dy, 1) for dx, dy in offsets] + [(4 + dx, -4 + dy, 0) for dx, dy in offsets]
    before = page.evaluate(PLOT_JS, [[[x, y] for x, y, _ in rows]])
    assert before["at"].count("other") >= len(rows) - 1, f"the circle's points already sit there: {before}"
    upload.set_input_files(write_csv(tmp_path / "points.csv", rows))
    expect(page.locator(".st-key-2d_dataset_en").get_by_role("radio", name="Your points")).to_be_checked(
        timeout=20_000
    )
    config = wait_for_config(page, lambda c: c.data.dataset == "custom", "the dataset 'custom'")
    assert config.data.upload, f"no point set named in the link: {config.data}"
    # The plot now shows the uploaded points (in their classes' colours) instead of the circle's 500.
    spots = [[x, y] for x, y, _ in rows]
    colours = ["blue" if label == 1 else "orange" for _, _, label in rows]
    page.wait_for_function(
        f"([spots, colours]) => ({PLOT_JS})([spots]).at.every((kind, i) => kind === colours[i])",
        arg=[spots, colours],
        timeout=20_000,
    )
    after = page.evaluate(PLOT_JS, [spots])
    assert after["dots"] < before["dots"] / 4, f"the plot still shows about as many points: {before} -> {after}"
    own = open_expander(page, "Your own data")  # the panel moves up when Noise and Points go, and folds
    expect(own.get_by_test_id("stAlertContentInfo")).to_contain_text(f"Loaded {len(rows)} points (binary)")
    expect(own.get_by_test_id("stAlertContentError")).to_have_count(0)
    no_exception(page)


def test_clicks_on_the_plot_add_and_remove_points(server, context):
    page = context.new_page()
    open_2d_page(page, server.url)
    own = open_expander(page, "Your own data")
    own.get_by_text("Add or remove points by clicking", exact=True).click()
    expect(own.get_by_text("Label of new points")).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("pg-boundary")).to_have_attribute("title", re.compile("."))
    points_in_view(page, 500)

    events = int(live(page).get_attribute("data-events") or 0)
    click_plot(page, -5.0, 5.0)  # a point of class 1 where the circle has none
    expect(live(page)).to_have_attribute("data-events", str(events + 1))
    expect(page.locator(".st-key-2d_dataset_en").get_by_role("radio", name="Your points")).to_be_checked(
        timeout=20_000
    )
    points_in_view(page, 501)
    wait_for_config(page, lambda c: c.data.dataset == "custom", "the dataset 'custom'")

    click_plot(page, -5.0, 5.0, button="right")  # removes the nearest point: the one just added
    points_in_view(page, 500)
    click_plot(page, 5.0, -5.0)
    points_in_view(page, 501)
    no_exception(page)


def test_a_lesson_link_hides_the_controls_it_names(server, context):
    page = context.new_page()
    open_2d_page(page, server.url, "?hide=learning_rate,problem")
    expect(page.get_by_role("combobox", name="Activation")).to_be_visible()
    expect(page.get_by_role("combobox", name="Optimizer")).to_be_visible()
    expect(page.get_by_role("combobox", name="Regularization", exact=True)).to_be_visible()
    expect(page.get_by_role("slider", name="Regularization rate")).to_be_visible()
    expect(page.get_by_role("radiogroup", name="Dataset")).to_be_visible()
    expect(page.get_by_role("spinbutton", name="Hidden layers")).to_be_visible()
    expect(page.get_by_role("slider", name="Learning rate")).to_have_count(0)
    expect(page.get_by_role("combobox", name="Problem type")).to_have_count(0)
    expect(page.locator('[class*="st-key-2d_learning_rate"]')).to_have_count(0)
    expect(page.locator('[class*="st-key-2d_problem"]')).to_have_count(0)
    # The hidden controls keep their values: the page still trains the circle at the preset's rate.
    config = wait_for_config(page, lambda _: True, "a config")
    assert config.training.learning_rate == DEFAULT_RATE and config.task == "binary"
    assert "hide=learning_rate" in urllib.parse.unquote(page.url)
    no_exception(page)


def test_copy_link_puts_the_setup_on_the_clipboard(server, context):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    prompts: list[str] = []

    def on_dialog(dialog) -> None:  # the fallback: a prompt holding the link
        prompts.append(dialog.default_value)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    open_2d_page(page, server.url)
    wait_for_config(page, lambda _: True, "a config")
    button = page.get_by_test_id("pg-copy-link")
    expect(button).to_have_text("Copy link")
    button.click()
    expect(button).to_have_attribute("data-url", re.compile(r"[?&]config="))
    url = button.get_attribute("data-url")
    assert url == page.url, f"copied {url}, the address bar shows {page.url}"
    copied = button.get_attribute("data-copied")
    if copied == "true":
        expect(button).to_have_text("Link copied")
        assert page.evaluate("() => navigator.clipboard.readText()") == url
    else:
        assert prompts == [url], f"neither copied ({copied!r}) nor offered in a prompt: {prompts}"
    param = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["config"][0]
    assert hidden_units(RunConfig.from_url_param(param)) == DEFAULT_HIDDEN, "the copied link holds another setup"
    expect(button).to_have_text("Copy link", timeout=10_000)  # the label comes back


def test_compare_trains_a_second_setup_beside_the_first(server, context):
    page = context.new_page()
    open_2d_page(page, server.url)
    view = live(page)
    page.get_by_text("Compare with a second setup (B)", exact=True).click()
    caption = page.get_by_text(re.compile(r"^A \(the controls\)"))
    expect(caption).to_have_text("A (the controls): 4-2 tanh · sgd 0.03 — B (pinned): 4-2 tanh · sgd 0.03")
    page.locator(".st-key-2d_n_hidden").get_by_role("button", name="Increment").click()
    expect(page.get_by_test_id("pg-neuron")).to_have_count(13, timeout=20_000)
    expect(caption).to_have_text("A (the controls): 4-2-4 tanh · sgd 0.03 — B (pinned): 4-2 tanh · sgd 0.03")

    play_button(page).click()
    expect(view).to_have_attribute("data-status", "running", timeout=LOAD_TIMEOUT_MS)
    expect(view).to_have_attribute("data-compare-run-id", re.compile(r".+"), timeout=30_000)
    expect(page.get_by_test_id("pg-compare-head")).to_be_visible()
    page.wait_for_function(
        "() => +document.querySelector('[data-testid=\"pg-epoch-b\"]').textContent >= 3", timeout=60_000
    )
    wait_epoch_at_least(page, 3)
    expect(page.get_by_test_id("pg-status-b")).to_have_attribute("data-status", "running")
    expect(page.get_by_test_id("pg-boundary-b")).to_be_visible()
    expect(page.get_by_test_id("pg-compare-caption")).to_have_text("B · 4-2 tanh · sgd 0.03")
    expect(page.get_by_test_id("pg-focus-caption")).to_have_text("A · 4-2-4 tanh · sgd 0.03 · Output")
    assert view.get_attribute("data-compare-run-id") != view.get_attribute("data-run-id")

    play_button(page).click()  # Pause steers both runs
    expect(view).to_have_attribute("data-status", "paused", timeout=20_000)
    expect(page.get_by_test_id("pg-status-b")).to_have_attribute("data-status", "paused", timeout=20_000)
    no_exception(page)


def test_step_decay_and_a_limit_of_epochs_stop_the_run_with_the_decayed_rate(server, context):
    page = context.new_page()
    open_2d_page(page, server.url)
    view = live(page)
    options = open_expander(page, "Schedule and stopping")
    choose(page, options.get_by_role("combobox", name="Learning-rate schedule"), "Step decay")
    every = options.get_by_role("spinbutton", name="Decay every (epochs)")
    expect(every).to_be_visible(timeout=20_000)
    every.fill("1")
    every.press("Tab")  # a number input takes its value when it loses focus
    factor = options.get_by_role("slider", name="Decay factor")
    factor.focus()
    page.keyboard.press("Home")  # the smallest factor, 0.1
    expect(options.locator(".st-key-2d_step_factor").get_by_test_id("stSliderThumbValue")).to_have_text("0.1")
    options.get_by_text("Stop after a number of epochs", exact=True).click()
    epochs = options.get_by_role("spinbutton", name="Epochs", exact=True)
    expect(epochs).to_be_visible(timeout=20_000)
    epochs.fill("3")
    epochs.press("Tab")

    def scheduled(config: RunConfig) -> bool:
        training = config.training
        return (training.schedule, training.step_every, training.step_factor, training.stop_at_epochs) == (
            "step", 1, 0.1, True
        ) and training.epochs == 3  # fmt: skip

    wait_for_config(page, scheduled, "step decay every epoch by 0.1, stopping after 3 epochs")
    expect(view.locator('[data-r="lr"]')).to_have_text("0.03")

    play_button(page).click()
    expect(view).to_have_attribute("data-status", "finished", timeout=LOAD_TIMEOUT_MS)
    expect(page.get_by_test_id("pg-status")).to_have_attribute("data-status", "finished")
    expect(page.get_by_test_id("pg-epoch")).to_have_text("3")
    expect(page.get_by_test_id("pg-message")).to_contain_text("Finished: trained 3 epochs")
    rate = float(view.locator('[data-r="lr"]').inner_text())
    # Epochs 0, 1 and 2 train at 0.03, 0.003 and 0.0003; the read-out shows the last of these or the next one.
    assert DEFAULT_RATE * 0.1**3 * 0.99 <= rate <= DEFAULT_RATE * 0.1**2 * 1.01, f"learning rate read-out {rate}"
    expect(play_label(page)).to_have_text("Play", timeout=20_000)  # a finished run can be played on
    page.wait_for_timeout(1500)
    expect(page.get_by_test_id("pg-epoch")).to_have_text("3")  # and it stays stopped
    no_exception(page)


def test_the_network_view_and_the_new_controls_in_chinese(server, context):
    page = context.new_page()
    open_2d_page(page, server.url, "?lang=zh")
    expect(play_label(page)).to_have_text("播放")
    network = page.get_by_test_id("pg-network")
    expect(network).to_contain_text("隐藏层：2")
    expect(network).to_contain_text("输入")
    expect(network).to_contain_text("4 个神经元")
    expect(page.get_by_test_id("pg-neuron")).to_have_count(9)
    expect(page.get_by_test_id("pg-focus-caption")).to_have_text("输出")
    expect(expander(page, "学习率计划与停止条件")).to_be_visible()
    expect(expander(page, "你自己的数据")).to_be_visible()
    expect(expander(page, "所选神经元的权重")).to_be_visible()
    expect(page.get_by_role("switch", name="与第二个设置（B）对比")).to_have_count(1)
    expect(page.get_by_test_id("pg-copy-link")).to_have_text("复制链接")

    page.locator('[data-testid="pg-neuron"][data-column="1"][data-unit="0"]').click()
    expect(live(page)).to_have_attribute("data-focus", "1,0", timeout=20_000)
    expect(page.get_by_test_id("pg-focus-caption")).to_have_text("第 1 层的第 1 个神经元")
    options = open_expander(page, "学习率计划与停止条件")
    expect(options.get_by_role("combobox", name="学习率计划")).to_have_value("恒定")
    expect(options.get_by_text("训练固定轮数后停止", exact=True)).to_be_visible()
    editor = open_expander(page, "所选神经元的权重")
    expect(editor.get_by_role("spinbutton", name="偏置")).to_be_visible()
    no_exception(page)


def test_share_as_lesson_copies_a_link_that_hides_the_ticked_controls(server, context):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.dismiss())  # the fallback prompt, where the clipboard refuses
    open_2d_page(page, server.url, "?hide=noise")
    wait_for_config(page, lambda _: True, "a config")
    page.get_by_role("button", name="Share as lesson").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("checkbox", name="Noise")).to_be_checked()  # as the page's own link hides it
    dialog.get_by_text("Learning rate", exact=True).click()
    dialog.get_by_text("Problem type", exact=True).click()
    expect(dialog.get_by_text("The link hides: Noise, Learning rate, Problem type")).to_be_visible(timeout=10_000)
    button = dialog.get_by_test_id("pg-copy-link")
    expect(button).to_have_text("Copy lesson link")
    button.click()
    expect(button).to_have_attribute("data-url", re.compile(r"[?&]hide="))
    url = button.get_attribute("data-url")
    query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
    assert query["hide"] == ["noise,learning_rate,problem"]
    assert query["config"] == urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)["config"]
    if button.get_attribute("data-copied") == "true":
        assert page.evaluate("() => navigator.clipboard.readText()") == url

    student = context.new_page()
    student.goto(url)
    expect(student.get_by_role("combobox", name="Activation")).to_be_visible(timeout=60_000)
    expect(student.get_by_role("slider", name="Learning rate")).to_have_count(0)
    expect(student.get_by_role("combobox", name="Problem type")).to_have_count(0)
    expect(student.locator('[class*="st-key-2d_noise"]')).to_have_count(0)
    no_exception(student)


def test_a_click_on_a_dataset_picture_chooses_that_dataset(server, context):
    """The pictures above the dataset radio choose too (a click on one clicks its option); they are no tab stops
    and have no Fullscreen button (four unnamed stops before Play, and the button covered the picture)."""
    page = context.new_page()
    open_2d_page(page, server.url)
    wait_for_config(page, lambda c: c.data.dataset == "circle", "the circle")
    strip = page.get_by_test_id("pg-picture-choice")
    expect(strip.locator("button")).to_have_count(4)
    expect(strip.locator("button").first).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name=re.compile("fullscreen", re.IGNORECASE))).to_have_count(0)
    strip.locator("button").nth(1).click()
    expect(page.get_by_role("radio", name="XOR")).to_be_checked(timeout=20_000)
    wait_for_config(page, lambda c: c.data.dataset == "xor", "the XOR data")
    expect(strip.locator("button").nth(1)).to_have_attribute("aria-pressed", "true", timeout=20_000)
    assert strip.locator("button").nth(1).get_attribute("tabindex") == "-1"
    no_exception(page)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_drop_downs_show_their_whole_value(server, context, language):
    page = context.new_page()
    open_2d_page(page, server.url, f"?lang={language}")
    wait_for_config(page, lambda _: True, "a config")
    expect(page.locator('[data-testid="stSelectbox"]').first).to_be_visible()
    assert page.evaluate(CUT_SELECTS_JS) == []
