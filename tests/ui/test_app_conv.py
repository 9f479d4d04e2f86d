"""The convolutions page under Streamlit's AppTest, with real workers: datasets and their networks, an impossible
stack refused, the views after training (filters, feature maps, mistakes, draw, histograms), image uploads,
Chinese, and the engine helpers the page calls (drawing, per-class accuracy, uploads, exported scripts).

The drawing canvas is a custom component that AppTest cannot draw on; the browser tests draw on it. Here the
canvas's image goes through ``drawing_input`` directly.
"""

from __future__ import annotations

import ast
import io
import re
import zipfile

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from playground.config import RunConfig
from playground.data.registry import IMAGE_UPLOAD
from playground.data.upload import CACHE_ENV, UploadError
from playground.export.keras_code import keras_code
from playground.export.pytorch_script import pytorch_script
from playground.presets import load_preset
from playground.ui import downloads
from playground.ui.convolutions import choices as conv_choices
from tests import ROOT
from tests.apptest_session import (
    EN,
    ZH,
    app_session,
    editor_button,
    english_leaks,
    image_captions,
    live_handles,
    page_frame,
    page_texts,
    row_with_error,
    run_button,
    wait_for_probes,
)

PAGE = str(ROOT / "pages" / "convolutions.py")
SEED_SHAPES = ["(32, 26, 26)", "(32, 13, 13)", "(64, 11, 11)", "(64, 5, 5)", "(1600,)", "(128,)", "(10,)"]
DIGITS_TEST_IMAGES = 359  # 1,797 digits, 80 % for training


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """Uploads are stored in a folder of this test's own."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def page():
    with app_session(PAGE) as app:
        yield app


# Helpers ---------------------------------------------------------------------------------------------------------


def page_handle():
    handles = live_handles()
    assert handles
    return handles[-1]


def ok(app: AppTest) -> AppTest:
    assert not app.exception, app.exception
    return app


def open_digits(app: AppTest, key: str = "cnn_dataset_en"):
    """Switch to the 8x8 digits (fast to train) and wait for the worker to have the digits CNN ready."""
    ok(app.selectbox(key=key).set_value("digits").run())
    handle = page_handle()
    handle.wait_until(lambda s, _: s.status == "paused" and bool(s.run_id) and s.epoch == 0, timeout=90)
    assert handle.config.data.dataset == "digits"
    return handle


def train_one_epoch(app: AppTest, handle):
    """Press Step on the page and wait for the epoch and the probes of the view on screen."""
    ok(run_button(app, "cnn", "step").click().run())
    return handle.wait_until(lambda s, _: s.epoch == 1 and s.status == "paused" and "filters" in s.probes, timeout=120)


def show(app: AppTest, view: str) -> AppTest:
    """Switch the view; the worker then computes that view's probes (and only those), so wait for them and draw
    the view again with them."""
    app.session_state["cnn_view"] = view
    ok(app.run())
    wanted = conv_choices.VIEW_PROBES[view]
    handle = page_handle()
    wait_for_probes(handle, wanted, timeout=60)
    return ok(app.run())


def plotly_specs(app: AppTest) -> list[str]:
    return [element.proto.spec for element in app.get("plotly_chart")]


def mnist_csv(n: int = 40, side: int = 8, classes: int = 4, seed: int = 0) -> bytes:
    """n images in Kaggle's MNIST layout (label, pixel0, ...): class k is a bright band at rows 2k, 2k+1."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % classes
    pixels = rng.integers(0, 40, size=(n, side, side))
    for image, label in zip(pixels, labels, strict=True):
        image[2 * label : 2 * label + 2] = 255
    header = ",".join(["label", *(f"pixel{index}" for index in range(side * side))])
    lines = [",".join([str(label), *map(str, image.ravel())]) for label, image in zip(labels, pixels, strict=True)]
    return ("\n".join([header, *lines]) + "\n").encode()


# The page --------------------------------------------------------------------------------------------------------


