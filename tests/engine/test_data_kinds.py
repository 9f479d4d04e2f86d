"""Each dataset's kind answers for its data: the shapes, classes and test counts it states are those of the arrays it
makes, the settings it says it reads change its data and the others do not (the pages show a slider for each
setting a kind reads), and each kind refuses what does not fit it."""

from __future__ import annotations

import numpy as np
import pydantic
import pytest

from playground.config import DataConfig
from playground.data.kinds.base import UploadKind
from playground.data.registry import DATASETS, class_name, kind_of, load_dataset
from playground.presets import load_preset

#: Small settings of every dataset that needs no upload (the uploads have tests of their own).
SMALL = {
    name: {"dataset": name, "n_points": 200, "steps": 12, "n_features": 4}
    for name, kind in DATASETS.items()
    if not isinstance(kind, UploadKind)
}
#: A different value for each setting a kind may read.
CHANGED = {
    "n_points": 300,
    "noise": 20,
    "n_classes": 4,
    "n_features": 5,
    "steps": 15,
    "frequency": 7,
    "features": ["x1"],
}


def small(name: str, **changes) -> DataConfig:
    raw = {**SMALL[name], **changes}
    if name == "text":  # its windows must fit the text's parts
        raw["n_points"] = min(raw["n_points"], 300)
    return DataConfig(**raw)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_what_a_kind_states_is_what_it_makes(name):
    data = small(name)
    kind = kind_of(data)
    dataset = load_dataset(data)
    assert dataset.x_train.shape[1:] == kind.input_shape(data) == dataset.x_test.shape[1:]
    assert dataset.task == kind.task(data)
    if dataset.task == "multiclass":
        assert dataset.n_classes == kind.classes(data) == len(kind.class_names(data))
    if kind.images or kind.sequences:
        assert kind.test_count(data) == len(dataset.x_test)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_the_settings_a_kind_reads_change_its_data_and_the_others_do_not(name):
    kind = DATASETS[name]
    base = load_dataset(small(name))
    for setting, value in CHANGED.items():
        try:
            changed = load_dataset(small(name, **{setting: value}))
        except pydantic.ValidationError:
            assert setting in kind.settings, (name, setting)  # only a setting it reads can be refused
            continue
        same = all(
            np.array_equal(getattr(base, part), getattr(changed, part)) for part in ("x_train", "y_train", "x_test")
        )
        assert same != (setting in kind.settings), (name, setting)


def test_a_dataset_without_an_upload_refuses_one_and_an_upload_needs_one():
    with pytest.raises(pydantic.ValidationError, match="only the datasets 'upload'"):
        DataConfig(dataset="circle", upload="0" * 64)
    for name, kind in DATASETS.items():
        if kind.takes_upload:
            with pytest.raises(pydantic.ValidationError, match="upload: .* needs the sha256 of its"):
                DataConfig(dataset=name)


def test_every_dataset_names_a_page_that_trains_it_and_a_preset_of_its_own():
    assert {kind.page for kind in DATASETS.values()} == {"2d", "tab", "cnn", "seq"}
    for name, kind in DATASETS.items():
        if kind.preset is not None:
            assert load_preset(kind.preset).data.dataset == name, name


def test_a_class_is_named_by_the_data_or_by_its_number():
    assert class_name(("cat", "dog"), 1) == "dog"
    assert class_name(("cat", "dog"), 2) == "2"  # more classes than names: the number
    assert class_name((), 0) == "0" and class_name(("a",), -1) == "-1"
