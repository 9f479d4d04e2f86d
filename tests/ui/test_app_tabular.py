"""The tabular page under Streamlit's AppTest: datasets, CSV uploads, the editor gating Play, downloads, loading."""

from __future__ import annotations

import ast
import io
import json
import tempfile
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from playground.config import RunConfig
from playground.data.upload import CACHE_ENV
from playground.export.keras_code import keras_code
from playground.export.pytorch_script import pytorch_script
from playground.ui import downloads
from playground.ui.session import SessionRun
from tests import ROOT
from tests.apptest_session import app_session, live_handles, run_button

PAGE = str(ROOT / "pages" / "tabular.py")
CSV = "height,colour,label\n" + "".join(
    f"{i * 0.1:.1f},{'red' if i % 2 else 'blue'},{'yes' if i > 12 else 'no'}\n" for i in range(30)
)


@pytest.fixture
def page(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    with app_session(PAGE) as app:
        yield app


def page_handle():
    handles = live_handles()
    assert handles
    return handles[-1]


def output_units_key(app: AppTest) -> str:
    keys = [number.key for number in app.number_input if number.key and number.key.endswith("_units")]
    return keys[-1]


def test_page_opens_with_the_seed_task_and_its_network(page):
    assert page.selectbox(key="tab_dataset_en").value == "seed_ffn"
    config = page_handle().config
    assert config.data.dataset == "seed_ffn" and config.input_shape == (100,)
    assert [layer.units for layer in config.model.layers] == [64, 32, 1]
    labels = [button.label for button in page.button]
    assert labels[-3:] == ["Play", "Step", "Reset"]
    assert not page.error


@pytest.mark.parametrize("dataset", ["iris", "wine", "breast_cancer", "diabetes"])
def test_each_table_opens_with_a_fitting_output_layer(page, dataset):
    page.selectbox(key="tab_dataset_en").set_value(dataset).run()
    assert not page.exception and not page.error
    config = page_handle().config
    assert config.data.dataset == dataset
    assert config.model.layers[-1].units == config.output_size


def test_a_csv_upload_becomes_a_reproducible_dataset(page):
    page.selectbox(key="tab_dataset_en").set_value("upload").run()
    assert any("Upload a CSV" in info.value for info in page.info)
    page.file_uploader(key="tab_csv").set_value(("data.csv", CSV.encode(), "text/csv")).run()
    assert not page.exception and not page.error
    assert page.selectbox(key="tab_target").value == "label"
    config = page_handle().config
    assert config.data.dataset == "upload" and config.task == "binary" and config.input_shape == (3,)
    assert RunConfig.from_json(config.to_json()) == config  # the hash names a stored table
    script, reason = downloads.script_or_error(pytorch_script, config)
    assert reason is None and "PACKED_INPUTS" in script  # the table travels inside the script
    page.selectbox(key="tab_target").set_value("colour").run()
    assert page_handle().config.data.upload != config.data.upload


def test_a_broken_csv_shows_an_error_not_a_traceback(page):
    page.selectbox(key="tab_dataset_en").set_value("upload").run()
    page.file_uploader(key="tab_csv").set_value(("bad.csv", b"a,b\n1,\n2,3\n", "text/csv")).run()
    assert not page.exception
    assert any("cannot be used" in error.value for error in page.error)


def test_play_and_step_drive_the_worker(page):
    handle = page_handle()
    handle.wait_until(lambda s, _: s.status == "paused", timeout=60)
    run_button(page, "tab", "step").click().run()
    snapshot = handle.wait_until(lambda s, _: s.epoch == 1 and s.status == "paused", timeout=60)
    assert snapshot.probes["confusion"]["matrix"].shape == (2, 2)
    run_button(page, "tab", "play").click().run()
    handle.wait_until(lambda s, _: s.epoch >= 2, timeout=60)
    run_button(page, "tab", "play").click().run()  # pause
    handle.wait_until(lambda s, _: s.status == "paused")


def test_an_invalid_stack_disables_play(page):
    page.number_input(key=output_units_key(page)).set_value(3).run()
    assert not page.exception
    assert run_button(page, "tab", "play").disabled and run_button(page, "tab", "step").disabled
    assert page.warning  # says why training is paused
    page.number_input(key=output_units_key(page)).set_value(1).run()
    assert not run_button(page, "tab", "play").disabled


def test_downloads_are_files_of_the_right_kind(page):
    handle = page_handle()
    handle.wait_until(lambda s, _: s.status == "paused", timeout=60)
    handle.step()
    handle.wait_until(lambda s, _: s.epoch == 1 and s.status == "paused", timeout=60)
    config, run = handle.config, SessionRun("test", handle)
    assert RunConfig.from_dict(json.loads(config.to_json())) == config
    for make in (pytorch_script, keras_code):
        source, reason = downloads.script_or_error(make, config)
        assert reason is None
        ast.parse(source)
    history = downloads.history_csv(run, config)
    assert history.splitlines()[0].startswith("epoch,train_loss") and len(history.splitlines()) == 2
    checkpoint = downloads.checkpoint_bytes(run)
    assert {"config.json", "weights.safetensors"} <= set(zipfile.ZipFile(io.BytesIO(checkpoint)).namelist())
    onnx = downloads.onnx_bytes(run)
    assert len(onnx) > 1000


def test_a_loaded_checkpoint_replaces_the_setup_and_resumes(page):
    handle = page_handle()
    page.selectbox(key="tab_dataset_en").set_value("iris").run()
    handle = page_handle()
    handle.wait_until(lambda s, _: s.status == "paused", timeout=60)
    handle.step()
    handle.wait_until(lambda s, _: s.epoch == 1 and s.status == "paused", timeout=60)
    checkpoint = downloads.checkpoint_bytes(SessionRun("test", handle))
    page.selectbox(key="tab_dataset_en").set_value("wine").run()
    handle.wait_until(lambda s, _: s.epoch == 0)
    leftovers = set(Path(tempfile.gettempdir()).glob("nn-playground-*.zip"))
    page.file_uploader(key="tab_checkpoint_file").set_value(("run.zip", checkpoint, "application/zip")).run()
    assert set(Path(tempfile.gettempdir()).glob("nn-playground-*.zip")) <= leftovers  # the copy is cleaned up
    assert not page.exception and not page.error
    assert page.selectbox(key="tab_dataset_en").value == "iris"
    assert page.success
    handle.wait_until(lambda s, rows: s.epoch == 1 and len(rows) == 1, timeout=60)


def test_bad_uploads_of_setups_and_checkpoints_are_refused_with_a_reason(page):
    page.file_uploader(key="tab_config_file").set_value(("x.json", b'{"model": {"layers": []}}', "text/json")).run()
    assert not page.exception
    assert any("cannot be loaded" in error.value for error in page.error)
    page.file_uploader(key="tab_checkpoint_file").set_value(("x.zip", b"not a zip", "application/zip")).run()
    assert any("not a playground checkpoint" in error.value for error in page.error)
    circle = RunConfig.from_dict({"data": {"dataset": "circle"}, "model": {"layers": [{"kind": "dense", "units": 1}]}})
    page.file_uploader(key="tab_config_file").set_value(("c.json", circle.to_json().encode(), "text/json")).run()
    assert any("2D playground" in error.value for error in page.error)


def test_a_loaded_setup_replaces_the_page(page):
    config = RunConfig.from_dict(
        {
            "data": {"dataset": "wine", "train_share": 70},
            "model": {"layers": [{"kind": "dense", "units": 5, "activation": "tanh"}, {"kind": "dense", "units": 3}]},
            "training": {"optimizer": "sgd", "learning_rate": 0.05, "batch_size": 16},
        }
    )
    page.file_uploader(key="tab_config_file").set_value(("c.json", config.to_json().encode(), "text/json")).run()
    assert not page.exception and not page.error
    assert page.selectbox(key="tab_dataset_en").value == "wine"
    assert page_handle().config.model_dump(exclude={"name"}) == config.model_dump(exclude={"name"})
