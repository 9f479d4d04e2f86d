"""The convolutions page in a real browser against the real server: train a CNN on the 8x8 digits and look at
its filters (live), a test image's feature maps, its mistakes; draw a digit for it to read, before and while it
trains; the page in Chinese; and a stack that cannot run on the data.

Every test opens its own page (one Streamlit session, one worker) on the session's shared server; the worker
goes when the test's browser context closes. The digits train in well under a second an epoch; MNIST (the
page's default) only where the drawing test needs it.
"""

from __future__ import annotations

import re
import time

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
    view_button,
    wait_epoch_at_least,
    wait_pictures_change,
)

pytestmark = pytest.mark.browser

PAGE_PATH = "/convolutions"  # st.navigation's URL for pages/convolutions.py
play_button, play_label = play_controls("cnn")
LOAD_TIMEOUT_MS = 60_000  # the first page of a fresh server imports torch
#: The worker loads the data and builds the model before it answers; on a busy machine that takes a while.
WORKER_TIMEOUT_MS = 90_000
DIGITS = "Digits (scikit-learn, 1,797 images of 8x8)"
SEED_CNN_TEMPLATE = "Seed CNN: (conv 32, pool), (conv 64, pool), dense 128"
#: The page's CNN on the digits (``digits-cnn``): conv 16, pool, conv 32, flatten, dense, dense. Two conv layers
#: (one grid of filters each) and three layers whose outputs are still images (one grid of feature maps each).
DIGITS_CONV_LAYERS = 2
DIGITS_MAP_LAYERS = 3
#: Pixels of a canvas in the gallery's frame colours: red for a mistake, green for a right answer.
FRAME_COLOURS_JS = """(canvas) => {
  const d = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let red = 0, green = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i] === 220 && d[i + 1] === 38 && d[i + 2] === 38) red++;
    else if (d[i] === 22 && d[i + 1] === 163 && d[i + 2] === 74) green++;
  }
  return { red, green };
}"""


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def open_convolutions(page: Page, url: str, query: str = "") -> None:
    page.goto(f"{url}{PAGE_PATH}{query}")
    expect(play_button(page)).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(live(page)).to_be_attached(timeout=LOAD_TIMEOUT_MS)


def choose_digits(page: Page) -> None:
    choose(page, page.locator(".st-key-cnn_dataset_en").get_by_role("combobox"), DIGITS)
    # the editor's widgets are keyed by dataset: the digits' stack is the one shown now
    expect(page.locator("[class*='st-key-cnn_stack_digits__use_template_r']").get_by_role("button")).to_be_visible(timeout=30_000)


def press_play(page: Page) -> None:
    expect(play_label(page)).to_have_text("Play", timeout=20_000)
    play_button(page).click()
    expect(play_label(page)).to_have_text("Pause", timeout=20_000)
    expect(live(page)).to_have_attribute("data-status", "running", timeout=WORKER_TIMEOUT_MS)


def press_pause(page: Page) -> None:
    play_button(page).click()
    expect(live(page)).to_have_attribute("data-status", "paused", timeout=20_000)
    expect(play_label(page)).to_have_text("Play", timeout=20_000)


def loaded_sources(images: Locator) -> list[str]:
    """The images' ``src``, once each has loaded (a media URL named by the image's content)."""
    return images.locator("img").evaluate_all(
        "(nodes) => nodes.map((node) => node.complete && node.naturalWidth > 0 ? node.src : '')"
    )


def wait_loaded(page: Page, images: Locator, what: str, timeout: float = 30.0) -> list[str]:
    """Wait until every one of ``images`` has loaded its picture; returns their ``src``."""
    deadline = time.monotonic() + timeout
    while True:
        sources = loaded_sources(images)
        if sources and all(sources):
            return sources
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} did not load within {timeout:.0f} s: {sources}")
        page.wait_for_timeout(250)


def canvas(page: Page) -> Locator:
    """The drawing canvas: fabric.js's upper canvas takes the pointer."""
    return page.locator("canvas.upper-canvas")


def draw_stroke(page: Page, x0: float, y0: float, x1: float, y1: float, steps: int = 15) -> None:
    """A stroke with the mouse from (x0, y0) to (x1, y1), in fractions of the canvas."""
    target = canvas(page)
    target.scroll_into_view_if_needed()
    expect(target).to_be_visible()
    box = target.bounding_box()
    assert box is not None, "the canvas has no box"

    def at(fx: float, fy: float) -> tuple[float, float]:
        return box["x"] + fx * box["width"], box["y"] + fy * box["height"]

    page.mouse.move(*at(x0, y0))
    page.mouse.down()
    for step in range(1, steps + 1):
        page.mouse.move(*at(x0 + (x1 - x0) * step / steps, y0 + (y1 - y0) * step / steps))
    page.mouse.up()


