"""What every page's browser tests use: the Play/Pause button of a page's run, the live view and the view switch,
opening the 2D page, choosing in a selectbox, waiting for the page to be idle, still, or past an epoch, and the
live view's frames."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable

import numpy as np
from playwright.sync_api import Locator, Page, Request, WebSocket, expect


def run_button_container(page_key: str) -> str:
    """The CSS selector of the element container of a page's Play/Pause button: its key ends with a number that
    changes with each press applied (``2d_play_0``, then ``2d_play_1``); an old one the page has not removed yet
    is hidden (and role queries skip it)."""
    return f"[class*='st-key-{page_key}_play_']"


def play_controls(page_key: str) -> tuple[Callable[[Page], Locator], Callable[[Page], Locator]]:
    """(play_button, play_label) for the page whose run buttons are keyed ``page_key`` (``2d``, ``conv``...)."""
    container = run_button_container(page_key)

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
    test that counts or reads elements after an action that reruns the page waits for this first. Right after a
    click the page still reads idle for a moment, before the server has started the rerun: wait first for
    something that rerun draws (a new step's text, a button's new key)."""
    expect(page.get_by_test_id("stApp")).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout)


def live(page: Page) -> Locator:
    """The live training view (loss curves, boundary, network)."""
    return page.get_by_test_id("pg-live")


def mark_live_view(page: Page) -> None:
    """Tag the mounted live view's element, so that ``assert_same_live_view`` can tell it was never mounted afresh."""
    live(page).evaluate("node => { node.__pgMark = true; }")


def assert_same_live_view(page: Page) -> None:
    """The live view marked by ``mark_live_view`` is still the one on the page: the reruns in between updated it in
    place. A view mounted afresh blanks its pictures, fetches the run's history again and drops the clicks Python
    had not acknowledged yet."""
    assert live(page).evaluate("node => node.__pgMark === true"), "the live view was mounted afresh by a rerun"


#: How many repaints of the live pictures, each with pictures the frame had not carried before, count as "changing".
PICTURE_REPAINTS = 5


def pictures(page: Page) -> Locator:
    """The live pictures under the training view (filters, or the test image explained)."""
    return live(page).get_by_test_id("pg-pictures")


def show_picture(canvas: Locator) -> None:
    """Scroll a live picture into view and wait until it shows the latest pictures: the view leaves a picture far
    off screen unpainted (``data-stale``) and paints it as it comes near."""
    canvas.scroll_into_view_if_needed()
    expect(canvas).not_to_have_attribute("data-stale", "true", timeout=10_000)


def wait_pictures_change(page: Page, what: str, timeout: float = 45.0, canvas: int = -1) -> None:
    """Wait until the live pictures have been repainted ``PICTURE_REPAINTS`` times with new pictures, and the
    pixels of one (the ``canvas``-th, the last by default, scrolled into view) differ from the first look (the panel
    repaints only when a frame brings new ones)."""
    panel = pictures(page)
    grid = panel.locator("canvas").nth(canvas)
    show_picture(grid)
    first_paints = int(panel.get_attribute("data-paints") or 0)
    first = grid.evaluate("(canvas) => canvas.toDataURL()")
    deadline = time.monotonic() + timeout
    while True:
        paints = int(panel.get_attribute("data-paints") or 0)
        if paints >= first_paints + PICTURE_REPAINTS and grid.evaluate("(canvas) => canvas.toDataURL()") != first:
            return
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} were repainted {paints - first_paints} times in {timeout:.0f} s")
        page.wait_for_timeout(100)


def view_button(page: Page, name: str) -> Locator:
    """One button of a page's view switch (a segmented control: its buttons are radios)."""
    return page.get_by_test_id("stButtonGroup").get_by_role("radio", name=name, exact=True)


def show_view(page: Page, name: str) -> None:
    button = view_button(page, name)
    button.click()
    expect(button).to_have_attribute("aria-checked", "true", timeout=20_000)


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


#: st.navigation's URL for pages/playground_2d.py.
PLAYGROUND_2D_PATH = "/playground_2d"
#: How long a page may take to appear: the first page of a fresh server imports torch.
LOAD_TIMEOUT_MS = 60_000
#: The drop-downs shown whose value does not fit their box (its text field, which scrolls it out of sight); a
#: collapsed sidebar's (a phone's) are not shown.
CUT_SELECTS_JS = """() => [...document.querySelectorAll('[data-testid="stSelectbox"] input[role="combobox"]')]
  .filter((field) => field.getClientRects().length && !field.closest('[data-testid="stSidebar"][data-collapsed="true"]')
    && field.scrollWidth > field.clientWidth + 1)
  .map((field) => field.value)"""


