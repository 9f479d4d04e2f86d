"""One training step slowed down: every number of the forward pass, the loss, the backward pass and the update of
a small dense network on one training example (or a mini-batch of a few), as the Trainer computes them.

The numbers are torch's own: the same modules, the Trainer's loss and penalty, ``autograd`` for the gradients and
the run's ``torch.optim`` optimizer for the update, with the weighted sums and activations of every layer kept
(``retain_grad``) so that their gradients can be shown too. The step changes the Trainer's model and optimizer
exactly as a training step on those rows would.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import torch
from torch import nn

from playground.config import RunConfig
from playground.train.trainer import Trainer

#: The largest network whose every number fits on screen: hidden layers, and neurons in any layer (inputs too).
MAX_STEP_HIDDEN_LAYERS = 3
MAX_STEP_UNITS = 8
#: The most training examples one step may take (a mini-batch small enough to list).
MAX_STEP_EXAMPLES = 8


#: How each optimizer moves a weight w with gradient g at rate r (torch.optim's rules with the playground's settings).
UPDATE_RULES = {
    "sgd": "w <- w - r*g",
    "momentum": "v <- 0.9*v + g; w <- w - r*v",
    "rmsprop": "s <- 0.99*s + 0.01*g^2; w <- w - r*g/(sqrt(s) + 1e-8)",
    "adam": "m <- 0.9*m + 0.1*g; v <- 0.999*v + 0.001*g^2; w <- w - r*(m/(1 - 0.9^t))/(sqrt(v/(1 - 0.999^t)) + 1e-8)",
    "adamw": "w <- w - r*0.01*w, then Adam's step",
}


class StepError(ValueError):
    """The setup or the chosen examples cannot be stepped through; the message says what to change."""


@dataclass(frozen=True)
class LayerStep:
    """One dense layer's numbers. Weights are shaped like torch's ``nn.Linear.weight``: [unit][input]; per-example
    values are [example][unit]."""

    activation: str
    weights: list[list[float]]
    biases: list[float]
    weighted_sums: list[list[float]]  # z = W a_prev + b
    activations: list[list[float]]  # a = f(z)
    activation_grads: list[list[float]]  # dL/da
    weighted_sum_grads: list[list[float]]  # dL/dz
    weight_grads: list[list[float]]  # dL/dW (the penalty's share included)
    bias_grads: list[float]
    weights_after: list[list[float]]
    biases_after: list[float]
    #: The optimizer's state for the weights and the biases after the update (velocity, first and second moments,
    #: step count), by torch's names: ``momentum_buffer``, ``exp_avg``, ``exp_avg_sq``, ``square_avg``, ``step``.
    weight_state: dict[str, object]
    bias_state: dict[str, object]


@dataclass(frozen=True)
class TrainingStep:
    """What one optimizer step on ``rows`` of the training data computed."""

    rows: list[int]
    inputs: list[list[float]]
    targets: list[object]
    layers: list[LayerStep]
    outputs: list[list[float]]  # the network's outputs (the last layer's activations)
    data_loss: float
    penalty: float
    loss: float  # data_loss + penalty: what the gradients are of
    learning_rate: float
    optimizer: str
    loss_name: str

    def as_json(self) -> dict[str, object]:
        """The numbers under the command line's keys: anyone can check them with their own autograd."""
        return {
            "rows": self.rows,
            "input": self.inputs,
            "target": self.targets,
            "weights": [layer.weights for layer in self.layers],
            "biases": [layer.biases for layer in self.layers],
            "activations": [layer.activations for layer in self.layers],
            "weighted_sums": [layer.weighted_sums for layer in self.layers],
            "outputs": self.outputs,
            "loss": self.loss,
            "data_loss": self.data_loss,
            "penalty": self.penalty,
            "weight_grads": [layer.weight_grads for layer in self.layers],
            "bias_grads": [layer.bias_grads for layer in self.layers],
            "weights_after": [layer.weights_after for layer in self.layers],
            "biases_after": [layer.biases_after for layer in self.layers],
            "learning_rate": self.learning_rate,
            "optimizer": self.optimizer,
            "loss_name": self.loss_name,
            "layers": [asdict(layer) for layer in self.layers],
        }


def check_steppable(config: RunConfig) -> None:
    """StepError unless the network is dense layers only, small enough for every number to be shown."""
    layers = config.model.layers
    other = next((layer for layer in layers if layer.kind != "dense"), None)
    if other is not None:
        raise StepError(f"model.layers: the step view shows dense layers only, not {other.title()}; remove that layer")
    if config.tokens or len(config.input_shape) != 1:
        raise StepError(f"data.dataset: the step view needs rows of numbers, not inputs of shape {config.input_shape}")
    hidden = len(layers) - 1
    if hidden > MAX_STEP_HIDDEN_LAYERS:
        raise StepError(
            f"model.layers: {hidden} hidden layers are more than the step view shows ({MAX_STEP_HIDDEN_LAYERS}); "
            "remove some to step through the network"
        )
    widths = {"inputs": config.input_shape[0], **{f"layer {i + 1}": layer.units for i, layer in enumerate(layers)}}
    for where, width in widths.items():
        if width > MAX_STEP_UNITS:
            raise StepError(
                f"model.layers: {where} has {width} neurons, more than the step view shows ({MAX_STEP_UNITS}); "
                "use fewer to step through the network"
            )


def _dense_parts(module: nn.Module) -> tuple[nn.Linear, nn.Module | None]:
    """A dense layer's linear map and its activation (None for a linear layer), as ``Dense.build`` makes them."""
    if isinstance(module, nn.Linear):
        return module, None
    linear, activation = module  # nn.Sequential(linear, activation)
    return linear, activation


