"""The worker process: its commands, its snapshots, and that it never outlives its owner."""

import os
import signal
import subprocess
import sys
import textwrap
import time
import types

import numpy as np
import psutil
import pytest

from playground.config import RunConfig
from playground.data.registry import load_dataset
from playground.presets import load_preset
from playground.train.worker import WorkerHandle
from playground.train.worker_process import MIN_TRAIN_SLICE_S, TRAIN_SLICE_S, WorkerLoop
from playground.ui.frames import worker_frame


@pytest.fixture
def handle():
    worker = WorkerHandle(load_preset("circle"), probes=("boundary",))
    worker.wait_until(lambda s, _: s.status == "paused", timeout=60)
    yield worker
    worker.stop()
    assert not worker.alive


def test_play_pause_step_and_history(handle):
    handle.play()
    handle.wait_until(lambda s, history: s.status == "running" and len(history) >= 5)
    handle.pause()
    paused = handle.wait_until(lambda s, _: s.status == "paused")
    time.sleep(0.5)
    still, history = handle.snapshot()
    assert still.epoch == paused.epoch == len(history), "training went on after Pause"
    epoch = still.epoch
    handle.step()
    after = handle.wait_until(lambda s, _: s.epoch == epoch + 1)
    assert after.status == "paused"
    _, history = handle.snapshot()
    assert [row["epoch"] for row in history] == list(range(1, epoch + 2))
    assert after.probes["boundary"]["values"].shape == (100 * 100,)


def test_frame_carries_only_new_rows_and_the_boundary(handle):
    handle.step()
    handle.step()
    handle.wait_until(lambda s, _: s.epoch == 2)
    frame = worker_frame(handle, since_epoch=1)
    assert frame["history"]["epoch"] == [2]
    assert frame["status"] == "paused" and frame["epoch"] == 2
    assert len(frame["boundary"]["values"]) == 10_000


def test_reset_starts_a_new_run_and_live_changes_keep_it(handle):
    handle.step()
    first = handle.wait_until(lambda s, _: s.epoch == 1)
    changed = RunConfig.from_dict(
        {
            **handle.config.model_dump(),
            "training": {
                **handle.config.training.model_dump(),
                "learning_rate": 0.3,
                "regularization": "l2",
                "reg_rate": 0.01,
            },
        }
    )
    assert handle.apply(changed) is False
    live = handle.wait_until(lambda s, _: s.learning_rate == 0.3)
    assert live.run_id == first.run_id and live.epoch == 1
    noisier = RunConfig.from_dict({**changed.model_dump(), "data": {**changed.data.model_dump(), "noise": 20}})
    assert handle.apply(noisier) is True
    fresh = handle.wait_until(lambda s, _: s.run_id != first.run_id)
    assert fresh.epoch == 0 and handle.snapshot()[1] == []


def test_divergence_pauses_and_says_why():
    raw = load_preset("plane").model_dump()
    raw["training"].update(learning_rate=10.0, optimizer="sgd")
    worker = WorkerHandle(RunConfig.from_dict(raw))
    try:
        worker.play()
        snapshot = worker.wait_until(lambda s, _: s.status == "diverged", timeout=60)
        assert "learning rate (10) is probably too high" in snapshot.message
        worker.play()  # play does not resume a diverged run: reset first
        time.sleep(0.5)
        assert worker.snapshot()[0].status == "diverged"
    finally:
        worker.stop()


def test_a_bad_config_reaches_the_owner_as_a_message():
    config = load_preset("circle")
    worker = WorkerHandle(config)
    try:
        worker.wait_until(lambda s, _: s.status == "paused", timeout=60)
        broken = config.model_copy(update={"training": config.training.model_copy(update={"batch_size": 0})})
        worker.reset(broken)  # bypasses validation on purpose: the worker validates again
        snapshot = worker.wait_until(lambda s, _: s.status == "error")
        assert "batch_size" in snapshot.message
    finally:
        worker.stop()


def test_a_killed_worker_is_reported():
    worker = WorkerHandle(load_preset("circle"))
    worker.wait_until(lambda s, _: s.status == "paused", timeout=60)
    os.kill(worker.process.pid, signal.SIGKILL)
    snapshot = worker.wait_until(lambda s, _: s.status == "error")
    assert "stopped unexpectedly" in snapshot.message
    worker.stop()


