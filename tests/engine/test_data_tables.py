"""scikit-learn's bundled tables and uploaded CSV files."""

import numpy as np
import pytest

from playground.config import RunConfig
from playground.data.registry import load_dataset
from playground.data.tabular import SKLEARN_TABLES
from playground.data.upload import UploadError, read_csv_table
from playground.train.trainer import Trainer


def table_config(name: str, out_units: int, activation: str = "linear") -> RunConfig:
    layers = [
        {"kind": "dense", "units": 16, "activation": "relu"},
        {"kind": "dense", "units": out_units, "activation": activation},
    ]
    return RunConfig.from_dict(
        {
            "data": {"dataset": name, "train_share": 80},
            "model": {"layers": layers},
            "training": {"optimizer": "adam", "learning_rate": 0.01, "batch_size": 16},
        }
    )


@pytest.mark.parametrize("name", list(SKLEARN_TABLES))
def test_tables_are_standardised_with_training_statistics(name):
    _, task, classes, inputs = SKLEARN_TABLES[name]
    config = table_config(name, classes if task == "multiclass" else 1)
    assert config.input_shape == (inputs,) and config.task == task
    data = load_dataset(config.data)
    assert data.x_train.shape[1] == inputs and len(data.x_train) + len(data.x_test) > 100
    np.testing.assert_allclose(data.x_train.mean(axis=0), 0, atol=1e-4)
    assert abs(float(data.x_test.mean())) > 1e-6  # test rows were scaled with the training statistics
    if task == "multiclass":
        assert set(np.unique(data.y_train)) == set(range(classes))


def test_a_table_has_its_own_class_count():
    with pytest.raises(ValueError, match="needs 3 outputs"):
        table_config("iris", 5)


def test_iris_is_learned():
    trainer = Trainer(table_config("iris", 3))
    for _ in range(40):
        row = trainer.train_epoch()
    assert row["test_accuracy"] > 0.85


CSV = "size,colour,price\n" + "\n".join(f"{i},{['red', 'blue'][i % 2]},{i * 2.5 + (i % 3)}" for i in range(1, 30))


def test_csv_numbers_and_categories_become_columns():
    table = read_csv_table(CSV, target="price")
    assert table.task == "regression"
    assert table.feature_names == ["size", "colour=blue", "colour=red"]
    assert table.inputs.shape == (29, 3) and table.inputs.dtype == np.float32
    assert table.inputs[0].tolist() == [1.0, 1.0, 0.0]  # size 1, colour blue


def test_csv_text_target_is_classification():
    table = read_csv_table(CSV.encode(), target="colour")
    assert table.task == "binary" and table.class_names == ["blue", "red"]
    assert set(table.labels.tolist()) == {0.0, 1.0}
    many = "x,kind\n" + "\n".join(f"{i},{'abc'[i % 3]}" for i in range(30))
    table = read_csv_table(many, target="kind")
    assert table.task == "multiclass" and table.labels.dtype == np.int64 and table.class_names == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("text", "target", "message"),
    [
        (CSV, "cost", r"no column 'cost'; the columns are size, colour, price"),
        ("a,b\n1,2\n3,4\n", "b", r"has 2 rows; a network needs at least 10"),
        ("a,b\n" + "1,2\n" * 30, "b", r"same value in every row"),
        ("a,b\n" + "1,\n" * 3 + "1,2\n" * 20, "b", r"3 empty cells, e.g. column 'b' in lines 2, 3, 4"),
        ("id,b\n" + "\n".join(f"user{i},{i % 2}" for i in range(40)), "b", r"column 'id' holds text with 40"),
        ("", "b", r"not a readable CSV"),
        ("b\n" + "\n".join(str(i % 2) for i in range(20)), "b", r"no column to learn from"),
    ],
)
def test_bad_csv_files_are_refused_with_a_reason(text, target, message):
    with pytest.raises(UploadError, match=message):
        read_csv_table(text, target=target)


def test_too_many_rows_is_refused():
    with pytest.raises(UploadError, match="has 30 rows; the playground takes at most 20"):
        read_csv_table(CSV + "\n30,red,61.5", target="price", max_rows=20)


def test_semicolon_files_and_infinite_numbers():
    semicolons = CSV.replace(",", ";")
    assert read_csv_table(semicolons, target="price").feature_names == ["size", "colour=blue", "colour=red"]
    with pytest.raises(UploadError, match="column 'size' holds an infinite number"):
        read_csv_table(CSV.replace("\n3,", "\ninf,", 1), target="price")
