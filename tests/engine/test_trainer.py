"""The training loop: it learns, its metrics are right, and it says when it diverges."""

import math

import numpy as np
import pytest
import torch

from playground.config import RunConfig
from playground.history import history_columns
from playground.presets import load_preset
from playground.train.probes import plane
from playground.train.trainer import Diverged, Trainer


def config_for(preset: str, **training) -> RunConfig:
    raw = load_preset(preset).model_dump()
    raw["training"].update(training)
    return RunConfig.from_dict(raw)


def test_spiral_preset_reaches_90_percent_test_accuracy():
    config = load_preset("spiral")
    trainer = Trainer(config)
    for _ in range(config.training.epochs):
        row = trainer.train_epoch()
    assert row["test_accuracy"] >= 0.9
    assert trainer.history[0]["train_loss"] > 2 * row["train_loss"]


def test_history_columns_follow_the_task():
    trainer = Trainer(load_preset("plane"))
    row = trainer.train_epoch()
    assert list(row) == history_columns("regression")
    assert history_columns("binary") == ["epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy"]


def test_regression_metrics_agree_with_numpy():
    trainer = Trainer(load_preset("plane"))
    for _ in range(5):
        row = trainer.train_epoch()
    predictions = trainer.predict(trainer.x_test).numpy().ravel()
    truth = trainer.y_test.numpy().ravel()
    rmse = math.sqrt(np.mean((predictions - truth) ** 2))
    r2 = 1 - np.sum((predictions - truth) ** 2) / np.sum((truth - truth.mean()) ** 2)
    assert row["test_rmse"] == pytest.approx(rmse, rel=1e-4)
    assert row["test_r2"] == pytest.approx(r2, rel=1e-4, abs=1e-5)
    assert row["test_loss"] == pytest.approx(rmse**2, rel=1e-4)


def test_multiclass_learns_blobs():
    trainer = Trainer(load_preset("blobs"))
    for _ in range(30):
        row = trainer.train_epoch()
    assert row["test_accuracy"] > 0.9
    probe = plane.boundary(trainer, resolution=20)
    assert probe["values"].shape == (400,) and set(np.unique(probe["values"])) <= {0, 1, 2}
    assert probe["confidence"].min() >= 0 and probe["confidence"].max() <= 1


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "rmsprop", "adamw"])
def test_every_optimizer_lowers_the_loss(optimizer):
    trainer = Trainer(config_for("gauss", optimizer=optimizer, learning_rate=0.01))
    first = trainer.evaluate()["train_loss"]
    for _ in range(10):
        row = trainer.train_epoch()
    assert row["train_loss"] < first


def test_same_seed_same_run_and_live_learning_rate_change():
    a, b = Trainer(load_preset("circle")), Trainer(load_preset("circle"))
    assert a.train_epoch() == b.train_epoch()
    b.set_learning_rate(0.3)
    assert b.learning_rate == 0.3
    assert a.train_epoch() != b.train_epoch()


def test_l1_and_l2_shrink_the_weights():
    def weight_size(regularization: str) -> float:
        trainer = Trainer(config_for("circle", regularization=regularization, reg_rate=0.03))
        for _ in range(30):
            trainer.train_epoch()
        return sum(float(p.detach().abs().sum()) for n, p in trainer.model.named_parameters() if n.endswith("weight"))

    plain = weight_size("none")
    assert weight_size("l1") < plain
    assert weight_size("l2") < plain


def test_a_huge_learning_rate_diverges_with_a_readable_reason():
    trainer = Trainer(config_for("plane", learning_rate=10.0, optimizer="sgd"))
    with pytest.raises(Diverged, match=r"learning rate \(10\) is probably too high"):
        for _ in range(50):
            trainer.train_epoch()
    assert all(math.isfinite(value) for row in trainer.history for value in row.values())


def test_boundary_probe_covers_the_plane_in_row_major_order():
    trainer = Trainer(load_preset("gauss"))
    for _ in range(5):
        trainer.train_epoch()
    probe = plane.boundary(trainer, resolution=10)
    grid = probe["values"].reshape(10, 10)
    # gauss puts class 1 at (2, 2): top right (y and x high) must be more "class 1" than bottom left
    assert grid[-1, -1] > 0.5 > grid[0, 0]


def test_penalty_values_count_weights_but_not_biases():
    trainer = Trainer(config_for("circle", regularization="l1", reg_rate=0.1))
    weights = [p.detach() for name, p in trainer.model.named_parameters() if name.endswith("weight")]
    with torch.no_grad():
        for name, parameter in trainer.model.named_parameters():
            if name.endswith("bias"):
                parameter.fill_(100.0)  # huge biases must not change the penalty
    l1 = sum(float(w.abs().sum()) for w in weights)
    l2 = sum(float((w * w).sum()) for w in weights)
    assert float(trainer.penalty().detach()) == pytest.approx(0.1 * l1, rel=1e-5)
    trainer.set_regularization("l2", 0.1)
    assert float(trainer.penalty().detach()) == pytest.approx(0.1 * 0.5 * l2, rel=1e-5)
    trainer.set_regularization("none", 0.1)
    assert trainer.penalty() == 0.0


def test_binary_accuracy_and_loss_agree_with_numpy():
    trainer = Trainer(load_preset("xor"))
    for _ in range(5):
        row = trainer.train_epoch()
    probabilities = trainer.predict(trainer.x_test).numpy().ravel()
    truth = trainer.y_test.numpy().ravel()
    assert row["test_accuracy"] == pytest.approx(np.mean((probabilities > 0.5) == truth), abs=1e-6)
    clipped = np.clip(probabilities, 1e-12, 1 - 1e-12)
    bce = -np.mean(truth * np.log(clipped) + (1 - truth) * np.log(1 - clipped))
    assert row["test_loss"] == pytest.approx(bce, rel=1e-4)


def test_logit_outputs_are_squashed_for_predictions():
    raw = load_preset("circle").model_dump()
    raw["model"]["layers"][-1]["activation"] = "linear"  # logits: the loss applies the sigmoid itself
    trainer = Trainer(RunConfig.from_dict(raw))
    row = trainer.train_epoch()
    predictions = trainer.predict(trainer.x_test)
    assert float(predictions.min()) >= 0 and float(predictions.max()) <= 1
    assert 0 <= row["test_accuracy"] <= 1