def test_stop_ends_a_training_worker_by_its_own_hand():
    worker = WorkerHandle(load_preset("circle"))
    pid = worker.process.pid
    worker.play()
    worker.wait_until(lambda s, _: s.status == "running" and s.epoch >= 2, timeout=60)
    worker.stop()
    # exit status 0: the worker obeyed the stop command mid-training (terminate or kill would give -15 or -9)
    assert worker.process.returncode == 0
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_worker_dies_when_its_owner_is_killed():
    owner_script = textwrap.dedent("""
        import sys, time
        from playground.presets import load_preset
        from playground.train.worker import WorkerHandle
        handle = WorkerHandle(load_preset("circle"))
        handle.wait_until(lambda s, _: s.status == "paused", timeout=60)
        handle.play()
        print(handle.process.pid, flush=True)
        time.sleep(600)
    """)
    owner = subprocess.Popen([sys.executable, "-c", owner_script], stdout=subprocess.PIPE, text=True)
    try:
        worker_pid = int(owner.stdout.readline())
        assert psutil.pid_exists(worker_pid)
        owner.kill()  # like a crashed server: no clean-up code runs
        owner.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and psutil.pid_exists(worker_pid):
            if psutil.Process(worker_pid).status() == psutil.STATUS_ZOMBIE:
                break
            time.sleep(0.1)
        alive = psutil.pid_exists(worker_pid) and psutil.Process(worker_pid).status() != psutil.STATUS_ZOMBIE
        assert not alive, "the worker outlived its killed owner"
    finally:
        owner.kill()


def test_play_pressed_while_starting_counts_as_playing():
    worker = WorkerHandle(load_preset("circle"))
    try:
        assert worker.snapshot()[0].status == "starting" and not worker.playing
        worker.play()
        assert worker.playing  # the button must show Pause at once, though torch is still importing
        worker.wait_until(lambda s, _: s.status == "running" and s.epoch >= 2, timeout=60)
        assert worker.playing
        worker.pause()
        worker.wait_until(lambda s, _: s.status == "paused")
        assert not worker.playing
    finally:
        worker.stop()


def slow_epoch_config() -> RunConfig:
    """An epoch of 4,500 single-sample steps through 8 layers of 32: seconds per epoch on any laptop."""
    raw = load_preset("circle").model_dump()
    raw["data"].update(n_points=5000, train_share=90)
    raw["model"]["layers"] = [{"kind": "dense", "units": 32, "activation": "tanh"}] * 8 + [raw["model"]["layers"][-1]]
    raw["training"].update(batch_size=1)
    return RunConfig.from_dict(raw)


def test_commands_and_views_do_not_wait_for_a_long_epoch_to_end():
    worker = WorkerHandle(slow_epoch_config(), probes=("boundary",))
    try:
        worker.wait_until(lambda s, _: s.status == "paused", timeout=60)
        assert worker.snapshot()[0].probes["boundary"]["resolution"] == 100
        worker.play()
        moving = worker.wait_until(lambda s, _: s.step > 50, timeout=30)
        early = moving.probes["boundary"]
        assert early["resolution"] < 100, "8 layers of 32 get a coarser boundary while they train"
        later = worker.wait_until(lambda s, _: s.probes["boundary"] is not early, timeout=30)
        assert later.epoch == 0, "the test needs an epoch longer than this"
        assert (later.probes["boundary"]["values"] != early["values"]).any(), "the boundary only moves at epoch ends"
        worker.pause()
        paused = worker.wait_until(lambda s, _: s.status == "paused", timeout=30)
        assert paused.epoch == 0, "Pause waited for the end of the epoch"
        assert paused.probes["boundary"]["resolution"] == 100, "paused, the boundary is on the full grid again"
        time.sleep(0.3)
        assert worker.snapshot()[0].step == paused.step, "training went on after Pause"
        worker.step()  # finishes the epoch in progress, then pauses
        done = worker.wait_until(lambda s, _: s.epoch == 1, timeout=120)
        assert done.status == "paused"
    finally:
        worker.stop()


def test_live_regularization_change_keeps_the_run(handle):
    handle.step()
    first = handle.wait_until(lambda s, _: s.epoch == 1)
    handle.set_training(handle.config.training.model_copy(update={"regularization": "l1", "reg_rate": 0.01}))
    changed = handle.wait_until(lambda s, _: s.regularization == "l1")
    assert changed.reg_rate == 0.01 and changed.run_id == first.run_id and changed.epoch == 1


