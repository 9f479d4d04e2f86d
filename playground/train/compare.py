"""The network against classic machine learning on the same split: one table of scores (``compare``) and
learning curves over growing training sets (``learning_curve``).

The network is the config's, trained by the Trainer. In a learning curve every size gets the same number of
optimizer steps (the config's epochs over the whole training set), so a small set is seen many times: that is
where it overfits. Each seed draws its own rows (the same for every model) and starts the network from its own
weights.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from playground.config import ConfigError, RunConfig
from playground.data.kinds.base import Dataset
from playground.limits import LimitError, over_limit
from playground.train.baselines import (
    BASELINES,
    BaselineError,
    BaselineResult,
    baselines_for,
    check_affordable,
    curve_rows,
    curve_sizes,
    fit_baseline,
    metric_name,
    subset,
)
from playground.train.trainer import Diverged, Trainer

NETWORK = "network"
#: Seeds a learning curve may average over, sizes it may have, epochs its network may train: each point trains
#: every model once.
MAX_SEEDS, MAX_SIZES, MAX_CURVE_EPOCHS = 10, 20, 200
#: Optimizer steps the networks of one learning curve may take in all (sizes x seeds x steps at each): the seed
#: FFN's default curve takes 60,000; this keeps any request to well under an hour of a worker.
MAX_CURVE_NETWORK_STEPS = 200_000
#: Training rows of a capacity sweep unless asked otherwise: few, so a wide network can memorise them.
CAPACITY_SIZE = 100


class Stopped(Exception):
    """The user stopped a comparison; what was done is kept."""


@dataclass
class CurvePoint:
    """One model trained on one training-set size with one seed."""

    model: str
    size: int
    seed: int
    train_metric: float
    test_metric: float
    fit_seconds: float

    def row(self) -> dict[str, object]:
        return {
            "model": self.model,
            "size": self.size,
            "seed": self.seed,
            "train_metric": round(self.train_metric, 6),
            "test_metric": round(self.test_metric, 6),
        }


def network_steps(config: RunConfig, n_train: int, epochs: int | None = None) -> int:
    """Optimizer steps of the config's training (``epochs`` of it, default the config's) on all training rows."""
    epochs = config.training.epochs if epochs is None else epochs
    if epochs < 1:
        raise BaselineError(f"epochs: {epochs} is below 1")
    return epochs * max(1, math.ceil(n_train / config.training.batch_size))


def with_seed(config: RunConfig, seed: int) -> RunConfig:
    """The config with another training seed: other initial weights and batch order, the same data."""
    return config.model_copy(update={"training": config.training.model_copy(update={"seed": seed})})


def train_network(
    config: RunConfig,
    dataset: Dataset,
    steps: int,
    interrupt: threading.Event | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> BaselineResult:
    """Train the config's network for ``steps`` optimizer steps on the dataset and score it as the baselines are.
    A run that diverges scores NaN (the table says so); ``interrupt`` raises Stopped."""
    trainer = Trainer(config, dataset)
    metric = metric_name(dataset.task)
    started = time.perf_counter()
    try:
        while trainer.step < steps:
            if interrupt is not None and interrupt.is_set():
                raise Stopped
            trainer.train_batches(budget_s=0.2, interrupt=interrupt, max_batches=steps - trainer.step)
            if on_progress is not None:
                on_progress(trainer.step, steps)
        seconds = time.perf_counter() - started
        row = trainer.evaluate()
    except Diverged:
        seconds, row = time.perf_counter() - started, {}
    losses = {name: float(row.get(name, math.nan)) for name in ("train_loss", "test_loss")}
    test, train = row.get(f"test_{metric}", math.nan), row.get(f"train_{metric}", math.nan)
    return BaselineResult(NETWORK, metric, float(test), float(train), seconds, extra=losses)


def baseline_results(
    config: RunConfig,
    dataset: Dataset,
    names: list[str],
    grid_resolution: int | None = None,
    stop: threading.Event | None = None,
) -> Iterator[BaselineResult]:
    """Every named classic model fitted in turn on the dataset's split (refused first if the data is too big);
    ``stop`` ends it between models (Stopped)."""
    check_affordable(dataset, names, config.tokens)
    for name in names:
        if stop is not None and stop.is_set():
            raise Stopped
        yield fit_baseline(name, dataset, config.training.seed, grid_resolution, config.data.features, config.tokens)


def compare(
    config: RunConfig,
    dataset: Dataset,
    names: list[str],
    epochs: int | None = None,
    on_result: Callable[[BaselineResult], None] | None = None,
) -> list[BaselineResult]:
    """Every named classic model, then the network, on the dataset's split; ``on_result`` hears each row."""
    results = []
    for result in baseline_results(config, dataset, names):
        results.append(result)
        if on_result is not None:
            on_result(result)
    network = train_network(config, dataset, network_steps(config, len(dataset.x_train), epochs))
    results.append(network)
    if on_result is not None:
        on_result(network)
    return results