# --------------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------------
def test_digits_train_and_the_filters_feature_maps_and_mistakes_show(server, context):
    page = context.new_page()
    open_convolutions(page, server.url)
    choose_digits(page)
    expect(page.get_by_text("Tiny 8x8 digits")).to_be_visible()

    # (1) Play: the epoch counter rises and the test accuracy appears.
    press_play(page)
    wait_epoch_at_least(page, 2, timeout=WORKER_TIMEOUT_MS)
    expect(page.get_by_test_id("pg-accuracy")).to_have_text(re.compile(r"^\d+(\.\d)?%$"), timeout=30_000)

    # (2) Filters (the view a page opens with): the training view paints one grid per conv layer, and repaints it
    # as the weights change.
    expect(view_button(page, "Filters")).to_be_visible()
    panel = pictures(page)
    grids = panel.get_by_test_id("pg-picture-grid")
    expect(grids).to_have_count(DIGITS_CONV_LAYERS, timeout=30_000)
    captions = panel.locator(".pg-picture-caption")
    expect(captions).to_have_text(["16 filters · input channel 1", "32 filters · input channel 1"])
    wait_pictures_change(page, "the filters, while training,")
    # below the loss chart, not over it (the live view's other canvases fill their boxes absolutely)
    loss, first, last = (box.bounding_box() for box in (live(page).get_by_test_id("pg-loss"), grids.first, grids.last))
    assert loss and first and last
    assert first["y"] >= loss["y"] + loss["height"] and last["y"] >= first["y"] + first["height"]
    expect(live(page)).to_have_attribute("data-status", "running")
    # the second layer's filters see 16 input channels: a slider picks the one painted
    slider = page.get_by_role("slider", name=re.compile(r"^Input channel shown for Conv2D\(32, 3x3"))
    slider.focus()
    page.keyboard.press("ArrowRight")
    expect(captions.last).to_have_text("32 filters · input channel 2", timeout=30_000)

    # (3) Feature maps, while training: the first test image, its saliency, the class probabilities and every
    # layer's maps, repainted as the network learns; paused, the picker chooses the sixth image.
    show_view(page, "Feature maps")
    expect(captions.first).to_have_text(re.compile(r"^Test image 0: \d$"), timeout=30_000)
    expect(panel.locator(".pg-picture-caption:visible")).to_have_text([
        re.compile(r"^Test image 0: \d$"), "Saliency: the pixels that move the prediction most",
        "16 maps of 8×8", "16 maps of 4×4", "32 maps of 4×4",
    ])  # fmt: skip
    expect(panel.locator(".pg-picture-heading:visible")).to_have_text([
        re.compile(r"^Prediction: \d \(\d+%\)$"), re.compile(r"^1\. Conv2D\(16, 3x3\b"), "2. MaxPool2D(2x2)",
        re.compile(r"^3\. Conv2D\(32, 3x3\b"),
    ])  # fmt: skip
    expect(panel.get_by_test_id("pg-picture-bars")).to_have_count(1)
    expect(grids).to_have_count(2 + DIGITS_MAP_LAYERS)
    wait_pictures_change(page, "the feature maps, while training,")
    press_pause(page)
    number = page.get_by_role("spinbutton", name="Test image number")
    expect(number).to_have_value("0")
    number.fill("5")
    number.press("Enter")
    expect(captions.first).to_have_text(re.compile(r"^Test image 5: \d$"), timeout=30_000)
    no_exception(page)

    # (4) Mistakes, painted by the training view: how many test images are wrong, the gallery (each picture framed
    # red for a mistake, green for a right answer), the confusion matrix and the accuracy per class, repainted as
    # the network learns.
    show_view(page, "Mistakes")
    panel = pictures(page)
    heading = panel.locator(".pg-picture-heading").first
    expect(heading).to_have_text(re.compile(r"^\d+ of \d+ test images are wrong\."), timeout=30_000)
    gallery = panel.get_by_test_id("pg-picture-gallery")
    expect(gallery).to_have_count(1)
    expect(panel.get_by_test_id("pg-picture-matrix")).to_have_count(1)
    expect(panel.get_by_test_id("pg-picture-bars")).to_have_count(1)
    show_picture(gallery)
    frames = gallery.evaluate(FRAME_COLOURS_JS)
    assert frames["red"] + frames["green"] > 1000, f"no framed pictures painted: {frames}"
    press_play(page)
    wait_pictures_change(page, "the mistakes, while training,", canvas=0)
    press_pause(page)
    no_exception(page)


