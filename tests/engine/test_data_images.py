"""Image datasets, their split and normalisation, augmentation, and drawn digits made dataset-like."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch

from playground.config import DataConfig
from playground.data.images import (
    MNIST_FILL,
    SHAPE_NAMES,
    SHAPE_SIDE,
    augment_batch,
    load_digits_images,
    load_mnist_images,
    make_shapes,
    normalisation,
    prepare_drawing,
    rgba_to_ink,
)
from playground.data.registry import (
    DATASETS,
    dataset_class_names,
    dataset_classes,
    dataset_input_shape,
    load_dataset,
)

#: Side of each shipped or generated image set's square images.
IMAGE_SIDES = {"digits": 8, "mnist": 28, "shapes": 28}


def image_arrays(config: DataConfig) -> tuple[np.ndarray, np.ndarray, list[str]]:
    return DATASETS[config.dataset].arrays(config)


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the ink's centre of mass, in pixel-centre coordinates."""
    image = np.asarray(image, dtype=np.float64)
    mass = image.sum()
    rows, cols = np.indices(image.shape)
    return float((rows * image).sum() / mass), float((cols * image).sum() / mass)


# --------------------------------------------------------------------------- the shipped sets


def test_digits_load_as_8x8_images_in_unit_range():
    pixels, labels = load_digits_images()
    assert pixels.shape == (1797, 8, 8) and pixels.dtype == np.float32
    assert pixels.min() == 0.0 and pixels.max() == 1.0
    assert labels.dtype == np.int64 and sorted(set(labels.tolist())) == list(range(10))


