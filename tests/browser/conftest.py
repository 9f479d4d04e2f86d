"""Fixtures for the browser tests: the real server started the way the README starts it, and headless Chromium.

Every server runs ``bash scripts/start.sh --server.port <free port>`` in a session of its own
(``start_new_session=True``), so the server and the training workers it spawns share one process group and
session id. Teardown ends that group (SIGTERM, then SIGKILL) and checks that no process of the session is left:
a worker that outlives its server fails the test. Only processes of the sessions these fixtures started are
ever signalled.

The tests need Debian's Chromium at ``/usr/bin/chromium`` (``scripts/test.sh`` installs it). Without it they
fail; they never skip.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: The first start of a fresh checkout installs the packages before it serves.
HEALTH_TIMEOUT_S = 120.0
#: How long a SIGTERMed server group gets before SIGKILL.
TERM_GRACE_S = 5.0
VIEWPORT = {"width": 1280, "height": 1240}  # tall enough for the whole live view


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gone(pid: int) -> bool:
    """True when the process has exited. A zombie counts as gone: it runs nothing and holds no port, and an
    orphan's zombie waits for an init process that may never reap it."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_until_gone(pids: list[int], timeout: float) -> list[int]:
    """Wait up to ``timeout`` s for every pid to exit; returns the ones still running."""
    deadline = time.monotonic() + timeout
    while True:
        alive = [pid for pid in pids if not gone(pid)]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.1)


def describe(pids: list[int]) -> str:
    lines = []
    for pid in pids:
        try:
            process = psutil.Process(pid)
            lines.append(f"{pid} ({process.status()}): {' '.join(process.cmdline())[:200]}")
        except psutil.NoSuchProcess:
            lines.append(f"{pid}: gone")
    return "; ".join(lines)


def port_is_free(port: int) -> bool:
    """Nothing listens on the port and a new server could bind it (as uvicorn does, with SO_REUSEADDR)."""
    with contextlib.suppress(psutil.AccessDenied):
        for connection in psutil.net_connections(kind="tcp"):
            if connection.status == psutil.CONN_LISTEN and connection.laddr and connection.laddr.port == port:
                return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


@dataclass
class Server:
    """One ``scripts/start.sh`` server in a session of its own."""

    port: int
    log_path: Path
    extra_args: tuple[str, ...] = ()
    process: subprocess.Popen | None = None
    seen_pids: set[int] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def pid(self) -> int:
        """The server's pid: start.sh ``exec``s streamlit, so it is the pid the fixture started."""
        assert self.process is not None
        return self.process.pid

    @property
    def sid(self) -> int:
        # start_new_session=True makes the child a session (and process group) leader: sid == pgid == pid.
        return self.pid

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def start(self) -> None:
        # `--server.fileWatcherType none`: other people may edit files while the suite runs; a file watcher
        # would only add load. `--browser.gatherUsageStats false`: the machine may have no internet.
        command = [
            "bash",
            str(REPO_ROOT / "scripts" / "start.sh"),
            "--server.port",
            str(self.port),
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
            *self.extra_args,
        ]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.seen_pids.add(self.pid)
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"the server exited with {self.process.returncode} before it was healthy:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() >= deadline:
                self.stop(check=False)
                raise AssertionError(
                    f"no healthy server on {self.url} within {HEALTH_TIMEOUT_S:.0f} s:\n{self.log_tail()}"
                )
            time.sleep(0.25)

    def session_pids(self) -> list[int]:
        """The live processes of this server's session (the server and its workers), zombies excluded."""
        pids = []
        for process in psutil.process_iter(["pid"]):
            try:
                if os.getsid(process.pid) == self.sid and not gone(process.pid):
                    pids.append(process.pid)
            except (ProcessLookupError, PermissionError):
                continue
        return pids

    def workers(self) -> list[int]:
        """The training workers: children of the server whose command line runs ``worker_main``."""
        try:
            children = psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        found = []
        for child in children:
            try:
                if "worker_main" in " ".join(child.cmdline()) and not gone(child.pid):
                    found.append(child.pid)
            except psutil.NoSuchProcess:
                continue
        self.seen_pids.update(found)
        return found

    # The tests use these through the fixture, so they need not import this conftest.
    wait_until_gone = staticmethod(wait_until_gone)
    describe = staticmethod(describe)

    def port_is_free(self) -> bool:
        return port_is_free(self.port)

    def stop(self, check: bool = True) -> None:
        """End the server's whole process group; with ``check``, fail if any process of its session is left."""
        if self.process is None:
            return
        self.seen_pids.update(self.session_pids())
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.sid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(TERM_GRACE_S)
        leftovers = wait_until_gone(self.session_pids(), 1.0 if self.process.poll() is not None else 0.0)
        if leftovers or self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.sid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(TERM_GRACE_S)
        # Processes that left the group (setsid) would escape killpg; the recorded pids catch those too.
        remaining = wait_until_gone(sorted(set(self.session_pids()) | self.seen_pids), 2.0)
        self.process = None
        if check:
            assert not remaining, f"processes of the server's session outlived it: {describe(remaining)}"


@contextlib.contextmanager
def running_server(log_dir: Path, name: str, *extra_args: str) -> Iterator[Server]:
    server = Server(port=free_port(), log_path=log_dir / f"{name}.log", extra_args=extra_args)
    server.start()
    try:
        yield server
    except BaseException:
        server.stop(check=False)
        raise
    else:
        server.stop(check=True)


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