def test_page_opens_on_mnist_with_the_seed_cnn(page):
    assert page.title[0].value == "Convolutions"
    assert page.selectbox(key="cnn_dataset_en").value == "mnist"
    config = page_handle().config
    assert config.data.dataset == "mnist" and config.input_shape == (1, 28, 28)
    assert config.total_params() == 225_034
    assert config.model == load_preset("seed-cnn").model
    summary = page.dataframe[0].value
    assert list(summary["Output shape"]) == SEED_SHAPES
    assert any("Total params: 225,034" in node.value for node in page.markdown)
    assert [button.label for button in page.button][-3:] == ["Play", "Step", "Reset"]
    assert not any(run_button(page, "cnn", name).disabled for name in ("play", "step", "reset"))
    assert not page.error and not page.warning
    assert any(caption.startswith("Training images: ") for caption in image_captions(page))  # the preview
    keys = {button.key: button for button in page.download_button}
    assert {"cnn_dl_config", "cnn_dl_pytorch", "cnn_dl_keras", "cnn_dl_onnx"} <= set(keys)
    assert not keys["cnn_dl_pytorch"].disabled


def test_each_image_set_opens_with_a_fitting_network(page):
    handle = open_digits(page)
    assert handle.config.input_shape == (1, 8, 8)
    assert handle.config.model == load_preset("digits-cnn").model
    assert not page.error and page.dataframe[0].value["Output shape"].iloc[-1] == "(10,)"
    ok(page.selectbox(key="cnn_dataset_en").set_value("shapes").run())
    config = page_handle().config
    assert config.data.dataset == "shapes" and config.input_shape == (1, 28, 28)
    assert config.output_size == 4 and config.model.layers[-1].units == 4
    assert page.slider(key="cnn_noise").value == 10  # shapes have a noise slider, the digits none
    assert not page.error and not page.warning


def test_an_impossible_stack_is_refused_and_pauses_the_run(page):
    handle = open_digits(page)
    good = handle.config
    editor = "cnn_stack_digits_"
    ok(page.selectbox(key=f"{editor}_template_en").set_value("seed-cnn").run())
    ok(editor_button(page, f"{editor}_use_template").click().run())
    title, error = row_with_error(page, editor)
    assert title == "**4. MaxPool2D(2x2)**"  # the seed CNN's second pooling gets 1x1 maps of 8x8 digits
    assert error.startswith("This layer cannot run: ") and "2x2 window" in error and "(64, 1, 1)" in error
    assert [node.value for node in page.warning] == [EN["tab_invalid_paused"]]
    assert all(run_button(page, "cnn", name).disabled for name in ("play", "step", "reset"))
    assert page.download_button(key="cnn_dl_pytorch").disabled
    assert handle.wait_until(lambda s, _: s.status == "paused", timeout=30).epoch == 0
    assert handle.config == good  # the worker keeps the last good network
    ok(editor_button(page, f"{editor}_undo").click().run())
    assert not page.error and not run_button(page, "cnn", "play").disabled