def check_curve(sizes: list[int], seeds: int, n_train: int) -> None:
    """Refuse, in one line, sizes and seeds a learning curve cannot take."""
    if not 1 <= seeds <= MAX_SEEDS:
        raise BaselineError(f"seeds: {seeds} is outside 1 to {MAX_SEEDS}")
    if not 1 <= len(sizes) <= MAX_SIZES:
        raise BaselineError(f"sizes: {len(sizes)} sizes is outside 1 to {MAX_SIZES}")
    bad = [size for size in sizes if not 2 <= size <= n_train]
    if bad:
        raise BaselineError(f"sizes: {bad[0]} is outside 2 to {n_train} (the training rows)")


def curve_points(
    config: RunConfig,
    dataset: Dataset,
    names: list[str],
    sizes: list[int],
    seeds: int,
    epochs: int | None = None,
    with_network: bool = True,
    stop: threading.Event | None = None,
    on_progress: Callable[[str, int, int, int, int], None] | None = None,
) -> Iterator[CurvePoint]:
    """Every model on every size with every seed, smallest size first (so the curve fills in from the left); the
    test part is always the whole test set. ``stop`` ends it between models and inside the network's training
    (Stopped); ``on_progress(model, size, seed, steps_done, steps)`` hears the network's training go on."""
    n_train = len(dataset.x_train)
    check_curve(sizes, seeds, n_train)
    check_affordable(dataset, names, config.tokens)
    steps = network_steps(config, n_train, epochs)
    total = steps * len(sizes) * seeds
    if with_network and total > MAX_CURVE_NETWORK_STEPS:
        raise BaselineError(over_limit("curve: the networks' optimizer steps", total, MAX_CURVE_NETWORK_STEPS))
    for size in sorted(sizes):
        for seed in range(seeds):
            part = subset(dataset, curve_rows(n_train, size, seed))
            for name in [*names, NETWORK] if with_network else names:
                if stop is not None and stop.is_set():
                    raise Stopped
                if name == NETWORK:
                    progress = None if on_progress is None else partial(on_progress, NETWORK, size, seed)
                    seeded = with_seed(config, config.training.seed + seed)
                    result = train_network(seeded, part, steps, stop, progress)
                else:
                    result = fit_baseline(name, part, seed, features=config.data.features, one_hot=config.tokens)
                yield CurvePoint(name, size, seed, result.train_metric, result.test_metric, result.fit_seconds)


def learning_curve(
    config: RunConfig,
    dataset: Dataset,
    names: list[str],
    sizes: list[int],
    seeds: int,
    epochs: int | None = None,
    with_network: bool = True,
    on_point: Callable[[CurvePoint], None] | None = None,
) -> list[CurvePoint]:
    """``curve_points`` collected, telling ``on_point`` each one as it comes."""
    points = []
    for point in curve_points(config, dataset, names, sizes, seeds, epochs, with_network):
        points.append(point)
        if on_point is not None:
            on_point(point)
    return points