def _rows(tensor: torch.Tensor) -> list:
    return tensor.detach().to(torch.float64).tolist()


def _state(optimizer: torch.optim.Optimizer, parameter: nn.Parameter) -> dict[str, object]:
    state = optimizer.state.get(parameter, {})
    return {
        name: (_rows(value) if torch.is_tensor(value) and value.dim() else float(value))
        for name, value in state.items()
    }


def training_step(trainer: Trainer, rows: Sequence[int]) -> TrainingStep:
    """One optimizer step of ``trainer`` on the training rows ``rows``, with every number along the way; the
    Trainer's model and optimizer end as after that step. StepError when the setup or the rows do not fit."""
    check_steppable(trainer.config)
    if trainer.network.elsewhere:  # the step's numbers are read from the network on the CPU, as it trains here
        raise StepError(f"training.device: the step view steps runs on the cpu, not on {trainer.device.type}")
    rows = [int(row) for row in rows]
    if not 1 <= len(rows) <= MAX_STEP_EXAMPLES:
        raise StepError(f"rows: pick 1 to {MAX_STEP_EXAMPLES} training examples, not {len(rows)}")
    if any(not 0 <= row < len(trainer.x_train) for row in rows):
        raise StepError(f"rows: the training data has examples 0 to {len(trainer.x_train) - 1}")
    inputs, targets = trainer.x_train[rows], trainer.y_train[rows]
    model = trainer.model
    model.train()
    linears = [_dense_parts(module)[0] for module in model]
    before = [(linear.weight.detach().clone(), linear.bias.detach().clone()) for linear in linears]
    sums, activations = [], []
    current = inputs
    for module in model:  # the model's own modules, one at a time, keeping what passes between them
        linear, activation = _dense_parts(module)
        weighted = linear(current)
        weighted.retain_grad()
        current = weighted if activation is None else activation(weighted)  # linear: a = z
        current.retain_grad()
        sums.append(weighted)
        activations.append(current)
    data_loss = trainer.data_loss(current, targets)
    penalty = trainer.penalty()
    loss = data_loss + penalty
    if not math.isfinite(loss.item()):
        raise StepError("the loss is not a number for these weights; press Reset")
    trainer.optimizer.zero_grad(set_to_none=True)
    loss.backward()
    grads = [(linear.weight.grad.clone(), linear.bias.grad.clone()) for linear in linears]
    trainer.optimizer.step()
    trainer.step += 1
    layers = []
    for index, linear in enumerate(linears):
        layers.append(
            LayerStep(
                activation=trainer.config.model.layers[index].activation,
                weights=_rows(before[index][0]),
                biases=_rows(before[index][1]),
                weighted_sums=_rows(sums[index]),
                activations=_rows(activations[index]),
                activation_grads=_rows(activations[index].grad),
                weighted_sum_grads=_rows(sums[index].grad),
                weight_grads=_rows(grads[index][0]),
                bias_grads=_rows(grads[index][1]),
                weights_after=_rows(linear.weight),
                biases_after=_rows(linear.bias),
                weight_state=_state(trainer.optimizer, linear.weight),
                bias_state=_state(trainer.optimizer, linear.bias),
            )
        )
    return TrainingStep(
        rows=rows,
        inputs=_rows(inputs),
        targets=targets.detach().tolist(),
        layers=layers,
        outputs=_rows(current),
        data_loss=float(data_loss.item()),
        penalty=float(penalty.item() if torch.is_tensor(penalty) else penalty),
        loss=float(loss.item()),
        learning_rate=trainer.learning_rate,
        optimizer=trainer.config.training.optimizer,
        loss_name=trainer.loss_name,
    )


#: The side of the grid the boundary before and after a step is drawn on (coarse: two maps per step).
STEP_BOUNDARY_RESOLUTION = 40


def _output_on_plane(trainer: Trainer, resolution: int) -> list[list[float]] | None:
    """The network's output (the winning class on multiclass data) over the 2D data plane, rows of y; None when
    the data are not points of the plane."""
    from playground.data import two_d

    if trainer.dataset.points_train is None:
        return None
    _, _, grid = two_d.boundary_grid(resolution)
    inputs = torch.as_tensor(two_d.feature_matrix(grid, trainer.config.data.features), dtype=torch.float32)
    predictions = trainer.predict(inputs)
    values = predictions.argmax(dim=1).float() if trainer.task == "multiclass" else predictions[:, 0]
    return _rows(values.reshape(resolution, resolution))


def explained_step(trainer: Trainer, rows: Sequence[int]) -> dict[str, object]:
    """What the step page shows of one training step on ``rows``: its numbers (``TrainingStep.as_json``), the
    update rule, and on 2D data the network's output over the plane before and after the update and the
    examples' points."""
    before = _output_on_plane(trainer, STEP_BOUNDARY_RESOLUTION)
    step = training_step(trainer, rows)
    answer = step.as_json()
    answer["update_rule"] = UPDATE_RULES.get(step.optimizer, "")
    answer["feature_names"] = list(trainer.dataset.feature_names)
    answer["task"] = trainer.task
    if before is not None:
        from playground.data import two_d

        answer["boundary_before"] = before
        answer["boundary_after"] = _output_on_plane(trainer, STEP_BOUNDARY_RESOLUTION)
        answer["extent"] = two_d.COORD_LIMIT
        answer["points"] = trainer.dataset.points_train[step.rows].tolist()
    return answer