def test_every_view_after_an_epoch_on_digits(page):
    handle = open_digits(page)
    train_one_epoch(page, handle)

    show(page, "filters")  # a channel picker for the second conv layer; the live view paints the grids
    assert EN["cnn_filters_caption"] in [node.value for node in page.caption]
    panels = page_frame(handle)["pictures"]["panels"]
    assert [(panel["kind"], panel["heading"], panel["count"], panel["caption"]) for panel in panels] == [
        ("grid", "1. Conv2D(16, 3x3, same, relu)", 16, "16 filters · input channel 1"),
        ("grid", "3. Conv2D(32, 3x3, same, relu)", 32, "32 filters · input channel 1"),
    ]
    ok(page.slider(key="cnn_channel_2").set_value(5).run())
    assert page_frame(handle)["pictures"]["panels"][1]["caption"] == "32 filters · input channel 6"

    show(page, "maps")  # the live view paints the test image explained; the page keeps the picker and a caption
    assert EN["cnn_maps_caption"] in [node.value for node in page.caption]
    sample = handle.snapshot()[0].probes["sample"]
    panels = page_frame(handle)["pictures"]["panels"]
    assert [panel["kind"] for panel in panels] == ["grid", "grid", "bars", "grid", "grid", "grid"]
    assert panels[0]["caption"] == f"Test image 0: {sample['true']}"
    assert panels[1]["caption"] == EN["cnn_saliency"] and "overlay" in panels[1]
    predicted = sample["predicted"]
    assert panels[2]["heading"] == f"Prediction: {predicted} ({float(sample['probabilities'][predicted]):.0%})"
    assert panels[2]["labels"] == [str(digit) for digit in range(10)] and panels[2]["mark"] == predicted
    assert [(panel["heading"], panel["caption"]) for panel in panels[3:]] == [
        ("1. Conv2D(16, 3x3, same, relu)", "16 maps of 8×8"),
        ("2. MaxPool2D(2x2)", "16 maps of 4×4"),
        ("3. Conv2D(32, 3x3, same, relu)", "32 maps of 4×4"),
    ]
    picker = page.number_input(key="cnn_sample")
    assert picker.value == 0 and picker.max == DIGITS_TEST_IMAGES - 1
    ok(picker.set_value(17).run())
    probe = handle.wait_until(lambda s, _: s.probes.get("sample", {}).get("index") == 17, timeout=60).probes["sample"]
    assert page_frame(handle)["pictures"]["panels"][0]["caption"] == f"Test image 17: {probe['true']}"

    show(page, "mistakes")  # the training view paints the gallery, the confusion matrix and the accuracy per class
    assert not plotly_specs(page) and not page.get("imgs")
    gallery = handle.snapshot()[0].probes["gallery"]
    panels = page_frame(handle)["pictures"]["panels"]
    assert [panel["kind"] for panel in panels] == ["gallery", "matrix", "bars"]
    shown = panels[0]
    assert shown["heading"].startswith(f"{gallery['mistakes']} of {DIGITS_TEST_IMAGES} test images are wrong")
    assert shown["count"] == len(gallery["indices"]) > 0 and shown["caption"] == EN["cnn_gallery_legend"]
    assert shown["wrong"] == (gallery["predicted"] != gallery["true"]).astype(int).tolist()
    assert shown["labels"][0] == [  # "true 7", "→ predicted 4", "99 % sure · #12"
        f"true {gallery['true'][0]}",
        f"\u2192 predicted {gallery['predicted'][0]}",
        f"{round(float(gallery['confidence'][0]) * 100)} % sure \u00b7 #{gallery['indices'][0]}",
    ]
    confusion = np.asarray(handle.snapshot()[0].probes["confusion"]["matrix"])
    assert panels[1]["heading"] == EN["tab_confusion"] and panels[1]["counts"] == confusion.tolist()
    assert panels[2]["heading"] == EN["cnn_per_class"] and panels[2]["labels"] == [str(d) for d in range(10)]
    accuracy = np.diag(confusion) / confusion.sum(axis=1)
    np.testing.assert_allclose(panels[2]["values"], accuracy, atol=1e-4)  # bars carry 4 decimals

    show(page, "inside")  # the training view paints the accuracy per epoch and the probes' charts
    assert not plotly_specs(page)
    headings = [panel["heading"] for panel in page_frame(handle)["pictures"]["panels"]]
    headings = [heading for heading in headings if heading != EN["chart_gradient_norms"]]  # from the next epoch on
    assert headings == [
        EN[key] for key in ("tab_metric_accuracy", "tab_confusion", "tab_weights", "chart_gradients", "tab_activations")
    ]

    show(page, "draw")
    assert [node.value for node in page.info] == [EN["cnn_draw_first"]]
    assert EN["cnn_draw_help"] in [node.value for node in page.caption]
    assert not (page_frame(handle)["pictures"] or {}).get("panels")  # nothing drawn: nothing painted

    ok(page.segmented_control(key="cnn_view_en").set_value("filters").run())  # the widget itself switches too
    assert page.session_state["cnn_view"] == "filters"
    handle.wait_until(lambda s, _: "filters" in s.probes, timeout=60)
    assert EN["cnn_filters_caption"] in [c.value for c in ok(page.run()).caption]


def test_the_explained_image_follows_the_picker_when_the_test_set_shrinks(page):
    handle = open_digits(page)
    show(page, "maps")
    ok(page.number_input(key="cnn_sample").set_value(300).run())
    handle.wait_until(lambda s, _: s.probes.get("sample", {}).get("index") == 300, timeout=60)
    ok(page.slider(key="cnn_train_share").set_value(90).run())  # 180 test images left
    picker = page.number_input(key="cnn_sample")
    assert picker.value == 0 and picker.max == 179
    # the reset's first snapshot may still clamp the old index (179); the picker's 0 must follow it
    snapshot = handle.wait_until(
        lambda s, _: handle.config.data.train_share == 90 and s.probes.get("sample", {}).get("index") == 0,
        timeout=90,
    )
    assert snapshot.probes["sample"]["index"] == picker.value


