"""One training worker per browser session and page (plus an optional comparison worker), released when the
session ends.

Every worker counts against the server's ``max_workers`` (``playground.train.worker_slots``): a run past it waits
in the queue, and its page says so. A run whose live view stops asking for frames (the tab is hidden, the page was left)
is paused after a while: the live view's frames come from ``SessionRun.frame``, which notes that someone watches.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import streamlit as st

from playground.config import RunConfig
from playground.train.worker import WorkerHandle
from playground.ui.frames import register_frame_source, unregister_frame_source, worker_frame
from playground.ui.pictures import PictureMemo, Pictures

_LOGGER = logging.getLogger(__name__)
#: A live view that asked for no frame for this long is not watching (a training view asks at least every half
#: second, the longest a poll waits): nothing waits for it to show a frame (see ``SessionRun.wait_until_stop_shown``).
WATCHING_S = 1.0


@dataclass
class SessionRun:
    """A worker plus the unguessable token its live view fetches frames with; with ``compare`` set, a second
    worker (run B) trains another setup on the same data, and the buttons steer both."""

    token: str
    handle: WorkerHandle
    compare: WorkerHandle | None = None
    compare_title: str = ""
    title: str = ""  # this run's name in the live view's legend while comparing
    closed: bool = False  # stopped for good: the session ended or the page let the run go
    plays: int = 0  # Play presses applied: the live view's Pause names the count it saw (see ``pause_now``)
    #: What the page paints live under the training view (None: nothing), from this run's probes
    pictures: Pictures | None = None
    _picture_memo: PictureMemo = field(default_factory=PictureMemo)
    #: The status of the last frame sent, of the last one the live view showed, and when it last asked for one
    #: (see ``wait_until_stop_shown``)
    _sent_status: str | None = None
    _shown_status: str | None = None
    _asked_at: float = -math.inf
    _shown: threading.Condition = field(default_factory=threading.Condition)

    def frame(self, since: int, since_compare: int, since_step: int = -1) -> dict:
        """The live view's frame: this run's (with its per-batch line and pictures), with run B's beside it when
        comparing. Asking for it is what tells the workers someone watches (``touch``); it also tells that the
        view painted the frame before, since it asks again only once it has (see ``wait_until_stop_shown``)."""
        with self._shown:
            self._shown_status, self._asked_at = self._sent_status, time.monotonic()
            self._shown.notify_all()
        self.touch()
        pictures = self.pictures
        painted = None
        compare = self.compare
        if pictures is not None:  # with the run's history rows for the charts per epoch, and run B's probes
            painted = partial(self._picture_memo.part, pictures=pictures, history=self.handle.snapshot,
                              compare=compare.latest if compare is not None else None)  # fmt: skip
        frame = worker_frame(self.handle, since, since_step, painted)
        frame["plays"] = self.plays
        if compare is not None:
            frame["compare"] = {**worker_frame(compare, since_compare), "title": self.compare_title}
            frame["title"] = self.title
        with self._shown:
            self._sent_status = frame["status"]
        return frame

    def wait_until_stop_shown(self, timeout: float) -> bool:
        """Wait until the live view has painted a frame that shows the run stopped (any status but "running"), or
        ``timeout`` seconds; at once when no view watches (none asked for a frame within ``WATCHING_S``). True when
        it has. The page's full rerun after the run stopped waits for this: on a long page that run's messages keep
        the server's event loop and the browser busy for a second, and the frame that says "paused" would wait
        behind them."""
        with self._shown:
            if time.monotonic() - self._asked_at > WATCHING_S:
                return False
            return self._shown.wait_for(lambda: self._shown_status != "running", timeout)

    def version(self) -> str:
        """Differs after every new snapshot of either run: the live view waits for one (``frames.FrameChanges``)."""
        return ".".join(f"{handle.serial}-{handle.changes}" for handle in self._handles())

    def on_change(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener()`` on every new snapshot of the runs there are now; returns the function that stops it."""
        stops = [handle.on_change(listener) for handle in self._handles()]

        def stop() -> None:
            for stop_one in stops:
                stop_one()

        return stop

    def touch(self) -> None:
        """Someone watches this run: its workers stay playing (see ``WorkerHandle.touch``)."""
        for handle in self._handles():
            handle.touch()

    def _handles(self) -> list[WorkerHandle]:
        return [self.handle] if self.compare is None else [self.handle, self.compare]

    def play(self) -> None:
        self.plays += 1
        for handle in self._handles():
            handle.play()

    def pause(self) -> None:
        for handle in self._handles():
            handle.pause()

    def pause_now(self, plays: int | None) -> bool:
        """The live view's Pause, sent the moment it was clicked (see ``frame_routes``): pauses, unless nothing
        plays or a Play was applied after the frame the view had (``plays``: that frame's count; the request came
        late, and pausing now would undo the later Play). True when it paused."""
        if plays != self.plays or not any(handle.wants_to_run for handle in self._handles()):
            return False
        self.pause()
        return True

    def step(self) -> None:
        for handle in self._handles():
            handle.step()

    def reset(self, config: RunConfig) -> None:
        self.handle.reset(config)
        if self.compare is not None:
            self.compare.reset()

    def set_compare(
        self, config: RunConfig | None, title: str = "", own_title: str = "", probes: tuple[str, ...] = ("boundary",)
    ) -> None:
        """Train ``config`` as run B beside this run (it should use the same data), or stop comparing (None).
        A new setup for B starts B over; an unchanged one keeps it running. ``probes``: what B computes when new."""
        if config is None:
            if self.compare is not None:
                self.compare.stop()
                self.compare = None
            return
        if self.closed:  # the session ended while the page script still ran: no new worker may outlive it
            return
        self.compare_title, self.title = title, own_title
        if self.compare is None or not self.compare.alive:
            self.compare = WorkerHandle(config, probes=probes)
            if self.handle.wants_to_run:
                self.compare.play()
        elif self.compare.apply(config) and self.handle.wants_to_run:
            self.compare.play()

    def stop(self) -> None:
        self.closed = True
        for handle in self._handles():
            handle.stop()
        self.compare = None


