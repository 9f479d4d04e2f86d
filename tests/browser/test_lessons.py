"""Every shipped lesson in a real browser against the real server: its link opens the page and the panel, the test
walks to the task, does what the lesson's hints say with the page's own controls, and sees the check pass. Plus the
Lessons page: the progress it keeps, a lesson opened from it, and the Chinese panel."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from playground.app_pages import APP_PAGES
from playground.lessons import Lesson, shipped_lesson, shipped_lessons, text_in

from .page_helpers import LOAD_TIMEOUT_MS, choose, no_exception, play_controls, show_view, wait_until_idle

#: How long a lesson's check may take to pass once its hints are done: the slowest trains a small CNN or LSTM.
CHECK_TIMEOUT_MS = 120_000


def panel(page: Page) -> Locator:
    return page.locator(".st-key-lesson_panel")


def open_lesson(page: Page, url: str, lesson: Lesson, language: str = "en") -> None:
    """Open the lesson's own link (as a teacher shares it) and wait for its panel and its page's Play button."""
    page.goto(f"{url}/{APP_PAGES[lesson.page].url_path}?lesson={lesson.id}&lang={language}")
    expect(panel(page)).to_contain_text(text_in(lesson.title, language), timeout=LOAD_TIMEOUT_MS)
    expect(play_controls(lesson.page)[0](page)).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    no_exception(page)


def go_to_task(page: Page, lesson: Lesson) -> None:
    """Press Next through the text steps to the task."""
    assert lesson.task is not None
    for number in range(1, len(lesson.steps) + 1):
        total = len(lesson.steps) + 1 + (lesson.quiz is not None)
        expect(panel(page).get_by_text(f"Step {number} of {total}")).to_be_visible()
        wait_until_idle(page)
        next_button = panel(page).get_by_role("button", name="Next")
        expect(next_button).to_have_count(1)  # a step's stale buttons once stayed on screen under the new ones
        next_button.click()
    expect(panel(page).get_by_text(text_in(lesson.task.text, "en"))).to_be_visible()


def select_slider_to(page: Page, key: str, value: str, keys: str = "ArrowRight") -> None:
    """Move a (select) slider with the keyboard until its thumb shows ``value``, as a keyboard user does."""
    container = page.locator(f".st-key-{key}")
    slider = container.get_by_role("slider")
    slider.focus()
    thumb = container.get_by_test_id("stSliderThumbValue")
    for _ in range(40):
        if thumb.inner_text() == value:
            break
        page.keyboard.press(keys)
    expect(thumb).to_have_text(value)
    wait_until_idle(page)


def press_play(page: Page, page_key: str) -> None:
    play_button, play_label = play_controls(page_key)
    expect(play_label(page)).to_have_text("Play")
    play_button(page).click()
    expect(play_label(page)).to_have_text("Pause", timeout=LOAD_TIMEOUT_MS)


def choose_in(page: Page, label: str, option: str) -> None:
    choose(page, page.get_by_role("combobox", name=label, exact=True), option)


def set_number(page: Page, label: str, value: int) -> None:
    """Type into a number box and leave it: the box takes its value when it loses focus."""
    box = page.get_by_role("spinbutton", name=label, exact=True)
    box.fill(str(value))
    box.press("Tab")
    wait_until_idle(page)
    expect(page.get_by_role("spinbutton", name=label, exact=True)).to_have_value(str(value))


def press_reset(page: Page, page_key: str) -> None:
    """Press Reset and wait until the buttons are redrawn: their keys change with every press applied, and the
    pressed one leaves the screen (Streamlit keeps it in the page, hidden). The page reads as idle for a moment
    after the click, before the server has started the buttons' rerun, so idle alone is no proof."""
    button = page.locator(f"[class*='st-key-{page_key}_reset_']").get_by_role("button")
    drawn = re.search(r"st-key-\S+", button.evaluate("node => node.closest('[class*=st-key-]').className"))
    assert drawn is not None
    button.click()
    expect(page.locator(f".{drawn.group()}").get_by_role("button")).to_have_count(0)
    wait_until_idle(page)


def add_feature(page: Page, label: str) -> None:
    box = page.get_by_role("combobox", name="Input features")
    box.click()
    page.get_by_role("option", name=label, exact=True).click()
    page.keyboard.press("Escape")
    wait_until_idle(page)


def insert_layer_above(page: Page, kind: str, row_title: str) -> None:
    """Choose the new layer's kind, then press the insert-above button of the row whose title holds ``row_title``."""
    choose_in(page, "New layer kind", kind)
    row = page.locator("[class*='_row_']").filter(has=page.get_by_text(row_title, exact=False)).last
    row.locator("[class*='_insert_above_r']").get_by_role("button").click()
    wait_until_idle(page)


def neuron(page: Page) -> None:
    press_play(page, "2d")  # hint 1
    select_slider_to(page, "2d_learning_rate", "0.3")  # hint 2


def hidden_layers(page: Page) -> None:
    set_number(page, "Hidden layers", 1)
    expect(page.get_by_role("slider", name="Neurons in layer 1")).to_have_value("4")
    press_play(page, "2d")


def activation(page: Page) -> None:
    choose_in(page, "Activation", "relu")
    press_play(page, "2d")