def test_chinese_page_has_no_missing_translations():
    with app_session(PAGE, {"lang": "zh"}) as app:
        assert app.title[0].value == ZH["cnn_title"] == "卷积"
        assert app.selectbox(key="cnn_dataset_zh").value == "mnist"
        assert english_leaks(page_texts(app)) == []
        handle = open_digits(app, key="cnn_dataset_zh")
        train_one_epoch(app, handle)
        for view in conv_choices.VIEWS:
            show(app, view)
            assert english_leaks(page_texts(app)) == [], view
        assert app.button_group(key="cnn_view_zh").options == [ZH[f"cnn_view_{view}"] for view in conv_choices.VIEWS]


def test_an_uploaded_csv_of_images_trains_with_its_own_classes(page):
    ok(page.selectbox(key="cnn_dataset_en").set_value(IMAGE_UPLOAD).run())
    assert [node.value for node in page.info] == [EN["cnn_data_first"]]
    assert not page.button  # nothing to play yet
    page.file_uploader(key="cnn_file").set_value(("digits.csv", mnist_csv(), "text/csv"))
    ok(page.run())
    assert not page.error
    assert "40 images of 8x8 pixels in 4 classes." in [node.value for node in page.caption]
    config = page_handle().config
    assert config.data.dataset == IMAGE_UPLOAD and config.input_shape == (1, 8, 8)
    assert config.output_size == 4 and config.model.layers[-1].units == 4
    assert RunConfig.from_json(config.to_json()) == config  # the sha names the stored images
    assert page.dataframe[0].value["Output shape"].iloc[-1] == "(4,)"
    assert editor_button(page, f"cnn_stack_image_upload_{config.data.upload}_add")  # the editor of this upload

    page.file_uploader(key="cnn_file").set_value(("bad.csv", b"label,a,b,c\n1,0,0,0\n2,0,0,0\n", "text/csv"))
    ok(page.run())
    errors = [node.value for node in page.error]
    assert len(errors) == 1 and errors[0].startswith("These images cannot be used: ")
    assert "not a square number" in errors[0]


# The engine helpers the page calls -------------------------------------------------------------------------------


def test_stored_image_upload_names_the_images_by_their_sha():
    sha = conv_choices.stored_image_upload(mnist_csv(), "digits.csv")
    assert re.fullmatch(r"[0-9a-f]{64}", sha)
    assert conv_choices.stored_image_upload(mnist_csv(), "again.csv") == sha  # same images, same name
    data = conv_choices.data_config(IMAGE_UPLOAD, sha, n_points=1_000, noise=10, train_share=75)
    assert data.upload == sha and data.train_share == 75
    layers = conv_choices.initial_layers(data)
    assert layers[-1] == {"kind": "dense", "units": 4, "activation": "softmax"}
    config = RunConfig.from_dict({"data": data.model_dump(), "model": {"layers": layers}})
    assert config.input_shape == (1, 8, 8) and config.output_size == 4


def test_broken_uploads_are_refused_with_a_reason():
    header = ",".join(["label", *(f"p{index}" for index in range(10))])
    lines = [f"{index % 2}," + ",".join(["0"] * 10) for index in range(20)]
    not_square = "\n".join([header, *lines]).encode()
    with pytest.raises(UploadError, match="10 is not a square number") as error:
        conv_choices.stored_image_upload(not_square, "images.csv")
    assert "\n" not in str(error.value)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as folder:
        folder.writestr("cats/notes.txt", "not an image")
        folder.writestr("dogs/readme.txt", "nor this")
    with pytest.raises(UploadError, match=r"cats/notes\.txt is not an image"):
        conv_choices.stored_image_upload(archive.getvalue(), "pets.zip")


