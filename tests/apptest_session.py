"""Opening a page under Streamlit's AppTest, and ending its session's workers afterwards.

AppTest never ends a session, so the session-scoped release that stops a page's worker in the real server does
not run; this does it by hand, for the workers the page started.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from streamlit.testing.v1 import AppTest

from playground.train import worker as worker_module


def live_handles() -> list:
    """The worker handles of this test process whose process is running."""
    return [handle for handle in list(worker_module._LIVE_HANDLES) if handle.alive]


@contextlib.contextmanager
def app_session(page: str, query: dict[str, str] | None = None) -> Iterator[AppTest]:
    """The page run once (optionally opened with ``query`` parameters), without exceptions; its workers end."""
    before = set(live_handles())
    app = AppTest.from_file(page, default_timeout=60)
    for name, value in (query or {}).items():
        app.query_params[name] = value
    try:
        app.run()
        assert not app.exception, app.exception
        yield app
    finally:
        for handle in set(live_handles()) - before:
            handle.stop()
