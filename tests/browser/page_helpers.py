"""Locators every page's browser tests use: the Play/Pause button of a page's run, the live view and the view
switch."""

from __future__ import annotations

import time
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect


def play_controls(page_key: str) -> tuple[Callable[[Page], Locator], Callable[[Page], Locator]]:
    """(play_button, play_label) for the page whose run buttons are keyed ``page_key`` (``2d``, ``conv``...)."""
    container = f".st-key-{page_key}_play"  # the element container of the Play/Pause button

    def play_button(page: Page) -> Locator:
        # Streamlit renders a second, hidden copy of a button to measure it; the role query skips hidden ones.
        return page.locator(container).get_by_role("button")

    def play_label(page: Page) -> Locator:
        """The button's text without its icon's ligature name ("play_arrow")."""
        return play_button(page).get_by_test_id("stMarkdownContainer")

    return play_button, play_label


def wait_until_idle(page: Page, timeout: int = 30_000) -> None:
    """Wait until no script run is in progress. While a run redraws the page, elements it has not reached yet
    stay on screen as stale copies (a panel that moves up shows twice, old and new, until the run ends), so a
    test that counts or reads elements after an action that reruns the page waits for this first."""
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout)


def live(page: Page) -> Locator:
    """The live training view (loss curves, boundary, network)."""
    return page.get_by_test_id("pg-live")


def view_button(page: Page, name: str) -> Locator:
    """One button of a page's view switch (a segmented control: its buttons are radios)."""
    return page.get_by_test_id("stButtonGroup").get_by_role("radio", name=name, exact=True)


def show_view(page: Page, name: str) -> None:
    button = view_button(page, name)
    button.click()
    expect(button).to_have_attribute("aria-checked", "true", timeout=20_000)


def scroll_to(page: Page, selector: str, has_text: bool = False) -> None:
    """Scroll the first element matching ``selector`` (with ``has_text``: the first with visible text) to the
    middle of the view, in one step in the page: a fragment that redraws every second replaces its elements, and
    a locator's scroll can find the element it resolved already detached."""
    page.evaluate(
        """([selector, hasText]) => {
            const node = [...document.querySelectorAll(selector)].find((n) => !hasText || n.textContent.trim());
            if (node) node.scrollIntoView({block: "center"});
        }""",
        [selector, has_text],
    )


def wait_until_still(locator: Locator, timeout: float = 10.0) -> None:
    """Wait until the element has kept its place and size for three samples 100 ms apart. An expander that has
    just opened still grows, and the page scrolls to bring a focused box into view; a selectbox's list opened
    while its box moves closes again (its typed filter then reads as the box's value, with no list)."""
    deadline = time.monotonic() + timeout
    boxes: list[dict | None] = []
    while True:
        boxes = [*boxes[-2:], locator.bounding_box()]
        if len(boxes) == 3 and boxes[0] is not None and boxes[0] == boxes[1] == boxes[2]:
            return
        if time.monotonic() >= deadline:
            raise AssertionError(f"the element kept moving for {timeout:g} s: {boxes}")
        time.sleep(0.1)
