"""The tabular page in a real browser: edit the stack, train, see the epoch counter and the confusion matrix, and
switch the page to Chinese."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .page_helpers import pictures, play_controls, wait_pictures_change

pytestmark = pytest.mark.browser

PAGE_PATH = "/tabular"
STACK = "tab_stack_seed_ffn__0"  # the editor's key for the seed task's stack (generation 0)
play_button, _ = play_controls("tab")


def open_tabular(page: Page, url: str) -> None:
    page.goto(url + PAGE_PATH)
    expect(page.get_by_test_id("pg-live")).to_be_attached(timeout=60_000)
    expect(page.locator(f"[class*='st-key-{STACK}_2_insert_above_r']").get_by_role("button")).to_be_visible()


def epoch(page: Page) -> int:
    return int(page.get_by_test_id("pg-epoch").inner_text())


def test_edit_the_stack_train_and_see_the_confusion_matrix(server, context):
    page = context.new_page()
    open_tabular(page, server.url)
    expect(page.get_by_test_id("pg-boundary")).to_be_hidden()  # a table has no plane to draw
    rows_before = page.locator(f"[class*='st-key-{STACK}_'][class*='_remove']").count()
    # each row's icon buttons have a name for screen readers and show only their icon
    row = page.locator(f"[class*='st-key-{STACK}_row_']").first
    for name in ("Move up", "Move down", "Insert above", "Insert below", "Duplicate", "Remove"):
        expect(row.get_by_role("button", name=name, exact=True)).to_have_count(1)
    remove = row.get_by_role("button", name="Remove", exact=True).bounding_box()
    assert remove is not None and remove["width"] < 60, f"the Remove button shows more than its icon: {remove}"
    # a layer above the output (the editor's keys end with the stack's revision)
    page.locator(f"[class*='st-key-{STACK}_2_insert_above_r']").get_by_role("button").click()
    expect(page.locator(f"[class*='st-key-{STACK}_'][class*='_remove']")).to_have_count(rows_before + 1)
    play = play_button(page)
    expect(play).to_be_enabled()
    play.click()
    expect(page.get_by_test_id("pg-live")).to_have_attribute("data-status", "running", timeout=60_000)
    expect(page.get_by_test_id("pg-epoch")).not_to_have_text("0", timeout=30_000)
    first = epoch(page)
    page.wait_for_function(
        f"() => +document.querySelector('[data-testid=\"pg-epoch\"]').textContent > {first}", timeout=30_000
    )
    # the training view paints the accuracy per epoch, the confusion matrix and the histograms, and repaints them
    # as the network learns
    panel = pictures(page)
    expect(panel.get_by_test_id("pg-picture-matrix")).to_be_visible(timeout=30_000)
    expect(panel.get_by_test_id("pg-picture-histograms")).to_have_count(3)
    expect(panel.locator(".pg-picture-heading")).to_contain_text(["Accuracy", "Confusion matrix", "Weights"])
    wait_pictures_change(page, "the charts, while training,")
    play.click()  # pause
    expect(page.get_by_test_id("pg-live")).to_have_attribute("data-status", "paused", timeout=20_000)
    page.close()


def test_the_page_speaks_chinese(server, context):
    page = context.new_page()
    open_tabular(page, server.url)
    page.locator(".st-key-lang").get_by_role("combobox").click()
    page.get_by_role("option", name="中文").click()
    expect(page.get_by_role("heading", name="表格数据").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text("带走成果")).to_be_visible()
    assert "lang=zh" in page.url
    page.close()
