"""The engine parts of the tabular page: uploaded tables as a dataset family, the new probes."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from playground.config import ConfigError, DataConfig, RunConfig, output_layer
from playground.data.registry import UPLOAD, load_dataset
from playground.data.upload import CACHE_ENV, UploadError, load_upload, store_upload, upload_id, uploads_dir
from playground.layers import Dense
from playground.train.probes import tables
from playground.train.probes.tables import HISTOGRAM_ROWS, PROBE_ROWS
from playground.train.trainer import Trainer


def csv_bytes(rows: int = 60, target: str = "kind") -> bytes:
    rng = np.random.default_rng(0)
    lines = [f"size,colour,weight,{target}"]
    for index in range(rows):
        size = rng.normal()
        lines.append(f"{size:.3f},{'red' if index % 3 else 'blue'},{rng.normal() * 10:.2f},{'a' if size > 0 else 'b'}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def upload_config(sha: str, task: str = "binary", classes: int = 2) -> RunConfig:
    layers = [Dense(units=8, activation="relu"), output_layer(task, classes)]
    return RunConfig(data=DataConfig(dataset=UPLOAD, upload=sha, train_share=80), model={"layers": layers})


def test_an_upload_round_trips_by_its_hash(cache):
    data = csv_bytes()
    sha, table = store_upload(data, "kind")
    assert sha == upload_id(data, "kind") and (uploads_dir() / f"{sha}.csv").read_bytes() == data
    assert uploads_dir().parent == cache
    np.testing.assert_array_equal(load_upload(sha).inputs, table.inputs)
    config = RunConfig.from_json(upload_config(sha).to_json())
    assert config.task == "binary" and config.input_shape == (4,)  # size, weight, colour=blue, colour=red
    dataset = load_dataset(config.data)
    assert len(dataset.y_train) == 48 and len(dataset.y_test) == 12
    np.testing.assert_allclose(dataset.x_train.mean(axis=0), 0, atol=1e-5)  # standardised on training rows
    assert store_upload(data, "size")[0] != sha  # another target is another dataset


def test_configs_refuse_missing_or_misplaced_uploads():
    with pytest.raises(ConfigError, match="not stored on this computer"):
        RunConfig.from_dict({"data": {"dataset": "upload", "upload": "0" * 64}, "model": {"layers": []}})
    with pytest.raises(ConfigError, match="needs the sha256"):
        RunConfig.from_dict({"data": {"dataset": "upload"}, "model": {"layers": [{"kind": "dense", "units": 1}]}})
    with pytest.raises(ConfigError, match="only the datasets 'upload'"):
        RunConfig.from_dict({"data": {"dataset": "iris", "upload": "0" * 64}, "model": {"layers": []}})


def test_a_changed_file_on_disk_is_refused():
    sha, _ = store_upload(csv_bytes(), "kind")
    (uploads_dir() / f"{sha}.csv").write_bytes(csv_bytes(rows=30))
    with pytest.raises(UploadError, match="changed on disk"):
        load_upload(sha)


def test_regression_and_multiclass_uploads_take_their_task_from_the_target():
    lines = ["a,b,y,c"] + [f"{i},{i % 7},{i * 0.37:.2f},{i % 3}" for i in range(40)]
    data = "\n".join(lines).encode()
    regression = upload_config(store_upload(data, "y")[0], "regression", 1)
    assert regression.task == "regression"
    multiclass = upload_config(store_upload(data, "c")[0], "multiclass", 3)
    assert multiclass.task == "multiclass" and multiclass.output_size == 3


def table_trainer(dataset: str, task: str, classes: int) -> Trainer:
    layers = [Dense(units=8, activation="tanh"), output_layer(task, classes)]
    return Trainer(RunConfig(data=DataConfig(dataset=dataset, train_share=80), model={"layers": layers}))


def test_confusion_counts_every_test_row_once():
    trainer = table_trainer("iris", "multiclass", 3)
    trainer.train_epoch()
    probe = tables.confusion(trainer)
    assert probe["matrix"].shape == (3, 3) and probe["matrix"].sum() == len(trainer.y_test) == probe["rows"]
    np.testing.assert_array_equal(probe["matrix"].sum(axis=1), np.bincount(trainer.y_test.numpy(), minlength=3))
    with pytest.raises(ValueError, match="regression"):
        tables.confusion(table_trainer("diabetes", "regression", 1))


def test_binary_confusion_and_regression_predictions():
    binary = table_trainer("breast_cancer", "binary", 2)
    assert tables.confusion(binary)["matrix"].shape == (2, 2)
    regression = table_trainer("diabetes", "regression", 1)
    probe = tables.predictions(regression)
    assert probe["true"].shape == probe["predicted"].shape == (len(regression.y_test),)


def test_probes_sample_at_most_a_thousand_rows_and_histogram_each_weighted_layer():
    config = RunConfig.from_dict(
        {
            "data": {"dataset": "seed_ffn", "n_points": 5000, "n_features": 20, "train_share": 50},
            "model": {
                "layers": [{"kind": "dense", "units": 6}, {"kind": "dropout", "rate": 0.1}, output_layer("binary", 2)]
            },
        }
    )
    trainer = Trainer(config)
    assert tables.confusion(trainer)["rows"] == PROBE_ROWS
    layers = tables.histograms(trainer)["layers"]
    assert [layer["index"] for layer in layers] == [0, 2]
    assert layers[0]["weights"]["counts"].sum() == 20 * 6
    assert layers[0]["activations"]["counts"].sum() == HISTOGRAM_ROWS * 6  # a sample of the test rows
    assert len(layers[0]["weights"]["edges"]) == len(layers[0]["weights"]["counts"]) + 1


def test_probes_are_reused_until_the_model_changes():
    trainer = table_trainer("iris", "multiclass", 3)
    first = tables.histograms(trainer)
    assert tables.histograms(trainer) is first
    trainer.train_epoch()
    assert tables.histograms(trainer) is not first


def test_the_confusion_and_prediction_probes_count_every_test_row():
    trainer = table_trainer("iris", "multiclass", 3)
    trainer.train_epoch()
    matrix = np.asarray(tables.confusion(trainer)["matrix"])
    assert matrix.shape == (3, 3) and matrix.sum() == len(trainer.y_test)
    regression = table_trainer("diabetes", "regression", 1)
    predictions = tables.predictions(regression)
    assert len(predictions["true"]) == len(predictions["predicted"]) == len(regression.y_test)


def test_worker_saves_checkpoints_and_resumes_from_them(tmp_path):
    from playground.checkpoint import load_checkpoint
    from playground.train.worker import WorkerHandle

    config = table_trainer("iris", "multiclass", 3).config
    handle = WorkerHandle(config, probes=("confusion",))
    try:
        handle.step()
        handle.wait_until(lambda s, _: s.epoch == 1 and s.status == "paused", timeout=60)
        path = tmp_path / "run.zip"
        handle.save_checkpoint(str(path))
        assert zipfile.is_zipfile(path)
        saved = load_checkpoint(io.BytesIO(path.read_bytes()))
        assert saved.config == config and len(saved.history) == 1
        handle.reset(config, checkpoint_path=str(path))
        snapshot = handle.wait_until(lambda s, rows: s.epoch == 1 and len(rows) == 1 and s.status == "paused")
        assert snapshot.probes["confusion"]["matrix"].sum() == 30
        handle.step()
        handle.wait_until(lambda s, rows: s.epoch == 2 and len(rows) == 2)
    finally:
        handle.stop()


def test_histograms_include_standalone_activations_and_batch_norm():
    from playground.config import RunConfig
    from playground.train.trainer import Trainer

    layers = [
        {"kind": "dense", "units": 8},
        {"kind": "batchnorm"},
        {"kind": "activation", "function": "relu"},
        {"kind": "dropout", "rate": 0.1},
        {"kind": "dense", "units": 3},
    ]
    trainer = Trainer(RunConfig.from_dict({"data": {"dataset": "iris"}, "model": {"layers": layers}}))
    titles = [entry["title"] for entry in tables.histograms(trainer)["layers"]]
    assert titles == ["Dense(8, linear)", "BatchNorm", "Activation(relu)", "Dense(3, linear)"]