def test_stop_escalates_when_the_worker_does_not_listen():
    worker = WorkerHandle(load_preset("circle"))
    worker.wait_until(lambda s, _: s.status == "paused", timeout=60)
    os.kill(worker.process.pid, signal.SIGSTOP)  # frozen: it cannot read the stop command
    worker.stop(timeout=0.5)
    assert not worker.alive
    assert worker.snapshot()[0].status == "stopped"


def test_ending_a_browser_session_stops_its_workers():
    from playground.ui import frames
    from playground.ui.session import SessionRun, _release

    handle = WorkerHandle(load_preset("circle"))
    frames.register_frame_source("session-token", lambda since, _, since_step: worker_frame(handle, since, since_step))
    runs = {"2d": SessionRun(token="session-token", handle=handle)}
    _release(runs)
    assert not handle.alive and runs == {}
    assert "session-token" not in frames.registered_tokens()


def test_a_diverged_run_is_not_saved(tmp_path):
    raw = load_preset("plane").model_dump()
    raw["training"].update(learning_rate=10.0, optimizer="sgd")
    worker = WorkerHandle(RunConfig.from_dict(raw))
    try:
        worker.play()
        worker.wait_until(lambda s, _: s.status == "diverged", timeout=60)
        with pytest.raises(RuntimeError, match="diverged"):
            worker.save_checkpoint(str(tmp_path / "nan.zip"))
        assert not (tmp_path / "nan.zip").exists()
    finally:
        worker.stop()


def test_a_stopping_rule_finishes_the_run_and_play_goes_on():
    config = load_preset("circle")
    config = config.model_copy(
        update={"training": config.training.model_copy(update={"stop_at_epochs": True, "epochs": 2})}
    )
    worker = WorkerHandle(config, probes=("boundary",))
    try:
        worker.wait_until(lambda s, _: s.status == "paused", timeout=60)
        worker.play()
        done = worker.wait_until(lambda s, _: s.status == "finished", timeout=60)
        assert done.epoch == 2 and done.message_key == "msg_finished_epochs" and done.message_args == {"epochs": 2}
        assert worker_frame(worker)["status"] == "finished"
        worker.play()  # past the limit: trains on until paused
        worker.wait_until(lambda s, _: s.epoch >= 3 and s.status == "running", timeout=60)
    finally:
        worker.stop()


def test_weights_are_edited_while_paused_only_and_focus_reaches_the_frame():
    worker = WorkerHandle(load_preset("circle"), probes=("boundary", "network"))
    try:
        worker.wait_until(lambda s, _: s.status == "paused" and "network" in s.probes, timeout=60)
        worker.edit_parameter(1, 0, 1, 3.5)
        edited = worker.wait_until(lambda s, _: s.probes["network"]["columns"][1]["weights"][0, 1] == 3.5, timeout=30)
        assert edited.edit_error is None
        worker.set_focus((1, 0))
        worker.wait_until(lambda s, _: s.probes["boundary"].get("focus") == [1, 0], timeout=30)
        frame = worker_frame(worker)
        assert frame["focus"] == [1, 0] and frame["network"]["columns"][1]["units"] == 4
        worker.reset()  # a new run keeps the selected neuron
        worker.wait_until(lambda s, _: s.probes["boundary"].get("focus") == [1, 0] and s.epoch == 0, timeout=30)
        worker.play()
        worker.wait_until(lambda s, _: s.status == "running", timeout=30)
        worker.edit_parameter(1, 0, 1, -7.0)
        refused = worker.wait_until(lambda s, _: s.edit_error is not None, timeout=30)
        assert "pause" in refused.edit_error
    finally:
        worker.stop()


def test_schedule_and_stopping_rules_change_live(handle):
    handle.step()
    first = handle.wait_until(lambda s, _: s.epoch == 1)
    training = handle.config.training.model_copy(update={"schedule": "step", "step_every": 1, "step_factor": 0.5})
    assert handle.apply(handle.config.model_copy(update={"training": training})) is False  # no reset
    handle.step()
    later = handle.wait_until(lambda s, _: s.epoch == 2)
    assert later.run_id == first.run_id
    assert later.learning_rate == pytest.approx(handle.config.training.learning_rate * 0.5)


