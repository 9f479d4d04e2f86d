"""One training step slowed down: its numbers equal plain torch autograd and torch.optim on the same weights, and
a hand-written backward pass; its refusals name what to change; the command line prints them."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from playground.cli import main
from playground.config import RunConfig
from playground.model import build_model
from playground.presets import load_preset
from playground.train.one_step import MAX_STEP_EXAMPLES, StepError, training_step
from playground.train.trainer import Trainer, make_optimizer

TOLERANCE = 1e-6


def circle(optimizer: str = "sgd", regularization: str = "none", **data) -> RunConfig:
    raw = load_preset("circle").model_dump()
    raw["training"].update(optimizer=optimizer, learning_rate=0.1, regularization=regularization, reg_rate=0.01)
    raw["data"].update(data)
    return RunConfig.from_dict(raw)


def plain_torch_step(config: RunConfig, inputs: torch.Tensor, targets: torch.Tensor):
    """The same step in plain torch: a fresh model from the same seed, its loss, backward, the optimizer's step."""
    model = build_model(config)
    before = [parameter.detach().clone() for parameter in model.parameters()]
    outputs = model(inputs)
    loss = F.binary_cross_entropy(outputs, targets)
    if config.training.regularization == "l2":
        weights = [parameter for name, parameter in model.named_parameters() if name.endswith("weight")]
        loss = loss + config.training.reg_rate * 0.5 * sum((weight * weight).sum() for weight in weights)
    optimizer = make_optimizer(config.training.optimizer, model.parameters(), config.training.learning_rate)
    loss.backward()
    grads = [parameter.grad.clone() for parameter in model.parameters()]
    optimizer.step()
    return before, loss.item(), grads, [parameter.detach().clone() for parameter in model.parameters()]


def flat(step, part: str) -> list[np.ndarray]:
    """A step's per-layer weights and biases of one kind ("", "_grads", "_after"), in torch's parameter order."""
    arrays = []
    for layer in step.layers:
        weights = {"": layer.weights, "_grads": layer.weight_grads, "_after": layer.weights_after}[part]
        biases = {"": layer.biases, "_grads": layer.bias_grads, "_after": layer.biases_after}[part]
        arrays += [np.array(weights), np.array(biases)]
    return arrays


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "rmsprop"])
@pytest.mark.parametrize("regularization", ["none", "l2"])
def test_the_numbers_are_torchs_autograd_and_optimizer_on_the_same_weights(optimizer, regularization):
    config = circle(optimizer, regularization)
    trainer = Trainer(config)
    rows = [3, 17, 40]
    step = training_step(trainer, rows)
    before, loss, grads, after = plain_torch_step(config, trainer.x_train[rows], trainer.y_train[rows])
    assert step.loss == pytest.approx(loss, abs=TOLERANCE)
    for ours, theirs in zip(flat(step, ""), before, strict=True):
        np.testing.assert_allclose(ours, theirs.numpy(), atol=TOLERANCE)
    for ours, theirs in zip(flat(step, "_grads"), grads, strict=True):
        np.testing.assert_allclose(ours, theirs.numpy(), atol=TOLERANCE)
    for ours, theirs in zip(flat(step, "_after"), after, strict=True):
        np.testing.assert_allclose(ours, theirs.numpy(), atol=TOLERANCE)
    # the trainer's own model took the same step
    for ours, theirs in zip(trainer.model.parameters(), after, strict=True):
        torch.testing.assert_close(ours.detach(), theirs, atol=TOLERANCE, rtol=0)


