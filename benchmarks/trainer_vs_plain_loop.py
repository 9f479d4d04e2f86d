"""Epoch time of the playground's Trainer against a plain PyTorch loop on the same data and model.

Prints figures, asserts nothing: these machines are noisy, so both are measured side by side, interleaved,
and the ratio is what to read. Run: ``.venv/bin/python benchmarks/trainer_vs_plain_loop.py [preset ...]``.
"""

from __future__ import annotations

import statistics
import sys
import time

import torch

from playground.model import build_model
from playground.presets import load_preset
from playground.train.trainer import Trainer


def plain_epoch(model, optimizer, loss_fn, x, y, batch_size, generator) -> None:
    model.train()
    order = torch.randperm(len(x), generator=generator)
    for start in range(0, len(order), batch_size):
        batch = order[start : start + batch_size]
        loss = loss_fn(model(x[batch]), y[batch])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()


def measure(preset: str, rounds: int = 5) -> None:
    config = load_preset(preset)
    trainer = Trainer(config)
    model = build_model(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.training.learning_rate)
    loss_fn = torch.nn.BCELoss() if trainer.probabilities else torch.nn.BCEWithLogitsLoss()
    generator = torch.Generator().manual_seed(0)
    trainer_times, plain_times = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        trainer.train_epoch()  # includes the end-of-epoch evaluation of train and test loss and accuracy
        trainer_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        plain_epoch(model, optimizer, loss_fn, trainer.x_train, trainer.y_train, config.training.batch_size, generator)
        plain_times.append(time.perf_counter() - started)
    trainer_s, plain_s = statistics.median(trainer_times), statistics.median(plain_times)
    print(
        f"{preset:>10}: trainer {trainer_s * 1000:7.1f} ms/epoch, plain loop {plain_s * 1000:7.1f} ms/epoch, "
        f"throughput ratio {plain_s / trainer_s:.2f} (1.00 = as fast as the plain loop)"
    )


if __name__ == "__main__":
    torch.set_num_threads(2)
    for name in sys.argv[1:] or ["seed-ffn", "spiral"]:
        measure(name)
