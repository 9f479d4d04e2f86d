"""Behavioural tests for the 2-D toy datasets, input features, splits and grids."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from playground.data.tabular import make_seed_ffn
from playground.data.two_d import (
    CLASSIFICATION_2D,
    COORD_LIMIT,
    FEATURE_LABELS,
    FEATURES,
    MULTICLASS_2D,
    REGRESSION_2D,
    boundary_grid,
    feature_matrix,
    generate_2d,
    train_test_split_indices,
)

ALL_NAMES = CLASSIFICATION_2D + REGRESSION_2D + MULTICLASS_2D


# --------------------------------------------------------------------------- generate_2d: general contract


@pytest.mark.parametrize("name", ALL_NAMES)
def test_same_seed_same_data_other_seed_other_data(name: str) -> None:
    points_a, labels_a = generate_2d(name, 200, 10, seed=7)
    points_b, labels_b = generate_2d(name, 200, 10, seed=7)
    points_c, _ = generate_2d(name, 200, 10, seed=8)
    np.testing.assert_array_equal(points_a, points_b)
    np.testing.assert_array_equal(labels_a, labels_b)
    assert not np.array_equal(points_a, points_c)


@pytest.mark.parametrize("name", ALL_NAMES)
@pytest.mark.parametrize("n_points", [1, 2, 201])
def test_shapes_and_dtypes(name: str, n_points: int) -> None:
    points, labels = generate_2d(name, n_points, 25, seed=0)
    assert points.shape == (n_points, 2)
    assert labels.shape == (n_points,)
    assert points.dtype == np.float32
    assert labels.dtype == (np.int64 if name in MULTICLASS_2D else np.float32)


@pytest.mark.parametrize("name", ALL_NAMES)
@pytest.mark.parametrize("noise", [0, 50])
def test_points_are_finite_and_mostly_on_the_plane(name: str, noise: int) -> None:
    points, _ = generate_2d(name, 1000, noise, seed=3, n_classes=5)
    assert np.all(np.isfinite(points))
    inside = np.all(np.abs(points) <= COORD_LIMIT, axis=1).mean()
    if name in ("circle", "xor", "spiral", "plane", "multi_gauss") and noise == 0:
        assert inside == 1.0  # drawn inside the plane by construction
    else:
        assert inside > 0.9  # Gaussian clouds may spill over the edge, as in TensorFlow Playground


@pytest.mark.parametrize("name", ["gauss", "spiral"])
def test_binary_label_set_and_exact_balance(name: str) -> None:
    # These two sets fix the label per generated half, whatever the noise.
    _, labels = generate_2d(name, 301, 50, seed=1)
    assert set(np.unique(labels).tolist()) == {0.0, 1.0}
    assert abs(int(labels.sum()) - 150) <= 1


@pytest.mark.parametrize("name", ["circle", "xor"])
def test_binary_label_set_and_rough_balance(name: str) -> None:
    # Noise relabels points here, so balance is only approximate.
    _, labels = generate_2d(name, 2000, 20, seed=1)
    assert set(np.unique(labels).tolist()) == {0.0, 1.0}
    assert 0.35 < labels.mean() < 0.65


@pytest.mark.parametrize("name", REGRESSION_2D)
def test_regression_labels_are_real_and_bounded(name: str) -> None:
    _, labels = generate_2d(name, 2000, 30, seed=2)
    # multi-gauss is clamped to [-1, 1]; plane is (x + y + jitter) / 10 with |x + y| <= 12 and jitter <= 2 * 6 * 0.3
    bound = 1.0 if name == "multi_gauss" else (12 + 2 * 6 * 0.3) / 10
    assert labels.min() >= -bound and labels.max() <= bound
    assert len(np.unique(labels)) > 100  # genuinely real-valued, not classes
    assert labels.min() < -0.5 and labels.max() > 0.5  # spans both signs


@pytest.mark.parametrize("name", MULTICLASS_2D)
@pytest.mark.parametrize("n_classes", [3, 4, 5])
def test_multiclass_labels_and_balance(name: str, n_classes: int) -> None:
    _, labels = generate_2d(name, 1003, 20, seed=4, n_classes=n_classes)
    counts = np.bincount(labels, minlength=n_classes)
    assert len(counts) == n_classes
    assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("name", MULTICLASS_2D)
@pytest.mark.parametrize("n_classes", [3, 5])
def test_multiclass_is_learnable_without_noise(name: str, n_classes: int) -> None:
    train_x, train_y = generate_2d(name, 1000, 0, seed=5, n_classes=n_classes)
    test_x, test_y = generate_2d(name, 1000, 0, seed=6, n_classes=n_classes)
    assert KNeighborsClassifier(5).fit(train_x, train_y).score(test_x, test_y) > 0.97


def test_rows_are_shuffled_so_a_prefix_mixes_classes() -> None:
    _, labels = generate_2d("gauss", 400, 0, seed=0)
    assert 0 < labels[:50].sum() < 50


def test_unknown_dataset_is_named_and_known_ones_listed() -> None:
    with pytest.raises(ValueError, match="banana") as info:
        generate_2d("banana", 10, 0, seed=0)
    for name in ALL_NAMES:
        assert name in str(info.value)


@pytest.mark.parametrize("n_classes", [2, 6])
def test_multiclass_rejects_bad_class_count(n_classes: int) -> None:
    with pytest.raises(ValueError, match="n_classes"):
        generate_2d("moons", 10, 0, seed=0, n_classes=n_classes)


def test_binary_sets_ignore_n_classes() -> None:
    a = generate_2d("circle", 50, 0, seed=0, n_classes=3)
    b = generate_2d("circle", 50, 0, seed=0, n_classes=9)
    np.testing.assert_array_equal(a[0], b[0])


@pytest.mark.parametrize("noise", [-1, 51])
def test_noise_out_of_range_is_rejected(noise: int) -> None:
    with pytest.raises(ValueError, match="noise"):
        generate_2d("xor", 10, noise, seed=0)


# --------------------------------------------------------------------------- generate_2d: geometry


def test_circle_without_noise_is_separated_by_radius() -> None:
    points, labels = generate_2d("circle", 1000, 0, seed=11)
    radius = np.linalg.norm(points, axis=1)
    assert np.all(radius[labels == 1] <= 2.5 + 1e-5)
    assert np.all(radius[labels == 0] >= 3.5 - 1e-5)
    assert np.all(radius <= 5 + 1e-5)
    assert labels.sum() == 500


def test_circle_noise_flips_some_labels_against_the_radius_rule() -> None:
    points, labels = generate_2d("circle", 1000, 50, seed=11)
    radius_rule = (np.linalg.norm(points, axis=1) < 2.5).astype(np.float32)
    disagree = np.mean(radius_rule != labels)
    assert 0.01 < disagree < 0.5


def test_xor_without_noise_follows_the_sign_rule_and_padding() -> None:
    points, labels = generate_2d("xor", 1000, 0, seed=12)
    expected = (points[:, 0] * points[:, 1] >= 0).astype(np.float32)
    np.testing.assert_array_equal(labels, expected)
    assert np.all(np.abs(points) >= 0.3 - 1e-6)  # padded away from the axes
    assert np.all(np.abs(points) <= 5.3 + 1e-5)


def test_xor_noise_breaks_the_sign_rule_for_some_points() -> None:
    points, labels = generate_2d("xor", 1000, 50, seed=12)
    expected = (points[:, 0] * points[:, 1] >= 0).astype(np.float32)
    assert np.any(labels != expected)


def test_gauss_class_means() -> None:
    points, labels = generate_2d("gauss", 2000, 0, seed=13)
    np.testing.assert_allclose(points[labels == 1].mean(axis=0), [2, 2], atol=0.15)
    np.testing.assert_allclose(points[labels == 0].mean(axis=0), [-2, -2], atol=0.15)


def test_gauss_noise_widens_the_clouds() -> None:
    calm, calm_labels = generate_2d("gauss", 2000, 0, seed=13)
    noisy, noisy_labels = generate_2d("gauss", 2000, 50, seed=13)
    # Variance 0.5 at noise 0, 4 at noise 50 (TF's scale); clipping trims the wide one a little.
    assert calm[calm_labels == 1].std(axis=0) == pytest.approx([np.sqrt(0.5)] * 2, rel=0.1)
    assert np.all(noisy[noisy_labels == 1].std(axis=0) > 1.6)


def test_spiral_without_noise_lies_on_two_opposite_arms() -> None:
    points, labels = generate_2d("spiral", 400, 0, seed=14)
    assert np.all(np.linalg.norm(points, axis=1) < 5)
    # The arms are each other's point reflection: negating arm 1 gives arm 0.
    arm1 = points[labels == 1]
    arm0 = points[labels == 0]
    order1 = np.argsort(np.linalg.norm(arm1, axis=1))
    order0 = np.argsort(np.linalg.norm(arm0, axis=1))
    np.testing.assert_allclose(-arm1[order1], arm0[order0], atol=1e-4)


def test_plane_label_is_the_scaled_diagonal_without_noise() -> None:
    points, labels = generate_2d("plane", 500, 0, seed=15)
    expected = points.sum(axis=1) / 10  # TF's d3 scale is not clamped
    np.testing.assert_allclose(labels, expected, atol=1e-5)


def test_multi_gauss_peaks_at_the_centres_and_vanishes_far_away() -> None:
    points, labels = generate_2d("multi_gauss", 5000, 0, seed=16)
    near_pos = np.linalg.norm(points - np.array([-4, 2.5]), axis=1) < 0.3  # sign +1 bump
    near_neg = np.linalg.norm(points - np.array([0, 2.5]), axis=1) < 0.3  # sign -1 bump
    assert np.all(labels[near_pos] > 0.8)
    assert np.all(labels[near_neg] < -0.8)
    centres = np.array([[-4, 2.5], [0, 2.5], [4, 2.5], [-4, -2.5], [0, -2.5], [4, -2.5]])
    far = np.min(np.linalg.norm(points[:, None] - centres[None], axis=2), axis=1) > 2
    assert far.any() and np.all(labels[far] == 0)


# --------------------------------------------------------------------------- features


def test_feature_names_order_and_labels() -> None:
    expected = ["x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2"]
    assert list(FEATURES) == expected
    assert list(FEATURE_LABELS) == expected
    assert FEATURE_LABELS["x1"] == "x₁"
    assert FEATURE_LABELS["x1_sq"] == "x₁²"
    assert FEATURE_LABELS["x1_x2"] == "x₁·x₂"
    assert FEATURE_LABELS["sin_x2"] == "sin(x₂)"


def test_feature_matrix_values() -> None:
    points = np.array([[1.0, 2.0], [-3.0, 0.5], [0.0, -4.0]], dtype=np.float32)
    matrix = feature_matrix(points, ["x1_x2", "sin_x1", "x2_sq", "x1", "sin_x2", "x1_sq", "x2"])
    assert matrix.shape == (3, 7)
    assert matrix.dtype == np.float32
    x1, x2 = points[:, 0], points[:, 1]
    np.testing.assert_allclose(matrix[:, 0], x1 * x2)
    np.testing.assert_allclose(matrix[:, 1], np.sin(x1), rtol=1e-6)
    np.testing.assert_allclose(matrix[:, 2], x2**2)
    np.testing.assert_allclose(matrix[:, 3], x1)
    np.testing.assert_allclose(matrix[:, 4], np.sin(x2), rtol=1e-6)
    np.testing.assert_allclose(matrix[:, 5], x1**2)
    np.testing.assert_allclose(matrix[:, 6], x2)


def test_feature_matrix_unknown_feature_names_it_and_lists_allowed() -> None:
    with pytest.raises(ValueError, match="cos_x1") as info:
        feature_matrix(np.zeros((2, 2)), ["x1", "cos_x1"])
    for name in FEATURES:
        assert name in str(info.value)


def test_feature_matrix_rejects_empty_selection_and_bad_shape() -> None:
    with pytest.raises(ValueError):
        feature_matrix(np.zeros((2, 2)), [])
    with pytest.raises(ValueError, match="shape"):
        feature_matrix(np.zeros((2, 3)), ["x1"])


# --------------------------------------------------------------------------- split and grid


@pytest.mark.parametrize(("n_points", "share"), [(100, 50), (500, 10), (500, 90), (37, 70)])
def test_split_covers_all_points_disjointly_with_the_right_share(n_points: int, share: int) -> None:
    train, test = train_test_split_indices(n_points, share, seed=3)
    assert train.dtype == np.int64 and test.dtype == np.int64
    assert len(np.intersect1d(train, test)) == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(n_points))
    assert abs(len(train) - n_points * share / 100) <= 1


def test_split_is_shuffled_and_deterministic() -> None:
    train_a, test_a = train_test_split_indices(200, 50, seed=1)
    train_b, test_b = train_test_split_indices(200, 50, seed=1)
    train_c, _ = train_test_split_indices(200, 50, seed=2)
    np.testing.assert_array_equal(train_a, train_b)
    np.testing.assert_array_equal(test_a, test_b)
    assert not np.array_equal(train_a, train_c)
    assert not np.array_equal(np.sort(train_a), np.arange(100))  # not just the first half


def test_split_keeps_both_sides_non_empty_for_tiny_sets() -> None:
    train, test = train_test_split_indices(2, 90, seed=0)
    assert len(train) == 1 and len(test) == 1


@pytest.mark.parametrize("share", [5, 95])
def test_split_rejects_share_outside_10_to_90(share: int) -> None:
    with pytest.raises(ValueError, match="train_share"):
        train_test_split_indices(100, share, seed=0)


def test_boundary_grid_extent_and_row_major_order() -> None:
    xs, ys, points = boundary_grid(5)
    assert xs.shape == (5,) and ys.shape == (5,) and points.shape == (25, 2)
    assert points.dtype == np.float32
    assert xs[0] == -COORD_LIMIT and xs[-1] == COORD_LIMIT
    assert ys[0] == -COORD_LIMIT and ys[-1] == COORD_LIMIT
    # y outer, x inner: the first row walks along x at the lowest y.
    np.testing.assert_array_equal(points[:5, 0], xs)
    np.testing.assert_array_equal(points[:5, 1], np.full(5, ys[0]))
    np.testing.assert_array_equal(points[5:10, 1], np.full(5, ys[1]))
    # Reshaping a function of the points gives a [y, x] image.
    image = points[:, 1].reshape(5, 5)
    np.testing.assert_array_equal(image[:, 0], ys)


def test_boundary_grid_default_resolution() -> None:
    xs, ys, points = boundary_grid()
    assert len(xs) == len(ys) == 100 and points.shape == (10_000, 2)


# --------------------------------------------------------------------------- seed article task


def test_seed_sequences_ffn_shape_labels_and_determinism() -> None:
    features, labels = make_seed_ffn(500, 100, seed=0)
    assert features.shape == (500, 100) and labels.shape == (500,)
    assert features.dtype == np.float32 and labels.dtype == np.float32
    assert set(np.unique(labels).tolist()) == {0.0, 1.0}
    assert 0.4 < labels.mean() < 0.6
    np.testing.assert_allclose(features.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(features.std(axis=0), 1, atol=1e-4)
    again, again_labels = make_seed_ffn(500, 100, seed=0)
    np.testing.assert_array_equal(features, again)
    np.testing.assert_array_equal(labels, again_labels)
    other, _ = make_seed_ffn(500, 100, seed=1)
    assert not np.array_equal(features, other)


def test_seed_sequences_ffn_is_learnable_but_not_trivial() -> None:
    features, labels = make_seed_ffn(2000, 100, seed=0)
    model = LogisticRegression(max_iter=2000).fit(features[:1500], labels[:1500])
    accuracy = model.score(features[1500:], labels[1500:])
    assert 0.6 < accuracy < 0.99