def open_2d_page(page: Page, url: str, query: str = "") -> None:
    """Open the 2D playground (``query``: "?config=..." and the like) and wait until its run buttons, live view and
    network are drawn."""
    page.goto(f"{url}{PLAYGROUND_2D_PATH}{query}")
    expect(play_controls("2d")[0](page)).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(live(page)).to_be_attached(timeout=LOAD_TIMEOUT_MS)
    expect(page.get_by_test_id("pg-neuron").first).to_be_visible(timeout=LOAD_TIMEOUT_MS)


def choose(page: Page, combobox: Locator, option: str) -> None:
    """Pick an option of a selectbox from the keyboard, as a keyboard user does: focus, open the list with the
    down arrow, type the option, and press Enter once the list shows it (Enter takes the first match). A pointer
    click needs the box to hold still under the pointer, and on a page whose views redraw every second while it
    trains the box can move between the scroll that brings it into view and the click. The list closes again when
    the box moves while it is open (an expander that has just opened still grows; focus scrolls the box into
    view): then the typed text stood in the box with no list, in about 1 of 5 runs, so the box is first brought
    into view and left to settle. The box shows typed text as its value too, so the choice counts once the list
    has closed and the page's run has taken it."""
    wait_until_idle(page)
    combobox.scroll_into_view_if_needed()
    wait_until_still(combobox)
    combobox.focus()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("listbox")).to_be_visible()
    page.keyboard.type(option)
    expect(page.get_by_role("option", name=option, exact=True)).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.get_by_role("option")).to_have_count(0)
    wait_until_idle(page)
    expect(combobox).to_have_value(option)


def no_exception(page: Page) -> None:
    exceptions = page.get_by_test_id("stException")
    assert exceptions.count() == 0, f"the page shows an exception: {exceptions.first.inner_text()[:1500]}"


def wait_attribute_at_least(page: Page, selector: str, attribute: str, value: int, timeout: int = 30_000) -> None:
    page.wait_for_function(
        "([selector, attribute, value]) => +(document.querySelector(selector)?.getAttribute(attribute) || 0) >= value",
        arg=[selector, attribute, value],
        timeout=timeout,
    )


def wait_epoch_at_least(page: Page, value: int, timeout: int = 60_000) -> None:
    wait_attribute_at_least(page, '[data-testid="pg-live"]', "data-epoch", value, timeout)


def frame_urls(page: Page) -> list[str]:
    """Collects the frame route's URLs the live view asks (its token is the page's own): those of its HTTP
    frame requests, and for its WebSocket (``.../socket``) the route's own HTTP address."""
    urls: list[str] = []

    def socket(socket: WebSocket) -> None:
        if "/_playground/frame/" in socket.url:
            urls.append(frame_route_of(socket.url))

    def request(request: Request) -> None:
        if "/_playground/frame/" in request.url and request.method == "GET":  # not the live view's instant pause
            urls.append(request.url)

    page.on("request", request)
    page.on("websocket", socket)
    return urls


def frame_route_of(socket_url: str) -> str:
    """The frame route's HTTP address for its WebSocket's (``ws://host/_playground/frame/TOKEN/socket``)."""
    return re.sub(r"^ws", "http", socket_url.removesuffix("/socket"))


def fetch_frame(page: Page, urls: list[str]) -> dict:
    """The frame the live view fetches, its network's weights and biases as nested lists of numbers."""
    assert urls, "the live view never fetched a frame"
    frame = page.evaluate("(url) => fetch(url, {cache: 'no-store'}).then((r) => r.json())", urls[-1].split("?")[0])
    for column in (frame.get("network") or {}).get("columns", []):
        for name in ("weights", "bias"):
            if isinstance(column.get(name), str):  # base64 little-endian float32 on the wire
                values = np.frombuffer(base64.b64decode(column[name]), dtype="<f4")
                rows = int(column.get("shown", column["units"]))
                column[name] = (values.reshape(rows, -1) if name == "weights" else values).tolist()
    return frame


def carries_press(rerun, suffixes: tuple[str, ...]) -> bool:
    """Whether a rerun request carries a press of a button keyed with one of ``suffixes`` (a run button's key ends
    with a number)."""
    keys = re.compile("(" + "|".join(map(re.escape, suffixes)) + r")(_r?\d+)?$")
    return any(
        keys.search(widget.id) and widget.WhichOneof("value") == "trigger_value" and widget.trigger_value
        for widget in rerun.widget_states.widgets
    )


#: The route by which the live view pauses its run the moment Pause is clicked (``frame_routes._pause_endpoint``).
INSTANT_PAUSE_ROUTE = "**/_playground/frame/*/pause*"  # with the Play count the view saw (?plays=N)


def without_instant_pause(page: Page) -> None:
    """Refuse the live view's instant pause, so that only the click's own script run can pause the run: for the
    tests of how presses reach the page's script."""
    page.route(INSTANT_PAUSE_ROUTE, lambda route: route.abort())
