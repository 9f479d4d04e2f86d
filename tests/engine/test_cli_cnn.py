"""The command line with the CNN presets: the seed article's summary, and both CNNs learn their digits."""

import csv
import subprocess
import sys

from playground.cli import main


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "playground", *args], capture_output=True, text=True, timeout=300)


def test_summary_of_the_seed_cnn():
    result = run_cli("summary", "seed-cnn")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-3:] == ["Total params: 225,034", "Trainable params: 225,034", "Non-trainable params: 0"]
    assert any("Input" in line and "(1, 28, 28)" in line for line in lines)
    assert any("Conv2D(32, 3x3, relu)" in line and "(32, 26, 26)" in line and "320" in line for line in lines)
    assert any("Conv2D(64, 3x3, relu)" in line and "(64, 11, 11)" in line and "18,496" in line for line in lines)
    assert any("Flatten" in line and "(1600,)" in line for line in lines)
    assert any("Dense(128, relu)" in line and "204,928" in line for line in lines)


def test_digits_cnn_reaches_95_percent(tmp_path, capsys):
    out = tmp_path / "digits.csv"
    assert main(["train", "digits-cnn", "--epochs", "6", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.count("epoch ") == 6 and "trained 6 epochs" in printed
    rows = list(csv.DictReader(out.open()))
    assert [row["epoch"] for row in rows] == [str(epoch) for epoch in range(1, 7)]
    assert float(rows[-1]["test_accuracy"]) >= 0.95, rows[-1]
    assert float(rows[-1]["train_loss"]) < float(rows[0]["train_loss"])


def test_seed_cnn_reaches_95_percent_in_three_epochs(capsys):
    assert main(["train", "seed-cnn", "--epochs", "3"]) == 0
    epochs = [line for line in capsys.readouterr().out.splitlines() if line.startswith("epoch")]
    assert len(epochs) == 3
    accuracy = float(epochs[-1].split("test_accuracy")[1])
    assert accuracy >= 0.95, epochs[-1]
