"""Sequence datasets: generated sequences, the adding problem, a sine series, sliding windows and the shipped text."""

from __future__ import annotations

import numpy as np
import pytest

from playground.data import sequences
from playground.data.sequences import (
    TEXT_PATH,
    encode_text,
    load_text,
    make_adding,
    make_seed_sequences,
    make_sine_series,
    make_text_windows,
    sample_next,
    sliding_windows,
    text_vocabulary,
)

# --------------------------------------------------------------------------- seed sequences


def test_seed_sequences_have_the_seed_article_shape_and_a_standardised_target():
    inputs, targets = make_seed_sequences(3000, 100, 10, seed=0)
    assert inputs.shape == (3000, 100, 10) and inputs.dtype == np.float32
    assert targets.shape == (3000,) and targets.dtype == np.float32
    assert abs(targets.mean()) < 0.1 and 0.9 < targets.std() < 1.1


def test_seed_sequences_target_is_the_balance_of_positive_deposits_and_withdrawals_over_every_step():
    inputs, targets = make_seed_sequences(50, 30, 4, seed=3)
    positive = np.maximum(inputs.astype(np.float64), 0.0)
    balance = positive[:, :, 0].sum(axis=1) - positive[:, :, 1].sum(axis=1)
    assert np.corrcoef(balance, targets)[0, 1] > 0.9999
    # the first step matters as much as the last: changing it changes the target
    changed = inputs.copy()
    changed[:, 0, 0] = np.abs(changed[:, 0, 0]) + 1.0
    changed_balance = np.maximum(changed, 0.0)[:, :, 0].sum(axis=1) - positive[:, :, 1].sum(axis=1)
    assert np.all(changed_balance > balance)


def test_seed_sequences_depend_on_far_back_steps_not_only_on_the_last_ones():
    inputs, targets = make_seed_sequences(4000, 100, 10, seed=1)
    positive = np.maximum(inputs, 0.0)
    recent = positive[:, -10:, 0].sum(axis=1) - positive[:, -10:, 1].sum(axis=1)
    early = positive[:, :10, 0].sum(axis=1) - positive[:, :10, 1].sum(axis=1)
    # each tenth of the sequence explains about a tenth of the target's variance, the first as much as the last
    assert 0.2 < np.corrcoef(recent, targets)[0, 1] < 0.45
    assert 0.2 < np.corrcoef(early, targets)[0, 1] < 0.45


def test_seed_sequences_are_deterministic_for_a_seed_and_differ_between_seeds():
    first, second, other = (make_seed_sequences(20, 15, 3, seed) for seed in (5, 5, 6))
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])
    assert not np.array_equal(first[0], other[0])


@pytest.mark.parametrize(("steps", "n_features"), [(1, 1), (2, 2), (400, 3)])
def test_seed_sequences_take_small_and_large_shapes(steps, n_features):
    inputs, targets = make_seed_sequences(8, steps, n_features, seed=0)
    assert inputs.shape == (8, steps, n_features) and targets.shape == (8,)
    assert np.isfinite(targets).all()


def test_seed_sequences_refuse_empty_shapes():
    with pytest.raises(ValueError, match="n_samples"):
        make_seed_sequences(0, 10, 2, seed=0)
    with pytest.raises(ValueError, match="steps"):
        make_seed_sequences(10, 0, 2, seed=0)


# --------------------------------------------------------------------------- adding problem


def test_adding_targets_are_the_sum_of_the_two_marked_values():
    inputs, targets = make_adding(500, 50, seed=2)
    assert inputs.shape == (500, 50, 2) and inputs.dtype == np.float32
    assert targets.shape == (500,) and targets.dtype == np.float32
    values, markers = inputs[:, :, 0], inputs[:, :, 1]
    assert np.all((values >= 0) & (values < 1))
    assert set(np.unique(markers)) == {0.0, 1.0}
    assert np.all(markers.sum(axis=1) == 2)
    np.testing.assert_allclose(targets, (values * markers).sum(axis=1), rtol=1e-6)


def test_adding_puts_one_marker_in_each_half():
    inputs, _ = make_adding(300, 41, seed=0)
    markers = inputs[:, :, 1]
    assert np.all(markers[:, :20].sum(axis=1) == 1)
    assert np.all(markers[:, 20:].sum(axis=1) == 1)
    # both halves are used throughout, not just their ends
    assert len(np.unique(np.argmax(markers[:, :20], axis=1))) == 20


def test_adding_mean_predictor_has_an_mse_of_a_sixth():
    _, targets = make_adding(20_000, 20, seed=0)
    assert abs(targets.mean() - 1.0) < 0.02
    assert abs(targets.var() - 1 / 6) < 0.01


