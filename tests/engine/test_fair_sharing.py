"""More runs than cores: each worker yields to the server, and the page says how busy the server is."""

import os
import time

import psutil
import pytest

from playground.presets import load_preset
from playground.train import worker_slots
from playground.train.worker import WorkerHandle
from playground.train.worker_process import WORKER_NICENESS
from playground.ui.frames import worker_frame


def test_busy_share_is_how_many_times_slower_each_run_trains():
    assert worker_slots.busy_share(2, cores=2) is None  # a core each
    assert worker_slots.busy_share(3, cores=2) == 1.5
    assert worker_slots.busy_share(30, cores=2) == 15.0


@pytest.fixture
def runs():
    started: list[WorkerHandle] = []
    yield started
    for handle in started:
        handle.stop()


def test_a_worker_runs_below_the_servers_priority(runs):
    handle = WorkerHandle(load_preset("circle"))
    runs.append(handle)
    handle.wait_until(lambda s, _: s.status == "paused", timeout=90)
    assert psutil.Process(handle.process.pid).nice() == psutil.Process().nice() + WORKER_NICENESS


def test_the_page_says_the_server_is_busy_while_more_runs_train_than_it_has_cores(runs, monkeypatch):
    monkeypatch.setattr(worker_slots, "RUNNING_COUNT_TTL_S", 0.0)  # count afresh at each frame
    cores = os.cpu_count() or 1
    for _ in range(cores + 1):
        handle = WorkerHandle(load_preset("circle"))
        runs.append(handle)
        handle.play()
    for handle in runs:
        handle.wait_until(lambda s, _: s.status == "running", timeout=90)
    frame = worker_frame(runs[0])
    assert frame["message_key"] == "msg_busy", frame["message"]
    assert frame["message_args"] == {"running": cores + 1, "cores": cores, "slower": f"{(cores + 1) / cores:.1f}"}
    assert f"{cores + 1} runs share its {cores} cores" in frame["message"]

    runs[-1].pause()
    runs[-1].wait_until(lambda s, _: s.status == "paused", timeout=30)
    deadline = time.monotonic() + 10
    while worker_frame(runs[0])["message_key"] == "msg_busy":
        assert time.monotonic() < deadline, "the page still says busy with a core for each run"
        time.sleep(0.1)
    assert worker_frame(runs[0])["message"] is None