def test_a_drawn_digit_is_predicted_before_and_while_training(server, context):
    page = context.new_page()
    open_convolutions(page, server.url)  # MNIST and the seed CNN, as the page opens
    show_view(page, "Draw")
    hint = page.get_by_text("Draw something on the canvas to see what the network makes of it.")
    expect(hint).to_be_visible(timeout=30_000)
    draw_stroke(page, 0.5, 0.2, 0.5, 0.8)  # a "1"
    # the training view paints the drawing as the network gets it, its saliency, the prediction and the maps
    panel = pictures(page)
    drawing = panel.get_by_test_id("pg-picture-grid").first
    expect(panel.locator(".pg-picture-caption").first).to_have_text("What the network gets", timeout=WORKER_TIMEOUT_MS)
    expect(panel.locator(".pg-picture-heading:visible").first).to_have_text(re.compile(r"^Prediction: \d \(\d+%\)$"))
    expect(panel.get_by_test_id("pg-picture-bars")).to_have_count(1)  # the class probabilities
    expect(hint).to_have_count(0)
    show_picture(drawing)
    first = drawing.evaluate("(canvas) => canvas.toDataURL()")

    # While it trains: a second stroke reaches the worker between training slices, and it predicts that.
    press_play(page)
    wait_epoch_at_least(page, 1, timeout=WORKER_TIMEOUT_MS)
    expect(live(page)).to_have_attribute("data-status", "running")
    draw_stroke(page, 0.3, 0.25, 0.7, 0.25)  # a bar across the top: a "7"
    drawing.scroll_into_view_if_needed()  # the drawing pad may have scrolled it far off: painted when it comes near
    page.wait_for_function(
        "(before) => document.querySelector('[data-testid=\"pg-picture-grid\"]').toDataURL() !== before",
        arg=first,
        timeout=45_000,
    )
    expect(live(page)).to_have_attribute("data-status", "running")
    expect(panel.get_by_test_id("pg-picture-bars")).to_have_count(1)
    expect(panel.locator(".pg-picture-caption").filter(has_text="What the network gets")).to_have_count(1)
    press_pause(page)
    no_exception(page)


def test_the_page_speaks_chinese(server, context):
    page = context.new_page()
    open_convolutions(page, server.url, "?lang=zh")
    expect(page.get_by_role("heading", name="卷积", exact=True)).to_be_visible()
    expect(play_label(page)).to_have_text("播放")
    for name in ("滤波器", "特征图", "错误", "手绘", "直方图"):
        expect(view_button(page, name)).to_be_visible()
    expect(view_button(page, "Filters")).to_have_count(0)
    no_exception(page)


def test_a_stack_too_deep_for_the_digits_names_the_layer_and_turns_play_off(server, context):
    page = context.new_page()
    open_convolutions(page, server.url)
    choose_digits(page)
    expect(play_button(page)).to_be_enabled()
    choose(page, page.locator(".st-key-cnn_stack_digits__template_en").get_by_role("combobox"), SEED_CNN_TEMPLATE)
    page.locator("[class*='st-key-cnn_stack_digits__use_template_r']").get_by_role("button").click()
    # 8x8 -> conv 6x6 -> pool 3x3 -> conv 1x1: the second pooling layer has no 2x2 window to take
    error = page.get_by_test_id("stAlertContentError")
    expect(error).to_have_count(1, timeout=30_000)
    expect(error).to_contain_text("This layer cannot run")
    expect(error).to_contain_text("2x2 window")
    # the red message sits in the failing layer's row: the second pooling layer, the stack's fourth
    failing = page.locator("[class*='st-key-cnn_stack_digits__row_']").filter(has=error)
    expect(failing).to_have_count(1)
    expect(failing).to_contain_text("4. MaxPool2D(2x2)")
    expect(page.get_by_text("The network cannot run as it is, so training is paused and Play is off.")).to_be_visible()
    expect(play_button(page)).to_be_disabled()
    no_exception(page)


#: True once two looks at the live view, the same epoch in both, saw its per-batch line grow (polled in the page).
LINE_GROWS_WITHIN_AN_EPOCH_JS = """() => {
  const view = document.querySelector('[data-testid="pg-live"]');
  if (!view) return false;
  const seen = window.__pgLine || (window.__pgLine = { epoch: null, points: 0 });
  const epoch = view.dataset.epoch, points = +(view.dataset.batchPoints || 0);
  if (epoch === seen.epoch && seen.points > 0 && points > seen.points) return true;
  if (epoch !== seen.epoch || points < seen.points) Object.assign(seen, { epoch, points });
  return false;
}"""


def test_the_loss_line_grows_batch_by_batch_within_an_epoch_and_the_epochs_progress_shows(server, context):
    """An epoch of the seed CNN takes seconds: the chart must not stand still meanwhile."""
    page = context.new_page()
    open_convolutions(page, server.url)  # MNIST and the seed CNN, as the page opens
    press_play(page)
    page.wait_for_function(LINE_GROWS_WITHIN_AN_EPOCH_JS, polling=50, timeout=WORKER_TIMEOUT_MS)
    progress = page.get_by_test_id("pg-progress")
    expect(progress).to_be_visible()
    expect(progress).to_contain_text(re.compile(r"Batch \d+ of 125 · [\d,.]+ batches/s · (\d+ min )?[\d.]+ s left"))
    press_pause(page)
    expect(progress).to_be_hidden()
    no_exception(page)