def test_adding_is_deterministic_for_a_seed_and_takes_two_steps():
    assert np.array_equal(make_adding(30, 10, 4)[0], make_adding(30, 10, 4)[0])
    assert not np.array_equal(make_adding(30, 10, 4)[0], make_adding(30, 10, 5)[0])
    inputs, targets = make_adding(5, 2, seed=0)
    assert np.all(inputs[:, :, 1] == 1) and np.allclose(targets, inputs[:, :, 0].sum(axis=1))
    with pytest.raises(ValueError, match="steps"):
        make_adding(5, 1, seed=0)


# --------------------------------------------------------------------------- sine series


def test_sine_series_is_a_float32_line_with_its_main_frequency():
    series = make_sine_series(1000, frequency=4, noise=0, seed=0)
    assert series.shape == (1000,) and series.dtype == np.float32
    spectrum = np.abs(np.fft.rfft(series))
    assert np.argmax(spectrum) == 40  # 4 cycles per 100 steps: 40 cycles in 1000 steps
    assert spectrum[40] > 2 * np.sort(spectrum)[-2]  # the other waves are smaller
    assert 0.5 < series.std() < 1.2


def test_sine_series_noise_is_a_percentage_of_standard_deviation():
    clean = make_sine_series(5000, 3, 0, seed=1)
    noisy = make_sine_series(5000, 3, 20, seed=1)
    assert abs((noisy - clean).std() - 0.2) < 0.01


def test_sine_series_phases_come_from_the_seed():
    assert np.array_equal(make_sine_series(200, 4, 5, 7), make_sine_series(200, 4, 5, 7))
    assert not np.allclose(make_sine_series(200, 4, 0, 7), make_sine_series(200, 4, 0, 8))


# --------------------------------------------------------------------------- sliding windows


def test_sliding_windows_target_is_the_next_value():
    series = np.arange(30, dtype=np.float32).reshape(10, 3)  # row t holds 3t, 3t+1, 3t+2
    inputs, targets = sliding_windows(series, steps=4, target_column=1)
    assert inputs.shape == (6, 4, 3) and targets.shape == (6,)
    assert inputs.dtype == np.float32 and targets.dtype == np.float32
    assert inputs.flags.c_contiguous and targets.flags.c_contiguous
    for t in range(6):
        np.testing.assert_array_equal(inputs[t], series[t : t + 4])
        assert targets[t] == series[t + 4, 1]


def test_sliding_windows_copy_the_series_and_take_a_1d_series():
    series = np.linspace(0, 1, 12, dtype=np.float32)
    inputs, targets = sliding_windows(series, 5, 0)
    assert inputs.shape == (7, 5, 1)
    np.testing.assert_array_equal(targets, series[5:])
    inputs[0, 0, 0] = 99.0
    assert series[0] == 0.0  # the windows are a copy, not a view of the series


def test_sliding_windows_refuse_a_series_no_longer_than_a_window():
    with pytest.raises(ValueError, match="5 rows; windows of 5 steps"):
        sliding_windows(np.zeros((5, 2), dtype=np.float32), 5, 0)
    with pytest.raises(ValueError, match="target_column"):
        sliding_windows(np.zeros((9, 2), dtype=np.float32), 3, 2)


# --------------------------------------------------------------------------- text


def test_the_shipped_text_is_a_short_ascii_text_with_a_small_vocabulary():
    text = load_text()
    assert TEXT_PATH.name == "sonnets.txt" and TEXT_PATH.is_file()
    assert 12_000 <= len(text.encode("utf-8")) <= 20_000
    assert text.isascii() and "\r" not in text
    vocabulary = text_vocabulary(text)
    assert vocabulary == sorted(set(vocabulary)) and len(vocabulary) <= 64
    assert not any(character.isdigit() for character in vocabulary)
    assert text.startswith("I\n\nFrom fairest creatures we desire increase,")


def test_text_encodes_and_decodes_back():
    text = load_text()
    vocabulary = text_vocabulary(text)
    ids = encode_text(text, vocabulary)
    assert ids.dtype == np.int64 and ids.shape == (len(text),)
    assert ids.min() == 0 and ids.max() == len(vocabulary) - 1
    assert "".join(vocabulary[i] for i in ids) == text
    with pytest.raises(ValueError, match="'Z'"):
        encode_text("Zed", text_vocabulary("ed"))


def test_text_windows_are_followed_by_their_next_character():
    text = load_text()
    vocabulary = text_vocabulary(text)
    inputs, targets = make_text_windows(encode_text(text, vocabulary), 40, 200, seed=0)
    assert inputs.shape == (200, 40) and inputs.dtype == np.int64
    assert targets.shape == (200,) and targets.dtype == np.int64
    for window, target in zip(inputs, targets, strict=True):
        assert "".join(vocabulary[i] for i in [*window, target]) in text