class _SessionRuns(dict[str, SessionRun]):
    """A session's runs by page; ``released`` once the session ended, so a run a page script adds after that
    (the script may still be running when the session goes) is stopped at once instead of training forever."""

    released = False


def _release(runs: dict[str, SessionRun]) -> None:
    """Stop every run of an ended session (or of pages that let theirs go), each even if another fails to stop."""
    if isinstance(runs, _SessionRuns):
        runs.released = True  # before the copy below: a run added after it sees the flag (``session_run``)
    for run in list(runs.values()):
        try:
            unregister_frame_source(run.token)
        finally:
            try:
                run.stop()
            except Exception:  # a worker that will not stop must not keep the others of the session alive
                _LOGGER.exception("could not stop a training worker of an ended session")
    runs.clear()


@st.cache_resource(scope="session", on_release=_release, show_spinner=False)
def _session_runs() -> dict[str, SessionRun]:
    return _SessionRuns()


def session_run(page: str, config: RunConfig, probes: tuple[str, ...]) -> SessionRun:
    """This session's run for a page, started on first use; later configs are applied to it (see
    ``WorkerHandle.apply``: data or model changes reset, learning rate and other live settings change live)."""
    runs = _session_runs()
    run = runs.get(page)
    if run is not None and run.handle.alive:
        if run.handle.apply(config) and run.compare is not None:
            run.compare.reset()  # B starts over with A, so the two curves stay comparable
        return run
    if run is not None:
        unregister_frame_source(run.token)
        run.stop()
    run = SessionRun(token=secrets.token_urlsafe(16), handle=WorkerHandle(config, probes=probes))
    register_frame_source(run.token, run.frame, changes=run, pause=run.pause_now)
    runs[page] = run
    if getattr(runs, "released", False):  # the session ended meanwhile: nobody will ever release this run
        _release({page: runs.pop(page)})
    return run


def live_session_run(page: str) -> SessionRun | None:
    """This session's run for a page if its worker is alive, without starting one."""
    run = _session_runs().get(page)
    return run if run is not None and run.handle.alive else None


def release_session_runs(*pages: str) -> None:
    """Stop this session's runs for these pages and forget them (their live frames too); a later ``session_run``
    starts afresh."""
    runs = _session_runs()
    _release({page: runs.pop(page) for page in pages if page in runs})


def pause_session_run(page: str) -> None:
    """Pause this session's run for a page, if it has one (for example while its setup is invalid)."""
    run = _session_runs().get(page)
    if run is not None and run.handle.alive:
        run.pause()
