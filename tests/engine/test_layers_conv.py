"""Convolution and pooling layers: shape maths that agrees with torch, parameter counts, titles and refusals."""

import pydantic
import pytest
import torch
from torch import nn

from playground.config import ConfigError, RunConfig, output_layer
from playground.layer_stack import load_templates, stack_rows
from playground.layers import AvgPool2d, BatchNorm, Conv2d, Dense, Flatten, GlobalAvgPool, MaxPool2d, ShapeError
from playground.model import build_model
from playground.presets import load_preset

IMAGE_SHAPES = [(1, 28, 28), (3, 7, 9), (2, 5, 5), (4, 11, 6), (1, 8, 8)]

CONV_LAYERS = [
    Conv2d(filters=4),
    Conv2d(filters=3, kernel_size=1),
    Conv2d(filters=5, kernel_size=5, activation="linear"),
    Conv2d(filters=2, kernel_size=3, stride=2),
    Conv2d(filters=2, kernel_size=4, stride=3, activation="tanh"),
    Conv2d(filters=6, kernel_size=3, padding="same"),
    Conv2d(filters=6, kernel_size=4, padding="same"),  # even kernel: torch pads one side more
    Conv2d(filters=3, kernel_size=5, stride=2, padding="same"),
    Conv2d(filters=3, kernel_size=3, stride=3, padding="same", activation="linear"),
    Conv2d(filters=2, kernel_size=7, stride=4, padding="same"),
]

POOL_LAYERS = [
    MaxPool2d(),
    MaxPool2d(pool_size=3),
    MaxPool2d(pool_size=3, stride=2),
    MaxPool2d(pool_size=2, stride=3),
    MaxPool2d(pool_size=1),
    AvgPool2d(),
    AvgPool2d(pool_size=3, stride=1),
    AvgPool2d(pool_size=2, stride=3),
    AvgPool2d(pool_size=5, stride=2),
]


def real_shape(layer, in_shape, batch=3):
    module = layer.build(in_shape)
    module.eval()
    with torch.no_grad():
        out = module(torch.randn(batch, *in_shape))
    assert out.shape[0] == batch
    return tuple(out.shape[1:]), module


def fits(layer, in_shape):
    window = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", 1)
    return getattr(layer, "padding", "valid") == "same" or min(in_shape[1:]) >= window


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")
@pytest.mark.parametrize("layer", CONV_LAYERS + POOL_LAYERS + [GlobalAvgPool(), BatchNorm()], ids=lambda x: x.title())
@pytest.mark.parametrize("in_shape", IMAGE_SHAPES, ids=str)
def test_output_shape_and_params_agree_with_the_built_module(layer, in_shape):
    if not fits(layer, in_shape):
        with pytest.raises(ShapeError):
            layer.output_shape(in_shape)
        return
    shape, module = real_shape(layer, in_shape)
    assert layer.output_shape(in_shape) == shape
    assert layer.param_count(in_shape) == sum(p.numel() for p in module.parameters())


def test_a_few_shapes_worked_out_by_hand():
    assert Conv2d(filters=8).output_shape((1, 28, 28)) == (8, 26, 26)
    assert Conv2d(filters=8, stride=2).output_shape((1, 9, 9)) == (8, 4, 4)
    assert Conv2d(filters=8, stride=2, padding="same").output_shape((1, 9, 9)) == (8, 5, 5)
    assert Conv2d(filters=8, kernel_size=4, padding="same").output_shape((1, 7, 6)) == (8, 7, 6)
    assert Conv2d(filters=8, kernel_size=5).output_shape((3, 5, 5)) == (8, 1, 1)
    assert MaxPool2d().output_shape((4, 13, 13)) == (4, 6, 6)
    assert MaxPool2d(pool_size=3, stride=2).output_shape((4, 13, 13)) == (4, 6, 6)
    assert AvgPool2d(pool_size=2, stride=3).output_shape((4, 13, 13)) == (4, 4, 4)
    assert GlobalAvgPool().output_shape((32, 7, 7)) == (32,)
    assert Conv2d(filters=32).param_count((1, 28, 28)) == 320
    assert Conv2d(filters=64).param_count((32, 13, 13)) == 18_496
    assert Conv2d(filters=5, kernel_size=2).param_count((3, 9, 9)) == (3 * 2 * 2 + 1) * 5
    for pool in (MaxPool2d(), AvgPool2d(), GlobalAvgPool()):
        assert pool.param_count((8, 6, 6)) == 0


