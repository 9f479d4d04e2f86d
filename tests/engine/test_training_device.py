"""Runs that train on a GPU (``training.device``): the network trains as a copy on the device while the views,
edits and checkpoints read the one on the CPU. Without a GPU the copying is checked with a copy on the CPU
(``separate_copy``), and a run asking for one is refused in one line."""

from __future__ import annotations

import pytest
import torch

from playground.checkpoint import save_checkpoint
from playground.config import ConfigError, RunConfig
from playground.presets import load_preset
from playground.train.one_step import StepError, training_step
from playground.train.probes import choices
from playground.train.ray_backend import GPUS_ENV, ray_gpus
from playground.train.trainer import Trainer, resume_trainer


def small(preset: str, **data: int) -> RunConfig:
    config = load_preset(preset)
    return RunConfig.from_dict({**config.model_dump(), "data": {**config.data.model_dump(), **data}})


def on(config: RunConfig, device: str) -> RunConfig:
    return config.model_copy(update={"training": config.training.model_copy(update={"device": device})})


def trained(config: RunConfig, epochs: int, separate_copy: bool) -> Trainer:
    torch.manual_seed(0)  # dropout draws from torch's own generator
    trainer = Trainer(config, separate_copy=separate_copy)
    for _ in range(epochs):
        trainer.train_epoch()
    return trainer


def weights(trainer: Trainer) -> dict[str, torch.Tensor]:
    return {name: value.clone() for name, value in trainer.model.state_dict().items()}


@pytest.mark.parametrize(
    ("preset", "data"),
    [("digits-cnn", {"n_points": 400}), ("sine-lstm", {"n_points": 300, "steps": 20}), ("seed-ffn", {})],
)
def test_a_copy_that_trains_elsewhere_learns_exactly_as_the_network_itself(preset, data):
    config = small(preset, **data)
    alone, copied = trained(config, 2, separate_copy=False), trained(config, 2, separate_copy=True)
    assert copied.network.training is not copied.model and alone.network.training is alone.model
    assert copied.history == alone.history
    for name, value in weights(alone).items():
        torch.testing.assert_close(weights(copied)[name], value, rtol=0, atol=0)
    inputs = alone.x_test[:16]
    torch.testing.assert_close(copied.predict(inputs), alone.predict(inputs), rtol=0, atol=0)


def test_the_views_read_the_trained_weights_and_an_edit_reaches_the_network_that_trains():
    trainer = Trainer(load_preset("circle"), separate_copy=True)
    before = weights(trainer)
    trainer.train_batches(budget_s=None, max_batches=3)
    after = weights(trainer)  # read through ``model``: the copy's weights
    assert any(not torch.equal(before[name], after[name]) for name in before)
    for name, value in trainer.network.training.state_dict().items():
        assert torch.equal(after[name], value)

    revision = trainer.revision
    choices.set_parameter(trainer, 1, 0, 0, 5.0)  # the first hidden neuron's weight from x1
    assert trainer.revision == revision + 1
    edited = weights(trainer)
    (name,) = [name for name in edited if not torch.equal(edited[name], after[name])]
    assert float(edited[name][0, 0]) == 5.0
    assert torch.equal(trainer.network.training.state_dict()[name], edited[name])  # it trains on from the edit
    trainer.train_batches(budget_s=None, max_batches=1)
    moved = float(weights(trainer)[name][0, 0])  # and the views read where it went
    assert moved != 5.0 and abs(moved - 5.0) < 1.0


def test_a_run_on_a_gpu_trains_there_or_is_refused_in_one_line():
    config = on(small("digits-cnn", n_points=200), "cuda")
    if torch.cuda.is_available():
        trainer = Trainer(config)
        trainer.train_epoch()
        assert next(trainer.network.training.parameters()).is_cuda
        assert not next(trainer.model.parameters()).is_cuda
    else:
        with pytest.raises(ConfigError) as refused:
            Trainer(config)
        assert str(refused.value) == "training.device: cuda, but PyTorch finds no GPU on this machine; choose cpu"


def test_a_checkpoint_trained_on_a_gpu_carries_on_here(tmp_path):
    trainer = trained(small("digits-cnn", n_points=200), 1, separate_copy=True)
    path = tmp_path / "gpu-run.zip"
    save_checkpoint(trainer.model, on(trainer.config, "cuda"), path, trainer.history)
    resumed = resume_trainer(path)
    assert resumed.config.training.device == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resumed.epoch == 1
    for name, value in weights(trainer).items():
        torch.testing.assert_close(weights(resumed)[name], value, rtol=0, atol=0)
        torch.testing.assert_close(resumed.network.training.state_dict()[name].cpu(), value, rtol=0, atol=0)


def test_the_step_view_refuses_a_run_that_trains_elsewhere():
    with pytest.raises(StepError, match="training.device"):
        training_step(Trainer(load_preset("circle"), separate_copy=True), [0])


@pytest.mark.parametrize(("value", "share"), [(None, 0.0), ("", 0.0), ("0.25", 0.25), ("1", 1.0)])
def test_each_ray_actor_asks_for_the_share_of_a_gpu_the_server_sets(monkeypatch, value, share):
    if value is None:
        monkeypatch.delenv(GPUS_ENV, raising=False)
    else:
        monkeypatch.setenv(GPUS_ENV, value)
    assert ray_gpus() == share


@pytest.mark.parametrize("value", ["2", "-0.5", "half", "nan"])
def test_a_wrong_share_of_a_gpu_is_refused_in_one_line(monkeypatch, value):
    monkeypatch.setenv(GPUS_ENV, value)
    with pytest.raises(ValueError) as refused:
        ray_gpus()
    assert str(refused.value) == f"{GPUS_ENV}: {value} is not a share of a GPU from 0 to 1"


def test_a_gpu_out_of_memory_says_so_and_not_the_servers_budget():
    import os
    import socket
    from multiprocessing.connection import Connection

    from playground.train.worker_process import WorkerLoop

    ours, theirs = socket.socketpair()
    with Connection(ours.detach()), Connection(theirs.detach()) as conn:
        loop = WorkerLoop(load_preset("circle").model_dump_json(), conn, os.getpid(), 30.0, [])
        loop._crashed(torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"))
        assert loop.status == "error" and loop.message[1] == "msg_out_of_gpu_memory"
        assert loop.message[0].startswith("Ran out of GPU memory")
        loop._crashed(MemoryError())  # the worker's own budget on the server, as before
        assert loop.message[1] == "msg_out_of_memory"
