"""Opening a page under Streamlit's AppTest, ending its session's workers afterwards, and reading what it shows.

AppTest never ends a session, so the session-scoped release that stops a page's worker in the real server does
not run; this does it by hand, for the workers the page started.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

from streamlit.testing.v1 import AppTest

from playground.config import RunConfig
from playground.i18n import table
from playground.train import worker as worker_module
from playground.ui import frames

#: The translation tables, for the checks that a page shows no text of the other language.
EN, ZH = table("en"), table("zh")
#: The app's entry point (its navigation), and the 2D playground's page file.
APP = Path(__file__).resolve().parent.parent / "app.py"
PLAYGROUND_2D = str(Path(__file__).resolve().parent.parent / "pages" / "playground_2d.py")


def live_handles() -> list:
    """The worker handles of this test process whose process is running."""
    return [handle for handle in list(worker_module._LIVE_HANDLES) if handle.alive]


@contextlib.contextmanager
def app_session(page: str, query: dict[str, str] | None = None, navigation: bool = False) -> Iterator[AppTest]:
    """The page run once (optionally opened with ``query`` parameters), without exceptions; its workers end.

    With ``navigation`` the app's own entry point runs first and the page is opened from its navigation, as in the
    server: links to other pages (``st.page_link``) work only then."""
    before = set(live_handles())
    app = AppTest.from_file(str(APP) if navigation else page, default_timeout=60)
    for name, value in (query or {}).items():
        app.query_params[name] = value
    if navigation:
        app.run()
        app.switch_page(str(Path(page).resolve().relative_to(APP.parent)))
        for name, value in (query or {}).items():  # as a link to the page would hold them
            app.query_params[name] = value
    try:
        app.run()
        assert not app.exception, app.exception
        yield app
    finally:
        for handle in set(live_handles()) - before:
            handle.stop()


def image_captions(app: AppTest) -> list[str]:
    return [caption for image in app.image for caption in image.captions]


def row_with_error(app: AppTest, editor: str) -> tuple[str, str]:
    """The title and the error of the editor row that holds an error (the row's container has a key)."""
    rows = [
        block
        for block in app.main
        if getattr(block, "children", None) is not None and (block.key or "").startswith(f"{editor}_row_")
    ]
    marked = [row for row in rows if any(node.type == "error" for node in row)]
    assert len(marked) == 1, [row.key for row in rows]
    title = next(node.value for node in marked[0] if node.type == "markdown" and node.value.startswith("**"))
    error = next(node.value for node in marked[0] if node.type == "error")
    return title, error


def page_texts(app: AppTest) -> list[str]:
    """Every string the page shows: headings, text, alerts, labels, options, captions, helps, table headers."""
    texts = [node.value for kind in ("title", "subheader", "caption", "markdown", "info", "warning", "error")
             for node in app.get(kind)]  # fmt: skip
    for kind in ("button", "download_button", "slider", "selectbox", "radio", "number_input", "file_uploader"):
        for widget in app.get(kind):
            texts += [widget.label, getattr(widget, "help", "") or ""]
            texts += [str(option) for option in getattr(widget, "options", [])]
    for group in app.button_group:
        texts += [group.label, *group.options]
    texts += [expander.label for expander in app.expander] + image_captions(app)
    texts += [str(column) for frame in app.dataframe for column in frame.value.columns]
    return [text for text in texts if text]


def english_leaks(texts: list[str]) -> list[str]:
    """Texts that are a raw translation key, or an English string whose Chinese differs (a missing translation)."""
    templates = []
    for key, english in EN.items():
        literal = re.sub(r"\{\w+\}", "", english)
        if ZH.get(key) != english and re.search(r"[A-Za-z]{3,}", literal):
            parts = re.split(r"(\{\w+\})", english)
            pattern = "".join(".*?" if part.startswith("{") else re.escape(part) for part in parts)
            templates.append((key, re.compile(pattern, re.DOTALL)))
    leaks = [text for text in texts if text in EN]
    for text in texts:
        leaks += [f"{key}: {text}" for key, pattern in templates if pattern.fullmatch(text)]
    return leaks


def page_config(app: AppTest) -> RunConfig:
    """The setup the 2D page's link holds."""
    return RunConfig.from_url_param(app.query_params["config"])


def only_handle(before: frozenset = frozenset()):
    """The one worker a page started (besides those in ``before``)."""
    handles = [handle for handle in live_handles() if handle not in before]
    assert len(handles) == 1
    return handles[0]


def run_button(app: AppTest, page: str, action: str):
    """The page's Play/Pause ("play"), Step or Reset button: their keys end with a number that changes with each
    press applied (``2d_play_3``)."""
    found = [button for button in app.button if re.fullmatch(rf"{page}_{action}_\d+", button.key or "")]
    assert len(found) == 1, f"{len(found)} {action} buttons of {page}: {[button.key for button in app.button]}"
    return found[0]


def editor_button(app: AppTest, name: str):
    """The layer editor's button ``name`` (``{editor}_add``, ``{editor}_{row}_remove``...): its key ends with the
    stack's revision (``_r3``), which changes with every edit."""
    found = [button for button in app.button if re.fullmatch(rf"{re.escape(name)}_r\d+", button.key or "")]
    assert len(found) == 1, f"{len(found)} buttons {name}: {[button.key for button in app.button]}"
    return found[0]


def page_frame(handle) -> dict:
    """The frame the page's live view gets for the run of ``handle`` (from the page's registered frame source)."""
    for token in frames.registered_tokens():
        source = frames.get_frame_source(token)
        if source is not None and getattr(getattr(source, "__self__", None), "handle", None) is handle:
            return source(-1, -1, -1)
    raise AssertionError("the page registered no frame source for its run")


def wait_for_probes(handle, wanted: tuple[str, ...] | list[str], timeout: float) -> None:
    """Wait until the worker computes exactly ``wanted`` (the probes of the view on screen), and check that nothing
    else is computed. The worker says which probes it computes (``probe_names``): until its first snapshot after the
    page asked, the latest one still carries the previous view's probes (a view without probes is otherwise
    "ready" at once)."""
    snapshot = handle.wait_until(
        lambda s, _: set(s.probe_names) == set(wanted) and all(name in s.probes for name in wanted), timeout=timeout
    )
    assert set(snapshot.probes) == set(wanted)  # nothing the view does not show is computed
