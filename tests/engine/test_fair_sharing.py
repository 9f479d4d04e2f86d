"""More runs than cores: each worker yields to the server, and the page says how busy the server is."""

import os
import socket
import time
from multiprocessing.connection import Connection

import psutil
import pytest

from playground.limits import server_cores
from playground.presets import load_preset
from playground.train import worker_slots
from playground.train.protocol import SetRate
from playground.train.ray_backend import RAY_ADDRESS_ENV
from playground.train.worker import SNAPSHOT_RATE_HZ, WorkerHandle
from playground.train.worker_process import WORKER_NICENESS, WorkerLoop
from playground.ui.frames import worker_frame
from playground.ui.run_controls import follow_interval_s


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
    cores = server_cores()
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
    with monkeypatch.context() as cluster:  # runs on a Ray cluster do not share this server's cores
        cluster.setenv(RAY_ADDRESS_ENV, "auto")
        assert worker_frame(runs[0])["message_key"] is None

    runs[-1].pause()
    runs[-1].wait_until(lambda s, _: s.status == "paused", timeout=30)
    deadline = time.monotonic() + 10
    while worker_frame(runs[0])["message_key"] == "msg_busy":
        assert time.monotonic() < deadline, "the page still says busy with a core for each run"
        time.sleep(0.1)
    assert worker_frame(runs[0])["message"] is None


def test_runs_send_fewer_snapshots_while_they_share_the_cores():
    assert worker_slots.snapshot_rate(40.0, 2, cores=2) == 40.0  # a core each: as many as a page can draw
    assert worker_slots.snapshot_rate(40.0, 5, cores=2) == 32.0  # 160 a second for all of them
    assert worker_slots.snapshot_rate(40.0, 30, cores=2) == 5.3
    assert worker_slots.snapshot_rate(40.0, 100, cores=2) == worker_slots.MIN_SNAPSHOT_HZ


def test_a_worker_takes_a_new_snapshot_rate():
    ours, theirs = socket.socketpair()
    with Connection(ours.detach()), Connection(theirs.detach()) as conn:
        loop = WorkerLoop(load_preset("circle").model_dump_json(), conn, os.getpid(), 40.0, ["boundary"])
        assert loop.min_interval == 1 / 40
        loop.handle(SetRate(5.0))
        assert loop.min_interval == 1 / 5


def test_the_handles_ask_for_the_shared_rate_while_more_runs_train_than_cores(runs, monkeypatch):
    monkeypatch.setattr(worker_slots, "RUNNING_COUNT_TTL_S", 0.0)
    cores = server_cores()
    count = cores + 3
    for _ in range(count):
        handle = WorkerHandle(load_preset("circle"))
        runs.append(handle)
        handle.play()
    for handle in runs:
        handle.wait_until(lambda s, _: s.status == "running", timeout=90)
    wanted = worker_slots.snapshot_rate(SNAPSHOT_RATE_HZ, count)
    deadline = time.monotonic() + 10
    while any(handle._sent_rate != wanted for handle in runs):  # each reader thread asks after its next snapshot
        assert time.monotonic() < deadline, [handle._sent_rate for handle in runs]
        time.sleep(0.1)
    for handle in runs:
        handle.pause()
    deadline = time.monotonic() + 10
    while any(handle._sent_rate != SNAPSHOT_RATE_HZ for handle in runs):  # paused: every rate back in full
        assert time.monotonic() < deadline, [handle._sent_rate for handle in runs]
        time.sleep(0.1)


def test_playing_pages_check_their_run_less_often_while_many_runs_share_the_server():
    assert follow_interval_s(0) == follow_interval_s(7) == 1.0
    assert follow_interval_s(30) == 6.0


def cgroups(tmp_path, membership: str, files: dict[str, str]) -> tuple[str, str]:
    """A control-group tree under ``tmp_path`` with these files, and this process's membership of it."""
    root = tmp_path / "cgroup"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    root.mkdir(exist_ok=True)
    (tmp_path / "self").write_text(membership)
    return str(root), str(tmp_path / "self")


@pytest.mark.parametrize(
    ("membership", "files", "quota"),
    [
        ("0::/\n", {"cpu.max": "max 100000\n"}, None),  # cgroup v2 without a quota
        ("0::/\n", {"cpu.max": "50000 100000\n"}, 1),  # a container sees its own group as the root
        ("0::/\n", {"cpu.max": "150000 100000\n"}, 2),  # 1.5 cores: rounded up
        ("0::/class/pod\n", {"class/pod/cpu.max": "max 100000", "class/cpu.max": "100000 100000"}, 1),  # above
        ("0::/class/pod\n", {"class/pod/cpu.max": "100000 100000", "class/cpu.max": "max 100000"}, 1),
        ("4:cpu,cpuacct:/docker/x\n", {"cpu,cpuacct/cpu.cfs_quota_us": "50000", "cpu,cpuacct/cpu.cfs_period_us":
                                       "100000"}, 1),  # cgroup v1, its path not mounted in the container
        ("4:cpu,cpuacct:/\n", {"cpu,cpuacct/cpu.cfs_quota_us": "-1", "cpu,cpuacct/cpu.cfs_period_us": "100000"},
         None),
        ("0::/\n", {"cpu.max": "junk"}, None),
        ("", {}, None),  # no control groups at all
    ],
)
def test_the_server_counts_the_cores_a_cpu_quota_allows(tmp_path, membership, files, quota):
    """A pod limited to 1 core on a big node shares 1 core, whatever number of CPUs it sees; without a quota (or
    one that cannot be read) the CPUs this process may run on are all there is."""
    allowed = len(os.sched_getaffinity(0))
    assert server_cores(*cgroups(tmp_path, membership, files)) == (allowed if quota is None else min(allowed, quota))
