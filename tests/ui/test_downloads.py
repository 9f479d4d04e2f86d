"""The scripts a page exports: they train as many epochs as the page's run did, and say what they train on."""

from __future__ import annotations

import pytest

from playground.config import RunConfig
from playground.data.registry import DATASETS, kind_of
from playground.export.keras_code import keras_code
from playground.export.pytorch_script import pytorch_script
from playground.export.source import script_title
from playground.presets import load_preset
from playground.train.worker import WorkerHandle
from playground.ui.downloads import MAX_EPOCHS, as_trained, trained_script
from playground.ui.session import SessionRun


def with_training(preset: str, **training) -> RunConfig:
    config = load_preset(preset)
    return config.model_copy(update={"training": config.training.model_copy(update=training)})


def test_a_script_trains_as_many_epochs_as_the_run_did():
    config = with_training("circle", epochs=10)
    run = SessionRun(token="downloads-test", handle=WorkerHandle(config))
    try:
        assert "EPOCHS = 10\n" in trained_script(pytorch_script, run, config)  # nothing trained yet: the setup's
        for _ in range(3):
            run.handle.step()
        run.handle.wait_until(lambda s, _: s.epoch == 3 and s.status == "paused", timeout=90)
        assert "EPOCHS = 3\n" in trained_script(pytorch_script, run, config)
        assert "EPOCHS = 3\n" in trained_script(keras_code, run, config)
    finally:
        run.stop()


@pytest.mark.parametrize(
    ("training", "trained", "epochs"),
    [({}, 3_240, 3_240), ({"schedule": "step"}, 7, 7), ({"schedule": "cosine"}, 7, 10), ({}, 200_000, MAX_EPOCHS)],
)
def test_the_trained_setup_keeps_what_the_page_did(training, trained, epochs):
    """A cosine schedule decays over the setup's epochs, so a script keeps that number; no setup names more than
    the epochs a config allows."""
    config = with_training("circle", epochs=10, **training)
    assert as_trained(config, trained).training.epochs == epochs
    assert as_trained(config, 0) is config


def test_a_script_on_an_upload_says_what_was_uploaded():
    uploads = [name for name in DATASETS if kind_of(name).takes_upload]
    assert len(uploads) == 4
    titles = {}
    for name in uploads:
        config = load_preset("circle").model_copy(update={"name": ""})
        config = config.model_copy(update={"data": config.data.model_copy(update={"dataset": name})})
        titles[name] = script_title(config)
    assert titles == {
        "custom": "A network on your own points",
        "upload": "A network on an uploaded table",
        "image_upload": "A network on uploaded images",
        "series_upload": "A network on an uploaded time series",
    }