def test_a_hand_written_backward_pass_gives_every_intermediate_number():
    """tanh, tanh, sigmoid and binary cross-entropy on one example, by the chain rule in NumPy."""
    trainer = Trainer(circle())
    step = training_step(trainer, [5])
    activation = np.array(step.inputs[0])
    zs, activations = [], [activation]
    for layer, squash in zip(step.layers, (np.tanh, np.tanh, lambda z: 1 / (1 + np.exp(-z))), strict=True):
        z = np.array(layer.weights) @ activation + np.array(layer.biases)
        activation = squash(z)
        zs.append(z)
        activations.append(activation)
    target = float(step.targets[0][0])
    output = activation[0]
    assert step.loss == pytest.approx(-(target * np.log(output) + (1 - target) * np.log(1 - output)), abs=TOLERANCE)
    grad_a = np.array([-(target / output) + (1 - target) / (1 - output)])
    for index in reversed(range(3)):
        layer = step.layers[index]
        derivative = (
            activations[index + 1] * (1 - activations[index + 1]) if index == 2 else 1 - activations[index + 1] ** 2
        )
        grad_z = grad_a * derivative
        np.testing.assert_allclose(layer.activation_grads[0], grad_a, atol=TOLERANCE)
        np.testing.assert_allclose(layer.weighted_sum_grads[0], grad_z, atol=TOLERANCE)
        np.testing.assert_allclose(layer.weighted_sums[0], zs[index], atol=TOLERANCE)
        np.testing.assert_allclose(layer.weight_grads, np.outer(grad_z, activations[index]), atol=TOLERANCE)
        np.testing.assert_allclose(layer.bias_grads, grad_z, atol=TOLERANCE)
        np.testing.assert_allclose(
            layer.weights_after, np.array(layer.weights) - 0.1 * np.outer(grad_z, activations[index]), atol=TOLERANCE
        )
        grad_a = np.array(layer.weights).T @ grad_z


def test_adams_state_after_its_first_step_is_the_gradient_and_its_square():
    step = training_step(Trainer(circle("adam")), [0])
    layer = step.layers[0]
    grads = np.array(layer.weight_grads)
    np.testing.assert_allclose(layer.weight_state["exp_avg"], 0.1 * grads, atol=TOLERANCE)
    np.testing.assert_allclose(layer.weight_state["exp_avg_sq"], 0.001 * grads**2, atol=TOLERANCE)
    assert layer.weight_state["step"] == 1
    # the bias-corrected moments are g and g squared: every weight moves by the rate, against its gradient's sign
    moved = np.array(layer.weights) - np.array(layer.weights_after)
    np.testing.assert_allclose(moved, 0.1 * grads / (np.abs(grads) + 1e-8), atol=1e-5)


def test_setups_and_examples_that_do_not_fit_are_refused_naming_what_to_change():
    raw = load_preset("circle").model_dump()
    raw["model"]["layers"] = [{"kind": "dense", "units": 4, "activation": "tanh"}] * 4 + [raw["model"]["layers"][-1]]
    with pytest.raises(StepError, match="4 hidden layers are more than the step view shows"):
        training_step(Trainer(RunConfig.from_dict(raw)), [0])
    raw["model"]["layers"] = [{"kind": "dense", "units": 9, "activation": "tanh"}, raw["model"]["layers"][-1]]
    with pytest.raises(StepError, match="layer 1 has 9 neurons"):
        training_step(Trainer(RunConfig.from_dict(raw)), [0])
    with pytest.raises(StepError, match="shows dense layers only, not Conv2D"):
        training_step(Trainer(load_preset("digits-cnn")), [0])
    trainer = Trainer(circle())
    with pytest.raises(StepError, match=f"pick 1 to {MAX_STEP_EXAMPLES} training examples, not 9"):
        training_step(trainer, range(9))
    with pytest.raises(StepError, match="the training data has examples 0 to 249"):
        training_step(trainer, [250])


def test_the_command_line_prints_every_stage_and_the_same_numbers_as_json(capsys):
    assert main(["step", "circle", "--example", "7", "--json"]) == 0
    numbers = json.loads(capsys.readouterr().out)
    step = training_step(Trainer(load_preset("circle")), [7])
    assert numbers["weights"] == [layer.weights for layer in step.layers]
    assert numbers["weight_grads"] == [layer.weight_grads for layer in step.layers]
    assert numbers["weights_after"] == [layer.weights_after for layer in step.layers]
    assert numbers["loss"] == step.loss and numbers["optimizer"] == "sgd" and numbers["learning_rate"] == 0.03
    assert [len(layer) for layer in numbers["weights"]] == [4, 2, 1]  # [units][inputs], as nn.Linear.weight
    assert main(["step", "circle", "--example", "7"]) == 0
    text = capsys.readouterr().out
    assert "example 7 of the training data: x1=" in text and f"target {int(step.targets[0][0])}" in text
    for stage in ("forward", "loss (bce)", "backward", "update (sgd, learning rate 0.03): w <- w - r*g"):
        assert stage in text
    assert f"= {step.layers[0].weighted_sums[0][0]:.4f}; a = tanh(z) = {step.layers[0].activations[0][0]:.4f}" in text
    assert main(["step", "circle", "--example", "999"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == ["error: rows: the training data has examples 0 to 249"]
