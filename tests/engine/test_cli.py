"""The command line: summary, train with a history CSV, export, inspect, and readable refusals."""

import ast
import csv
import json

import onnx
import pytest
import torch

from playground.cli import main
from tests.cli_runner import run_cli


def test_summary_of_the_seed_model():
    result = run_cli("summary", "seed-ffn")
    assert result.returncode == 0
    lines = result.stdout.strip().splitlines()
    assert lines[-3:] == ["Total params: 8,577", "Trainable params: 8,577", "Non-trainable params: 0"]
    assert any("Dense(64, relu)" in line and "6,464" in line for line in lines)


def test_train_writes_the_history(tmp_path, capsys):
    out = tmp_path / "history.csv"
    assert main(["train", "circle", "--epochs", "3", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.count("epoch ") == 3
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy"]
    assert [row["epoch"] for row in rows] == ["1", "2", "3"]


def test_regression_history_columns(tmp_path):
    out = tmp_path / "plane.csv"
    assert main(["train", "plane", "--epochs", "2", "--out", str(out)]) == 0
    header = out.read_text().splitlines()[0]
    assert header == "epoch,train_loss,test_loss,train_r2,test_r2,train_rmse,test_rmse"


def test_inline_json_and_file(tmp_path, capsys):
    config = {"data": {"dataset": "xor"}, "model": {"layers": [{"kind": "dense", "units": 1, "activation": "sigmoid"}]}}
    assert main(["summary", json.dumps(config)]) == 0
    assert "Total params: 3" in capsys.readouterr().out
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(config))
    assert main(["summary", str(path)]) == 0


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no-such-preset", "no preset named 'no-such-preset'; known presets: adding-lstm"),
        ('{"model": {"layers": [{"kind": "dense", "units": 0}]}}', "units"),
        ('{"model": ', "Invalid JSON"),
        ("missing.json", "no such config file: missing.json"),
    ],
)
def test_bad_config_exits_2_with_one_readable_line(target, message):
    result = run_cli("train", target)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_seed_ffn_trains_from_the_command_line():
    result = run_cli("train", "seed-ffn", "--epochs", "2")
    assert result.returncode == 0, result.stderr
    last_epoch = [line for line in result.stdout.splitlines() if line.startswith("epoch")][-1]
    accuracy = float(last_epoch.split("test_accuracy")[1])
    assert accuracy > 0.8


def test_an_unwritable_history_file_fails_before_training(tmp_path):
    result = run_cli("train", "seed-ffn", "--out", str(tmp_path / "no-such-dir" / "history.csv"))
    assert result.returncode == 2
    assert "epoch" not in result.stdout and "No such file or directory" in result.stderr


def test_export_writes_code_and_models(tmp_path, capsys):
    script, keras, model = tmp_path / "xor.py", tmp_path / "xor_keras.py", tmp_path / "xor.onnx"
    assert main(["export", "xor", "--to", "pytorch", "-o", str(script), "--epochs", "3"]) == 0
    assert "EPOCHS = 3\n" in script.read_text()
    assert main(["export", "xor", "--to", "keras", "-o", str(keras)]) == 0
    assert "EPOCHS = 200\n" in keras.read_text()
    ast.parse(keras.read_text())
    assert main(["export", "xor", "--to", "onnx", "-o", str(model)]) == 0
    onnx.checker.check_model(str(model))
    printed = capsys.readouterr().out
    assert "keras code written to" in printed and "(initial, untrained weights)" in printed and "epoch " not in printed


def test_checkpoints_from_export_and_train_can_be_inspected(tmp_path, capsys):
    exported, saved = tmp_path / "exported.zip", tmp_path / "saved.zip"
    assert main(["export", "circle", "--to", "checkpoint", "-o", str(exported)]) == 0
    assert main(["train", "circle", "--epochs", "2", "--save", str(saved)]) == 0
    capsys.readouterr()
    assert main(["inspect", str(exported)]) == 0
    printed = capsys.readouterr().out
    assert "Total params: 25" in printed and printed.strip().endswith(
        "history: none (saved untrained, or without its history)"
    )
    assert main(["inspect", str(saved)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("history: 2 epochs; last: epoch    2  train_loss ")


def test_inspect_refuses_a_torch_save_file_in_one_line(tmp_path):
    path = tmp_path / "model.pt"
    torch.save({"weights": torch.zeros(2)}, path)
    result = run_cli("inspect", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: {path}: refused: this looks like a torch.save file")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["inspect", "{here}/history.csv"], "not a playground checkpoint: the file is not a zip archive"),
        (["inspect", "{here}/missing.zip"], "No such file or directory"),
        (["export", "xor", "--to", "pytorch", "-o", "{here}/x.py", "--epochs", "0"], "training.epochs: "),
        (["export", "seed-ffn", "--to", "onnx", "-o", "{here}/no-such-dir/m.onnx", "--epochs", "5"], "No such file"),
    ],
)
def test_export_and_inspect_refusals_exit_2(tmp_path, capsys, args, message):
    (tmp_path / "history.csv").write_text("epoch,train_loss\n1,0.5\n")
    assert main([arg.replace("{here}", str(tmp_path)) for arg in args]) == 2
    printed = capsys.readouterr()
    assert "epoch " not in printed.out  # refused before any training
    assert printed.err.startswith("error: ") and message in printed.err and len(printed.err.splitlines()) == 1


@pytest.mark.parametrize(("preset", "column", "least"), [("blobs", "test_accuracy", 0.9), ("plane", "test_r2", 0.95)])
def test_multiclass_and_regression_presets_learn_from_the_command_line(tmp_path, preset, column, least):
    out = tmp_path / "history.csv"
    assert main(["train", preset, "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 100 and float(rows[-1][column]) >= least


def test_train_stops_at_a_target_test_loss(tmp_path, capsys):
    from playground.presets import load_preset

    raw = load_preset("blobs").model_dump()
    raw["training"]["target_test_loss"] = 0.05
    path = tmp_path / "target.json"
    path.write_text(json.dumps(raw))
    assert main(["train", str(path), "--epochs", "100"]) == 0
    output = capsys.readouterr().out
    assert "reached the target 0.05" in output
    trained = int(output.strip().splitlines()[-1].split()[1])
    assert trained < 100


def test_summary_counts_batch_norm_statistics_as_the_page_does(capsys):
    """Batch norm's running mean and variance are non-trainable parameters in Keras's summary and on the page."""
    layers = [{"kind": "dense", "units": 4}, {"kind": "batchnorm"}, {"kind": "dense", "units": 1}]
    assert main(["summary", json.dumps({"data": {"dataset": "circle"}, "model": {"layers": layers}})]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-3:] == ["Total params: 33", "Trainable params: 25", "Non-trainable params: 8"]
    assert not any("Recurrent" in line for line in lines)
