"""The "Why deep learning" page in a real browser against the real server: the classic models' maps appear by
themselves, the network's row follows its training, learning curves are drawn and a sentence says who leads; then
the page in Chinese, where a remedy for overfitting changes the live network (and its link).

One test per page visit (one Streamlit session, one worker); the worker goes when the test's browser context
closes.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from playground.config import RunConfig
from tests.apptest_session import EN, ZH

from .page_helpers import live, no_exception, wait_until_idle

pytestmark = pytest.mark.browser

PAGE_PATH = "/why"
LOAD_TIMEOUT_MS = 60_000
#: The worker imports PyTorch and scikit-learn and fits seven models on the spiral.
ANSWER_TIMEOUT_MS = 120_000
#: The spiral's classic models: seven maps.
MODELS = 7


def map_captions(page: Page):
    return page.locator("[data-testid='stImageCaption']")


def shown_config(page: Page) -> RunConfig:
    return RunConfig.from_url_param(parse_qs(urlparse(page.url).query)["config"][0])


def test_maps_fill_in_the_network_row_follows_training_and_curves_say_who_leads(server, context):
    page = context.new_page()
    page.goto(f"{server.url}{PAGE_PATH}")
    expect(page.get_by_role("heading", name=EN["page_why_title"]).first).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(map_captions(page)).to_have_count(MODELS, timeout=ANSWER_TIMEOUT_MS)
    expect(map_captions(page).filter(has_text=re.compile(r"k-nearest neighbours: test [01]\.\d{3}"))).to_have_count(1)
    expect(page.get_by_text(EN["why_network_row_waits"])).to_be_visible()

    page.get_by_role("button", name=EN["play"]).click()
    expect(live(page)).to_have_attribute("data-status", "running", timeout=LOAD_TIMEOUT_MS)
    row = page.get_by_text(re.compile(r"The network's row shows epoch (\d+)"))
    expect(row).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    first = int(re.search(r"epoch (\d+)", row.inner_text()).group(1))
    page.wait_for_function(
        """([first]) => [...document.querySelectorAll('[data-testid="stCaptionContainer"]')].some((node) => {
               const found = node.textContent.match(/row shows epoch (\\d+)/);
               return found && +found[1] > first;
           })""",
        arg=[first],
        timeout=ANSWER_TIMEOUT_MS,
    )  # the row follows the training: the caption names later epochs by itself
    page.get_by_role("button", name=EN["pause"]).click()
    expect(live(page)).to_have_attribute("data-status", "paused", timeout=20_000)

    page.get_by_role("tab", name=EN["why_tab_curves"]).click()
    sizes = page.get_by_role("textbox", name=EN["why_sizes"])
    sizes.fill("25, 250")
    sizes.press("Enter")
    epochs = page.get_by_role("spinbutton", name=EN["why_epochs"])
    epochs.fill("5")
    epochs.press("Enter")
    wait_until_idle(page)
    page.get_by_role("button", name=EN["why_draw_curves"]).click()
    # the sentence grows with the curve: the largest size's line comes once its points are in
    largest = page.get_by_text(re.compile(r"With 250 training rows the best is"))
    expect(largest.first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator(".st-key-why_curve_stop").get_by_role("button")).to_be_disabled(timeout=ANSWER_TIMEOUT_MS)
    wait_until_idle(page)  # a fragment's old elements stay beside the new ones until its run ends
    expect(largest).to_have_count(1)
    expect(page.get_by_text(re.compile("The network (leads|never leads)"))).to_have_count(1)
    chart = page.locator(".st-key-why_curve_chart .js-plotly-plot")
    wait_until_idle(page)
    expect(chart).to_have_count(1)  # while a fragment redraws, Streamlit briefly holds the old figure beside the new
    lines = chart.evaluate("(plot) => plot.data.filter((trace) => trace.mode === 'lines+markers').length")
    assert lines == MODELS + 1  # every classic model and the network
    no_exception(page)
    page.close()


def test_in_chinese_a_remedy_changes_the_live_network(server, context):
    page = context.new_page()
    page.goto(f"{server.url}{PAGE_PATH}?lang=zh")
    expect(page.get_by_role("heading", name=ZH["page_why_title"]).first).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(map_captions(page)).to_have_count(MODELS, timeout=ANSWER_TIMEOUT_MS)
    expect(map_captions(page).filter(has_text=ZH["why_model_forest"])).to_have_count(1)
    page.get_by_role("tab", name=ZH["why_tab_overfit"]).click()
    assert [layer.kind for layer in shown_config(page).model.layers].count("dropout") == 0
    page.get_by_text(ZH["why_dropout"], exact=True).click()  # the toggle's label
    expect(page.get_by_text(ZH["why_dropout_rate"])).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    wait_until_idle(page)
    kinds = [layer.kind for layer in shown_config(page).model.layers]
    assert kinds == ["dense", "dropout", "dense", "dropout", "dense"]
    expect(page.get_by_role("button", name=ZH["why_sweep"])).to_be_visible()
    no_exception(page)
    page.close()
