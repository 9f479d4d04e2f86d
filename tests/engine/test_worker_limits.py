"""Training workers within the server's budgets: runs past the cap wait in line and keep their clicks, a worker
that runs out of memory says so and lives on, Pause and a killed owner do not wait for a long batch, a run
nobody watches is paused, and an ended session leaves no worker behind."""

import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from playground.config import RunConfig
from playground.presets import load_preset
from playground.train.worker import WorkerHandle
from playground.train.worker_slots import training_processes
from playground.ui import frames
from playground.ui import session as session_module
from playground.ui.session import SessionRun

#: The memory the long-batch worker may take: its batch fits (~0.9 GB in all), the one of ``memory_hungry_config``
#: does not.
WORKER_MEMORY_MB = 1536


@pytest.fixture(autouse=True)
def roomy_activation_budget(monkeypatch):
    """The configs below are big on purpose: the activation estimate (the first defence) must not refuse them
    before the worker's own limits are reached. Workers inherit the variable."""
    monkeypatch.setenv("PLAYGROUND_MAX_ACTIVATION_MB", "16384")


def long_batch_config() -> RunConfig:
    """One batch of 1,024 digits through twelve 64-filter convolutions: seconds of CPU on any machine (~170
    GFLOP), while each layer's forward or backward pass takes a fraction of a second."""
    raw = load_preset("digits-cnn").model_dump()
    conv = {"kind": "conv2d", "filters": 64, "kernel_size": 3, "padding": "same", "activation": "relu"}
    output = {"kind": "dense", "units": 10, "activation": "softmax"}
    raw["model"]["layers"] = [conv] * 12 + [{"kind": "flatten"}, output]
    raw["training"].update(batch_size=1024)
    return RunConfig.from_dict(raw)


def memory_hungry_config() -> RunConfig:
    """A batch of 1,000 shapes of 28 x 28 through 512 filters: the first layer's output alone takes 1.6 GB, past
    ``WORKER_MEMORY_MB``, and it is asked for before anything is computed."""
    raw = load_preset("digits-cnn").model_dump()
    raw["data"].update(dataset="shapes", n_points=1250)
    conv = {"kind": "conv2d", "filters": 512, "kernel_size": 3, "padding": "same", "activation": "relu"}
    output = {"kind": "dense", "units": 4, "activation": "softmax"}
    raw["model"]["layers"] = [conv, {"kind": "flatten"}, output]
    raw["training"].update(batch_size=1000)
    return RunConfig.from_dict(raw)