def learning_rate(page: Page) -> None:
    select_slider_to(page, "2d_learning_rate", "0.1", keys="ArrowLeft")
    press_reset(page, "2d")
    press_play(page, "2d")


def training_loop(page: Page) -> None:
    for stage in ("Forward", "Loss", "Backward", "Update"):
        button = page.locator("[class*='st-key-learn_walk_next_']").get_by_role("button")
        expect(button).to_have_text(re.compile(stage))
        button.click()
        wait_until_idle(page)
    press_play(page, "learn")


def gradient_descent(page: Page) -> None:
    choose_in(page, "Optimizer", "SGD + momentum")
    press_play(page, "2d")


def features(page: Page) -> None:
    add_feature(page, "x₁²")
    add_feature(page, "x₂²")
    press_play(page, "2d")


def overfitting(page: Page) -> None:
    set_number(page, "Hidden layers", 1)
    slider = page.get_by_role("slider", name="Neurons in layer 1")
    slider.focus()
    page.keyboard.press("Home")  # 1 neuron
    page.keyboard.press("ArrowRight")  # 2
    expect(slider).to_have_value("2")
    wait_until_idle(page)
    press_play(page, "2d")


def regularization_at(kind: str, rate: str) -> Callable[[Page], None]:
    def follow(page: Page) -> None:
        choose_in(page, "Regularization", kind)
        select_slider_to(page, "2d_reg_rate", rate)
        press_reset(page, "2d")
        press_play(page, "2d")

    return follow


def data(page: Page) -> None:
    page.get_by_role("tab", name="Overfitting").click()
    set_number(page, "Points", 1000)
    press_play(page, "why")


def classic_ml(page: Page) -> None:
    page.get_by_role("tab", name="Side by side").click()
    fitted = page.get_by_test_id("stImageCaption").filter(has_text="k-nearest neighbours")  # its map is drawn
    expect(fitted).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    press_play(page, "why")


def convolution(page: Page) -> None:
    insert_layer_above(page, "Conv2D (convolution)", "Flatten")
    press_play(page, "cnn")
    show_view(page, "Filters")


def pooling(page: Page) -> None:
    insert_layer_above(page, "Max pooling", "Flatten")
    expect(page.get_by_text("MaxPool2D", exact=False).first).to_be_visible()
    press_play(page, "cnn")
    show_view(page, "Feature maps")


def memory(page: Page) -> None:
    choose_in(page, "Template", "Seed article's LSTM: LSTM 64, then the output")
    page.get_by_role("button", name="Use template").click()
    wait_until_idle(page)
    show_view(page, "Memory")
    press_play(page, "seq")


#: What each lesson's hints say, done with the page's controls.
HINTS: dict[str, Callable[[Page], None]] = {
    "neuron": neuron,
    "hidden-layers": hidden_layers,
    "activation": activation,
    "learning-rate": learning_rate,
    "training-loop": training_loop,
    "gradient-descent": gradient_descent,
    "features": features,
    "overfitting": overfitting,
    "regularization": regularization_at("L2", "0.03"),
    "data": data,
    "classic-ml": classic_ml,
    "convolution": convolution,
    "pooling": pooling,
    "memory": memory,
    "interpretability": regularization_at("L1", "0.01"),
}


def test_every_shipped_lesson_has_its_hints_done_here():
    assert sorted(HINTS) == sorted(lesson.id for lesson in shipped_lessons())


@pytest.mark.parametrize("lesson_id", sorted(HINTS))
def test_following_the_hints_passes_the_check(server, context, lesson_id):
    lesson = shipped_lesson(lesson_id)
    assert lesson is not None and lesson.task is not None
    page = context.new_page()
    open_lesson(page, server.url, lesson)
    go_to_task(page, lesson)
    expect(panel(page).get_by_text("Check passed")).to_have_count(0)
    HINTS[lesson_id](page)
    expect(panel(page).get_by_text("Check passed").first).to_be_visible(timeout=CHECK_TIMEOUT_MS)
    no_exception(page)


def test_the_lessons_page_opens_a_lesson_and_keeps_its_progress_and_the_panel_speaks_chinese(server, context):
    page = context.new_page()
    page.goto(f"{server.url}/lessons")
    neuron_card = page.locator(".st-key-lesson_card_neuron")
    expect(neuron_card).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    total = len(shipped_lessons())
    expect(page.get_by_text(f"0 of {total} lessons passed")).to_be_visible()
    neuron_card.get_by_role("button", name="Open").click()
    expect(panel(page)).to_contain_text("What one neuron computes", timeout=LOAD_TIMEOUT_MS)
    expect(page).to_have_url(re.compile(r"/playground_2d\?.*lesson=neuron"))
    lesson = shipped_lesson("neuron")
    assert lesson is not None
    go_to_task(page, lesson)
    neuron(page)
    expect(panel(page).get_by_text("Check passed").first).to_be_visible(timeout=CHECK_TIMEOUT_MS)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Lessons").click()
    expect(page.get_by_text(f"1 of {total} lessons passed")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(neuron_card.get_by_text("passed")).to_be_visible()

    chinese = context.new_page()
    open_lesson(chinese, server.url, lesson, "zh")
    expect(panel(chinese).get_by_text(text_in(lesson.steps[0].text, "zh")[:12])).to_be_visible()
    expect(panel(chinese).get_by_role("button", name="下一步")).to_be_visible()
