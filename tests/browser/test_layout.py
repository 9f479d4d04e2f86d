"""In front of a class, on a presenter-sized screen (1400x900) and a phone (390x844): every page that trains shows
its Play/Pause button and its live picture on screen together with the largest network it allows (on a wide screen
once the controls beside the stage are scrolled through; on a phone as the page opens, the stage coming first and
the run's buttons staying at the bottom), reaches Play within a few Tab presses, and passes an automated
accessibility check (axe-core, from npm) with no serious or critical violation."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from playground.config import RunConfig
from playground.presets import load_preset

from .largest import PHONE, PRESENTER, PageCase, load_setup, open_largest, page_cases
from .page_helpers import CUT_SELECTS_JS, play_controls, wait_until_idle

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
#: Tab presses allowed from the top of a page to its Play button.
MAX_TABS = 10

#: The share of a picture's area on screen (below the header, above a phone's run bar) that counts as shown.
SHOWN_SHARE = 0.6
#: On a phone, as the page opens: the live picture's first rows at least, this tall.
PHONE_SHOWN_PX = 150


CASES = page_cases()
IDS = [case.path for case in CASES]

#: The share of an element's area inside the part of the window the page's content shows in: below Streamlit's
#: header and above the run bar a phone keeps at the bottom.
SHOWN_JS = """(element) => {
    const box = element.getBoundingClientRect();
    const header = document.querySelector('[data-testid="stHeader"]');
    const top = header ? header.getBoundingClientRect().bottom : 0;
    const bar = [...document.querySelectorAll('[class*="st-key-"][class*="_run_bar"]')].find(
        (node) => node.getClientRects().length && getComputedStyle(node).position === "fixed");
    const bottom = bar ? bar.getBoundingClientRect().top : window.innerHeight;
    const tall = Math.max(0, Math.min(box.bottom, bottom) - Math.max(box.top, top));
    const wide = Math.max(0, Math.min(box.right, window.innerWidth) - Math.max(box.left, 0));
    return {share: box.width * box.height ? (tall * wide) / (box.width * box.height) : 0, tall, box: [box.x, box.y,
        box.width, box.height]};
}"""
#: Scroll the page (not the stage) to ``top`` (1e9: its end, the controls beside the stage all gone by).
SCROLL_PAGE_JS = """(top) => {
    const main = document.querySelector('[data-testid="stMain"]');
    const scroller = [main, ...main.querySelectorAll("*")].find(
        (node) => node.scrollHeight > node.clientHeight + 1 && getComputedStyle(node).overflowY !== "visible"
            && !node.closest(".st-key-pg_stage"));
    (scroller || document.scrollingElement).scrollTop = top;
}"""


def shown(page: Page, test_id: str) -> dict:
    return page.get_by_test_id(test_id).first.evaluate(SHOWN_JS)


def run_button(page: Page, case: PageCase):
    play_button, _ = play_controls(case.page_key)
    return play_button(page)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_on_a_presenter_screen_play_and_the_live_picture_stay_in_view(server, browser, case, tmp_path):
    """1400x900: scrolled to the end of the controls (a page's longest layer list, the 2D page's 8 x 32 network),
    Play and the whole live picture are on screen; Play is reached within 10 Tab presses."""
    context = browser.new_context(viewport=PRESENTER, locale="en-US")
    try:
        page = context.new_page()
        open_largest(page, server.url, case, tmp_path)
        if case.path == "learning":  # the loop sits under the step-by-step walk: its skip link brings it in
            focus_play_by_keyboard(page, case)
        else:
            page.evaluate(SCROLL_PAGE_JS, 1e9)
        expect(run_button(page, case)).to_be_in_viewport(ratio=1)
        picture = shown(page, case.picture)
        assert picture["share"] >= SHOWN_SHARE, f"the live picture is off screen next to Play: {picture}"
        if case.path != "learning":
            focus_play_by_keyboard(page, case)
    finally:
        context.close()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_on_a_phone_the_stage_comes_first_and_its_buttons_stay_on_screen(server, browser, case, tmp_path):
    """390x844, touch: as the page opens, Play is on screen and so is the live picture under the title (How it
    learns: once its loop is scrolled to); scrolled to the end, Play still is (the run's bar stays at the bottom of
    the screen)."""
    context = browser.new_context(viewport=PHONE, locale="en-US", has_touch=True, is_mobile=True)
    try:
        page = context.new_page()
        open_largest(page, server.url, case, tmp_path)
        page.evaluate(SCROLL_PAGE_JS, 0)
        expect(run_button(page, case)).to_be_in_viewport(ratio=1)
        if case.path == "learning":  # its loop sits under the step-by-step walk, even on a phone: scrolled to it
            page.get_by_test_id(case.picture).first.evaluate("node => node.scrollIntoView({block: 'center'})")
            expect(run_button(page, case)).to_be_in_viewport(ratio=1)
        picture = shown(page, case.picture)
        assert picture["tall"] >= PHONE_SHOWN_PX, f"the live picture is not on screen with Play: {picture}"
        page.evaluate(SCROLL_PAGE_JS, 1e9)
        expect(run_button(page, case)).to_be_in_viewport(ratio=1)
        box = run_button(page, case).bounding_box()
        assert box is not None and box["height"] >= TOUCH_TARGET, f"Play is too small for a finger: {box}"
    finally:
        context.close()


#: The visible buttons (help icons are buttons too) smaller than ``least`` CSS pixels either way, named. Buttons out
#: of the tab order are parts of a bigger control (a drop-down's arrow; a chip's cross, which the list also removes).
SMALL_TARGETS_JS = """(least) => [...document.querySelectorAll("button:not([tabindex='-1'])")]
    .filter((node) => node.offsetParent !== null && getComputedStyle(node).visibility === "visible")
    .map((node) => [node.getBoundingClientRect(), node.getAttribute("aria-label") || node.title
        || node.textContent.trim().slice(0, 30) || node.dataset.testid || node.className])
    .filter(([box]) => box.width > 0 && (box.width < least || box.height < least))
    .map(([box, name]) => `${name} (${Math.round(box.width)} x ${Math.round(box.height)})`)"""
#: A finger's target on a touch screen, and anyone's elsewhere (WCAG 2.2's 2.5.5 and 2.5.8), in CSS pixels.
TOUCH_TARGET, TARGET = 44, 24


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_button_and_help_icon_is_big_enough_to_hit(server, browser, case, tmp_path):
    """On a phone (a touch screen) every visible button and help icon is at least 44 x 44 px, with the page's
    largest network on screen; on a presenter-sized screen with a mouse, at least 24 x 24 px."""
    for viewport, touch, least in ((PHONE, True, TOUCH_TARGET), (PRESENTER, False, TARGET)):
        context = browser.new_context(viewport=viewport, locale="en-US", has_touch=touch, is_mobile=touch)
        try:
            page = context.new_page()
            open_largest(page, server.url, case, tmp_path)
            assert page.evaluate("() => matchMedia('(pointer: coarse)').matches") is touch
            small = page.evaluate(SMALL_TARGETS_JS, least)
            assert not small, f"targets under {least} x {least} px at {viewport}: {small}"
        finally:
            context.close()


def focus_play_by_keyboard(page: Page, case: PageCase) -> None:
    """From the top of the page, Tab until "Skip to Play/Pause" or Play itself has the focus (at most
    ``MAX_TABS`` presses), Enter on the skip link: Play has the focus and is on screen."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    button = run_button(page, case)
    skip = page.locator("#pg-skip-to-run")
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if skip.evaluate("node => node === document.activeElement") or button.evaluate(
            "node => node === document.activeElement"
        ):
            break
    else:
        raise AssertionError(f"{MAX_TABS} Tab presses did not reach Play or the skip link")
    if skip.evaluate("node => node === document.activeElement"):
        page.keyboard.press("Enter")
    expect(button).to_be_focused()
    expect(button).to_be_in_viewport()


