"""Gradient descent on a surface you can see: the maps are the losses they claim, the racers step as the update
rules written out by hand (and as plain torch.optim loops), a rate too large says it diverged and stops, batches
make noisy paths, and the command line writes the trajectories."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch

from playground.cli import main
from playground.config import RunConfig
from playground.data.registry import load_dataset
from playground.presets import load_preset
from playground.train.descent import (
    MAX_ROWS,
    DescentError,
    filter_normalised_direction,
    line_surface,
    logistic_surface,
    loss_map,
    make_racer,
    race,
    slice_surface,
)
from playground.train.trainer import Trainer


def logistic_data() -> tuple[np.ndarray, np.ndarray]:
    dataset = load_dataset(load_preset("gauss").data)
    return dataset.x_train[:MAX_ROWS, :2].astype(np.float64), dataset.y_train[:MAX_ROWS].astype(np.float64)


def logistic_loss_and_gradient(weights: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    logits = x @ weights
    loss = np.mean(np.logaddexp(0.0, logits) - y * logits)  # -log of the likelihood, without overflow
    return float(loss), x.T @ (1 / (1 + np.exp(-logits)) - y) / len(y)


def test_the_logistic_map_holds_the_loss_at_each_grid_point():
    surface = logistic_surface(load_preset("gauss"))
    first, second, losses = loss_map(surface, resolution=7)
    x, y = logistic_data()
    assert first[0] == -3.0 and first[-1] == 3.0 and len(second) == 7
    for row, w2 in enumerate(second):
        for column, w1 in enumerate(first):
            expected, _ = logistic_loss_and_gradient(np.array([w1, w2]), x, y)
            assert losses[row][column] == pytest.approx(expected, abs=1e-5)


def test_the_line_map_is_lowest_at_the_least_squares_line():
    config = load_preset("plane")
    surface = line_surface(config)
    first, second, losses = loss_map(surface, resolution=81)
    dataset = load_dataset(config.data)
    slope, intercept = np.polyfit(dataset.x_train[:MAX_ROWS, 0], dataset.y_train[:MAX_ROWS], 1)
    row, column = np.unravel_index(np.argmin(losses), (81, 81))
    step = 4.0 / 80
    assert abs(first[column] - slope) <= step and abs(second[row] - intercept) <= step


@pytest.mark.parametrize("rate", [0.5, 2.0])
def test_sgd_momentum_and_adam_step_as_their_rules_written_out(rate):
    surface = logistic_surface(load_preset("gauss"))
    x, y = logistic_data()
    start = np.array([-2.0, 2.5])
    paths = {path.optimizer: path for path in race(surface, {"sgd": rate, "momentum": rate, "adam": 0.1}, start, 20)}
    sgd, momentum, velocity = start.copy(), start.copy(), np.zeros(2)
    adam, m, v = start.copy(), np.zeros(2), np.zeros(2)
    for step in range(1, 21):
        sgd = sgd - rate * logistic_loss_and_gradient(sgd, x, y)[1]
        velocity = 0.9 * velocity + logistic_loss_and_gradient(momentum, x, y)[1]
        momentum = momentum - rate * velocity
        gradient = logistic_loss_and_gradient(adam, x, y)[1]
        m, v = 0.9 * m + 0.1 * gradient, 0.999 * v + 0.001 * gradient**2
        adam = adam - 0.1 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
        np.testing.assert_allclose(paths["sgd"].points[step], sgd, atol=1e-4)
        np.testing.assert_allclose(paths["momentum"].points[step], momentum, atol=1e-4)
        np.testing.assert_allclose(paths["adam"].points[step], adam, atol=1e-4)
    assert paths["sgd"].losses[-1] < paths["sgd"].losses[0]


@pytest.mark.parametrize("optimizer", ["nesterov", "rmsprop", "adagrad"])
def test_the_other_racers_are_torch_optim_on_the_same_loss(optimizer):
    surface = line_surface(load_preset("plane"))
    (path,) = race(surface, {optimizer: 0.05}, (1.5, -1.0), 30)
    point = torch.nn.Parameter(torch.tensor([1.5, -1.0]))
    plain = make_racer(optimizer, [point], 0.05)
    for step in range(1, 31):
        plain.zero_grad()
        surface.loss(point).backward()
        plain.step()
        np.testing.assert_allclose(path.points[step], point.detach().numpy(), atol=1e-6)


def test_a_rate_that_walks_down_scaled_features_diverges_on_unscaled_ones_and_says_so():
    (scaled,) = race(line_surface(load_preset("plane")), {"sgd": 0.05}, (1.0, 1.0), 200)
    assert scaled.diverged is None and len(scaled.points) == 201 and scaled.losses[-1] < scaled.losses[0] / 50
    (unscaled,) = race(line_surface(load_preset("plane"), scale=10.0), {"sgd": 0.05}, (1.0, 1.0), 200)
    assert unscaled.diverged is not None and "sgd at rate 0.05 diverged at step" in unscaled.diverged
    assert len(unscaled.points) < 10 and all(np.isfinite(unscaled.losses))


def test_mini_batches_make_a_noisy_path_the_same_for_every_racer_and_run():
    surface = logistic_surface(load_preset("circle"))  # no line separates a ring from a disc: batches disagree
    full = race(surface, {"sgd": 0.1}, (-2.0, 2.0), 50)[0]
    noisy = race(surface, {"sgd": 0.1}, (-2.0, 2.0), 50, batch_size=4, seed=3)[0]
    again = race(surface, {"sgd": 0.1}, (-2.0, 2.0), 50, batch_size=4, seed=3)[0]
    assert noisy.points == again.points and noisy.points != full.points
    # full batch never goes uphill at this rate on a convex loss; four rows at a time do
    assert all(b <= a + 1e-9 for a, b in zip(full.losses, full.losses[1:], strict=False))
    assert any(b > a for a, b in zip(noisy.losses, noisy.losses[1:], strict=False))


def test_a_slice_is_centred_on_the_network_and_its_directions_are_filter_normalised():
    trainer = Trainer(load_preset("spiral"))
    direction = filter_normalised_direction(trainer.model, torch.Generator().manual_seed(1))
    for name, parameter in trainer.model.named_parameters():
        if parameter.dim() == 2:
            torch.testing.assert_close(direction[name].norm(dim=1), parameter.detach().norm(dim=1))
        else:
            assert not direction[name].any()  # biases stay where they are
    surface = slice_surface(trainer)
    rows = torch.arange(surface.rows)
    with torch.no_grad():
        at_centre = trainer.data_loss(trainer.model(trainer.x_train[rows]), trainer.y_train[rows])
    assert float(surface.loss(torch.zeros(2))) == pytest.approx(float(at_centre), abs=1e-6)
    _, _, losses = loss_map(surface, resolution=5)
    assert np.isfinite(losses).all() and losses[2][2] == pytest.approx(float(at_centre), abs=1e-5)


def test_what_cannot_be_raced_is_refused_naming_the_field():
    with pytest.raises(DescentError, match="logistic regression needs two classes, not a regression task"):
        logistic_surface(load_preset("plane"))
    with pytest.raises(DescentError, match="a line fits values, not a binary task"):
        line_surface(load_preset("circle"))
    surface = line_surface(load_preset("plane"))
    with pytest.raises(DescentError, match="unknown optimizer 'lbfgs'"):
        race(surface, {"lbfgs": 0.1}, (0, 0))
    with pytest.raises(DescentError, match="steps: 5000 is outside 1 to 2000"):
        race(surface, {"sgd": 0.1}, (0, 0), steps=5000)
    with pytest.raises(DescentError, match="sgd's rate 0 is outside"):
        race(surface, {"sgd": 0.0}, (0, 0))
    with pytest.raises(DescentError, match="shape"):
        slice_surface(Trainer(load_preset("digits-cnn")))


def test_the_command_line_writes_the_trajectories(tmp_path, capsys):
    out = tmp_path / "race.csv"
    config = RunConfig.from_dict(load_preset("gauss").model_dump())
    code = main(["descent", config.to_json(), "--optimizers", "sgd,adam", "--start=-2,2", "--steps", "10",
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["optimizer", "rate", "step", "w1", "w2", "loss"]
    assert [row["optimizer"] for row in rows] == ["sgd"] * 11 + ["adam"] * 11
    assert (float(rows[0]["w1"]), float(rows[0]["w2"])) == (-2.0, 2.0)
    printed = capsys.readouterr().out
    assert "written to" in printed and printed.count("loss ") == 2
    assert main(["descent", "gauss", "--optimizers", "sgd,adam", "--rates", "0.1", "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip() == "error: rates: 1 rates for 2 optimizers; give one each"


def test_a_slice_of_a_network_too_big_to_copy_is_refused_before_anything_is_allocated():
    from playground.train.descent import MAX_SLICE_PARAMETERS, slice_surface

    raw = load_preset("circle").model_dump()
    raw["model"]["layers"] = [{"kind": "dense", "units": 512, "activation": "tanh"}] * 2 + [
        {"kind": "dense", "units": 1, "activation": "sigmoid"}
    ]
    trainer = Trainer(RunConfig.from_dict(raw))
    assert trainer.parameter_count > MAX_SLICE_PARAMETERS
    with pytest.raises(DescentError, match=r"^model: 2\d\d,\d\d\d parameters is over the limit of 100,000 parameters$"):
        slice_surface(trainer)
