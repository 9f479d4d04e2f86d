"""Presenter mode and the run buttons' keyboard shortcuts in a real browser: a link with ``?present=1`` opens the
2D playground without its sidebar and in larger type, and Space, the right arrow and R drive the run."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .page_helpers import live, open_2d_page, play_controls, wait_epoch_at_least, wait_until_idle

pytestmark = pytest.mark.browser

play_button, play_label = play_controls("2d")

#: The font size of the page's introduction (the caption under its title), in CSS pixels.
INTRO_FONT_JS = """() => parseFloat(getComputedStyle(
    document.querySelector('[data-testid="stMain"] [data-testid="stCaptionContainer"]')).fontSize)"""
#: Records every key that reaches a listener on the document, where Streamlit's own shortcuts listen (its R
#: reruns the page); the page's listeners registered before this one see them first.
RECORD_KEYS_JS = """() => {
    window.keysOnDocument = [];
    document.addEventListener("keydown", (event) => window.keysOnDocument.push(event.key));
}"""


def epoch(page: Page) -> int:
    return int(live(page).get_attribute("data-epoch") or 0)


def press_on_body(page: Page, key: str) -> None:
    """Press a key with the focus on the page itself, not on a control."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press(key)


def wait_until_paused(page: Page) -> None:
    expect(play_label(page)).to_have_text("Play", timeout=20_000)
    expect(live(page)).to_have_attribute("data-status", "paused", timeout=20_000)
    wait_until_idle(page)


def test_presenter_mode_hides_the_sidebar_and_enlarges_the_text(server, context):
    page = context.new_page()
    open_2d_page(page, server.url)
    expect(page.get_by_test_id("stSidebar")).to_be_visible()
    plain = page.evaluate(INTRO_FONT_JS)
    expect(live(page)).to_have_attribute("data-present", "false")
    page.close()

    page = context.new_page()
    open_2d_page(page, server.url, "?present=1")
    leave = page.locator(".st-key-present_leave").get_by_role("button")
    expect(leave).to_be_visible()
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    expect(page.get_by_test_id("stExpandSidebarButton")).to_be_hidden()
    presented = page.evaluate(INTRO_FONT_JS)
    assert presented >= 1.25 * plain, f"the introduction is {presented}px in presenter mode, {plain}px without"
    expect(live(page)).to_have_attribute("data-present", "true")  # larger points, thicker lines

    leave.click()
    expect(page.get_by_test_id("stSidebar")).to_be_visible()
    expect(leave).to_have_count(0)
    wait_until_idle(page)
    assert page.evaluate(INTRO_FONT_JS) == plain
    assert "present=1" not in page.url


def test_space_plays_and_pauses_the_right_arrow_steps_and_r_resets(server, context):
    page = context.new_page()
    open_2d_page(page, server.url, "?present=1")
    expect(live(page)).to_have_attribute("data-status", "paused", timeout=60_000)
    page.evaluate(RECORD_KEYS_JS)

    press_on_body(page, "Space")
    expect(play_label(page)).to_have_text("Pause", timeout=20_000)
    expect(live(page)).to_have_attribute("data-status", "running", timeout=60_000)
    wait_epoch_at_least(page, 3)

    press_on_body(page, "Space")
    wait_until_paused(page)
    paused_at = epoch(page)
    assert paused_at >= 3

    press_on_body(page, "ArrowRight")
    expect(live(page)).to_have_attribute("data-epoch", str(paused_at + 1), timeout=20_000)
    wait_until_paused(page)
    assert epoch(page) == paused_at + 1, "one press of the right arrow trained more than one epoch"

    run_before = live(page).get_attribute("data-run-id")
    press_on_body(page, "r")
    expect(live(page)).not_to_have_attribute("data-run-id", run_before or "", timeout=20_000)
    expect(live(page)).to_have_attribute("data-epoch", "0", timeout=20_000)
    wait_until_paused(page)
    assert epoch(page) == 0
    # Streamlit never saw the R (it would have rerun the page as well), but it saw Space and the arrow.
    keys = page.evaluate("() => window.keysOnDocument")
    assert "r" not in keys and " " in keys and "ArrowRight" in keys, keys
