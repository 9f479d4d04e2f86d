"""A user's own 2D point sets: reading CSV files, editing, storing by hash, and the ``custom`` dataset."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import shutil

import numpy as np
import pytest

from playground.cli import _format_row
from playground.config import ConfigError, DataConfig, RunConfig, output_layer
from playground.data import two_d
from playground.data.points import (
    MAX_POINTS,
    SCALED_LIMIT,
    PointSet,
    UploadError,
    add_point,
    check_trainable,
    from_dataset_points,
    load_points,
    points_dir,
    points_info,
    points_to_csv,
    read_points_csv,
    remove_nearest,
    store_points,
)
from playground.data.registry import CUSTOM, DATASETS, data_task, dataset_classes, dataset_input_shape, load_dataset
from playground.data.upload import CACHE_ENV
from playground.export import ExportError
from playground.export.pytorch_script import pytorch_script
from playground.layers import Dense
from playground.train.trainer import Trainer


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def csv_text(rows: list[tuple], header: str = "x1,x2,label", separator: str = ",") -> str:
    return "\n".join([header, *(separator.join(str(cell) for cell in row) for row in rows)]) + "\n"


FOUR = [(1, 2, 0), (2, 3, 1), (-1, -2, 0), (0.5, 0.5, 1)]


def generated(name: str, n_classes: int = 3, n_points: int = 200, noise: int = 0) -> PointSet:
    points, labels = two_d.generate_2d(name, n_points, noise, seed=1, n_classes=n_classes)
    task = DATASETS[name].static_task
    return from_dataset_points(points, labels, task, n_classes)


def custom_config(point_set: PointSet, features=("x1", "x2"), **data) -> RunConfig:
    sha = store_points(point_set)
    layers = [Dense(units=6, activation="tanh"), output_layer(point_set.task, point_set.n_classes)]
    return RunConfig(
        data=DataConfig(dataset=CUSTOM, upload=sha, features=list(features), **data), model={"layers": layers}
    )


# Reading: labels, tasks and scaling ----------------------------------------------------------------------------


def test_zero_one_labels_make_a_binary_set_in_generate_2d_conventions():
    point_set = read_points_csv(csv_text(FOUR).encode())
    assert point_set.task == "binary" and point_set.n_classes == 2 and point_set.class_names == ("0", "1")
    assert point_set.points.dtype == np.float32 and point_set.points.shape == (4, 2)
    assert point_set.labels.dtype == np.float32 and point_set.labels.tolist() == [0, 1, 0, 1]
    assert point_set.scale == 1.0 and point_set.label_scale == 1.0 and point_set.ignored_columns == ()
    assert not point_set.points.flags.writeable and not point_set.labels.flags.writeable


def test_minus_one_and_one_map_to_classes_zero_and_one_as_on_tf_playground():
    point_set = read_points_csv(csv_text([(x, y, -1 if label == 0 else 1) for x, y, label in FOUR]))
    assert point_set.task == "binary" and point_set.labels.tolist() == [0, 1, 0, 1]
    assert point_set.class_names == ("-1", "1")


def test_three_to_five_whole_numbers_are_classes_in_sorted_order():
    rows = [(i % 5 - 2, i % 3, [30, 10, 20, 40][i % 4]) for i in range(12)]
    point_set = read_points_csv(csv_text(rows))
    assert point_set.task == "multiclass" and point_set.n_classes == 4
    assert point_set.labels.dtype == np.int64
    assert point_set.class_names == ("10", "20", "30", "40")
    assert point_set.labels.tolist()[:4] == [2, 0, 1, 3]
    ids = read_points_csv(csv_text([(i % 4, i % 3, i % 3) for i in range(9)]))
    assert ids.task == "multiclass" and ids.class_names == ("0", "1", "2") and ids.labels.tolist()[:3] == [0, 1, 2]


def test_real_labels_make_regression_scaled_into_minus_one_one():
    inside = read_points_csv(csv_text([(1, 2, 0.25), (2, 3, -1), (3, 1, 0.5), (0, 0, 1)]))
    assert inside.task == "regression" and inside.n_classes == 1 and inside.class_names == ()
    assert inside.labels.dtype == np.float32 and inside.label_scale == 1.0
    assert inside.labels.tolist() == [0.25, -1, 0.5, 1]
    outside = read_points_csv(csv_text([(1, 2, 0.5), (2, 3, -4), (3, 1, 2), (0, 0, 1)]))
    assert outside.label_scale == 0.25
    np.testing.assert_array_equal(outside.labels, np.float32([0.125, -1, 0.5, 0.25]))


def test_coordinates_outside_the_plane_are_scaled_by_one_factor():
    point_set = read_points_csv(csv_text([(11, 2, 0), (2, -22, 1), (-1, 0, 0), (0.5, 4, 1)]))
    assert point_set.scale == pytest.approx(SCALED_LIMIT / 22)
    assert float(np.abs(point_set.points).max()) == SCALED_LIMIT
    expected = np.array([[11, 2], [2, -22], [-1, 0], [0.5, 4]]) * (SCALED_LIMIT / 22)
    np.testing.assert_allclose(point_set.points, expected, rtol=1e-6)  # both axes, one factor
    edge = read_points_csv(csv_text([(6, -6, 0), (2, 3, 1), (-1, 0, 0), (0.5, 4, 1)]))
    assert edge.scale == 1.0 and edge.points[0].tolist() == [6, -6]  # the plane's edge is inside


def test_headers_separators_and_extra_columns():
    text = "Label; X2 ;id;x1\n" + "\n".join(f"{i % 2};{i},5;row{i};-{i}" for i in range(4))
    point_set = read_points_csv(("\ufeff" + text).encode())
    assert point_set.points.tolist() == [[0, 0.5], [-1, 1.5], [-2, 2.5], [-3, 3.5]]  # decimal commas
    assert point_set.ignored_columns == ("id",)
    tabs = read_points_csv(csv_text(FOUR, header="x1\tx2\tlabel", separator="\t"))
    assert tabs == read_points_csv(csv_text(FOUR))


def test_blank_lines_are_skipped_and_lines_are_counted_as_a_spreadsheet_shows_them():
    text = "x1,x2,label\n1,2,0\n\n2,3,1\n,,\n-1,-2,0\n0.5,0.5,1\n\n"
    assert len(read_points_csv(text)) == 4
    with pytest.raises(UploadError, match="column x2 holds 'b' in line 5"):
        read_points_csv("x1,x2,label\n1,2,0\n\n2,3,1\n4,b,1\n5,5,0\n")


BAD_FILES = [
    ("", r"^the file is empty; upload a CSV whose first line is x1,x2,label"),
    (b"  \n\n", r"^the file is empty"),
    (b"\xff\xfex\x001", r"^the file is UTF-16 text .*; save it as CSV UTF-8"),
    (b"x1,x2\n\xc3(", r"^the file is not UTF-8 text \(byte 7 cannot be read\); save it as CSV UTF-8"),
    ("x\0,1\n", r"holds NUL bytes.*save it as CSV UTF-8"),
    ("a,b,label\n1,2,0\n", r"^the columns x1 and x2 are missing \(the file has a, b, label\); name the columns x1, x2"),
    ("x1,y,lbl\n1,2,0\n", r"^the columns x2 and label are missing \(the file has x1, y, lbl\)"),
    ("x1,x2\n1,2\n", r"^the column label is missing \(the file has x1, x2\)"),
    ("1,2,0\n2,3,1\n", r"^the first line must be the header x1,x2,label.*starts with the numbers 1,2,0"),
    ("x1,X1,x2,label\n", r"^the header names the column x1 more than once; keep one"),
    ("x1,x2,label\n", r"^the file has a header but no points"),
    (csv_text(FOUR[:3]), r"^the file has 3 points; the playground needs at least 4 to learn from"),
    (csv_text([*FOUR, (1, "abc", 0)]), r"^column x2 holds 'abc' in line 6, which is not a number; write numbers"),
    (
        csv_text([*FOUR, (1, 2, "red")]),
        r"^column label holds 'red' in line 6, which is not a number; labels are numbers",
    ),
    (csv_text([(1, "", 0), *FOUR]), r"^column x2 is empty in line 2; fill in a number or delete that line"),
    ("x1,x2,label\n1,2\n2,3,1\n-1,-2,0\n0.5,0.5,1\n", r"^column label is empty in line 2"),
    (csv_text([*FOUR[:2], ("nan", 1, 0), *FOUR[2:]]), r"^column x1 holds NaN \(no value\) in line 4"),
    (csv_text([*FOUR, (1, "-inf", 0)]), r"^column x2 holds an infinite number in line 6; replace it with a real"),
    (csv_text([*FOUR, (1, "1e999", 0)]), r"^column x2 holds an infinite number in line 6"),
    ("x1,x2,label\n1,2,0,7\n2,3,1\n-1,-2,0\n0.5,0.5,1\n", r"^line 2 has 4 values but the header names 3 columns"),
    (csv_text([(i, i, 0) for i in range(5)]), r"^every point has the label 0; a network needs at least two different"),
    (csv_text([(i, i, 0.5) for i in range(5)]), r"^every point has the label 0\.5"),
    (
        csv_text([*FOUR, (1, 1, 0)]).replace("1\n-1", "0\n-1"),
        r"^class 1 has only 1 point; every class needs at least 2",
    ),
    (
        csv_text([(i % 5, 1, i % 6) for i in range(12)]),
        r"^the labels are 6 different whole numbers.*takes 2 to 5 classes",
    ),
    (csv_text([(1, 2, i % 2) for i in range(MAX_POINTS + 1)]), r"^the file has 5,001 points; .* at most 5,000"),
]


@pytest.mark.parametrize(("data", "message"), BAD_FILES)
def test_bad_files_are_refused_with_one_sentence_that_says_what_to_do(data, message):
    with pytest.raises(UploadError, match=message) as caught:
        read_points_csv(data)
    assert "\n" not in str(caught.value)


def test_class_counts_name_the_class_as_the_file_wrote_it():
    rows = [(i, 1, [7, 8, 9][min(i, 2)] if i < 3 else [7, 8][i % 2]) for i in range(8)]
    with pytest.raises(UploadError, match=r"^class 9 has only 1 point; every class needs at least 2"):
        read_points_csv(csv_text(rows))


def test_odd_input_never_crashes():
    rng = np.random.default_rng(0)
    valid = csv_text([(round(rng.normal(), 3), round(rng.normal(), 3), i % 2) for i in range(30)])
    odd = [
        bytes(rng.integers(0, 256, 200, dtype=np.uint8)),
        b"\xef\xbb\xbf",
        '"x1,x2,label\n1,2,0',
        "x1,x2,label\n" + '"' * 50,
        "x1,x2,label\n" + "1," * 100000,
        "x1;x2,label\n1;2,0\n",
        "\r\n".join(["x1,x2,label", *(f"{i},{i},{i % 2}" for i in range(6))]),
        "x1,x2,label\n" + "\n".join(f"1e308,{-i}e308,{i % 2}" for i in range(6)),
        "x1,x2,label\n" + "\n".join(f"1e-320,{i}e-300,{i % 2}" for i in range(6)),
        "x1,x2,label\n" + "\n".join(f"{i},{i},{i * 1e300}" for i in range(6)),
    ]
    for _ in range(300):
        chars = list(valid)
        for _ in range(int(rng.integers(1, 6))):
            position = int(rng.integers(0, len(chars)))
            chars[position] = str(rng.choice(list(",;\t\n\"'.-e x0123456789nafi\0é")))
        odd.append("".join(chars))
    for data in odd:
        try:
            point_set = read_points_csv(data)
        except UploadError as error:
            assert str(error) and "\n" not in str(error)
        else:
            assert np.isfinite(point_set.points).all() and np.abs(point_set.points).max() <= two_d.COORD_LIMIT
            check_trainable(point_set)


# Storing ------------------------------------------------------------------------------------------------------


def test_store_and_load_round_trip_by_hash(cache):
    point_set = read_points_csv(csv_text([(11, 2, 0), (2, -22, 1), (-1, 0, 0), (0.5, 4, 1)], header="x1,x2,label,n"))
    sha = store_points(point_set)
    assert re.fullmatch(r"[0-9a-f]{64}", sha) and store_points(point_set) == sha  # idempotent
    assert points_dir() == cache / "points" and [path.name for path in points_dir().iterdir()] == [f"{sha}.points"]
    loaded = load_points(sha)
    assert loaded == point_set and loaded.labels.dtype == np.float32 and loaded.points.dtype == np.float32
    info = points_info(sha)
    assert (info.task, info.n_classes, info.n_points, info.class_names) == ("binary", 2, 4, ("0", "1"))
    assert info.scale == point_set.scale
    multiclass = generated("blobs", n_classes=4)
    other = store_points(multiclass)
    assert other != sha and load_points(other) == multiclass and load_points(other).labels.dtype == np.int64
    assert points_info(other).n_classes == 4


def test_missing_changed_and_damaged_sets_are_refused():
    with pytest.raises(UploadError, match=r"^the point set 000000000000… is no longer stored on this computer; upload"):
        load_points("0" * 64)
    with pytest.raises(UploadError, match="no longer stored on this computer"):
        points_info("1" * 64)
    with pytest.raises(UploadError, match=r"^'nope' is not the sha256 of a stored point set"):
        load_points("nope")
    with pytest.raises(UploadError, match="is not the sha256"):
        points_info("../" + "0" * 61)
    sha = store_points(read_points_csv(csv_text(FOUR)))
    path = points_dir() / f"{sha}.points"
    path.write_bytes(path.read_bytes()[:-1] + b"\1")
    with pytest.raises(UploadError, match=r"was changed on disk; upload its CSV again"):
        load_points(sha)
    damaged = b"not json\n"
    sha = hashlib.sha256(damaged).hexdigest()
    (points_dir() / f"{sha}.points").write_bytes(damaged)
    with pytest.raises(UploadError, match=r"is damaged .*; upload its CSV again"):
        load_points(sha)
    with pytest.raises(UploadError, match=r"is damaged"):
        points_info(sha)


def test_only_trainable_sets_are_stored():
    with pytest.raises(UploadError, match="the set has 3 points; the playground needs at least 4"):
        store_points(from_dataset_points(np.zeros((3, 2)), [0, 1, 1], "binary", 2))
    with pytest.raises(UploadError, match="class 2 has no points"):
        store_points(from_dataset_points(np.zeros((6, 2)), [0, 1, 0, 1, 0, 1], "multiclass", 3))


# Editing ------------------------------------------------------------------------------------------------------


def test_add_and_remove_make_new_sets():
    start = read_points_csv(csv_text(FOUR))
    added = add_point(start, 3, -4.5, 1)
    assert len(start) == 4 and len(added) == 5 and added.points[-1].tolist() == [3, -4.5]
    assert added.labels.dtype == np.float32 and added.labels[-1] == 1
    assert remove_nearest(added, 3.2, -4.3) == start
    assert remove_nearest(start, 3.2, -4.3) is start  # nothing within the radius
    assert remove_nearest(start, 1.6, 2.0, radius=0.5) is start
    removed = remove_nearest(start, 1.3, 2.1, radius=0.5)
    assert removed.points.tolist() == [[2, 3], [-1, -2], [0.5, 0.5]]
    assert len(remove_nearest(PointSet(np.zeros((0, 2)), np.zeros(0), "binary", 2), 0, 0)) == 0
    assert remove_nearest(start, float("nan"), 0) is start


def test_edits_refuse_points_outside_the_plane_and_labels_that_do_not_fit():
    binary = read_points_csv(csv_text(FOUR))
    with pytest.raises(UploadError, match=r"^the point \(6.5, 0\) lies outside the plane; both coordinates must be"):
        add_point(binary, 6.5, 0, 1)
    with pytest.raises(UploadError, match="outside the plane"):
        add_point(binary, 0, float("inf"), 1)
    with pytest.raises(UploadError, match=r"^the label 2 does not fit a two-class set; use 0 or 1"):
        add_point(binary, 0, 0, 2)
    multiclass = generated("moons", n_classes=4)
    assert add_point(multiclass, 0, 0, 3).labels[-1] == 3
    with pytest.raises(
        UploadError, match=r"^the label 4 does not fit a set of 4 classes; use a class number from 0 to 3"
    ):
        add_point(multiclass, 0, 0, 4)
    with pytest.raises(UploadError, match="does not fit a set of 4 classes"):
        add_point(multiclass, 0, 0, 1.5)
    regression = generated("multi_gauss")
    assert add_point(regression, 0, 0, -0.75).labels[-1] == -0.75
    with pytest.raises(UploadError, match=r"^the label 1.5 does not fit a regression set; use a number between -1"):
        add_point(regression, 0, 0, 1.5)
    with pytest.raises(UploadError, match="does not fit a regression set"):
        add_point(regression, 0, 0, "high")
    full = from_dataset_points(np.zeros((MAX_POINTS, 2)), np.arange(MAX_POINTS) % 2, "binary", 2)
    with pytest.raises(UploadError, match="already has 5,000 points, the most the 2D playground takes"):
        add_point(full, 0, 0, 1)


def test_a_set_can_be_drawn_from_nothing():
    point_set = PointSet(np.zeros((0, 2)), np.zeros(0), "multiclass", 3)
    assert len(point_set) == 0 and point_set.class_names == ("0", "1", "2")
    with pytest.raises(UploadError, match="the set has no points"):
        check_trainable(point_set)
    for index in range(6):
        point_set = add_point(point_set, index - 3, 1, index % 3)
    check_trainable(point_set)
    assert point_set.labels.dtype == np.int64 and points_info(store_points(point_set)).task == "multiclass"


def test_from_dataset_points_keeps_the_generated_set():
    data = load_dataset(DataConfig(dataset="gauss", noise=50, n_points=300))
    points = np.concatenate([data.points_train, data.points_test])
    labels = np.concatenate([data.y_train, data.y_test])
    point_set = from_dataset_points(points, labels, data.task, data.n_classes)
    assert point_set.task == "binary" and point_set.n_classes == 2 and len(point_set) == 300
    np.testing.assert_array_equal(point_set.points, points)  # even points a wide cloud puts off the plane
    with pytest.raises(UploadError, match="labels of a binary set must be class numbers from 0 to 1"):
        from_dataset_points(points, labels * 2, "binary", 2)


# CSV out ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "classes"), [("circle", 2), ("moons", 5), ("blobs", 3), ("multi_gauss", 1)])
def test_csv_round_trip_is_exact(name, classes):
    point_set = generated(name, n_classes=classes, n_points=500)
    text = points_to_csv(point_set)
    assert text.startswith(b"x1,x2,label\n") and text.count(b"\n") == 501
    back = read_points_csv(text)
    assert (back.task, back.n_classes, back.scale, back.label_scale) == (point_set.task, classes, 1.0, 1.0)
    assert back.labels.dtype == point_set.labels.dtype
    np.testing.assert_array_equal(back.points, point_set.points)
    np.testing.assert_array_equal(back.labels, point_set.labels)


def test_csv_writes_few_digits_and_stays_exact_for_any_float32():
    rng = np.random.default_rng(3)
    points = rng.uniform(-6, 6, size=(4000, 2)).astype(np.float32)
    point_set = from_dataset_points(points, rng.uniform(-1, 1, 4000).astype(np.float32), "regression", 1)
    assert read_points_csv(points_to_csv(point_set)) == point_set
    simple = read_points_csv(csv_text([(0.1, 2, 0), (2, 3, 1), (-1, -2, 0), (0.5, 0.5, 1)]))
    assert points_to_csv(simple).decode().splitlines()[1] == "0.1,2.0,0"
    multiclass = read_points_csv(csv_text([(i, i, [10, 20, 30][i % 3]) for i in range(6)]))
    assert points_to_csv(multiclass).decode().splitlines()[1:4] == ["0.0,0.0,0", "1.0,1.0,1", "2.0,2.0,2"]


# The ``custom`` dataset -----------------------------------------------------------------------------------------


def test_custom_sets_load_like_generated_ones():
    point_set = generated("spiral", n_points=300)
    config = custom_config(point_set, features=("x1", "x2", "x1_x2", "sin_x1"), train_share=70, seed=4)
    assert config.task == "binary" and config.input_shape == (4,) and config.output_size == 1
    assert data_task(config.data) == "binary" and dataset_input_shape(config.data) == (4,)
    data = load_dataset(config.data)
    train, test = two_d.train_test_split_indices(300, 70, 4)
    assert len(data.x_train) == 210 and len(data.x_test) == 90
    inputs = two_d.feature_matrix(point_set.points, ["x1", "x2", "x1_x2", "sin_x1"])
    np.testing.assert_array_equal(data.x_train, inputs[train])
    np.testing.assert_array_equal(data.y_test, point_set.labels[test])
    np.testing.assert_array_equal(data.points_train, point_set.points[train])
    np.testing.assert_array_equal(data.points_test, point_set.points[test])
    assert data.feature_names == ["x1", "x2", "x1_x2", "sin_x1"] and data.n_classes == 2
    assert data.y_train.flags.writeable and data.x_train.dtype == np.float32
    again = load_dataset(config.data.model_copy(update={"n_points": 4000, "noise": 50}))  # both ignored
    np.testing.assert_array_equal(again.x_train, data.x_train)
    other_seed = load_dataset(config.data.model_copy(update={"seed": 5}))
    assert not np.array_equal(other_seed.x_train, data.x_train)


def test_a_custom_multiclass_set_sets_the_output_size():
    point_set = generated("blobs", n_classes=5)
    config = custom_config(point_set)
    assert config.task == "multiclass" and config.output_size == 5 and dataset_classes(config.data) == 5
    data = load_dataset(config.data)
    assert data.task == "multiclass" and data.n_classes == 5 and data.y_train.dtype == np.int64
    raw = config.model_dump()
    raw["model"]["layers"][-1]["units"] = 3
    with pytest.raises(ConfigError, match="a multiclass task on custom needs 5 outputs"):
        RunConfig.from_dict(raw)
    regression = custom_config(generated("multi_gauss"))
    assert regression.task == "regression" and regression.loss == "mse"


def test_data_config_refusals():
    with pytest.raises(ConfigError, match=r"data\.upload: a custom point set needs the sha256 of its points"):
        RunConfig.from_dict({"data": {"dataset": "custom"}, "model": {"layers": [{"kind": "dense", "units": 1}]}})
    with pytest.raises(ConfigError, match=r"data\.upload: the point set 000000000000… is no longer stored"):
        RunConfig.from_dict({"data": {"dataset": "custom", "upload": "0" * 64}, "model": {"layers": []}})
    with pytest.raises(ConfigError, match=r"data\.upload: 'x' is not the sha256 of a stored point set"):
        RunConfig.from_dict({"data": {"dataset": "custom", "upload": "x"}, "model": {"layers": []}})
    sha = store_points(read_points_csv(csv_text(FOUR)))
    with pytest.raises(ConfigError, match=r"data\.upload: only the datasets 'upload' \(a table\), 'custom'"):
        RunConfig.from_dict({"data": {"dataset": "circle", "upload": sha}, "model": {"layers": []}})
    with pytest.raises(ConfigError, match=r"data\.upload: the uploaded table .* is not stored"):  # a points sha
        RunConfig.from_dict({"data": {"dataset": "upload", "upload": sha}, "model": {"layers": []}})
    assert DataConfig(dataset=CUSTOM, upload=sha, n_points=20_000).n_points == 20_000  # ignored, not refused
    assert DATASETS[CUSTOM].page == "2d" and DATASETS[CUSTOM].max_points == MAX_POINTS


def test_url_and_json_round_trips_keep_the_set():
    config = custom_config(generated("moons", n_classes=4), features=("x1", "x2_sq"), train_share=60)
    back = RunConfig.from_url_param(config.to_url_param())
    assert back == config and back.data.upload == config.data.upload and back.output_size == 4
    assert RunConfig.from_json(config.to_json()) == config


def import_script(source: str, path):
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def epoch_numbers(lines: list[str]) -> list[list[float]]:
    return [[float(number) for number in re.findall(r"-?\d+\.\d+|\d+", line)] for line in lines]


@pytest.mark.parametrize(("name", "classes"), [("xor", 2), ("blobs", 4), ("multi_gauss", 1)])
def test_the_exported_script_carries_the_same_points(name, classes, tmp_path, capsys):
    config = custom_config(generated(name, n_classes=classes, noise=20), features=("x1", "x2", "x1_sq"), seed=3)
    config = RunConfig.from_dict({**config.model_dump(), "training": {"epochs": 2, "optimizer": "adam"}})
    source = pytorch_script(config)
    assert config.data.upload not in source and "nn-playground" not in source
    script = import_script(source, tmp_path / "custom.py")
    dataset = load_dataset(config.data)
    for made, wanted in zip(
        script.load_data(), (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test), strict=True
    ):
        assert made.dtype == wanted.dtype
        np.testing.assert_array_equal(made, wanted)
    script.main()
    lines = capsys.readouterr().out.strip().splitlines()
    trainer = Trainer(config)
    expected = [_format_row(trainer.train_epoch()) for _ in range(2)]
    np.testing.assert_allclose(epoch_numbers(lines), epoch_numbers(expected), atol=2e-4)


def test_export_of_a_set_that_is_gone_is_refused(cache):
    config = custom_config(generated("circle"))
    shutil.rmtree(cache / "points")
    with pytest.raises(ExportError, match=r"data\.upload: the point set .* is no longer stored on this computer"):
        pytorch_script(config)
