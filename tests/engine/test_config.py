"""RunConfig validation, shape inference, parameter counts and round trips."""

import pytest
import torch

from playground.config import ConfigError, RunConfig
from playground.model import build_model
from playground.presets import load_preset, preset_names


def dense(units, activation="linear"):
    return {"kind": "dense", "units": units, "activation": activation}


def make(layers, **data):
    return RunConfig.from_dict({"data": {"dataset": "circle", **data}, "model": {"layers": layers}})


def test_every_preset_counts_exactly_the_parameters_torch_builds():
    for name in preset_names():
        config = load_preset(name)
        assert config.total_params() == sum(p.numel() for p in build_model(config).parameters()), name


def test_seed_ffn_matches_the_seed_article():
    config = load_preset("seed-ffn")
    assert config.total_params() == 8_577
    assert config.input_shape == (100,)
    assert [info.output_shape for info in config.summary()] == [(64,), (32,), (1,)]


@pytest.mark.parametrize(
    "layers",
    [
        [dense(8, "relu"), {"kind": "batchnorm"}, {"kind": "dropout", "rate": 0.3}, dense(1, "sigmoid")],
        [dense(5), {"kind": "activation", "function": "gelu"}, dense(3, "elu"), dense(1, "sigmoid")],
        [{"kind": "flatten"}, dense(4, "softplus"), {"kind": "activation", "function": "silu"}, dense(1)],
    ],
)
def test_shape_inference_and_counts_match_the_built_module(layers):
    config = make(layers, features=["x1", "x2", "x1_x2"])
    model = build_model(config)
    assert config.total_params() == sum(p.numel() for p in model.parameters())
    out = model.eval()(torch.zeros(4, 3))
    assert tuple(out.shape[1:]) == config.summary()[-1].output_shape


def test_wrong_output_size_names_the_layer_and_the_shapes():
    with pytest.raises(ConfigError, match=r"model.layers\[1\] Dense\(2, linear\).*\(2,\).*needs 1 output"):
        make([dense(4, "tanh"), dense(2)])


def test_multiclass_needs_one_output_per_class():
    with pytest.raises(ConfigError, match="needs 4 outputs"):
        RunConfig.from_dict({"data": {"dataset": "blobs", "n_classes": 4}, "model": {"layers": [dense(3)]}})


def test_impossible_stack_is_refused_with_the_shape():
    from playground.config import infer_shapes
    from playground.layers import BatchNorm, Dense, Dropout, Flatten

    image_shape = (1, 8, 8)  # what an image dataset hands the first layer
    with pytest.raises(ConfigError, match=r"layers\[0\] Dense\(4, relu\).*\(1, 8, 8\).*flatten"):
        infer_shapes([Dense(units=4, activation="relu")], image_shape)
    # batch norm takes vectors and images (per channel), nothing else
    with pytest.raises(ConfigError, match=r"layers\[1\] BatchNorm.*\(10, 8\)"):
        infer_shapes([Dropout(rate=0.1), BatchNorm()], (10, 8))
    assert infer_shapes([BatchNorm()], image_shape)[0].params == 2
    rows = infer_shapes([Flatten(), BatchNorm(), Dense(units=2)], image_shape)
    assert [(row.output_shape, row.params) for row in rows] == [((64,), 0), ((64,), 128), ((2,), 130)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"data": {"dataset": "circle", "noise": 70}}, r"data.noise: .*less than or equal to 50.*got 70"),
        ({"data": {"dataset": "donut"}}, r"unknown dataset 'donut'; choose one of circle"),
        ({"data": {"dataset": "circle", "features": ["x3"]}}, r"unknown feature 'x3'; choose from x1"),
        ({"data": {"dataset": "circle", "features": []}}, "at least one input feature"),
        ({"data": {"dataset": "circle", "train_share": 95}}, r"data.train_share"),
        ({"data": {"dataset": "circle", "n_points": 9000}}, r"at most 5,000 points"),
        ({"training": {"optimizer": "lbfgs"}}, r"training.optimizer: must be 'sgd', 'momentum'"),
        ({"training": {"learning_rate": 0}}, r"training.learning_rate"),
        ({"training": {"loss": "cross_entropy"}}, r"cross_entropy does not fit a binary task; use bce, mse"),
        ({"model": {"layers": []}}, r"model.layers"),
        ({"model": {"layers": [{"kind": "conv9"}]}}, r"model.layers"),
        ({"model": {"layers": [dense(1, "swish")]}}, r"activation"),
        ({"extra": 1}, r"extra"),
    ],
)
def test_validation_errors_name_the_field(change, message):
    raw = {"data": {"dataset": "circle"}, "model": {"layers": [dense(1, "sigmoid")]}}
    raw.update(change)
    with pytest.raises(ConfigError, match=message):
        RunConfig.from_dict(raw)