@pytest.mark.parametrize(("dataset", "side"), [("mnist", 28), ("digits", 8)])
def test_a_canvas_drawing_becomes_a_centred_image(dataset, side):
    canvas = np.zeros((conv_choices.CANVAS_PX, conv_choices.CANVAS_PX, 4), np.uint8)
    canvas[..., 3] = 255  # opaque black
    canvas[20:120, 30:48, :3] = 255  # a white bar near the top left corner
    image = conv_choices.drawing_input(canvas, conv_choices.data_config(dataset))
    assert image.shape == (side, side) and image.dtype == np.float32
    assert image.min() == 0.0 and image.max() == pytest.approx(1.0)
    mass = image.sum()
    centre = ((image.sum(axis=1) * np.arange(side)).sum() / mass, (image.sum(axis=0) * np.arange(side)).sum() / mass)
    assert centre == pytest.approx(((side - 1) / 2, (side - 1) / 2), abs=0.6)  # moved to the middle
    rows = np.nonzero(image.max(axis=1) > 0.05)[0]
    expected = 20 if dataset == "mnist" else 8  # MNIST's digits fill 20 of 28 pixels; the 8x8 digits all 8
    assert rows.max() - rows.min() + 1 == expected
    transparent = np.zeros_like(canvas)
    transparent[20:120, 30:48] = 255  # the stroke on a transparent ground: the same picture
    np.testing.assert_allclose(
        conv_choices.drawing_input(transparent, conv_choices.data_config(dataset)), image, atol=1e-6
    )
    blank = conv_choices.drawing_input(np.zeros_like(canvas), conv_choices.data_config(dataset))
    assert blank.shape == (side, side) and not blank.any()


def test_per_class_accuracy_is_nan_for_an_unseen_class():
    matrix = np.array([[3, 1, 0], [0, 0, 0], [1, 1, 2]])
    accuracy = conv_choices.per_class_accuracy(matrix)
    np.testing.assert_allclose(accuracy, [0.75, np.nan, 0.5])
    np.testing.assert_allclose(conv_choices.per_class_accuracy(np.eye(2, dtype=int) * 5), [1.0, 1.0])


@pytest.mark.parametrize("dataset", ["mnist", "digits", "shapes"])
def test_exported_scripts_of_each_opening_network(dataset):
    data = conv_choices.data_config(dataset)
    layers = conv_choices.initial_layers(data)
    config = RunConfig.from_dict(
        {"data": data.model_dump(), "model": {"layers": layers}, "training": conv_choices.DEFAULT_TRAINING}
    )
    if dataset == "mnist":
        assert config.total_params() == 225_034 and config.model == load_preset("seed-cnn").model
    for make, conv in ((pytorch_script, "nn.Conv2d("), (keras_code, "layers.Conv2D(")):
        source, reason = downloads.script_or_error(make, config)
        assert reason is None and source is not None
        ast.parse(source)
        assert source.count(conv) == 2


def test_a_saved_setup_and_a_checkpoint_load_back_into_the_page(page, tmp_path):
    from playground.checkpoint import save_checkpoint
    from playground.model import build_model

    setup = RunConfig.from_dict(
        {
            "data": {"dataset": "shapes", "n_points": 400, "noise": 20, "train_share": 70, "seed": 3,
                     "augment_shift": 2},
            "model": {"layers": [{"kind": "conv2d", "filters": 4, "kernel_size": 5}, {"kind": "global_avg_pool"},
                                 {"kind": "dense", "units": 4, "activation": "softmax"}]},
            "training": {"optimizer": "sgd", "learning_rate": 0.05, "batch_size": 16},
        }
    )  # fmt: skip
    ok(page.file_uploader(key="cnn_config_file").set_value(("s.json", setup.to_json().encode(), "text/json")).run())
    assert any("Setup loaded" in s.value for s in page.success)
    handle = live_handles()[-1]
    handle.wait_until(lambda s, _: handle.config == setup, timeout=60)
    assert page.slider(key=conv_choices.K_SHARE).value == 70 and page.slider(key="cnn_shift").value == 2

    # a checkpoint of a table's network is refused with the page to use instead
    table = load_preset("seed-ffn")
    path = tmp_path / "table.zip"
    save_checkpoint(build_model(table), table, str(path), [])
    ok(page.file_uploader(key="cnn_checkpoint_file").set_value(("t.zip", path.read_bytes(), "application/zip")).run())
    assert any("seed_ffn is not an image set; open it in the tables page" in e.value for e in page.error)

    # the page's own checkpoint resumes its weights and history
    path = tmp_path / "shapes.zip"
    save_checkpoint(build_model(setup), setup, str(path), [{"epoch": 1, "train_loss": 1.0, "test_loss": 1.1,
                                                           "train_accuracy": 0.4, "test_accuracy": 0.3}])  # fmt: skip
    ok(page.file_uploader(key="cnn_checkpoint_file").set_value(("c.zip", path.read_bytes(), "application/zip")).run())
    assert any("Checkpoint loaded" in s.value for s in page.success)
    snapshot = handle.wait_until(lambda s, rows: s.resumed_from is not None and len(rows) == 1, timeout=60)
    assert snapshot.epoch == 1 and handle.config == setup