def test_same_padding_keeps_a_map_larger_than_the_kernel_possible():
    # a same-padded filter bigger than the image still runs: the zero border makes room
    layer = Conv2d(filters=2, kernel_size=5, padding="same")
    assert layer.output_shape((1, 3, 3)) == real_shape(layer, (1, 3, 3))[0] == (2, 3, 3)
    strided = Conv2d(filters=2, kernel_size=7, stride=2, padding="same")
    assert strided.output_shape((1, 3, 4)) == real_shape(strided, (1, 3, 4))[0] == (2, 2, 2)


def test_conv_modules_are_built_with_their_activation():
    relu = Conv2d(filters=4).build((1, 8, 8))
    assert isinstance(relu, nn.Sequential) and isinstance(relu[0], nn.Conv2d) and isinstance(relu[1], nn.ReLU)
    linear = Conv2d(filters=4, activation="linear").build((1, 8, 8))
    assert isinstance(linear, nn.Conv2d)
    with torch.no_grad():
        assert (relu(torch.randn(2, 1, 8, 8)) >= 0).all()
    assert Conv2d(filters=4, activation="tanh").final_activation() == "tanh"
    assert MaxPool2d().final_activation() is None and GlobalAvgPool().final_activation() is None


def test_pools_compute_max_and_mean():
    image = torch.arange(16, dtype=torch.float32).reshape(1, 1, 4, 4)
    assert MaxPool2d().build((1, 4, 4))(image).flatten().tolist() == [5, 7, 13, 15]
    assert AvgPool2d().build((1, 4, 4))(image).flatten().tolist() == [2.5, 4.5, 10.5, 12.5]
    assert GlobalAvgPool().build((1, 4, 4))(image).tolist() == [[7.5]]


@pytest.mark.parametrize("in_shape", [(1, 8, 8), (16, 5, 7), (64, 1, 1)])
def test_batchnorm_on_images_normalises_each_channel(in_shape):
    layer = BatchNorm()
    module = layer.build(in_shape)
    assert isinstance(module, nn.BatchNorm2d) and module.num_features == in_shape[0]
    assert layer.param_count(in_shape) == 2 * in_shape[0] == sum(p.numel() for p in module.parameters())
    assert layer.output_shape(in_shape) == in_shape
    assert isinstance(layer.build((10,)), nn.BatchNorm1d) and layer.param_count((10,)) == 20
    with pytest.raises(ShapeError, match="flatten"):
        layer.param_count((3, 4))


def test_titles():
    assert Conv2d(filters=32).title() == "Conv2D(32, 3x3, relu)"
    assert Conv2d(filters=16, kernel_size=5, stride=2, padding="same", activation="linear").title() == (
        "Conv2D(16, 5x5, stride 2, same, linear)"
    )
    assert Conv2d(filters=8, kernel_size=3, padding="same", activation="tanh").title() == "Conv2D(8, 3x3, same, tanh)"
    assert Conv2d(filters=8, stride=2).title() == "Conv2D(8, 3x3, stride 2, relu)"
    assert MaxPool2d().title() == "MaxPool2D(2x2)"
    assert MaxPool2d(pool_size=2, stride=2).title() == "MaxPool2D(2x2)"
    assert MaxPool2d(pool_size=3, stride=2).title() == "MaxPool2D(3x3, stride 2)"
    assert AvgPool2d().title() == "AvgPool2D(2x2)"
    assert AvgPool2d(pool_size=2, stride=1).title() == "AvgPool2D(2x2, stride 1)"
    assert GlobalAvgPool().title() == "GlobalAvgPool2D"


def test_a_kernel_bigger_than_the_image_is_refused_with_the_sizes():
    with pytest.raises(ShapeError) as error:
        Conv2d(filters=4, kernel_size=5).output_shape((8, 3, 4))
    message = str(error.value)
    assert "5x5" in message and "3x4" in message and "(8, 3, 4)" in message
    with pytest.raises(ShapeError, match="3x3 filter .* 2x9"):
        Conv2d(filters=4, stride=2).output_shape((1, 2, 9))