#: Only these impacts fail the check; moderate and minor findings are printed.
FAILING_IMPACTS = ("serious", "critical")
AXE_RUN_JS = """async () => {
    const result = await axe.run(document, {resultTypes: ["violations"]});
    return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(" ")}: ${n.failureSummary}`)}));
}"""


@pytest.mark.parametrize("viewport", [PRESENTER, PHONE], ids=["presenter", "phone"])
@pytest.mark.parametrize("path", ["", "lessons", *IDS])
def test_every_page_passes_the_accessibility_check(server, browser, path, viewport):
    """axe-core's rules (WCAG 2.x A and AA, contrast, names, target sizes) over each page as it opens."""
    assert AXE.exists(), f"{AXE} is missing: `npm ci` installs axe-core (scripts/test.sh does)"
    context = browser.new_context(viewport=viewport, locale="en-US", has_touch=viewport is PHONE)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/{path}")
        expect(page.get_by_test_id("stMain")).to_be_visible(timeout=60_000)
        if path in IDS:
            key = next(case.page_key for case in CASES if case.path == path)
            expect(play_controls(key)[0](page)).to_be_visible(timeout=60_000)
        wait_until_idle(page, timeout=60_000)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(AXE_RUN_JS)
        failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
        for violation in violations:
            if violation not in failing:
                print(f"{path or 'home'}: {violation['impact']} {violation['id']}: {violation['help']}")
        assert not failing, "\n".join(f"{v['impact']} {v['id']}: {v['help']} at {v['nodes']}" for v in failing)
    finally:
        context.close()


#: Resolves once the browser has laid the page out again (two animation frames: styles and layout come before each).
LAID_OUT_JS = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
#: A convolutions page's setup with every drop-down a layer row has, each at its longest value.
EVERY_DROP_DOWN = [
    {"kind": "conv2d", "filters": 8, "kernel_size": 3, "stride": 1, "padding": "valid", "activation": "softmax"},
    {"kind": "maxpool2d", "pool_size": 2},  # stride: "= window"
    {"kind": "activation", "function": "sigmoid"},
    {"kind": "flatten"},
]


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("path", ["tabular", "convolutions", "sequences"])
def test_the_layer_editors_drop_downs_show_their_whole_value(server, browser, path, language, tmp_path):
    """The settings column is half the width beside the stage: every drop-down there (the new layer's kind, the
    template, each row's activation, stride and padding) shows its whole value, at both sizes (the rows' fields
    were 24 px wide and showed "re" for relu when the rows kept one line)."""
    case = next(case for case in CASES if case.path == path)
    context = browser.new_context(viewport=PRESENTER, locale="en-US")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/{path}?lang={language}")
        expect(run_button(page, case)).to_be_visible(timeout=60_000)
        if path == "convolutions":
            raw = load_preset("digits-cnn").model_dump()
            raw["model"]["layers"] = [*EVERY_DROP_DOWN, raw["model"]["layers"][-1]]
            load_setup(page, case.page_key, RunConfig.from_dict(raw), tmp_path)
        wait_until_idle(page)
        rows = page.locator(f"[class*='st-key-{case.page_key}_stack_'][class*='_row_']")
        expect(rows.last).to_be_visible()
        expect(rows.last.locator('[data-testid="stSelectbox"]')).to_be_visible()  # the output layer's activation
        for viewport in (PRESENTER, PHONE):
            page.set_viewport_size(viewport)
            page.evaluate(LAID_OUT_JS)
            assert page.evaluate(CUT_SELECTS_JS) == [], f"cut at {viewport['width']} px wide"
    finally:
        context.close()