#: Width factors of a capacity sweep: every hidden layer's neurons (or filters, or state size) times these.
CAPACITY_FACTORS = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
MAX_CAPACITY_FACTOR = 16.0


CAPACITY_MEASURES = ("train_loss", "test_loss", "train_metric", "test_metric")


@dataclass
class CapacityPoint:
    """The network at one width, trained on one fixed training-set size with one seed: its losses and metrics."""

    width: float
    params: int
    size: int
    seed: int
    train_loss: float
    test_loss: float
    train_metric: float
    test_metric: float

    def row(self) -> dict[str, object]:
        return {
            "width": self.width,
            "params": self.params,
            "size": self.size,
            "seed": self.seed,
            **{name: round(getattr(self, name), 6) for name in CAPACITY_MEASURES},
        }


def scaled_model(config: RunConfig, factor: float) -> RunConfig:
    """The config with every hidden layer's width (a dense layer's neurons, a conv layer's filters, a recurrent
    layer's state) times ``factor``, at least 1; the output layer (the last dense one) keeps its size. A network
    over the server's limits is refused (ConfigError) as any setup is."""
    layers = [layer.model_dump() for layer in config.model.layers]
    output = max((index for index, layer in enumerate(layers) if layer["kind"] == "dense"), default=None)
    for index, layer in enumerate(layers):
        for width in ("units", "filters"):
            if width in layer and index != output:
                layer[width] = max(1, round(layer[width] * factor))
    return RunConfig.from_dict({**config.model_dump(), "model": {"layers": layers}})


def capacity_points(
    config: RunConfig,
    dataset: Dataset,
    factors: list[float],
    size: int,
    seeds: int,
    epochs: int | None = None,
    stop: threading.Event | None = None,
    on_progress: Callable[[float, int, int, int], None] | None = None,
) -> Iterator[CapacityPoint]:
    """The network at every width on the same ``size`` training rows (each seed its own draw), narrowest first:
    how training and test loss part as the network grows past what the data can pin down. Every width gets the
    same optimizer steps. ``on_progress(width, seed, steps_done, steps)`` hears each network train."""
    n_train = len(dataset.x_train)
    check_curve([size], seeds, n_train)
    if not 1 <= len(factors) <= len(CAPACITY_FACTORS) + 1 or not all(0 < f <= MAX_CAPACITY_FACTOR for f in factors):
        raise BaselineError(f"widths: give 1 to {len(CAPACITY_FACTORS) + 1} factors above 0, at most "
                            f"{MAX_CAPACITY_FACTOR:g}")  # fmt: skip
    steps = network_steps(config, n_train, epochs)
    total = steps * len(factors) * seeds
    if total > MAX_CURVE_NETWORK_STEPS:
        raise BaselineError(over_limit("capacity: the networks' optimizer steps", total, MAX_CURVE_NETWORK_STEPS))
    scaled = {factor: scaled_model(config, factor) for factor in sorted(factors)}  # refused before any training
    for factor, wide in scaled.items():
        params = wide.total_params()
        for seed in range(seeds):
            if stop is not None and stop.is_set():
                raise Stopped
            part = subset(dataset, curve_rows(n_train, size, seed))
            progress = None if on_progress is None else partial(on_progress, factor, seed)
            result = train_network(with_seed(wide, config.training.seed + seed), part, steps, stop, progress)
            yield CapacityPoint(
                factor, params, size, seed, result.extra["train_loss"], result.extra["test_loss"],
                result.train_metric, result.test_metric,
            )  # fmt: skip


BaselineName = Literal["logreg", "knn", "svm", "tree", "forest", "boosting", "features"]


