"""Sequence datasets for recurrent networks: generated sequences, a sine series, windows of a series, a text.

Every generator is a plain top-level numpy function (its helpers and constants top-level too), so an exported
script can copy its source as it is (``export.data_source``) and make the same data for the same seed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: The shipped text for next-character prediction: Shakespeare's Sonnets 1-25 (public domain, see its README).
TEXT_PATH = Path(__file__).resolve().parent.parent.parent / "assets" / "text" / "sonnets.txt"


def make_seed_sequences(n_samples: int, steps: int, n_features: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The seed article's LSTM task shape: noise inputs float32 [n, steps, features], targets float32 [n].

    The target is a running balance: every step deposits feature 0 and withdraws feature 1, each only when
    positive, summed over all steps and scaled to mean 0 and standard deviation 1; the other features are
    distractors. The first step counts as much as the last, so a network must carry what it saw a whole sequence
    ago: an LSTM learns it within a few epochs (it gates each step into a sum in its cell), a plain RNN's state
    fades, and Flatten + Dense stalls, since "only when positive" is not linear. (A target of the first steps
    only, farther back still, keeps a default-initialised LSTM at the mean predictor for ten epochs and more.)
    """
    if n_samples < 1:
        raise ValueError(f"n_samples must be at least 1, got {n_samples}")
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    if n_features < 1:
        raise ValueError(f"n_features must be at least 1, got {n_features}")
    rng = np.random.default_rng(seed)
    inputs = rng.standard_normal((n_samples, steps, n_features), dtype=np.float32)  # float32 at once: no 2x copy
    weights = np.array([1.0, -1.0])[: min(2, n_features)]
    amounts = np.maximum(inputs[:, :, : len(weights)].astype(np.float64), 0.0).sum(axis=1) @ weights
    # max(x, 0) of a standard normal x has mean 1 / sqrt(2 pi) and variance 1/2 - 1 / (2 pi)
    mean = steps * weights.sum() / np.sqrt(2.0 * np.pi)
    std = np.sqrt(steps * (weights**2).sum() * (0.5 - 0.5 / np.pi))
    return inputs, ((amounts - mean) / std).astype(np.float32)