def test_a_probe_is_sent_once_until_it_changes_and_the_handle_keeps_it():
    """Unchanged (throttled or paused) probes are not pickled again on every snapshot; the owner's handle fills
    them in from the snapshot before, and forgets those no longer computed."""
    import socket
    from multiprocessing.connection import Connection

    from playground.train.protocol import SetProbes, Step
    from playground.train.worker_process import WorkerLoop

    config = load_preset("digits-cnn").model_copy(deep=True)
    config.data.n_points = 300
    ours, theirs = socket.socketpair()
    with Connection(ours.detach()) as owner, Connection(theirs.detach()) as conn:
        loop = WorkerLoop(config.model_dump_json(), conn, os.getpid(), 30.0, ["filters", "gallery"])
        loop.changed = True
        loop.publish(force=True)
        first = owner.recv()
        assert set(first.probes) == {"filters", "gallery"} and first.probe_names == ["filters", "gallery"]
        loop.changed = True
        loop.publish(force=True)  # paused: the same model, so the same probe objects
        second = owner.recv()
        assert second.probes == {} and second.probe_names == ["filters", "gallery"]
        loop.handle(Step())
        while loop.steps_left:
            loop._train_slice()
        loop.publish(force=True)
        while (latest := owner.recv()).epoch < 1:
            pass
        assert set(latest.probes) == {"filters", "gallery"}  # a new model: both computed and sent again
        cache = loop.trainer.probe_cache
        assert "test_predictions" in cache.parents  # the gallery is built on the test predictions
        loop.handle(SetProbes(["filters"]))  # the page stopped showing the gallery: its cost no longer counts
        assert "filters" in cache.entries and not {"gallery", "test_predictions"} & set(cache.entries)

    handle = WorkerHandle(config, probes=("filters", "gallery"))
    try:
        handle.wait_until(lambda s, _: s.status == "paused" and {"filters", "gallery"} <= set(s.probes), timeout=60)
        handle.set_sample(3)  # more snapshots that leave the two out: the handle keeps them
        time.sleep(0.5)
        assert {"filters", "gallery"} <= set(handle.snapshot()[0].probes)
        handle.set_probes(("filters",))
        handle.wait_until(lambda s, _: set(s.probes) == {"filters"}, timeout=30)
        handle.set_probes(("filters", "gallery"))  # asked for again: sent again, though unchanged
        handle.wait_until(lambda s, _: set(s.probes) == {"filters", "gallery"}, timeout=30)
    finally:
        handle.stop()


def test_sequence_probes_follow_the_chosen_sequence_and_temperature_across_resets():
    """The sample command reaches sequence data too (not only images), the temperature command reaches generated
    text, and the worker keeps both when the run starts over."""
    from playground.data.registry import text_vocabulary

    vocabulary = len(text_vocabulary())
    config = RunConfig.from_dict(
        {
            "data": {"dataset": "text", "n_points": 300, "steps": 20},
            "model": {
                "layers": [
                    {"kind": "embedding", "vocab_size": vocabulary, "dim": 4},
                    {"kind": "lstm", "units": 8},
                    {"kind": "dense", "units": vocabulary, "activation": "softmax"},
                ]
            },
        }
    )
    probes = ("hidden", "generated", "memory")
    worker = WorkerHandle(config, probes=probes)
    try:
        first = worker.wait_until(lambda s, _: s.status == "paused" and set(probes) <= set(s.probes), timeout=60)
        assert not any("error" in first.probes[name] for name in probes)
        assert first.probes["hidden"]["index"] == 0 and first.probes["hidden"]["layers"][0]["cell"] == "lstm"
        assert first.probes["generated"]["temperature"] == 0.8
        assert first.probes["memory"]["gradient"].shape == (20,)

        worker.set_sample(3)
        chosen = worker.wait_until(lambda s, _: s.probes["hidden"]["index"] == 3)
        assert chosen.probes["hidden"]["text"] != first.probes["hidden"]["text"]
        worker.set_temperature(1.7)
        hotter = worker.wait_until(lambda s, _: s.probes["generated"]["temperature"] == 1.7)
        assert hotter.probes["generated"]["text"] != first.probes["generated"]["text"]
        with pytest.raises(ValueError, match="temperature"):
            worker.set_temperature(3.0)

        worker.reset()
        fresh = worker.wait_until(lambda s, _: s.run_id != first.run_id and set(probes) <= set(s.probes))
        assert fresh.probes["hidden"]["index"] == 3 and fresh.probes["generated"]["temperature"] == 1.7
    finally:
        worker.stop()