def test_a_pool_window_bigger_than_the_image_is_refused_with_the_sizes():
    for pool in (MaxPool2d(pool_size=3), AvgPool2d(pool_size=3, stride=1)):
        with pytest.raises(ShapeError) as error:
            pool.output_shape((64, 2, 2))
        message = str(error.value)
        assert "3x3 window" in message and "2x2" in message and "(64, 2, 2)" in message


def test_dense_on_images_asks_for_a_flatten_layer():
    for method in ("output_shape", "param_count", "build"):
        with pytest.raises(ShapeError) as error:
            getattr(Dense(units=10), method)((32, 5, 5))
        assert "add a flatten layer first" in str(error.value) and "(32, 5, 5)" in str(error.value)
    assert Flatten().output_shape((32, 5, 5)) == (800,)


@pytest.mark.parametrize(
    "layer", [Conv2d(filters=4), MaxPool2d(), AvgPool2d(), GlobalAvgPool()], ids=lambda x: x.title()
)
@pytest.mark.parametrize("in_shape", [(64,), (5, 7)], ids=str)
def test_image_layers_refuse_vectors(layer, in_shape):
    with pytest.raises(ShapeError) as error:
        layer.output_shape(in_shape)
    message = str(error.value)
    assert "needs images (channels, height, width)" in message and str(in_shape) in message
    assert "before the flatten layer" in message
    with pytest.raises(ShapeError):
        layer.build(in_shape)
    if isinstance(layer, Conv2d):
        with pytest.raises(ShapeError):
            layer.param_count(in_shape)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"filters": 0}, "filters"),
        ({"filters": 513}, "filters"),
        ({"filters": 4, "kernel_size": 0}, "kernel_size"),
        ({"filters": 4, "kernel_size": 12}, "kernel_size"),
        ({"filters": 4, "stride": 0}, "stride"),
        ({"filters": 4, "padding": "full"}, "padding"),
        ({"filters": 4, "kernel_size": 4, "stride": 2, "padding": "same"}, "odd kernel size"),
        ({"filters": 4, "kernel_size": 2, "stride": 3, "padding": "same"}, "odd kernel size"),
    ],
)
def test_conv_settings_that_cannot_work_are_refused(raw, field):
    with pytest.raises(pydantic.ValidationError, match=field):
        Conv2d(**raw)


def test_even_kernels_are_fine_without_same_padding_or_without_stride():
    assert Conv2d(filters=4, kernel_size=4, stride=2).output_shape((1, 10, 10)) == (4, 4, 4)
    assert Conv2d(filters=4, kernel_size=4, padding="same").output_shape((1, 10, 10)) == (4, 10, 10)


@pytest.mark.parametrize("raw", [{"pool_size": 0}, {"pool_size": 9}, {"pool_size": 2, "stride": 0}])
def test_pool_settings_that_cannot_work_are_refused(raw):
    for kind in (MaxPool2d, AvgPool2d):
        with pytest.raises(pydantic.ValidationError):
            kind(**raw)


def seed_cnn_on(dataset: str, n_points: int) -> dict:
    raw = load_preset("seed-cnn").model_dump()
    raw["data"].update(dataset=dataset, n_points=n_points)
    return raw


def test_the_seed_cnn_does_not_fit_8x8_digits_and_says_where():
    with pytest.raises(ConfigError) as error:
        RunConfig.from_dict(seed_cnn_on("digits", 1797))
    message = str(error.value)
    assert message.startswith("model.layers[3] MaxPool2D(2x2): ")
    assert "2x2 window" in message and "1x1" in message and "(64, 1, 1)" in message


def test_dense_on_images_is_refused_by_the_run_config():
    raw = seed_cnn_on("mnist", 5000)
    del raw["model"]["layers"][4]  # the flatten layer
    with pytest.raises(ConfigError, match=r"model\.layers\[4\] Dense\(128, relu\): .*add a flatten layer first"):
        RunConfig.from_dict(raw)
    raw["model"]["layers"] = [{"kind": "flatten"}, {"kind": "conv2d", "filters": 4}, output_layer("multiclass", 10)]
    with pytest.raises(ConfigError, match=r"model\.layers\[1\] Conv2D\(4, 3x3, relu\): .*\(784,\)"):
        RunConfig.from_dict(raw)


