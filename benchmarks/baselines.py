"""How long the classic models take on the biggest shipped image set: every baseline of the "Why deep learning"
comparison fitted on the 5,000 MNIST digits (4,000 training rows of 784 pixels, the seed CNN's split), one after
another as the worker fits them. Prints each model's fit time, its test accuracy and the total (target: all of
them in under 30 s on two cores). Prints figures, asserts nothing.

    python benchmarks/baselines.py
"""

from __future__ import annotations

import time

import torch

from playground.data.registry import load_dataset
from playground.presets import load_preset
from playground.train.baselines import baselines_for, display_name, fit_baseline

TARGET_S = 30.0


def main() -> None:
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    config = load_preset("seed-cnn")
    dataset = load_dataset(config.data)
    print(f"MNIST: {len(dataset.x_train):,} training rows, {len(dataset.x_test):,} test rows, 784 pixels")
    started = time.perf_counter()
    for name in baselines_for(dataset):
        begun = time.perf_counter()
        result = fit_baseline(name, dataset)
        seconds = time.perf_counter() - begun  # fit and both scores, as the page waits for them
        print(f"{display_name(name, dataset.task):<24} fit {result.fit_seconds:6.2f} s, with scoring {seconds:6.2f} s, "
              f"test accuracy {result.test_metric:.4f}")  # fmt: skip
    total = time.perf_counter() - started
    print(f"all baselines: {total:.1f} s (target < {TARGET_S:.0f} s): {'meets' if total < TARGET_S else 'MISSES'}")


if __name__ == "__main__":
    main()