def test_the_chosen_test_image_survives_other_views_and_a_new_worker(page):
    handle = open_digits(page)
    show(page, "maps")
    ok(page.number_input(key="cnn_sample").set_value(17).run())
    handle.wait_until(lambda s, _: s.probes.get("sample", {}).get("index") == 17, timeout=60)
    show(page, "filters")  # the picker is not drawn here, so Streamlit drops its widget state
    show(page, "maps")
    assert page.number_input(key="cnn_sample").value == 17
    assert handle.snapshot()[0].probes["sample"]["index"] == 17

    handle.stop()  # the worker is gone (as after a crash): the page starts a new one and tells it again
    ok(page.run())
    fresh = page_handle()
    assert fresh is not handle
    fresh.wait_until(lambda s, _: s.probes.get("sample", {}).get("index") == 17, timeout=90)


def test_the_gallery_says_when_it_shows_a_sample_of_a_large_test_set(page):
    ok(page.selectbox(key="cnn_dataset_en").set_value("shapes").run())
    ok(page.slider(key=conv_choices.K_SHARE).set_value(10).run())  # 1,800 of the 2,000 shapes are test images
    handle = page_handle()
    handle.wait_until(lambda s, _: handle.config.data.train_share == 10 and s.status == "paused", timeout=90)
    ok(run_button(page, "cnn", "step").click().run())
    handle.wait_until(lambda s, _: s.epoch == 1 and s.status == "paused", timeout=120)
    show(page, "mistakes")
    gallery = handle.snapshot()[0].probes["gallery"]
    assert gallery["rows"] == 1000
    heading = page_frame(handle)["pictures"]["panels"][0]["heading"]
    assert heading.startswith(f"{gallery['mistakes']} of the first 1000 of 1800 test images are wrong")


def test_where_runs_can_train_on_a_gpu_the_page_offers_it(page, monkeypatch):
    import torch

    assert not [box for box in page.selectbox if (box.key or "").startswith("cnn_device")]  # no GPU here: no choice
    has_gpu = torch.cuda.is_available()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # the page as a server with a GPU draws it
    ok(page.run())
    device = page.selectbox(key="cnn_device_en")
    assert device.options == ["CPU", "GPU (CUDA)"] and device.value == "cpu"
    first = page_handle().wait_until(lambda s, _: s.status == "paused" and bool(s.run_id), timeout=90)
    before = first.run_id
    ok(device.set_value("cuda").run())
    handle = page_handle()
    assert handle.config.training.device == "cuda"
    snapshot = handle.wait_until(lambda s, _: s.run_id != before and s.status in ("paused", "error"), timeout=90)
    if has_gpu:  # the worker (its torch not patched) trains there
        assert snapshot.status == "paused" and snapshot.message is None
    else:  # this machine's worker finds no GPU, and the run says so in one line
        assert snapshot.status == "error" and snapshot.message_key == "msg_config_invalid"
        assert snapshot.message == "training.device: cuda, but PyTorch finds no GPU on this machine; choose cpu"


def test_a_setup_made_for_a_gpu_trains_on_the_cpu_of_a_server_without_one(page, monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # the page as a server without a GPU draws it
    setup = load_preset("digits-cnn")
    setup = setup.model_copy(update={"training": setup.training.model_copy(update={"device": "cuda"})})
    ok(page.file_uploader(key="cnn_config_file").set_value(("s.json", setup.to_json().encode(), "text/json")).run())
    assert EN["device_none_here"] in [caption.value for caption in page.caption]
    handle = page_handle()
    snapshot = handle.wait_until(lambda s, _: handle.config.data.dataset == "digits" and s.status == "paused", 90)
    assert handle.config.training.device == "cpu" and snapshot.message is None
