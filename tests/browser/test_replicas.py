"""A class served by two servers behind nginx (``scripts/serve-class.sh --replicas 2``): each browser sticks to one
server, two browsers on different servers each train and stream their frames through the proxy, and stopping the
script leaves nothing behind."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import psutil
import pytest
from playwright.sync_api import expect

from .page_helpers import live, open_2d_page, play_controls
from .served_app import REPO_ROOT, VIEWPORT, Server, is_training_worker, running_server

pytestmark = pytest.mark.browser

REPLICAS = 2
COOKIE = "playground_replica"
REPLICA_HEADER = "X-Playground-Replica"
#: How long the replicas get to answer through the proxy (each imports the app; the first start installs nothing
#: more, the shared fixture's server did that).
READY_TIMEOUT_S = 120.0


@pytest.fixture(scope="module")
def class_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    command = ("bash", str(REPO_ROOT / "scripts" / "serve-class.sh"), "--replicas", str(REPLICAS), "--port", "{port}")
    with running_server(tmp_path_factory.mktemp("class"), "class", command=command, following_ports=REPLICAS) as served:
        yield served


def replica_answering(url: str, key: str) -> str | None:
    """Which server the proxy sends a browser with cookie ``key`` to (None while it does not answer yet)."""
    request = urllib.request.Request(f"{url}/_stcore/health", headers={"Cookie": f"{COOKIE}={key}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.headers.get(REPLICA_HEADER) if response.status == 200 else None
    except (urllib.error.URLError, OSError):
        return None


def key_per_replica(url: str) -> dict[str, str]:
    """A cookie value for each server: the proxy hashes the cookie, so a fixed value always reaches one server."""
    keys: dict[str, str] = {}
    deadline = time.monotonic() + READY_TIMEOUT_S
    candidate = 0
    while len(keys) < REPLICAS:
        assert time.monotonic() < deadline, f"not every server answered through the proxy: {keys}"
        key = f"student-{candidate}"
        replica = replica_answering(url, key)
        if replica is None:
            time.sleep(0.5)  # a server still starting: ask again with the same key
            continue
        assert replica_answering(url, key) == replica, "the same cookie reached another server"
        keys.setdefault(replica, key)
        candidate += 1
    return keys


def workers_by_replica(server: Server) -> dict[int, int]:
    """Training workers under each server of the class, by the server's port."""
    counts: dict[int, int] = {}
    for child in psutil.Process(server.pid).children():
        command = child.cmdline()
        if "--server.port" not in command:
            continue
        port = int(command[command.index("--server.port") + 1])
        counts[port] = sum(1 for process in child.children(recursive=True) if is_training_worker(process))
    return counts


def test_two_browsers_on_two_servers_each_train_and_stream_through_the_proxy(class_server, browser):
    url = class_server.url
    first = replica_answering(url, "")  # no cookie: the request's own random key picks a server, and sets it
    request = urllib.request.Request(f"{url}/_stcore/health")
    with urllib.request.urlopen(request, timeout=5) as response:
        cookies = response.headers.get_all("Set-Cookie") or []
    assert any(cookie.startswith(f"{COOKIE}=") for cookie in cookies) and first is not None, cookies

    keys = key_per_replica(url)
    pages = []
    for replica, key in sorted(keys.items()):
        context = browser.new_context(viewport=VIEWPORT)
        context.add_cookies([{"name": COOKIE, "value": key, "url": url}])
        page = context.new_page()
        answered_by: list[str | None] = []
        page.on("response", lambda answer, seen=answered_by: seen.append(answer.headers.get("x-playground-replica")))
        open_2d_page(page, url)
        expect(live(page)).to_have_attribute("data-status", "paused", timeout=90_000)
        play_controls("2d")[0](page).click()
        expect(live(page)).to_have_attribute("data-status", "running", timeout=60_000)
        pages.append((replica, page, answered_by))

    assert sorted(workers_by_replica(class_server).values()) == [1] * REPLICAS, workers_by_replica(class_server)
    for replica, page, answered_by in pages:
        view = live(page)
        epoch, frames = int(view.get_attribute("data-epoch")), int(view.get_attribute("data-frames"))
        page.wait_for_timeout(2000)
        assert int(view.get_attribute("data-epoch")) > epoch, f"the page on {replica} stopped training"
        assert int(view.get_attribute("data-frames")) > frames + 10, f"the page on {replica} got few frames"
        assert view.get_attribute("data-frame-route"), "the live view has no frame route"
        served = {address for address in answered_by if address is not None}
        assert served == {replica}, f"one browser's requests reached several servers: {served}"
    for _, page, _ in pages:
        page.context.close()
