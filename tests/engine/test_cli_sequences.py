"""The command line with sequences: the seed LSTM's summary, and its training beating the mean predictor."""

import csv

import numpy as np
import pytest
import torch

from playground.cli import main
from playground.data.registry import load_dataset
from playground.presets import load_preset
from tests.cli_runner import run_cli

#: The preset's own epochs: about half a second each here. After 10 its test MAE is 0.34 of the mean predictor's
#: (0.34 to 0.47 for data and training seeds 0 to 3); after 5 it is still 0.5 to 0.7.
EPOCHS = 10


def test_summary_of_the_seed_lstm():
    result = run_cli("summary", "seed-lstm")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-4:] == [
        "Total params: 19,521",
        "Trainable params: 19,521",
        "Non-trainable params: 0",
        "Recurrent layers keep PyTorch's counts: two bias vectors per gate, where Keras has one.",
    ]
    assert any(line.startswith("Input") and "(100, 10)" in line for line in lines)
    assert any(line.startswith("0: LSTM(64)") and "(64,)" in line and line.endswith(" 19,456") for line in lines)
    assert any(line.startswith("1: Dense(1, linear)") and "(1,)" in line and line.endswith(" 65") for line in lines)


def mean_predictor_mae() -> float:
    """The seed LSTM data's test MAE when always answering the training targets' mean: what a network that
    learned nothing from the sequences reaches."""
    data = load_dataset(load_preset("seed-lstm").data)
    return float(np.abs(data.y_test - data.y_train.mean()).mean())


@pytest.fixture
def one_torch_thread():
    """One torch thread, as the page's worker trains on two cores: an LSTM's small per-step products gain
    nothing from a second one, and on a busy machine each waits for the other (two seed-LSTM epochs from the
    command line: 1.6 s with one thread, 32 s with two, measured while other tests ran)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_the_seed_lstm_trains_from_the_command_line_well_below_the_mean_predictor(tmp_path, capsys, one_torch_thread):
    out = tmp_path / "history.csv"
    assert main(["train", "seed-lstm", "--epochs", str(EPOCHS), "--out", str(out)]) == 0
    epochs = [line for line in capsys.readouterr().out.splitlines() if line.startswith("epoch")]
    assert len(epochs) == EPOCHS
    assert all(" train_mae " in line and " test_mae " in line for line in epochs)  # the preset's metric: mae
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == [
        "epoch",
        "train_loss",
        "test_loss",
        "train_r2",
        "test_r2",
        "train_rmse",
        "test_rmse",
        "train_mae",
        "test_mae",
    ]
    assert [row["epoch"] for row in rows] == [str(epoch) for epoch in range(1, EPOCHS + 1)]
    printed = float(epochs[-1].split("test_mae")[1])
    assert abs(printed - float(rows[-1]["test_mae"])) < 1e-4  # the printed line is the history's last row
    baseline = mean_predictor_mae()
    assert 0.6 < baseline < 1.0  # targets scaled to a standard deviation of 1: the mean is off by about 0.8
    assert printed < 0.6 * baseline, (printed, baseline)
    assert float(rows[-1]["train_mae"]) < float(rows[0]["train_mae"])
