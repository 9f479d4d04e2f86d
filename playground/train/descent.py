"""Gradient descent on a surface you can see: a loss over two parameters, mapped on a grid, and optimisers racing
down it from one start, every step torch.optim's.

Three surfaces of real data: logistic regression without a bias on a binary 2D set (the weights of x1 and x2), a
line's slope and intercept on a regression set (x1 alone), and for any dense network a slice of its loss along
two random filter-normalised directions around its weights (Li et al., 2018, "Visualizing the Loss Landscape of
Neural Nets"): each neuron's row of a direction is scaled to the norm of the neuron's weights, biases stay put.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

import torch
import torch.nn.functional as F
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from torch.func import functional_call, vmap

from playground.config import RunConfig
from playground.data.registry import load_dataset
from playground.limits import over_limit
from playground.train.trainer import Trainer

#: The surfaces, the optimisers that race on them, and a rate each starts with that walks the default surfaces
#: without crawling or blowing up.
SURFACES = ("logistic", "line", "slice")
DEFAULT_RATES = {"sgd": 0.5, "momentum": 0.1, "nesterov": 0.1, "rmsprop": 0.05, "adagrad": 0.5, "adam": 0.1}
OPTIMIZERS = tuple(DEFAULT_RATES)
#: Bounds of what one request may ask for: grid points a side, steps of a race, racers, rows the loss is taken on.
MAX_RESOLUTION = 200
MAX_STEPS = 2_000
MAX_RACERS = len(OPTIMIZERS)
MAX_ROWS = 1_000
#: The largest network whose loss is sliced: each chunk of 256 map points holds 256 copies of its weights
#: (100,000 parameters: about 100 MB), so a link to a huge network is refused before anything is allocated.
MAX_SLICE_PARAMETERS = 100_000
#: A racer whose parameters pass this size, or whose loss is no number, has diverged and stops.
DIVERGED_AT = 1e6


class DescentError(ValueError):
    """A surface or a race that cannot be made; the message says what to change."""


@dataclass(frozen=True)
class Surface:
    """A loss of two parameters on fixed data: ``losses`` takes a batch of parameter pairs [k, 2] (or the rows
    ``rows`` of the data only) and gives [k] losses, differentiable in the parameters."""

    kind: str
    names: tuple[str, str]  # what the two parameters are
    centre: tuple[float, float]  # the middle of the map: the origin, or the network's own weights (0, 0)
    extent: float  # the map reaches this far from the centre either way
    rows: int  # the data rows the loss is averaged over
    losses: Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor] = field(repr=False)

    def loss(self, point: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        """The loss at one parameter pair [2]."""
        return self.losses(point[None], rows)[0]


def _training_rows(config: RunConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """The first MAX_ROWS training rows of the config's data, as the trainer holds them."""
    dataset = load_dataset(config.data)
    inputs = torch.as_tensor(dataset.x_train[:MAX_ROWS], dtype=torch.float32)
    targets = torch.as_tensor(dataset.y_train[:MAX_ROWS], dtype=torch.float32)
    return inputs, targets


def _chosen(tensor: torch.Tensor, rows: torch.Tensor | None) -> torch.Tensor:
    return tensor if rows is None else tensor[rows]