@pytest.fixture(scope="module")
def long_batch_worker():
    """One worker for the tests of a long batch (starting one takes seconds), with a memory budget of its own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PLAYGROUND_MAX_ACTIVATION_MB", "16384")
        patch.setenv("PLAYGROUND_WORKER_MEMORY_MB", str(WORKER_MEMORY_MB))
        worker = WorkerHandle(long_batch_config())
    try:
        worker.wait_until(lambda s, _: s.status == "paused", timeout=90)
        yield worker
    finally:
        worker.stop()


def wait_for_cpu(pid: int, seconds: float, timeout: float = 60.0) -> None:
    """Until the process has computed ``seconds`` more of CPU time: it is inside the batch, not about to start it."""
    process = psutil.Process(pid)
    start = sum(process.cpu_times()[:2])
    deadline = time.monotonic() + timeout
    while sum(process.cpu_times()[:2]) - start < seconds:
        assert time.monotonic() < deadline, "the worker did not compute"
        time.sleep(0.02)


def gone(pid: int) -> bool:
    return not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def play_into_the_batch(worker: WorkerHandle) -> int:
    """Play, and return once the worker computes inside a batch; returns the steps done before it."""
    before = worker.snapshot()[0].step
    worker.play()
    worker.wait_until(lambda s, _: s.status == "running", timeout=30)
    wait_for_cpu(worker.process.pid, 0.3)
    return before


def test_pause_cuts_a_long_batch_short(long_batch_worker):
    worker = long_batch_worker
    before = play_into_the_batch(worker)
    asked = time.monotonic()
    worker.pause()
    paused = worker.wait_until(lambda s, _: s.status == "paused", timeout=30)
    waited = time.monotonic() - asked
    assert paused.step == before, "Pause waited for the batch to end"
    assert waited < 2.0, f"Pause took {waited:.2f} s"


def test_a_run_nobody_watches_is_paused(long_batch_worker):
    worker = long_batch_worker
    run = SessionRun(token="unwatched-test", handle=worker)
    worker.unwatched_pause_s = 1.0
    try:
        run.frame(0, 0)  # the live view asks for a frame, then no more (a hidden tab): the owner pauses the run
        worker.play()
        unwatched = worker.wait_until(
            lambda s, _: s.status == "paused" and s.message_key == "msg_paused_unwatched", timeout=30
        )
        assert unwatched.message_args == {"seconds": 1} and not worker.playing
    finally:
        worker.unwatched_pause_s = 600.0


def test_running_out_of_memory_is_reported_and_the_worker_lives_on(long_batch_worker):
    worker = long_batch_worker
    worker.reset(memory_hungry_config())
    worker.play()
    failed = worker.wait_until(lambda s, _: s.status == "error", timeout=60)
    assert failed.message_key == "msg_out_of_memory" and failed.message_args == {"mb": WORKER_MEMORY_MB}
    assert "Ran out of memory" in failed.message and f"{WORKER_MEMORY_MB:,} MB" in failed.message
    assert worker.alive
    worker.reset(long_batch_config())  # a smaller setup trains in the same worker, under the same limit
    fresh = worker.wait_until(lambda s, _: s.status == "paused", timeout=60)
    assert fresh.run_id != failed.run_id and fresh.message is None
    play_into_the_batch(worker)
    assert worker.snapshot()[0].status == "running"


def test_stop_ends_a_worker_inside_a_long_batch_by_its_own_hand(long_batch_worker):
    worker = long_batch_worker
    play_into_the_batch(worker)
    asked = time.monotonic()
    worker.stop()
    # exit status 0: the worker obeyed the stop command inside the batch (terminate or kill give -15 or -9)
    assert worker.process.returncode == 0 and time.monotonic() - asked < 2.0


def test_a_batch_given_up_half_way_is_trained_again_the_same():
    """A Pause inside a batch costs nothing but the time spent on it: trained again, the epoch ends with the very
    weights, batch norm statistics and history of an epoch never interrupted (same samples, same dropout)."""
    import threading

    import torch

    from playground.train.trainer import Trainer

    raw = load_preset("digits-cnn").model_dump()
    raw["data"].update(n_points=200)
    raw["model"]["layers"] = [
        {"kind": "conv2d", "filters": 8, "kernel_size": 3, "padding": "same", "activation": "relu"},
        {"kind": "batchnorm"},
        {"kind": "dropout", "rate": 0.3},
        {"kind": "flatten"},
        {"kind": "dense", "units": 10, "activation": "softmax"},
    ]
    raw["training"].update(batch_size=64)
    config = RunConfig.from_dict(raw)
    plain = Trainer(config)
    expected = plain.train_batches(None)

    trainer = Trainer(config)
    interrupt = threading.Event()
    dropout = next(module for module in trainer.model.modules() if isinstance(module, torch.nn.Dropout))
    # the watcher thread's part: Pause arrives while the batch is in its dropout layer, after batch norm
    hook = dropout.register_forward_hook(lambda *_: interrupt.set())
    assert trainer.train_batches(None, interrupt) is None and trainer.step == 0
    hook.remove()
    interrupt.clear()
    assert trainer.train_batches(None, interrupt) == expected
    for name, value in plain.model.state_dict().items():
        assert torch.equal(trainer.model.state_dict()[name], value), name


def test_the_worker_dies_with_its_owner_inside_a_long_batch():
    owner_script = textwrap.dedent("""
        import sys, time
        import psutil
        from playground.config import RunConfig
        from playground.train.worker import WorkerHandle
        handle = WorkerHandle(RunConfig.model_validate_json(sys.argv[1]))
        handle.wait_until(lambda s, _: s.status == "paused", timeout=90)
        handle.play()
        handle.wait_until(lambda s, _: s.status == "running", timeout=30)
        worker = psutil.Process(handle.process.pid)
        while sum(worker.cpu_times()[:2]) < 0.3:  # inside the batch (it computed nothing while paused)
            time.sleep(0.02)
        print(handle.process.pid, flush=True)
        sys.stdin.read()  # until killed
    """)
    config = long_batch_config().model_dump_json()
    owner = subprocess.Popen(
        [sys.executable, "-c", owner_script, config], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    worker_pid = None
    try:
        worker_pid = int(owner.stdout.readline())
        assert not gone(worker_pid)
        owner.kill()  # like a crashed server: no clean-up code runs
        owner.wait()
        killed = time.monotonic()
        while not gone(worker_pid) and time.monotonic() - killed < 10:
            time.sleep(0.05)
        waited = time.monotonic() - killed
        assert gone(worker_pid) and waited < 2.0, f"the worker outlived its killed owner by {waited:.1f} s"
    finally:
        owner.kill()
        if worker_pid is not None and not gone(worker_pid):
            psutil.Process(worker_pid).kill()


def test_runs_past_the_cap_wait_in_line_and_keep_their_clicks(monkeypatch):
    training, waiting = training_processes()
    assert waiting == 0
    monkeypatch.setenv("PLAYGROUND_MAX_WORKERS", str(training + 1))
    config = load_preset("circle")
    first, second, third = (WorkerHandle(config) for _ in range(3))
    try:
        assert first.process is not None and second.process is None and third.process is None
        queued = second.snapshot()[0]
        assert queued.status == "queued" and queued.message_key == "msg_queued"
        assert queued.message_args == {"running": training + 1} and "busy" in queued.message
        assert training_processes() == (training + 1, 2)
        assert second.alive and third.alive

        # what the user does while waiting is applied when the run starts
        changed = RunConfig.from_dict(
            {
                **config.model_dump(),
                "data": {**config.data.model_dump(), "noise": 20},
                "training": {**config.training.model_dump(), "learning_rate": 0.3},
            }
        )
        assert second.apply(changed) is True
        second.play()
        assert second.playing
        with pytest.raises(RuntimeError, match="waits"):
            second.save_checkpoint("never.zip")

        first.stop(timeout=0.5)  # a slot frees: the run that waited longest starts, the next one waits on
        started = second.wait_until(lambda s, _: s.status == "running", timeout=90)
        assert started.learning_rate == pytest.approx(0.3)  # the config of the reset asked for while it waited
        assert third.snapshot()[0].status == "queued" and third.process is None
        assert training_processes() == (training + 1, 1)
        third.stop()  # leaves the line without ever having had a process
        assert not third.alive and training_processes() == (training + 1, 0)
    finally:
        for worker in (first, second, third):
            worker.stop()
    assert training_processes() == (training, 0)


def test_an_ended_session_stops_its_runs_even_one_started_while_it_ended(monkeypatch):
    training, _ = training_processes()
    monkeypatch.setenv("PLAYGROUND_MAX_WORKERS", str(max(1, training)))  # no room: runs wait, no process starts
    config = load_preset("circle")
    runs = session_module._SessionRuns()
    monkeypatch.setattr(session_module, "_session_runs", lambda: runs)  # Streamlit's session cache, without one
    run = session_module.session_run("2d", config, ())
    run.set_compare(config)
    handles = [run.handle, run.compare]
    assert all(handle.alive for handle in handles) and run.token in frames.registered_tokens()

    session_module._release(runs)  # what Streamlit calls when the session ends
    assert not any(handle.alive for handle in handles) and runs == {}
    assert run.token not in frames.registered_tokens()

    late = session_module.session_run("2d", config, ())  # a page script still running when the session ended
    assert not late.handle.alive and runs == {} and late.token not in frames.registered_tokens()
    late.set_compare(config)
    assert late.compare is None
    assert training_processes()[1] == 0