@functools.cache
def mnist_raw() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 MNIST digits, read once for the module (reading the file takes about a second)."""
    return load_mnist_images()


def mnist_config(**changes) -> DataConfig:
    return DataConfig(**{"dataset": "mnist", "n_points": 1000, "train_share": 80, **changes})


@functools.cache
def mnist(seed: int = 0, normalize: str = "unit"):
    """1,000 MNIST digits split 80/20, loaded once per seed and normalisation (tests must not change them)."""
    return load_dataset(mnist_config(seed=seed, normalize=normalize))


def test_mnist_loads_500_real_digits_per_class():
    pixels, labels = mnist_raw()
    assert pixels.shape == (5000, 28, 28) and pixels.dtype == np.float32
    assert pixels.min() == 0.0 and pixels.max() == 1.0
    assert np.bincount(labels).tolist() == [500] * 10
    # bright strokes on a dark ground: most pixels are background
    assert np.median(pixels) == 0.0 and 0.05 < pixels.mean() < 0.25


def test_mnist_split_spreads_every_class_over_train_and_test():
    data = mnist()
    assert data.x_train.shape == (800, 1, 28, 28) and data.x_test.shape == (200, 1, 28, 28)
    assert data.x_train.dtype == np.float32 and data.y_train.shape == (800,) and data.y_test.shape == (200,)
    assert data.task == "multiclass" and data.n_classes == 10
    assert data.class_names == [str(digit) for digit in range(10)]
    # the file is sorted by class: without the shuffle the first 1,000 would be zeros and ones only
    train_counts, test_counts = np.bincount(data.y_train, minlength=10), np.bincount(data.y_test, minlength=10)
    assert train_counts.min() >= 50 and test_counts.min() >= 8
    assert train_counts.max() <= 120 and test_counts.max() <= 35
    assert data.image_norm == (0.0, 1.0)
    assert data.x_train.min() == 0.0 and data.x_train.max() == 1.0


def test_image_data_is_deterministic_per_seed_and_differs_across_seeds():
    first, other = mnist(0), mnist(1)
    again = mnist(0, "standard")  # read afresh: the same images, split the same way, only scaled
    mean, std = again.image_norm
    np.testing.assert_array_equal(first.y_train, again.y_train)
    np.testing.assert_array_equal(first.y_test, again.y_test)
    np.testing.assert_allclose(first.x_train, again.x_train * std + mean, atol=1e-5)
    np.testing.assert_allclose(first.x_test, again.x_test * std + mean, atol=1e-5)
    assert not np.array_equal(first.x_train, other.x_train)
    assert not np.array_equal(first.y_train, other.y_train)


def test_train_and_test_images_are_disjoint_and_real():
    data = mnist()
    pixels, labels = mnist_raw()
    known = {image.tobytes(): label for image, label in zip(pixels, labels, strict=True)}
    train = [image[0].tobytes() for image in data.x_train]
    test = [image[0].tobytes() for image in data.x_test]
    assert all(known[key] == label for key, label in zip(train, data.y_train, strict=True))
    assert all(known[key] == label for key, label in zip(test, data.y_test, strict=True))
    assert not set(train) & set(test)


def test_image_arrays_cut_to_n_points_before_the_split():
    pixels, labels, names = image_arrays(DataConfig(dataset="digits", n_points=300, seed=1))
    assert pixels.shape == (300, 8, 8) and labels.shape == (300,) and names == [str(d) for d in range(10)]
    data = load_dataset(DataConfig(dataset="digits", n_points=300, train_share=50, seed=1))
    assert len(data.x_train) + len(data.x_test) == 300
    assert {image.tobytes() for image in data.x_train[:, 0]} | {image.tobytes() for image in data.x_test[:, 0]} == {
        image.tobytes() for image in pixels
    }


def test_standard_normalisation_uses_the_training_images():
    data = mnist(0, "standard")
    assert abs(float(data.x_train.mean())) < 1e-4
    assert float(data.x_train.std()) == pytest.approx(1.0, abs=1e-3)
    mean, std = data.image_norm
    unit = mnist()
    assert mean == pytest.approx(float(unit.x_train.mean()), rel=1e-5)
    assert std == pytest.approx(float(unit.x_train.std()), rel=1e-5)
    assert 0.08 < mean < 0.2 and 0.25 < std < 0.4  # MNIST's own are 0.1307 and 0.3081
    # the test images use the training statistics, not their own
    np.testing.assert_allclose(data.x_test * std + mean, unit.x_test, atol=1e-5)
    assert data.x_test.min() == pytest.approx(-mean / std, abs=1e-5)


def test_normalisation_modes():
    images = np.array([[0.0, 1.0], [1.0, 1.0]], np.float32)
    assert normalisation(images, "unit") == (0.0, 1.0)
    mean, std = normalisation(images, "standard")
    assert mean == pytest.approx(0.75) and std == pytest.approx(math.sqrt(0.1875))
    assert normalisation(np.zeros((3, 4, 4), np.float32), "standard") == (0.0, pytest.approx(1e-6))


# --------------------------------------------------------------------------- generated shapes


def test_shapes_are_balanced_in_unit_range_and_deterministic():
    pixels, labels = make_shapes(400, 10, seed=5)
    assert pixels.shape == (400, SHAPE_SIDE, SHAPE_SIDE) and pixels.dtype == np.float32
    assert pixels.min() >= 0.0 and pixels.max() <= 1.0 and pixels.max() == 1.0
    assert np.bincount(labels).tolist() == [100] * 4
    again, again_labels = make_shapes(400, 10, seed=5)
    np.testing.assert_array_equal(pixels, again)
    np.testing.assert_array_equal(labels, again_labels)
    other, other_labels = make_shapes(400, 10, seed=6)
    assert not np.array_equal(pixels, other) and not np.array_equal(labels, other_labels)


def test_noise_changes_pixels_but_not_the_shapes():
    clean, labels = make_shapes(200, 0, seed=2)
    noisy, noisy_labels = make_shapes(200, 30, seed=2)
    np.testing.assert_array_equal(labels, noisy_labels)
    difference = noisy - clean
    assert np.abs(difference).mean() > 0.05
    # the noise is centred on the clean picture (clipping at 0 and 1 aside)
    inside = (clean > 0.2) & (clean < 0.8)
    assert abs(float(difference[inside].mean())) < 0.05
    # without noise the background is exactly black
    assert np.median(clean) == 0.0


def test_shapes_differ_between_classes():
    pixels, labels = make_shapes(800, 0, seed=1)
    flat = pixels.reshape(len(pixels), -1)
    train, test = slice(0, 400), slice(400, None)
    means = np.stack([flat[train][labels[train] == k].mean(axis=0) for k in range(4)])
    predicted = ((flat[test][:, None] - means[None]) ** 2).sum(axis=-1).argmin(axis=1)
    accuracy = float((predicted == labels[test]).mean())
    assert accuracy > 0.45, accuracy  # chance is 0.25
    # filled crosses hold more ink than outlined shapes
    ink = flat.sum(axis=1)
    assert ink[labels == 3].mean() > ink[labels == 0].mean()


def test_shapes_dataset_through_the_registry():
    config = DataConfig(dataset="shapes", n_points=400, train_share=75, noise=5, seed=0)
    data = load_dataset(config)
    assert data.x_train.shape == (300, 1, 28, 28) and data.x_test.shape == (100, 1, 28, 28)
    assert data.n_classes == 4 and data.class_names == list(SHAPE_NAMES)
    assert set(np.unique(data.y_test)) == {0, 1, 2, 3}


# --------------------------------------------------------------------------- registry facts


def test_class_names_and_input_shapes():
    assert dataset_class_names(DataConfig(dataset="shapes")) == ["circle", "square", "triangle", "cross"]
    assert dataset_class_names(DataConfig(dataset="digits")) == [str(d) for d in range(10)]
    assert dataset_class_names(DataConfig(dataset="mnist")) == [str(d) for d in range(10)]
    assert dataset_input_shape(DataConfig(dataset="digits")) == (1, 8, 8)
    assert dataset_input_shape(DataConfig(dataset="mnist")) == (1, 28, 28)
    assert dataset_input_shape(DataConfig(dataset="shapes")) == (1, 28, 28)
    assert dataset_classes(DataConfig(dataset="shapes")) == 4
    assert dataset_classes(DataConfig(dataset="mnist")) == 10
    for name, side in IMAGE_SIDES.items():
        assert DATASETS[name].images and DATASETS[name].task(DataConfig(dataset=name)) == "multiclass"
        assert dataset_input_shape(DataConfig(dataset=name)) == (1, side, side)
    assert DATASETS["digits"].drawing_fill == 1.0 and DATASETS["mnist"].drawing_fill == 20 / 28


@pytest.mark.parametrize(("dataset", "limit"), [("digits", 1797), ("mnist", 5000), ("shapes", 10_000)])
def test_image_sets_refuse_more_points_than_they_have(dataset, limit):
    DataConfig(dataset=dataset, n_points=limit)
    with pytest.raises(ValueError, match=f"at most {limit:,}"):
        DataConfig(dataset=dataset, n_points=limit + 1)


# --------------------------------------------------------------------------- augmentation


def blob_batch(n: int = 8, side: int = 20) -> torch.Tensor:
    """A small bright square in the middle of each dark image."""
    images = torch.zeros(n, 1, side, side)
    images[:, :, side // 2 - 2 : side // 2 + 2, side // 2 - 2 : side // 2 + 2] = 1.0
    return images


def test_no_augmentation_returns_the_batch_unchanged():
    images = torch.rand(5, 1, 8, 8)
    generator = torch.Generator().manual_seed(0)
    state = generator.get_state()
    out = augment_batch(images, 0, 0, 0, background=0.0, generator=generator)
    assert torch.equal(out, images)
    assert torch.equal(generator.get_state(), state)  # nothing drawn from the generator either


def test_shift_moves_the_ink_by_at_most_shift_pixels():
    images = blob_batch(32)
    out = augment_batch(images, 3, 0, 0, background=0.0, generator=torch.Generator().manual_seed(1))
    assert out.shape == images.shape
    before = centre_of_mass(images[0, 0].numpy())
    moves = []
    for image in out[:, 0].numpy():
        after = centre_of_mass(image)
        dy, dx = after[0] - before[0], after[1] - before[1]
        assert abs(dy) <= 3 + 1e-3 and abs(dx) <= 3 + 1e-3
        moves.append(math.hypot(dy, dx))
        # a shift keeps the ink: it only moves it (the blob stays inside the image)
        assert image.sum() == pytest.approx(float(images[0].sum()), rel=1e-4)
    assert max(moves) > 1.5 and len({round(move, 3) for move in moves}) > 20


def test_rotation_is_reproducible_for_a_seeded_generator():
    images = torch.zeros(6, 1, 16, 16)
    images[:, :, 2:14, 7:9] = 1.0  # a vertical bar
    first = augment_batch(images, 0, 30, 0, 0.0, torch.Generator().manual_seed(7))
    again = augment_batch(images, 0, 30, 0, 0.0, torch.Generator().manual_seed(7))
    other = augment_batch(images, 0, 30, 0, 0.0, torch.Generator().manual_seed(8))
    assert torch.equal(first, again)
    assert not torch.allclose(first, other)
    assert not torch.allclose(first, images)
    # a turn about the centre keeps the centre of mass in the middle
    for image in first[:, 0].numpy():
        row, col = centre_of_mass(image)
        assert abs(row - 7.5) < 0.3 and abs(col - 7.5) < 0.3


def test_the_border_takes_the_background_value():
    background = -0.42
    flat = torch.full((4, 1, 12, 12), background)
    out = augment_batch(flat, 3, 20, 0, background, torch.Generator().manual_seed(0))
    torch.testing.assert_close(out, flat)  # a uniform background stays uniform, borders included
    bright = torch.ones(16, 1, 12, 12)
    out = augment_batch(bright, 3, 0, 0, background, torch.Generator().manual_seed(0))
    assert out.min() >= background - 1e-5 and out.max() <= 1 + 1e-5
    assert (out - background).abs().min() < 1e-5, "pixels moved in from outside should be background"
    assert (out == 1.0).any(), "the middle stays what it was"


def test_noise_adds_spread_of_its_percentage():
    images = torch.zeros(16, 1, 28, 28)
    out = augment_batch(images, 0, 0, 10, 0.0, torch.Generator().manual_seed(0))
    assert float(out.std()) == pytest.approx(0.1, rel=0.05)
    assert abs(float(out.mean())) < 0.01
    louder = augment_batch(images, 0, 0, 30, 0.0, torch.Generator().manual_seed(0))
    assert float(louder.std()) == pytest.approx(0.3, rel=0.05)


# --------------------------------------------------------------------------- a drawn digit


def stroke_canvas() -> np.ndarray:
    """A 280x280 canvas with a small, off-centre '7'-like stroke in the top-right corner."""
    canvas = np.zeros((280, 280), np.float32)
    canvas[30:36, 180:240] = 1.0  # the bar
    canvas[30:110, 232:240] = 1.0  # the stem: the drawing is 80 px tall and 60 px wide
    return canvas


@pytest.mark.parametrize(("side", "fill"), [(28, MNIST_FILL), (16, MNIST_FILL), (28, 0.5)])
def test_a_drawing_is_centred_and_scaled_like_the_data(side, fill):
    image = prepare_drawing(stroke_canvas(), side, fill)
    assert image.shape == (side, side) and image.dtype == np.float32
    assert image.max() == pytest.approx(1.0) and image.min() >= 0.0
    row, col = centre_of_mass(image)
    middle = side / 2 - 0.5
    assert abs(row - middle) <= 1.0 and abs(col - middle) <= 1.0
    rows, cols = np.nonzero(image > 0.05)
    height, width = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
    assert abs(height - fill * side) <= 1.0  # the longer side fills its share of the image
    assert width < height


def test_a_drawing_for_8x8_digits_fills_the_image():
    image = prepare_drawing(stroke_canvas(), 8, DATASETS["digits"].drawing_fill)
    assert image.shape == (8, 8) and image.max() == pytest.approx(1.0)
    rows, cols = np.nonzero(image > 0.05)
    assert rows.min() == 0 and rows.max() == 7  # the longer side spans the whole image: no room to move
    assert cols.max() - cols.min() + 1 == 6  # 60 of 80 pixels wide
    assert abs(centre_of_mass(image)[1] - 3.5) <= 1.0


def test_a_faint_thin_drawing_is_brightened():
    canvas = np.zeros((280, 280), np.float32)
    canvas[40:240, 139:141] = 0.5  # a thin grey line
    image = prepare_drawing(canvas, 8, DATASETS["digits"].drawing_fill)
    assert image.max() == pytest.approx(1.0)


def test_a_blank_drawing_gives_a_blank_image():
    assert np.array_equal(prepare_drawing(np.zeros((200, 200)), 28), np.zeros((28, 28), np.float32))
    # specks below the ink threshold count as blank too
    assert not prepare_drawing(np.full((50, 50), 0.01), 8).any()


def test_a_drawing_must_be_one_grey_channel():
    with pytest.raises(ValueError, match="one grey channel"):
        prepare_drawing(np.zeros((28, 28, 4)), 28)
    with pytest.raises(ValueError, match="one grey channel"):
        prepare_drawing(np.zeros(28), 28)


def test_rgba_white_strokes_on_black_become_ink():
    rgba = np.zeros((10, 10, 4), np.uint8)
    rgba[..., 3] = 255  # an opaque black canvas
    rgba[2:5, 3:7, :3] = 255
    rgba[6, 6, :3] = 128
    ink = rgba_to_ink(rgba)
    assert ink.shape == (10, 10)
    assert (ink[2:5, 3:7] == 1.0).all()
    assert ink[6, 6] == pytest.approx(128 / 255)
    assert ink.sum() == pytest.approx(12 + 128 / 255)
    np.testing.assert_allclose(rgba_to_ink(rgba[..., :3]), ink)  # RGB without alpha reads the same


def test_rgba_strokes_on_transparency_become_ink():
    rgba = np.zeros((10, 10, 4), np.uint8)
    rgba[..., :3] = 255  # white, but fully transparent: no ink
    rgba[1:4, 1:4, 3] = 255
    rgba[8, 8, 3] = 128  # a half-covered edge pixel
    ink = rgba_to_ink(rgba)
    assert (ink[1:4, 1:4] == 1.0).all() and ink[8, 8] == pytest.approx(128 / 255)
    assert ink.sum() == pytest.approx(9 + 128 / 255)
    assert rgba_to_ink(np.zeros((5, 5, 4), np.uint8)).sum() == 0.0  # an untouched transparent canvas


@pytest.mark.parametrize("colour", [(0, 0, 0), (255, 0, 0), (30, 60, 200)])
def test_any_colour_on_transparency_is_full_ink(colour):
    rgba = np.zeros((6, 6, 4), np.uint8)
    rgba[2:4, 2:4, :3] = colour
    rgba[2:4, 2:4, 3] = 255
    ink = rgba_to_ink(rgba)
    assert (ink[2:4, 2:4] == 1.0).all() and ink.sum() == 4.0


def test_rgba_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="height, width, 3 or 4"):
        rgba_to_ink(np.zeros((10, 10)))
    with pytest.raises(ValueError, match="height, width, 3 or 4"):
        rgba_to_ink(np.zeros((10, 10, 2)))


def test_a_canvas_becomes_a_dataset_like_digit():
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[..., :3] = (stroke_canvas() * 255).astype(np.uint8)[..., None]
    image = prepare_drawing(rgba_to_ink(rgba), IMAGE_SIDES["mnist"])
    np.testing.assert_allclose(image, prepare_drawing(stroke_canvas(), 28), atol=1e-6)


@pytest.mark.parametrize(
    "data",
    [
        {"dataset": "digits", "n_points": 1797, "train_share": 83},
        {"dataset": "digits", "n_points": 150, "train_share": 10, "seed": 4},
        {"dataset": "shapes", "n_points": 2000, "train_share": 10},
    ],
)
def test_image_test_count_is_the_test_set_size_without_loading(data):
    config = DataConfig(**data)
    assert DATASETS[config.dataset].test_count(config) == len(load_dataset(config).x_test)