def make_adding(n_samples: int, steps: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem (Hochreiter & Schmidhuber 1997): inputs float32 [n, steps, 2], targets float32 [n].

    Channel 0 holds uniform values in [0, 1), channel 1 marks two of them with 1 (0 elsewhere): one in the first
    half of the sequence, one in the second half (the variant of Le et al. 2015 and later papers). The target is
    the sum of the two marked values, so the network must find the markers and remember the first value for up
    to ``steps`` steps; always predicting the mean, 1, gives an MSE of 1/6.
    """
    if n_samples < 1:
        raise ValueError(f"n_samples must be at least 1, got {n_samples}")
    if steps < 2:
        raise ValueError(f"steps must be at least 2 (one marker in each half), got {steps}")
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, (n_samples, steps))
    half = steps // 2
    first = rng.integers(0, half, n_samples)
    second = rng.integers(half, steps, n_samples)
    rows = np.arange(n_samples)
    markers = np.zeros((n_samples, steps))
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    targets = values[rows, first] + values[rows, second]
    return np.stack([values, markers], axis=-1).astype(np.float32), targets.astype(np.float32)


def make_sine_series(length: int, frequency: int, noise: int, seed: int) -> np.ndarray:
    """One noisy series float32 [length] to forecast: a main wave of ``frequency`` cycles per 100 steps, a
    faster and a slower wave at irrational ratios to it (so the sum never repeats exactly) with smaller
    amplitudes, phases drawn from the seed, and Gaussian noise of ``noise`` percent (standard deviation
    noise / 100)."""
    if length < 1:
        raise ValueError(f"length must be at least 1, got {length}")
    rng = np.random.default_rng(seed)
    ratios = np.array([1.0, np.sqrt(2.0), (3.0 - np.sqrt(5.0)) / 2.0])  # 1, 1.414..., 0.382...
    amplitudes = np.array([1.0, 0.35, 0.25])
    phases = rng.uniform(0.0, 2.0 * np.pi, len(ratios))
    time = np.arange(length, dtype=np.float64)
    angles = 2.0 * np.pi * frequency / 100.0 * time[:, None] * ratios[None, :] + phases[None, :]
    series = np.sin(angles) @ amplitudes
    series = series + rng.normal(0.0, noise / 100.0, length)
    return series.astype(np.float32)


def sliding_windows(
    series: np.ndarray, steps: int, target_column: int, stride: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Every window of ``steps`` rows of a series [length, columns] (a 1-D series is one column) and the value
    that follows it: inputs float32 [length - steps, steps, columns], targets float32 [length - steps] with
    window t = rows t..t+steps-1 and target t = series[t + steps, target_column]. With a ``stride`` only every
    stride-th window is kept, chosen before anything is copied (a long upload's windows would fill the memory)."""
    values = np.asarray(series, dtype=np.float32)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise ValueError(f"series must have the shape [length, columns], not {list(values.shape)}")
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    if not -values.shape[1] <= target_column < values.shape[1]:
        raise ValueError(f"target_column {target_column} does not exist in a series of {values.shape[1]} columns")
    if len(values) <= steps:
        raise ValueError(
            f"the series has {len(values)} rows; windows of {steps} steps and the value after them need at least "
            f"{steps + 1}"
        )
    windows = np.lib.stride_tricks.sliding_window_view(values[:-1], steps, axis=0)  # [n, columns, steps], a view
    inputs = np.ascontiguousarray(windows[::stride].transpose(0, 2, 1))
    targets = np.ascontiguousarray(values[steps::stride, target_column])
    return inputs, targets


def train_count(count: int, train_share: int) -> int:
    """How many of ``count`` windows in time order train: the first share, at least one, leaving one to test."""
    return min(max(round(count * train_share / 100), 1), count - 1)


def series_split(rows: int, steps: int, train_share: int, max_windows: int) -> tuple[int, int, int]:
    """(stride, windows, training windows) of a series of ``rows`` rows cut into windows of ``steps``: every
    window while there are at most ``max_windows``, evenly spaced ones beyond; the first share of them trains."""
    stride = max(1, -(-(rows - steps) // max_windows))
    windows = len(range(0, rows - steps, stride))
    return stride, windows, train_count(windows, train_share)


def standardise_series(values: np.ndarray, steps: int, stride: int, n_train: int) -> np.ndarray:
    """A series in its own units [rows, columns] scaled to mean 0 and spread 1 per column, with the statistics of
    the rows the training windows and their targets cover only (the test stretch stays unseen)."""
    seen = values[: (n_train - 1) * stride + steps + 1]
    mean, std = seen.mean(axis=0), seen.std(axis=0)
    return ((values - mean) / np.where(std > 0, std, 1.0)).astype(np.float32)


def load_text() -> str:
    """The shipped text (``TEXT_PATH``)."""
    return TEXT_PATH.read_text(encoding="utf-8")


def text_vocabulary(text: str) -> list[str]:
    """The text's distinct characters, sorted: position i is the character of token number i."""
    return sorted(set(text))


def encode_text(text: str, vocabulary: list[str]) -> np.ndarray:
    """The text as token numbers int64 [len(text)]; ValueError for a character the vocabulary lacks."""
    index = {character: number for number, character in enumerate(vocabulary)}
    missing = set(text) - index.keys()
    if missing:
        raise ValueError(f"the vocabulary lacks the characters {''.join(sorted(missing))!r}")
    return np.array([index[character] for character in text], dtype=np.int64)


def make_text_windows(
    ids: np.ndarray, steps: int, n_samples: int, seed: int, start: int = 0, stop: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``n_samples`` windows of ``steps`` token numbers from ``ids[start:stop]`` and the token after each:
    inputs int64 [n, steps], targets int64 [n]. Windows and their targets stay inside the range, so windows cut
    from two ranges never share text. Starts are drawn without replacement while the range has enough."""
    ids = np.asarray(ids, dtype=np.int64)
    stop = len(ids) if stop is None else min(stop, len(ids))
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    if n_samples < 1:
        raise ValueError(f"n_samples must be at least 1, got {n_samples}")
    if start < 0:
        raise ValueError(f"start must be at least 0, got {start}")
    if stop - start < steps + 1:
        raise ValueError(
            f"characters {start} to {stop} are {max(stop - start, 0)}; windows of {steps} steps and the character "
            f"after them need at least {steps + 1}"
        )
    count = stop - steps - start  # distinct windows in the range
    rng = np.random.default_rng(seed)
    starts = start + rng.choice(count, size=n_samples, replace=count < n_samples)
    positions = starts[:, None] + np.arange(steps)[None, :]
    return ids[positions], ids[starts + steps]


def sample_next(probabilities: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    """A token number drawn from ``probabilities`` re-weighted as p ** (1 / temperature): below 1 the likely
    tokens gain, above 1 the text gets wilder; at 0.01 or less the most likely token. Zeros, negatives and NaN
    count as 0, and a vector with nothing left is drawn from uniformly."""
    p = np.asarray(probabilities, dtype=np.float64).ravel()
    if not len(p):
        raise ValueError("there are no probabilities to sample from")
    p = np.where(np.isfinite(p) & (p > 0), p, 0.0)
    if p.sum() <= 0:
        return int(rng.integers(len(p)))
    if temperature <= 0.01:
        return int(np.argmax(p))
    with np.errstate(divide="ignore"):
        logits = np.log(p) / temperature  # in logs, so small temperatures do not underflow every weight to 0
    weights = np.exp(logits - logits.max())
    return int(rng.choice(len(p), p=weights / weights.sum()))
