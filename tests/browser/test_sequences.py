"""The sequences page in a real browser against the real server: train the seed LSTM live, see the loss curve move,
the metric and errors per epoch follow it, the predictions, the hidden state with its gates and the memory painted
live (canvas); then the text dataset writes text of its own, painted live too.

One test, one page (one Streamlit session, one worker) on the session's shared server; the worker goes when the
test's browser context closes.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from .page_helpers import (
    choose,
    live,
    no_exception,
    pictures,
    play_controls,
    show_picture,
    show_view,
    wait_attribute_at_least,
    wait_epoch_at_least,
    wait_pictures_change,
)

pytestmark = pytest.mark.browser

PAGE_PATH = "/sequences"  # st.navigation's URL for pages/sequences.py
play_button, play_label = play_controls("seq")
LOAD_TIMEOUT_MS = 60_000  # the first page of a fresh server imports torch
#: The worker loads the data and builds the model before it answers; on a busy machine that takes a while.
WORKER_TIMEOUT_MS = 90_000
TEXT = "Text (next character)"


def plot(page: Page, key: str) -> Locator:
    """The plotly chart of the element keyed ``seq_chart_{key}`` (a view redrawn every second may briefly hold a
    stale copy of it too)."""
    return page.locator(f".st-key-seq_chart_{key} .js-plotly-plot").first


def expect_drawn(page: Page, key: str) -> None:
    """The chart is on the page and plotly has drawn its traces into it (not just an empty frame)."""
    expect(plot(page, key)).to_be_visible(timeout=WORKER_TIMEOUT_MS)
    page.wait_for_function(
        """(selector) => {
            return [...document.querySelectorAll(selector)].some((node) =>
                Array.isArray(node._fullData) && node._fullData.length > 0
                && node.querySelectorAll(".trace, .hm, image").length > 0);
        }""",
        arg=f".st-key-seq_chart_{key} .js-plotly-plot",
        timeout=30_000,
    )


def test_the_seed_lstm_trains_live_and_every_view_draws_then_text_is_written(server, context, tmp_path):
    page = context.new_page()
    page.goto(f"{server.url}{PAGE_PATH}")
    expect(play_button(page)).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Sequences", exact=True)).to_be_visible()
    expect(page.get_by_text("Total params: 19,521")).to_be_visible()

    # (1) Play: the epoch counter rises and the loss curve grows a point per epoch.
    expect(play_label(page)).to_have_text("Play", timeout=20_000)
    play_button(page).click()
    expect(live(page)).to_have_attribute("data-status", "running", timeout=WORKER_TIMEOUT_MS)
    wait_epoch_at_least(page, 1, timeout=WORKER_TIMEOUT_MS)
    rows = int(live(page).get_attribute("data-rows") or 0)
    wait_attribute_at_least(page, '[data-testid="pg-live"]', "data-rows", rows + 1, WORKER_TIMEOUT_MS)

    # (2) Loss: the metric and the errors per epoch beside the live loss, against a predictor that ignores the
    # sequence, painted by the training view and again when an epoch ends.
    charts = pictures(page).get_by_test_id("pg-picture-lines")
    expect(charts).to_have_count(2, timeout=30_000)
    expect(pictures(page).locator(".pg-picture-heading")).to_have_text(
        ["R² (1 is a perfect fit)", "Errors in the target's units (lower is better)"]
    )
    show_picture(charts.first)
    before = charts.first.evaluate("(canvas) => canvas.toDataURL()")
    rows = int(live(page).get_attribute("data-rows") or 0)
    wait_attribute_at_least(page, '[data-testid="pg-live"]', "data-rows", rows + 1, WORKER_TIMEOUT_MS)
    page.wait_for_function(
        "(before) => document.querySelector('[data-testid=\"pg-picture-lines\"]').toDataURL() !== before",
        arg=before,
        timeout=30_000,
    )

    # (3) Predictions: predicted against true on the test sequences, painted live by the training view.
    show_view(page, "Predictions")
    expect(pictures(page).get_by_test_id("pg-picture-scatter")).to_be_visible(timeout=30_000)
    wait_pictures_change(page, "the predictions, while training,")

    # (4) Hidden state: the test sequence's inputs; the training view paints the LSTM's hidden state and each of
    # its gates, and repaints them as the network learns.
    show_view(page, "Hidden state")
    expect(page.get_by_role("spinbutton", name="Test sequence")).to_have_value("0")
    expect_drawn(page, "inputs")
    panel = pictures(page)
    expect(panel.locator(".pg-picture-heading:visible")).to_have_text([
        "1. LSTM (long short-term memory): the hidden state of its 64 units at every step", "Input gate i",
        "Forget gate f", "Candidate g", "Output gate o", "Memory cell c",
    ], timeout=30_000)  # fmt: skip
    expect(panel.get_by_test_id("pg-picture-grid")).to_have_count(6)
    # the network's answer for the sequence, above the pictures and as live as they are
    verdict = panel.get_by_test_id("pg-picture-note")
    expect(verdict).to_have_text(re.compile(r"^Target -?\d+\.\d{3}, predicted -?\d+\.\d{3} \(test sequence 0\)\."))
    expect(verdict.locator("b")).to_have_count(2)
    first_verdict = verdict.inner_text()
    wait_pictures_change(page, "the hidden state, while training,")
    verdict.scroll_into_view_if_needed()  # a picture far off screen waits unpainted (the last one was scrolled to)
    expect(verdict).not_to_have_text(first_verdict, timeout=30_000)
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "sequences-hidden.png"))

    # (5) Memory: the gradient per input step, with the reach told in words, painted live.
    show_view(page, "Memory")
    expect(pictures(page).get_by_test_id("pg-picture-columns")).to_be_visible(timeout=30_000)
    expect(pictures(page).get_by_text("Reach: 90 % of the gradient lies in the last")).to_be_visible(timeout=30_000)
    wait_pictures_change(page, "the memory, while training,")
    page.screenshot(path=str(tmp_path / "sequences-memory.png"))
    expect(live(page)).to_have_attribute("data-status", "running")  # the views did not stop training
    no_exception(page)

    # (6) Text: the page opens its text LSTM; one epoch in, it writes text after a grey prompt.
    choose(page, page.locator(".st-key-seq_dataset_en").get_by_role("combobox"), TEXT)
    expect(page.locator("[class*='st-key-seq_stack_text__use_template_r']").get_by_role("button")).to_be_visible(
        timeout=30_000
    )
    show_view(page, "Predictions")
    expect(page.get_by_role("slider", name="Temperature")).to_be_visible(timeout=30_000)
    expect(live(page)).to_have_attribute("data-epoch", "0", timeout=WORKER_TIMEOUT_MS)  # a new run on the text
    expect(play_label(page)).to_have_text("Play", timeout=20_000)
    play_button(page).click()
    wait_epoch_at_least(page, 1, timeout=WORKER_TIMEOUT_MS)
    written = pictures(page).locator(".pg-text-written").filter(has_text=re.compile(r"\S"))
    expect(written).to_be_visible(timeout=WORKER_TIMEOUT_MS)
    assert len(written.inner_text()) > 20
    expect(pictures(page).locator(".pg-text-prompt")).not_to_be_empty()
    expect(pictures(page).get_by_text("Yellow: what the network wrote after it")).to_be_visible()
    no_exception(page)
    written.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "sequences-text.png"))


def test_the_race_paints_both_networks_live_and_stop_ends_it(server, context):
    """The RNN-vs-LSTM race has a live view of its own: each racer's epoch and status, both loss curves (the LSTM's
    dashed) and the memory of both, painted as they train; Stop ends both."""
    page = context.new_page()
    page.goto(f"{server.url}{PAGE_PATH}")
    expect(play_button(page)).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    show_view(page, "Memory")
    steps = page.get_by_role("slider", name="Sequence length")
    steps.focus()
    page.keyboard.press("Home")  # 10 steps and 8 units: a short race
    units = page.get_by_role("spinbutton", name="Units of each network")
    units.fill("8")
    units.press("Enter")
    expect(page.locator(".st-key-seq_race_steps").get_by_test_id("stSliderThumbValue")).to_have_text("10")
    page.locator(".st-key-seq_race_start").get_by_role("button").click()
    race = page.locator(".st-key-seq_race_live").get_by_test_id("pg-live")
    expect(race).to_have_attribute("data-status", "running", timeout=WORKER_TIMEOUT_MS)
    expect(race.get_by_test_id("pg-compare-head")).to_be_visible()
    expect(race.locator('[data-r="a-title"]')).to_have_text("SimpleRNN")
    expect(race.locator('[data-r="b-title"]')).to_have_text("LSTM")
    selector = '.st-key-seq_race_live [data-testid="pg-live"]'
    wait_attribute_at_least(page, selector, "data-epoch", 3, timeout=WORKER_TIMEOUT_MS)
    wait_attribute_at_least(page, selector, "data-compare-epoch", 3, timeout=WORKER_TIMEOUT_MS)
    # who is ahead, and by how much
    verdict = re.compile(r"^After \d+ epochs (SimpleRNN|LSTM)( is ahead: its test loss .+ is .+ times lower than "
                         r"(SimpleRNN|LSTM)'s .+| and (SimpleRNN|LSTM) are level: test loss .+ and .+)\.$")  # fmt: skip
    expect(race.get_by_test_id("pg-verdict")).to_have_text(verdict, timeout=30_000)
    memory = race.get_by_test_id("pg-pictures")
    expect(memory.get_by_test_id("pg-picture-lines")).to_be_visible(timeout=30_000)
    expect(memory.locator(".pg-picture-heading")).to_have_text("Memory: the share of the gradient at each step")
    paints = int(memory.get_attribute("data-paints") or 0)
    wait_attribute_at_least(page, f'{selector} [data-testid="pg-pictures"]', "data-paints", paints + 3)
    page.locator(".st-key-seq_race_stop").get_by_role("button").click()
    expect(page.locator(".st-key-seq_race_live")).to_have_count(0, timeout=20_000)
    expect(page.locator(".st-key-seq_race_start").get_by_role("button", name="Start the race")).to_be_visible()
    no_exception(page)
