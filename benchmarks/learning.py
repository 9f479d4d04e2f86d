"""How fast the "How it learns" page's numbers come: loss maps, races and one explained step, in this process
on the engine the worker runs (the worker adds a pickled round trip of well under a millisecond per KB).

Prints, with the issue's targets beside them:

* a 100 x 100 loss map of a two-parameter model (logistic regression on the circle: target < 0.5 s), and of
  a network slice (the circle's default network, and 3 hidden layers of 8 on 1,000 points: target < 3 s);
* a race of all six optimisers, 100 steps, full batch and mini-batches of 10;
* one explained training step (every number, the boundary before and after) on the default network.

Each figure is the median of five runs. Prints figures, asserts nothing.

    python benchmarks/learning.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch

from playground.config import RunConfig
from playground.presets import load_preset
from playground.train.descent import DEFAULT_RATES, logistic_surface, loss_map, race, slice_surface
from playground.train.one_step import explained_step
from playground.train.trainer import Trainer

REPEATS = 5


def median_seconds(work: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def wide_circle() -> RunConfig:
    raw = load_preset("circle").model_dump()
    raw["data"]["n_points"] = 1000
    raw["model"]["layers"] = [{"kind": "dense", "units": 8, "activation": "tanh"} for _ in range(3)]
    raw["model"]["layers"].append({"kind": "dense", "units": 1, "activation": "sigmoid"})
    return RunConfig.from_dict(raw)


def main() -> None:
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    circle = load_preset("circle")
    logistic = logistic_surface(circle)
    print(f"loss map 100x100, logistic regression ({logistic.rows} rows): "
          f"{median_seconds(lambda: loss_map(logistic, 100)):.3f} s (target < 0.5 s)")  # fmt: skip
    for name, config in (("circle's default network", circle), ("3 x 8 tanh on 1,000 points", wide_circle())):
        surface = slice_surface(Trainer(config))
        seconds = median_seconds(lambda surface=surface: loss_map(surface, 100))
        print(f"loss map 100x100, slice of the {name} ({surface.rows} rows): {seconds:.3f} s (target < 3 s)")
    for batch in (None, 10):
        seconds = median_seconds(lambda batch=batch: race(logistic, DEFAULT_RATES, (-2.5, 2.5), 100, batch))
        kind = "full batch" if batch is None else f"mini-batches of {batch}"
        print(f"race of {len(DEFAULT_RATES)} optimisers, 100 steps, {kind}: {seconds:.3f} s")
    trainer = Trainer(circle)
    print(f"one explained step (numbers and the boundary before and after): "
          f"{median_seconds(lambda: explained_step(trainer, [0])) * 1000:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