def test_a_step_through_request_is_answered_with_the_numbers_a_trainer_computes(handle):
    """The worker's answer equals ``explained_step`` on a fresh Trainer of the same config (same seed, same
    weights), and its model changes as that step changes it: a second step starts from the first's weights."""
    from playground.train.one_step import explained_step
    from playground.train.trainer import Trainer

    request = handle.take_step([3, 7])
    answer = handle.wait_for_answer("step", request, timeout=30)
    assert answer is not None and "error" not in answer, answer
    here = Trainer(handle.config)
    expected = explained_step(here, [3, 7])
    assert answer["rows"] == [3, 7]
    np.testing.assert_allclose(answer["loss"], expected["loss"], atol=1e-6)
    for got, want in zip(answer["weights_after"], expected["weights_after"], strict=True):
        np.testing.assert_allclose(got, want, atol=1e-6)
    assert len(answer["boundary_before"]) == len(answer["boundary_after"]) == 40
    assert answer["boundary_before"] != answer["boundary_after"]
    second = handle.wait_for_answer("step", handle.take_step([0]), timeout=30)
    for got, want in zip(second["weights"], expected["weights_after"], strict=True):
        np.testing.assert_allclose(got, want, atol=1e-6)
    assert handle.answer("step", request) is None, "an older request's answer passed for the newest"


def test_a_step_through_of_rows_outside_the_data_is_refused_in_one_line(handle):
    answer = handle.wait_for_answer("step", handle.take_step([10_000]), timeout=30)
    assert answer is not None and answer["error"].startswith("rows: the training data has examples 0 to ")
    assert "\n" not in answer["error"]


def test_train_steps_trains_exactly_that_many_batches_then_pauses(handle):
    before = handle.snapshot()[0].step
    handle.train_steps(37)
    after = handle.wait_until(lambda s, _: s.step >= before + 37 and s.status == "paused", timeout=30)
    time.sleep(0.3)
    assert handle.snapshot()[0].step == after.step == before + 37


def test_a_descent_request_is_answered_with_the_map_and_the_race_torch_optim_runs(handle):
    from playground.train.descent import DescentRequest, logistic_surface, loss_map, race

    wanted = DescentRequest(surface="logistic", resolution=20, rates={"sgd": 0.5, "adam": 0.1}, steps=30)
    answer = handle.wait_for_answer("descent", handle.descend(wanted.model_dump_json()), timeout=30)
    assert answer is not None and "error" not in answer, answer
    surface = logistic_surface(handle.config)
    _, _, losses = loss_map(surface, 20)
    np.testing.assert_allclose(answer["losses"], losses, atol=1e-6)
    expected = race(surface, wanted.rates, wanted.start, wanted.steps)
    for got, want in zip(answer["trajectories"], expected, strict=True):
        assert got["optimizer"] == want.optimizer
        np.testing.assert_allclose(got["points"], want.points, atol=1e-6)


def test_a_descent_request_a_worker_cannot_serve_is_refused_naming_the_field(handle):
    too_big = '{"surface": "logistic", "resolution": 100000}'
    answer = handle.wait_for_answer("descent", handle.descend(too_big), timeout=30)
    assert answer is not None and answer["error"].startswith("resolution: "), answer
    line = '{"surface": "line"}'  # the circle is a classification set: no line to fit
    answer = handle.wait_for_answer("descent", handle.descend(line), timeout=30)
    assert answer["error"].startswith("data.dataset: a line fits values"), answer


def _ended(answer: dict) -> bool:
    return any(key in answer for key in ("finished", "stopped", "error"))


