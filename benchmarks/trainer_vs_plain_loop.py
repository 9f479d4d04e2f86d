"""Epoch time of the playground's Trainer against a plain PyTorch loop on the same model, data and batch size.

The plain loop is what one would write by hand for the same config: the model from ``build_model`` (same
initial weights), the optimizer from ``make_optimizer`` (the config's optimizer and learning rate), the torch
loss that matches the Trainer's ``data_loss`` for the config's loss and output layer, the same L1/L2 penalty
when the config has one, shuffled mini-batches of the config's batch size, and no evaluation at all.
It works the same for image presets (``seed-cnn``: the inputs are [N, 1, 28, 28] tensors, indexed by batch like
vectors) and sequence presets (``seed-lstm``: [N, 100, 10] tensors through the same LSTM module, whose
``RecurrentModule`` wrapper does what a hand-written model does: run ``nn.LSTM``, keep the last step's output;
a hand-written ``nn.LSTM`` + ``nn.Linear`` with the same weights trains no faster).
The plain loop does not augment images: for a preset that does, the report says so, as the Trainer
then does more work per batch than the loop it is compared with.

The Trainer's epoch ends with an evaluation pass over the train and test data (the metrics of the epoch's
history row). Its time is measured inside each epoch (``evaluate`` is wrapped with a timer), so every epoch
splits into its training part and its evaluation part, and the ratio is printed both ways: training only
against the plain loop, and the whole epoch, evaluation included, against the plain loop. The Trainer runs
both ways it is used: ``train_epoch()`` in one go (the command line), and ``train_batches(budget_s)`` in
slices of ``TRAIN_SLICE_S`` until the epoch ends (the worker behind the page).

Prints figures, asserts nothing: these machines are noisy, so both loops run side by side, interleaved (their
order alternates every round), and the medians and their ratio are what to read.

Run: ``.venv/bin/python benchmarks/trainer_vs_plain_loop.py [preset ...] [--seconds S] [--threads N]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F

from playground.config import RunConfig
from playground.model import build_model, outputs_probabilities
from playground.presets import load_preset
from playground.train.trainer import Trainer, make_optimizer
from playground.train.worker_process import TRAIN_SLICE_S, torch_threads

#: The seed article's feed-forward task, two 2D playground setups, the seed article's CNN on MNIST (images: its
#: epoch takes about a second and a half here, so it runs its minimum of rounds, about 45 s) and its LSTM on
#: sequences (a few tenths of a second per epoch, about 15 s).
DEFAULT_PRESETS = ("seed-ffn", "spiral", "plane", "seed-cnn", "seed-lstm")
TARGET_RATIO = 0.9  # the target: the Trainer trains at least 0.9 as fast as the plain loop


def plain_loss(config: RunConfig) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The torch loss a plain loop would use for this config (what ``Trainer.data_loss`` computes)."""
    loss, probabilities = config.loss, outputs_probabilities(config)
    if loss == "bce":
        return torch.nn.BCELoss() if probabilities else torch.nn.BCEWithLogitsLoss()
    if loss == "cross_entropy":
        if probabilities:  # softmax outputs: the negative log-likelihood of their log
            return lambda outputs, targets: F.nll_loss(torch.log(outputs.clamp_min(1e-12)), targets)
        return torch.nn.CrossEntropyLoss()
    if loss == "mae":
        return torch.nn.L1Loss()
    return torch.nn.MSELoss()


def plain_penalty(config: RunConfig, model: torch.nn.Module) -> Callable[[], torch.Tensor | float]:
    """The config's L1/L2 weight penalty written out by hand (weights only, as the Trainer applies it)."""
    kind, rate = config.training.regularization, config.training.reg_rate
    if kind == "none" or rate == 0:
        return lambda: 0.0
    weights = [p for name, p in model.named_parameters() if name.endswith("weight") and p.dim() > 1]
    if kind == "l1":
        return lambda: rate * sum(w.abs().sum() for w in weights)
    return lambda: rate * 0.5 * sum((w * w).sum() for w in weights)


def plain_epoch(model, optimizer, loss_fn, penalty, x, y, batch_size, generator) -> None:
    model.train()
    order = torch.randperm(len(x), generator=generator)
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        loss = loss_fn(model(x[batch]), y[batch]) + penalty()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()