def test_softmax_on_a_single_output_is_refused():
    with pytest.raises(ConfigError, match="softmax over one output"):
        make([dense(1, "softmax")])


def test_json_and_url_round_trip():
    config = load_preset("spiral")
    assert RunConfig.from_json(config.to_json()) == config
    param = config.to_url_param()
    assert param.isascii() and all(ch.isalnum() or ch in "-_" for ch in param)
    assert RunConfig.from_url_param(param) == config
    assert len(param) < 300


def test_damaged_url_is_a_readable_error():
    with pytest.raises(ConfigError, match="damaged"):
        RunConfig.from_url_param("not-a-config")


def test_loss_follows_the_task_unless_chosen():
    assert load_preset("circle").loss == "bce"
    assert load_preset("blobs").loss == "cross_entropy"
    assert load_preset("plane").loss == "mse"
    chosen = RunConfig.from_dict(
        {"data": {"dataset": "circle"}, "model": {"layers": [dense(1)]}, "training": {"loss": "mse"}}
    )
    assert chosen.loss == "mse"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"data": {"dataset": "seed_ffn", "n_features": 1}, "model": {"layers": [dense(1)]}}, r"data.n_features"),
        (
            {"data": {"dataset": "blobs"}, "model": {"layers": [dense(3, "sigmoid")]}},
            r"multiclass output needs softmax or no activation",
        ),
        (
            {"model": {"layers": [dense(4), {"kind": "batchnorm"}, dense(1)]}, "training": {"batch_size": 1}},
            r"training.batch_size: batch norm needs batches of at least 2",
        ),
    ],
)
def test_configs_that_would_fail_in_training_are_refused_up_front(raw, message):
    with pytest.raises(ConfigError, match=message):
        RunConfig.from_dict(raw)


def test_error_paths_read_like_the_json():
    with pytest.raises(ConfigError) as caught:
        make([{"kind": "dense", "units": 0}])
    assert str(caught.value).startswith("model.layers[0].units: ")
    with pytest.raises(ConfigError) as caught:
        RunConfig.from_dict({"data": {"dataset": "blobs", "n_classes": 7}, "model": {"layers": [dense(7)]}})
    assert "data.n_classes" in str(caught.value) and "{" not in str(caught.value)


def test_output_layer_fits_every_task():
    from playground.config import output_layer

    for dataset, task, classes in (("circle", "binary", 2), ("plane", "regression", 1), ("moons", "multiclass", 4)):
        raw = {"data": {"dataset": dataset, "n_classes": max(3, classes)}, "model": {"layers": [dense(4, "relu")]}}
        raw["model"]["layers"].append(output_layer(task, max(3, classes)).model_dump())
        assert RunConfig.from_dict(raw).task == task


def test_a_network_too_big_to_train_here_is_refused_before_anything_is_built():
    huge = [dense(4096, "relu")] * 3 + [dense(1)]
    with pytest.raises(
        ConfigError, match=r"model.layers: 33,57\d,\d+ parameters is over the limit of 20,000,000 parameters"
    ):
        make(huge)