def test_a_comparison_table_grows_model_by_model_in_the_worker_while_training_goes_on(handle):
    from playground.train.baselines import fit_baseline
    from playground.train.compare import ComparisonRequest

    seen_rows = []
    handle.play()
    request = handle.compare(ComparisonRequest(baselines=["logreg", "tree", "features"], grid=20).model_dump_json())
    answer = handle.wait_for_answer(
        "compare", request, timeout=60, until=lambda answer: seen_rows.append(len(answer["rows"])) or _ended(answer)
    )
    assert [row["model"] for row in answer["rows"]] == ["logreg", "tree", "features"], answer
    assert answer["finished"] and answer["total"] == 3 and answer["running"] is None and answer["metric"] == "accuracy"
    assert 0 in seen_rows and 3 in seen_rows  # it answered before the first model was done, and at the end
    here = fit_baseline("features", load_dataset(handle.config.data), grid_resolution=20)
    assert answer["rows"][2]["test_metric"] == pytest.approx(here.test_metric)
    np.testing.assert_allclose(answer["grids"]["features"]["values"], here.grid_values, atol=1e-6)
    assert handle.snapshot()[0].step > 0, "training stopped while the baselines were fitted"
    handle.pause()


def test_a_learning_curve_stops_when_told_and_keeps_what_it_had(handle):
    from playground.train.compare import ComparisonRequest

    wanted = ComparisonRequest(kind="curve", baselines=["knn"], sizes=[20, 40, 80], seeds=3, epochs=200)
    request = handle.compare(wanted.model_dump_json())
    # knn and the network at the smallest size, the first seed
    handle.wait_for_answer("compare", request, timeout=60, until=lambda answer: len(answer["rows"]) >= 2)
    handle.stop_comparison()
    answer = handle.wait_for_answer("compare", request, timeout=60, until=_ended)
    assert answer.get("stopped") is True and "finished" not in answer, answer
    assert 2 <= len(answer["rows"]) < answer["total"] == 3 * 3 * 2
    assert answer["rows"][0] == {**answer["rows"][0], "model": "knn", "size": 20, "seed": 0}


def test_a_comparison_a_worker_cannot_serve_is_refused_naming_the_field(handle):
    answer = handle.wait_for_answer("compare", handle.compare('{"kind": "curve", "seeds": 1000}'), 60, _ended)
    assert answer["error"].startswith("seeds: "), answer
    answer = handle.wait_for_answer("compare", handle.compare('{"kind": "curve", "sizes": [5000]}'), 60, _ended)
    assert answer["error"].startswith("sizes: 5000 is outside 2 to "), answer


def test_a_slice_ends_when_the_next_snapshot_is_due():
    """Slices of a fixed 30 ms against snapshots due every 25 ms would send one every other slice."""
    loop = types.SimpleNamespace(min_interval=0.025, last_sent=time.monotonic())
    assert 0.02 < WorkerLoop.slice_seconds(loop) <= 0.025
    loop.last_sent -= 0.022  # due in 3 ms: the shortest slice
    assert WorkerLoop.slice_seconds(loop) == MIN_TRAIN_SLICE_S
    loop.min_interval = 1.0  # a slow rate: the longest slice, so that clicks still take effect at once
    assert WorkerLoop.slice_seconds(loop) == TRAIN_SLICE_S


def test_a_training_worker_sends_snapshots_at_its_rate_and_tells_listeners():
    """An epoch of seconds (slices do not end at epoch ends): 15 snapshots a second at a rate of 30 when slices
    ignored it, about 40 at 40 now; every change reaches the listeners, and one that fails stops nothing."""
    worker = WorkerHandle(slow_epoch_config())
    heard = []

    def failing() -> None:
        raise RuntimeError("a listener whose event loop is gone")

    stop_failing = worker.on_change(failing)
    stop_listening = worker.on_change(lambda: heard.append(worker.changes))
    try:
        worker.wait_until(lambda s, _: s.status == "paused", timeout=60)
        worker.play()
        worker.wait_until(lambda s, _: s.status == "running" and s.step > 0, timeout=30)
        before, started = worker.changes, time.monotonic()
        time.sleep(2.0)
        rate = (worker.changes - before) / (time.monotonic() - started)
        stop_listening()
        stop_failing()
        worker.pause()
        worker.wait_until(lambda s, _: s.status == "paused", timeout=30)
        assert rate > 25.0, f"{rate:.1f} snapshots a second"
        assert heard and heard == sorted(heard) and heard[-1] <= worker.changes
        count, changes = len(heard), worker.changes
        worker.play()  # more changes: the stopped listener hears none of them
        worker.wait_until(lambda s, _: worker.changes > changes + 5, timeout=30)
        worker.pause()
        worker.wait_until(lambda s, _: s.status == "paused", timeout=30)
        assert len(heard) == count, "a listener that was stopped was still called"
    finally:
        worker.stop()
