"""Fixtures for the browser tests: the real server started the way the README starts it, and headless Chromium.

The servers come from ``served_app`` (shared with ``benchmarks/live_view.py``): each runs
``bash scripts/start.sh --server.port <free port>`` in a session of its own, and its teardown ends that session's
process group and checks that no process of the session is left: a worker that outlives its server fails the
test. Only processes of the sessions these fixtures started are ever signalled.

The tests need Debian's Chromium at ``/usr/bin/chromium`` (``scripts/test.sh`` installs it). Without it they
fail; they never skip.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest

from .served_app import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, Server, running_server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server shared by the tests that do not break it."""
    with running_server(tmp_path_factory.mktemp("servers"), "shared") as shared:
        yield shared


@pytest.fixture
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A fresh server of its own (it starts in seconds once installed), for a test that kills it or needs a
    process no other session has touched yet."""
    with running_server(tmp_path_factory.mktemp("servers"), "own") as own:
        yield own


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
            "(`apt-get install chromium`, which scripts/test.sh does for you). They never skip.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(browser):
    """A fresh browser profile (one Streamlit session per page); closed at the end if the test did not."""
    ctx = browser.new_context(viewport=VIEWPORT, locale="en-US")
    ctx.set_default_timeout(30_000)
    try:
        yield ctx
    finally:
        with contextlib.suppress(Exception):
            ctx.close()