def logistic_surface(config: RunConfig, scale: float = 1.0) -> Surface:
    """Binary cross-entropy of sigmoid(w1*x1 + w2*x2) over (w1, w2); ``scale`` multiplies x1 (10: features left
    unscaled, one far larger than the other, the surface a long narrow valley)."""
    if config.task != "binary":
        raise DescentError(f"data.dataset: logistic regression needs two classes, not a {config.task} task")
    inputs, targets = _training_rows(config)
    if inputs.shape[1] < 2:
        raise DescentError("data.features: logistic regression needs two input features")
    inputs = inputs[:, :2] * torch.tensor([scale, 1.0])

    def losses(weights: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        logits = _chosen(inputs, rows) @ weights.T  # [n, k]
        wanted = _chosen(targets, rows)[:, None].expand_as(logits)
        return F.binary_cross_entropy_with_logits(logits, wanted, reduction="none").mean(0)

    return Surface("logistic", ("w1", "w2"), (0.0, 0.0), 3.0, len(targets), losses)


def line_surface(config: RunConfig, scale: float = 1.0) -> Surface:
    """Mean squared error of slope*x1 + intercept on a regression set, over (slope, intercept)."""
    if config.task != "regression":
        raise DescentError(f"data.dataset: a line fits values, not a {config.task} task")
    inputs, targets = _training_rows(config)
    x = inputs[:, 0] * scale

    def losses(parameters: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        predictions = _chosen(x, rows)[:, None] * parameters[:, 0] + parameters[:, 1]  # [n, k]
        return ((predictions - _chosen(targets, rows)[:, None]) ** 2).mean(0)

    return Surface("line", ("slope", "intercept"), (0.0, 0.0), 2.0, len(targets), losses)


def filter_normalised_direction(model: torch.nn.Module, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """A random direction in weight space, each neuron's row (a weight matrix's row) scaled to that row's norm;
    zero for biases and any parameter of one dimension, as Li et al. do."""
    direction = {}
    for name, parameter in model.named_parameters():
        if parameter.dim() < 2:
            direction[name] = torch.zeros_like(parameter)
            continue
        random = torch.randn(parameter.shape, generator=generator)
        rows = random.reshape(len(random), -1)
        weights = parameter.detach().reshape(len(parameter), -1)
        scale = weights.norm(dim=1, keepdim=True) / rows.norm(dim=1, keepdim=True).clamp_min(1e-12)
        direction[name] = (rows * scale).reshape(parameter.shape)
    return direction


def slice_surface(trainer: Trainer, seed: int = 0) -> Surface:
    """The trainer's loss along two random filter-normalised directions around its current weights: (0, 0) is the
    network as it is. For the networks of the 2D and tables pages (rows of numbers in, no recurrent layer)."""
    if len(trainer.config.input_shape) != 1 or trainer.config.tokens:
        raise DescentError(
            f"data.dataset: a slice of the loss is drawn for rows of numbers, not inputs of shape "
            f"{trainer.config.input_shape}"
        )
    if trainer.parameter_count > MAX_SLICE_PARAMETERS:  # before any copy of the weights is made
        raise DescentError(over_limit("model", trainer.parameter_count, MAX_SLICE_PARAMETERS, "parameters"))
    model = trainer.model
    generator = torch.Generator().manual_seed(seed)
    first = filter_normalised_direction(model, generator)
    second = filter_normalised_direction(model, generator)
    centre = {name: parameter.detach().clone() for name, parameter in model.named_parameters()}
    inputs, targets = trainer.x_train[:MAX_ROWS], trainer.y_train[:MAX_ROWS]

    def one(point: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        parameters = {name: centre[name] + point[0] * first[name] + point[1] * second[name] for name in centre}
        return trainer.data_loss(functional_call(model, parameters, (x,)), y)

    def losses(points: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        x, y = _chosen(inputs, rows), _chosen(targets, rows)
        model.eval()  # dropout off: a map of one network, not of random masks
        try:
            return torch.cat([vmap(one, in_dims=(0, None, None))(chunk, x, y) for chunk in points.split(256)])
        finally:
            model.train()

    return Surface("slice", ("alpha", "beta"), (0.0, 0.0), 1.0, len(targets), losses)


def loss_map(surface: Surface, resolution: int = 100) -> tuple[list[float], list[float], list[list[float]]]:
    """The loss on a resolution x resolution grid around the surface's centre: (first axis, second axis, rows of
    losses, one row per value of the second parameter)."""
    if not 2 <= resolution <= MAX_RESOLUTION:
        raise DescentError(f"resolution: {resolution} is outside 2 to {MAX_RESOLUTION}")
    first = torch.linspace(surface.centre[0] - surface.extent, surface.centre[0] + surface.extent, resolution)
    second = torch.linspace(surface.centre[1] - surface.extent, surface.centre[1] + surface.extent, resolution)
    grid = torch.stack(torch.meshgrid(first, second, indexing="xy"), dim=-1).reshape(-1, 2)
    with torch.no_grad():
        losses = surface.losses(grid, None).reshape(resolution, resolution)
    return first.tolist(), second.tolist(), losses.tolist()


def make_racer(name: str, parameters: Sequence[torch.nn.Parameter], rate: float) -> torch.optim.Optimizer:
    """The torch.optim optimiser a racer is, at its rate."""
    if name == "sgd":
        return torch.optim.SGD(parameters, lr=rate)
    if name == "momentum":
        return torch.optim.SGD(parameters, lr=rate, momentum=0.9)
    if name == "nesterov":
        return torch.optim.SGD(parameters, lr=rate, momentum=0.9, nesterov=True)
    if name == "rmsprop":
        return torch.optim.RMSprop(parameters, lr=rate)
    if name == "adagrad":
        return torch.optim.Adagrad(parameters, lr=rate)
    if name == "adam":
        return torch.optim.Adam(parameters, lr=rate)
    raise DescentError(f"optimizers: unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}")


def check_rates(rates: dict[str, float]) -> None:
    """DescentError unless ``rates`` names 1 to MAX_RACERS known optimisers, each with a rate in (0, 100]."""
    if not 1 <= len(rates) <= MAX_RACERS:
        raise DescentError(f"optimizers: race 1 to {MAX_RACERS} optimizers, not {len(rates)}")
    for name, rate in rates.items():
        if name not in OPTIMIZERS:
            raise DescentError(f"optimizers: unknown optimizer {name[:40]!r}; choose from {', '.join(OPTIMIZERS)}")
        if not (math.isfinite(rate) and 0 < rate <= 100):
            raise DescentError(f"rates: {name}'s rate {rate:g} is outside (0, 100]")


@dataclass(frozen=True)
class Trajectory:
    """Where one racer went: a point and the loss (on all the surface's rows) at its start and after each step."""

    optimizer: str
    rate: float
    points: list[tuple[float, float]]
    losses: list[float]
    diverged: str | None = None  # why it stopped early, when it did


def race(
    surface: Surface,
    rates: dict[str, float],
    start: tuple[float, float],
    steps: int = 100,
    batch_size: int | None = None,
    seed: int = 0,
) -> list[Trajectory]:
    """Each optimiser (name -> rate) walks ``steps`` steps from ``start``; with ``batch_size`` each step's gradient
    is taken on that many rows drawn at random (the same draws for every racer), else on all of them."""
    check_rates(rates)
    if not 1 <= steps <= MAX_STEPS:
        raise DescentError(f"steps: {steps} is outside 1 to {MAX_STEPS}")
    if batch_size is not None and not 1 <= batch_size <= surface.rows:
        raise DescentError(f"batch_size: {batch_size} is outside 1 to {surface.rows}, the rows of the data")
    generator = torch.Generator().manual_seed(seed)
    batches = [
        None if batch_size is None else torch.randperm(surface.rows, generator=generator)[:batch_size]
        for _ in range(steps)
    ]
    return [_run(surface, name, rate, start, batches) for name, rate in rates.items()]


def _pair(point: torch.Tensor) -> tuple[float, float]:
    first, second = point.detach().tolist()
    return float(first), float(second)


def _run(
    surface: Surface, name: str, rate: float, start: tuple[float, float], batches: list[torch.Tensor | None]
) -> Trajectory:
    point = torch.nn.Parameter(torch.tensor(start, dtype=torch.float32))
    optimizer = make_racer(name, [point], rate)
    with torch.no_grad():
        losses = [float(surface.loss(point))]
    points = [_pair(point)]
    for rows in batches:
        optimizer.zero_grad(set_to_none=True)
        surface.loss(point, rows).backward()
        optimizer.step()
        with torch.no_grad():
            loss = float(surface.loss(point))
        if not math.isfinite(loss) or float(point.detach().abs().max()) > DIVERGED_AT:
            reason = f"{name} at rate {rate:g} diverged at step {len(points)}: the rate is too large"
            return Trajectory(name, rate, points, losses, reason)
        points.append(_pair(point))
        losses.append(loss)
    return Trajectory(name, rate, points, losses)


class DescentRequest(BaseModel):
    """What the gradient-descent view asks a worker for: a surface, its map, and a race on it. Bounded by the
    constants above, so a link cannot ask for more than a worker can afford."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    surface: Literal["logistic", "line", "slice"] = "logistic"
    scale: float = Field(1.0, ge=0.1, le=100.0)  # multiplies x1: 10 shows features left unscaled
    resolution: int = Field(60, ge=2, le=MAX_RESOLUTION)
    rates: dict[str, float] = Field(default_factory=lambda: {"sgd": 0.5, "momentum": 0.1, "adam": 0.1})
    start: tuple[float, float] = (-2.5, 2.5)
    steps: int = Field(100, ge=1, le=MAX_STEPS)
    batch_size: int | None = Field(None, ge=1, le=MAX_ROWS)
    seed: int = Field(0, ge=0, le=2**31 - 1)

    @field_validator("rates")
    @classmethod
    def _known_rates(cls, rates: dict[str, float]) -> dict[str, float]:
        try:
            check_rates(rates)
        except DescentError as error:
            raise ValueError(str(error).split(": ", 1)[1]) from None
        return rates

    @field_validator("start")
    @classmethod
    def _finite_start(cls, start: tuple[float, float]) -> tuple[float, float]:
        if not all(math.isfinite(value) and abs(value) <= 1_000 for value in start):
            raise ValueError(f"start {start} must be two numbers within ±1000")
        return start


def surface_for(trainer: Trainer, request: DescentRequest) -> Surface:
    """The surface a request names, on the trainer's data (a slice: around the trainer's current weights)."""
    if request.surface == "slice":
        return slice_surface(trainer, seed=request.seed)
    make = logistic_surface if request.surface == "logistic" else line_surface
    return make(trainer.config, scale=request.scale)


def explained_descent(trainer: Trainer, request_json: str) -> dict[str, object]:
    """A request's loss map and race, as the gradient-descent view draws them."""
    try:
        request = DescentRequest.model_validate_json(request_json)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "request"
        raise DescentError(f"{where}: {first['msg']}") from None
    surface = surface_for(trainer, request)
    first_axis, second_axis, losses = loss_map(surface, request.resolution)
    trajectories = race(surface, request.rates, request.start, request.steps, request.batch_size, request.seed)
    return {
        "surface": surface.kind,
        "names": list(surface.names),
        "first": first_axis,
        "second": second_axis,
        "losses": losses,
        "rows": surface.rows,
        "trajectories": [asdict(path) for path in trajectories],
    }