class ComparisonRequest(BaseModel):
    """What the "Why deep learning" page asks its worker for: the baselines' table (with their maps of the plane)
    or learning curves. Bounded: a link or a click cannot ask for more than a few minutes of work."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["table", "curve", "capacity"] = "table"
    baselines: list[BaselineName] = Field(default_factory=lambda: list(BASELINES), max_length=len(BASELINES))
    sizes: list[int] | None = Field(None, max_length=MAX_SIZES)
    seeds: int = Field(1, ge=1, le=MAX_SEEDS)
    epochs: int | None = Field(None, ge=1, le=MAX_CURVE_EPOCHS)
    network: bool = True
    grid: int | None = Field(None, ge=10, le=100)
    #: capacity: the width factors, and the training rows every width learns from (default: the smallest size of a
    #: learning curve, where the gap shows)
    widths: list[float] = Field(default_factory=lambda: list(CAPACITY_FACTORS), max_length=len(CAPACITY_FACTORS) + 1)
    size: int | None = Field(None, ge=2)


def run_comparison(
    config: RunConfig,
    dataset: Dataset,
    request: ComparisonRequest,
    stop: threading.Event,
    report: Callable[[dict], None],
) -> None:
    """Do what ``request`` asks, telling ``report`` the whole answer so far after every model (and as the network
    of a learning curve trains): ``rows`` done of ``total``, what is ``running``, and at the end ``finished``
    (or ``stopped``, or an ``error`` line). Table rows are ``BaselineResult.row``s (with the maps of the plane in
    ``grids``), curve rows ``CurvePoint.row``s."""
    from threadpoolctl import threadpool_limits  # scikit-learn's own dependency

    names = [name for name in request.baselines if name in baselines_for(dataset)]
    answer: dict = {"kind": request.kind, "metric": metric_name(dataset.task), "rows": [], "grids": {}}
    # One OpenMP thread for scikit-learn (the limit holds for the calling thread only, each comparison's own): the
    # worker's training thread holds the cores already, and OpenMP threads spinning for a busy core made gradient
    # boosting on the spiral's 250 points take 19 to 39 s instead of 0.1 to 0.8 s on a loaded 2-core machine.
    limits = threadpool_limits(limits=1, user_api="openmp")
    try:
        if request.kind == "table":
            answer.update(total=len(names), running=names[0] if names else None)
            report(dict(answer))
            for done, result in enumerate(baseline_results(config, dataset, names, request.grid, stop), start=1):
                answer["rows"] = [*answer["rows"], result.row()]
                if result.grid_values is not None:
                    answer["grids"] = {
                        **answer["grids"],
                        result.model: {"values": result.grid_values, "confidence": result.grid_confidence},
                    }
                answer["running"] = names[done] if done < len(names) else None
                report(dict(answer))
        elif request.kind == "capacity":
            size = request.size or min(len(dataset.x_train), CAPACITY_SIZE)
            answer.update(total=len(request.widths) * request.seeds, running="network", size=size)
            report(dict(answer))

            def grows(width: float, seed: int, done: int, steps: int) -> None:
                report({**answer, "running": "network", "progress": [width, seed, done, steps]})

            points = capacity_points(config, dataset, request.widths, size, request.seeds, request.epochs, stop, grows)
            for capacity in points:
                answer["rows"] = [*answer["rows"], capacity.row()]
                report(dict(answer))
        else:
            sizes = request.sizes or curve_sizes(len(dataset.x_train))
            models = [*names, NETWORK] if request.network else names
            answer.update(total=len(sizes) * request.seeds * len(models), running=models[0] if models else None)
            report(dict(answer))

            def progress(model: str, size: int, seed: int, done: int, steps: int) -> None:
                report({**answer, "running": model, "progress": [size, seed, done, steps]})

            points = curve_points(
                config, dataset, names, sizes, request.seeds, request.epochs, request.network, stop, progress
            )
            for point in points:
                answer["rows"] = [*answer["rows"], point.row()]
                answer["running"] = None
                report(dict(answer))
        answer.update(finished=True, running=None)
    except Stopped:
        answer.update(stopped=True, running=None)
    except (BaselineError, LimitError, ConfigError) as error:
        answer.update(error=str(error), running=None)
    finally:
        limits.restore_original_limits()
    report(dict(answer))