def test_seed_cnn_preset_summary_matches_the_seed_article():
    config = load_preset("seed-cnn")
    assert config.input_shape == (1, 28, 28)
    summary = config.summary()
    assert [info.output_shape for info in summary] == [
        (32, 26, 26),
        (32, 13, 13),
        (64, 11, 11),
        (64, 5, 5),
        (1600,),
        (128,),
        (10,),
    ]
    assert [info.params for info in summary] == [320, 0, 18_496, 0, 0, 204_928, 1_290]
    assert config.total_params() == 225_034
    model = build_model(config)
    assert sum(p.numel() for p in model.parameters()) == 225_034
    with torch.no_grad():
        value = torch.rand(2, 1, 28, 28)
        for info, module in zip(summary, model, strict=True):
            value = module(value)
            assert tuple(value.shape[1:]) == info.output_shape, info.title


def test_digits_cnn_preset_fits_8x8_digits():
    config = load_preset("digits-cnn")
    assert config.input_shape == (1, 8, 8)
    assert [info.output_shape for info in config.summary()] == [
        (16, 8, 8),
        (16, 4, 4),
        (32, 4, 4),
        (512,),
        (64,),
        (10,),
    ]


def test_stack_rows_mark_the_failing_conv_layer():
    layers = load_preset("seed-cnn").model_dump()["model"]["layers"]
    rows = stack_rows(layers, (1, 8, 8))
    assert [row.output_shape for row in rows[:3]] == [(32, 6, 6), (32, 3, 3), (64, 1, 1)]
    assert [row.params for row in rows[:3]] == [320, 0, 18_496]
    assert all(row.error is None for row in rows[:3])
    failing = rows[3]
    assert failing.output_shape is None and failing.params is None and failing.title == "MaxPool2D(2x2)"
    assert "2x2 window" in failing.error and "1x1" in failing.error
    for row in rows[4:]:
        assert row.output_shape is None and row.params is None and row.error is None
    assert [row.title for row in rows[4:]] == ["Flatten", "Dense(128, relu)", "Dense(10, softmax)"]

    kernel = stack_rows([{"kind": "conv2d", "filters": 8, "kernel_size": 5}, {"kind": "flatten"}], (1, 4, 4))
    assert "5x5 filter" in kernel[0].error and "4x4" in kernel[0].error and kernel[1].output_shape is None


def test_image_templates_build_runnable_configs():
    templates = load_templates("image")
    assert [template.id for template in templates] == ["seed-cnn", "small-cnn", "all-conv-gap", "mlp-on-pixels"]
    four = output_layer("multiclass", 4).model_dump()
    for template in templates:
        assert {"en", "zh"} <= set(template.names), template.id
        mnist = RunConfig.from_dict({"data": {"dataset": "mnist"}, "model": {"layers": template.stack()}})
        assert mnist.summary()[-1].output_shape == (10,), template.id
        shapes = RunConfig.from_dict({"data": {"dataset": "shapes"}, "model": {"layers": template.stack(four)}})
        assert shapes.summary()[-1].output_shape == (4,), template.id
        assert shapes.model.layers[-1].model_dump() == four
        model = build_model(shapes)
        with torch.no_grad():
            assert model(torch.rand(2, 1, 28, 28)).shape == (2, 4), template.id
        with pytest.raises(ConfigError, match="needs 4 outputs"):
            RunConfig.from_dict({"data": {"dataset": "shapes"}, "model": {"layers": template.stack()}})
    seed = RunConfig.from_dict({"data": {"dataset": "mnist"}, "model": {"layers": templates[0].stack()}})
    assert seed.model.layers == load_preset("seed-cnn").model.layers


def test_small_image_templates_fit_8x8_digits():
    fitting = {"small-cnn", "all-conv-gap", "mlp-on-pixels"}
    for template in load_templates("image"):
        raw = {"data": {"dataset": "digits"}, "model": {"layers": template.stack()}}
        if template.id in fitting:
            assert RunConfig.from_dict(raw).summary()[-1].output_shape == (10,)
        else:
            with pytest.raises(ConfigError):
                RunConfig.from_dict(raw)