class _TimedEvaluation:
    """Wraps ``trainer.evaluate`` so each ``train_epoch`` call reports how long its evaluation took."""

    def __init__(self, trainer: Trainer) -> None:
        self.inner = trainer.evaluate
        self.seconds = 0.0
        self.calls = 0
        trainer.evaluate = self  # an instance attribute: shadows the method for this trainer only

    def __call__(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self.inner(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started
            self.calls += 1

    def take(self) -> tuple[float, int]:
        seconds, calls = self.seconds, self.calls
        self.seconds, self.calls = 0.0, 0
        return seconds, calls


def measure(preset: str, seconds: float = 4.0, min_rounds: int = 7, max_rounds: int = 400) -> dict:
    """Interleaved rounds of a Trainer epoch in one go, one in slices and a plain-loop epoch; medians in seconds."""
    config = load_preset(preset)
    trainer = Trainer(config)
    evaluation = _TimedEvaluation(trainer)
    model = build_model(config)
    optimizer = make_optimizer(config.training.optimizer, model.parameters(), config.training.learning_rate)
    loss_fn, penalty = plain_loss(config), plain_penalty(config, model)
    generator = torch.Generator().manual_seed(config.training.seed)
    x, y, batch_size = trainer.x_train, trainer.y_train, config.training.batch_size

    def whole_epoch() -> None:
        trainer.train_epoch()

    def sliced_epoch() -> None:
        while trainer.train_batches(TRAIN_SLICE_S) is None:
            pass

    def run_trainer(epoch) -> tuple[float, float]:
        """(seconds of the whole epoch, seconds of its evaluation)"""
        started = time.perf_counter()
        epoch()
        total = time.perf_counter() - started
        evaluated, calls = evaluation.take()
        if calls == 0:  # the epoch did not go through ``evaluate``: time it on its own instead
            started = time.perf_counter()
            evaluation.inner()
            evaluated = time.perf_counter() - started
            total += evaluated  # so that total is still training plus evaluation
        return total, evaluated

    def run_plain() -> float:
        started = time.perf_counter()
        plain_epoch(model, optimizer, loss_fn, penalty, x, y, batch_size, generator)
        return time.perf_counter() - started

    run_trainer(whole_epoch), run_trainer(sliced_epoch), run_plain()  # warm-up: first-call allocations
    times: dict[str, list[float]] = {"total": [], "evaluate": [], "train": [], "sliced": [], "plain": []}
    started = time.perf_counter()
    rounds = 0
    while rounds < max_rounds and (rounds < min_rounds or time.perf_counter() - started < seconds):
        steps = ["whole", "sliced", "plain"]
        for step in steps[rounds % 3 :] + steps[: rounds % 3]:  # each one goes first every third round
            if step == "whole":
                total, evaluated = run_trainer(whole_epoch)
                times["total"].append(total)
                times["evaluate"].append(evaluated)
                times["train"].append(total - evaluated)
            elif step == "sliced":
                total, evaluated = run_trainer(sliced_epoch)
                times["sliced"].append(total - evaluated)
            else:
                times["plain"].append(run_plain())
        rounds += 1
    return {
        "preset": preset,
        "rounds": rounds,
        "batches": -(-len(x) // batch_size),
        "optimizer": config.training.optimizer,
        "loss": config.loss,
        "augmented": trainer.augmentation is not None,
        **{name: statistics.median(values) for name, values in times.items()},
    }


def verdict(ratio: float) -> str:
    return "target met" if ratio >= TARGET_RATIO else "below target"


def report(result: dict) -> None:
    ms = {key: result[key] * 1000 for key in ("total", "train", "evaluate", "sliced", "plain")}
    whole, sliced, with_eval = (result["plain"] / result[key] for key in ("train", "sliced", "total"))
    print(
        f"  {result['preset']:>9} ({result['optimizer']}, {result['loss']}, {result['batches']} batches/epoch, "
        f"{result['rounds']} rounds): plain loop {ms['plain']:.2f} ms/epoch; Trainer {ms['train']:.2f} ms "
        f"training (in {TRAIN_SLICE_S * 1000:.0f} ms slices as the worker runs it: {ms['sliced']:.2f} ms) "
        f"+ {ms['evaluate']:.2f} ms evaluation = {ms['total']:.2f} ms/epoch"
        + (" (the Trainer augments the images, the plain loop does not)" if result["augmented"] else "")
    )
    print(
        f"  {'':>9} throughput ratio, training only: {whole:.2f} ({verdict(whole)}, target >= {TARGET_RATIO}), "
        f"in slices {sliced:.2f} ({verdict(sliced)}); whole epoch with its evaluation: {with_eval:.2f}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("presets", nargs="*", default=list(DEFAULT_PRESETS))
    parser.add_argument("--seconds", type=float, default=4.0, help="measuring time per preset (default 4)")
    parser.add_argument(
        "--threads",
        type=int,
        default=torch_threads(),
        help="torch threads (default: as many as the training worker uses)",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(
        f"Trainer vs plain PyTorch loop (same model, data, batch size, optimizer and loss; "
        f"{torch.get_num_threads()} torch thread(s); medians of interleaved epochs; ratio = plain time / Trainer time)"
    )
    for name in args.presets:
        report(measure(name, seconds=args.seconds))


if __name__ == "__main__":
    main()