def test_text_windows_stay_inside_their_range():
    ids = np.arange(5000, dtype=np.int64)  # each id is its own position
    train_x, train_y = make_text_windows(ids, 50, 300, seed=1, start=0, stop=4000)
    test_x, test_y = make_text_windows(ids, 50, 300, seed=2, start=4000)
    assert train_x.min() >= 0 and train_y.max() < 4000  # the training windows and targets end before the cut
    assert test_x.min() >= 4000 and test_y.max() < 5000  # the test windows never start before ``start``
    np.testing.assert_array_equal(train_y, train_x[:, -1] + 1)
    np.testing.assert_array_equal(test_x, test_x[:, :1] + np.arange(50))  # consecutive characters
    assert len(np.unique(train_x[:, 0])) == 300  # enough room: no window drawn twice


def test_text_windows_are_seeded_and_repeat_only_when_the_range_is_short():
    ids = np.arange(100, dtype=np.int64)
    first, second = make_text_windows(ids, 10, 40, 3), make_text_windows(ids, 10, 40, 3)
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])
    assert not np.array_equal(first[0], make_text_windows(ids, 10, 40, 4)[0])
    inputs, targets = make_text_windows(ids, 10, 50, seed=0, start=20, stop=35)  # 5 distinct windows
    assert set(inputs[:, 0].tolist()) == {20, 21, 22, 23, 24} and targets.max() == 34
    inputs, _ = make_text_windows(ids, 10, 1, seed=0, start=20, stop=31)  # exactly one window fits
    assert inputs[0, 0] == 20
    with pytest.raises(ValueError, match="at least 11"):
        make_text_windows(ids, 10, 5, seed=0, start=20, stop=30)
    with pytest.raises(ValueError, match="at least 11"):
        make_text_windows(ids, 10, 5, seed=0, start=95)


# --------------------------------------------------------------------------- sampling


def test_sample_next_with_a_low_temperature_picks_the_most_likely():
    rng = np.random.default_rng(0)
    probabilities = np.array([0.1, 0.5, 0.15, 0.25])
    assert {sample_next(probabilities, 0.0, rng) for _ in range(20)} == {1}
    assert {sample_next(probabilities, 0.01, rng) for _ in range(20)} == {1}
    assert {sample_next(probabilities, 0.05, rng) for _ in range(50)} == {1}  # p ** 20: all but certain


def test_sample_next_at_temperature_one_follows_the_distribution():
    rng = np.random.default_rng(1)
    probabilities = np.array([0.1, 0.5, 0.15, 0.25])
    draws = [sample_next(probabilities, 1.0, rng) for _ in range(4000)]
    shares = np.bincount(draws, minlength=4) / len(draws)
    np.testing.assert_allclose(shares, probabilities, atol=0.03)
    hot = [sample_next(probabilities, 3.0, rng) for _ in range(4000)]
    assert np.bincount(hot, minlength=4)[0] / 4000 > 0.15  # a high temperature flattens the distribution


def test_sample_next_survives_zeros_nan_and_unnormalised_input():
    rng = np.random.default_rng(2)
    assert {sample_next(np.array([0.0, np.nan, 3.0, 0.0]), 1.0, rng) for _ in range(30)} == {2}
    assert {sample_next(np.array([0.0, 2.0, -1.0]), 0.5, rng) for _ in range(30)} == {1}
    assert sample_next(np.array([0.0, 0.0, 0.0]), 1.0, rng) in (0, 1, 2)
    assert isinstance(sample_next(np.array([0.2, 0.8], dtype=np.float32), 0.7, rng), int)


def test_generators_import_only_numpy_so_an_export_can_copy_them():
    from playground.export.data_source import copied_functions

    imports: list[str] = []
    functions = [sequences.make_seed_sequences, sequences.make_adding, sequences.make_sine_series]
    source = copied_functions([*functions, sequences.sliding_windows, sequences.make_text_windows], imports)
    assert imports == ["import numpy as np"]
    namespace: dict = {}
    exec(compile("\n".join([*imports, source]), "exported", "exec"), namespace)
    for function, arguments in zip(functions, [(20, 30, 3, 4), (20, 30, 4), (200, 4, 5, 6)], strict=True):
        copied, original = namespace[function.__name__](*arguments), function(*arguments)
        for left, right in zip(_arrays(copied), _arrays(original), strict=True):
            np.testing.assert_array_equal(left, right)


def _arrays(result: np.ndarray | tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    return result if isinstance(result, tuple) else (result,)
