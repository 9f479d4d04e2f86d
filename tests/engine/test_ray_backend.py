"""Training on a Ray cluster (a local one, started by the test): a run's worker is an actor that connects back to
the server, trains, pauses and stops like a local worker, and a killed actor is reported."""

import time

import pytest
import ray  # the optional extra .[ray]: the test extra installs it, so this never skips

from playground.presets import load_preset
from playground.train.ray_backend import RAY_ADDRESS_ENV, RayProcess
from playground.train.worker import WorkerHandle


@pytest.fixture(scope="module")
def ray_cluster():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(RAY_ADDRESS_ENV, "local")
        yield
    ray.shutdown()


@pytest.fixture
def run(ray_cluster):
    handle = WorkerHandle(load_preset("circle"), probes=("boundary",))
    yield handle
    handle.stop()


def test_a_run_trains_pauses_and_stops_as_an_actor_on_the_cluster(run):
    assert isinstance(run.process, RayProcess)
    run.wait_until(lambda s, _: s.status == "paused", timeout=180)
    run.play()
    trained = run.wait_until(lambda s, history: s.status == "running" and len(history) >= 5, timeout=60)
    assert trained.probes["boundary"]["values"].shape == (100 * 100,)
    run.pause()
    paused = run.wait_until(lambda s, _: s.status == "paused", timeout=30)
    time.sleep(0.5)
    assert run.snapshot()[0].epoch == paused.epoch, "training went on after Pause"
    pid = run.process.pid
    assert pid > 0
    run.stop()
    assert run.process.returncode == 0, "the actor did not end its run by its own hand on Stop"


def test_a_killed_actor_is_reported(run):
    run.wait_until(lambda s, _: s.status == "paused", timeout=180)
    run.process.kill()
    failed = run.wait_until(lambda s, _: s.status == "error", timeout=60)
    assert "stopped unexpectedly" in failed.message
