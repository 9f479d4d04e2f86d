"""The 2D page under Streamlit's AppTest: widgets build the config, the buttons drive the worker."""

import re

import pytest

from playground.app_pages import APP_PAGES
from playground.config import LEARNING_RATES, REGULARIZATION_RATES, RunConfig
from playground.lessons import lesson_from_json
from playground.presets import load_preset
from playground.ui.playground_2d import controls
from tests.apptest_session import EN, app_session, editor_button, page_config, run_button
from tests.apptest_session import PLAYGROUND_2D as PAGE
from tests.apptest_session import only_handle as page_handle


@pytest.fixture
def page():
    with app_session(PAGE) as app:
        yield app


def test_page_opens_with_the_circle_preset(page):
    config = page_config(page)
    assert config.data.dataset == "circle"
    assert config.model == load_preset("circle").model
    assert [button.label for button in page.button] == ["Regenerate", "Play", "Step", "Reset", "Share as lesson"]


def test_widgets_change_the_config(page):
    page.slider(key="2d_noise").set_value(25).run()
    page.select_slider(key="2d_learning_rate").set_value(0.3).run()
    page.number_input(key="2d_n_hidden").set_value(3).run()
    page.slider(key="2d_units_2").set_value(7).run()
    page.multiselect(key="2d_features").set_value(["x1", "x2", "x1_x2"]).run()
    page.selectbox(key="2d_activation").set_value("relu").run()
    page.selectbox(key="2d_regularization_en").set_value("l2").run()
    config = page_config(page)
    assert config.data.noise == 25
    assert config.training.learning_rate == 0.3
    assert config.training.regularization == "l2"
    assert config.input_shape == (3,)
    assert [layer.units for layer in config.model.layers] == [4, 2, 7, 1]
    assert {layer.activation for layer in config.model.layers[:-1]} == {"relu"}


def test_problem_type_switches_datasets_and_output(page):
    page.selectbox(key="2d_problem_en").set_value("multiclass").run()
    page.slider(key="2d_n_classes").set_value(5).run()
    config = page_config(page)
    assert config.data.dataset == "moons" and config.task == "multiclass"
    assert config.model.layers[-1].units == 5
    page.selectbox(key="2d_problem_en").set_value("regression").run()
    assert page_config(page).data.dataset == "plane"


def test_play_step_and_pause_drive_the_worker(page):
    handle = page_handle()
    handle.wait_until(lambda s, _: s.status == "paused", timeout=60)
    run_button(page, "2d", "step").click().run()
    handle.wait_until(lambda s, _: s.epoch == 1)
    run_button(page, "2d", "play").click().run()
    assert run_button(page, "2d", "play").label == "Pause"
    handle.wait_until(lambda s, _: s.epoch >= 5)
    run_button(page, "2d", "play").click().run()
    assert run_button(page, "2d", "play").label == "Play"
    assert handle.snapshot()[0].status == "paused"


def test_learning_rate_changes_live_but_data_resets(page):
    handle = page_handle()
    handle.wait_until(lambda s, _: s.status == "paused", timeout=60)
    run_button(page, "2d", "step").click().run()
    first = handle.wait_until(lambda s, _: s.epoch == 1)
    page.select_slider(key="2d_learning_rate").set_value(0.1).run()
    live = handle.wait_until(lambda s, _: s.learning_rate == 0.1)
    assert live.run_id == first.run_id and live.epoch == 1
    page.button(key="2d_regenerate").click().run()
    fresh = handle.wait_until(lambda s, _: s.run_id != first.run_id)
    assert fresh.epoch == 0
    assert page_config(page).data.seed == 1


def test_no_features_is_a_readable_error_not_a_crash(page):
    page.multiselect(key="2d_features").set_value([]).run()
    assert not page.exception
    assert "at least one input feature" in page.error[0].value


def test_every_control_at_its_extremes_raises_nothing(page):
    choices = {
        "2d_learning_rate": (LEARNING_RATES[0], LEARNING_RATES[-1]),
        "2d_reg_rate": (REGULARIZATION_RATES[0], REGULARIZATION_RATES[-1]),
        "2d_activation": controls.HIDDEN_ACTIVATIONS,
        "2d_regularization_en": ("l1", "l2", "none"),
        "2d_optimizer_en": controls.OPTIMIZERS,
    }
    for problem in ("binary", "regression", "multiclass"):
        page.selectbox(key="2d_problem_en").set_value(problem).run()
        for dataset in controls.PROBLEMS[problem]:
            page.radio(key="2d_dataset_en").set_value(dataset).run()
            assert not page.exception, (problem, dataset)
        for loss in controls.LOSSES[problem]:
            page.selectbox(key="2d_loss_en").set_value(loss).run()
            assert not page.exception, (problem, loss)
        for key, values in choices.items():
            widget = page.select_slider(key=key) if key.endswith("rate") else page.selectbox(key=key)
            for value in values:
                widget.set_value(value).run()
                assert not page.exception, (problem, key, value)
        page.number_input(key="2d_n_hidden").set_value(8).run()
        for key in [slider.key for slider in page.slider]:
            slider = page.slider(key=key)
            for value in (slider.max, slider.min):
                page.slider(key=key).set_value(value).run()
                assert not page.exception, (problem, key, value)
        for checkbox in page.checkbox:
            checkbox.check().run()
        page.number_input(key="2d_n_hidden").set_value(0).run()
        assert not page.exception
        assert page_config(page).task == problem
    run_button(page, "2d", "step").click().run()
    run_button(page, "2d", "reset").click().run()
    assert not page.exception


def test_a_shared_link_opens_its_setup():
    spiral = load_preset("spiral")
    with app_session(PAGE, {"config": spiral.to_url_param(), "lang": "zh"}) as app:
        opened = page_config(app)
        assert opened.data == spiral.data and opened.model == spiral.model
        assert opened.training.learning_rate == spiral.training.learning_rate
        assert run_button(app, "2d", "play").label == "播放"


def test_a_damaged_link_says_so_and_opens_the_default():
    with app_session(PAGE, {"config": "damaged"}) as app:
        assert "could not be opened" in app.warning[0].value
        assert page_config(app).data.dataset == "circle"


def test_a_link_the_simple_controls_cannot_show_opens_in_the_free_editor():
    raw = load_preset("circle").model_dump()
    raw["model"]["layers"].insert(1, {"kind": "dropout", "rate": 0.2})
    linked = RunConfig.from_dict(raw)
    with app_session(PAGE, {"config": linked.to_url_param()}) as app:
        assert not app.warning
        assert app.toggle(key="2d_free_layers").value
        assert page_config(app).model == linked.model


def test_a_link_with_a_rate_the_page_does_not_offer_says_so():
    raw = load_preset("circle").model_dump()
    raw["training"]["learning_rate"] = 0.02  # between TensorFlow Playground's 0.01 and 0.03
    with app_session(PAGE, {"config": RunConfig.from_dict(raw).to_url_param()}) as app:
        assert "does not offer" in app.warning[0].value


def test_a_link_beyond_the_sliders_opens_as_far_as_it_can_and_says_what_changed():
    raw = load_preset("circle").model_dump()
    raw["training"]["batch_size"] = 4096  # valid for the engine; the page's slider stops at 100
    raw["training"]["target_test_loss"] = 50.0
    with app_session(PAGE, {"config": RunConfig.from_dict(raw).to_url_param()}) as app:
        assert not app.exception
        warning = app.warning[0].value
        assert "training.batch_size 4096 → 100" in warning and "training.target_test_loss 50.0 → 10.0" in warning
        assert page_config(app).training.batch_size == 100


def test_the_free_editor_takes_over_the_network_and_gives_it_back(page):
    page.number_input(key="2d_n_hidden").set_value(3).run()
    page.toggle(key="2d_free_layers").set_value(True).run()
    assert not page.exception
    assert [layer.units for layer in page_config(page).model.layers] == [4, 2, 4, 1]  # the same network
    editor_button(page, "2d_stack_add").click().run()  # a dense layer after the output layer: wrong output size
    assert any("needs 1 output" in error.value for error in page.error)
    assert not page.get("download_button")  # nothing to train or take away until it is fixed
    editor_button(page, "2d_stack_undo").click().run()
    assert not page.error
    page.selectbox(key="2d_stack_new_kind_en").set_value("dropout").run()
    first_row_insert_below = next(button.key for button in page.button if re.search(r"_insert_below_r\d+$", button.key))
    page.button(key=first_row_insert_below).click().run()  # a dropout after the first layer
    config = page_config(page)
    assert [layer.kind for layer in config.model.layers] == ["dense", "dropout", "dense", "dense", "dense"]
    page.toggle(key="2d_free_layers").set_value(False).run()
    assert [layer.units for layer in page_config(page).model.layers] == [4, 2, 4, 1]  # the simple controls again


def test_changing_the_architecture_resets_the_run(page):
    handle = page_handle()
    handle.wait_until(lambda s, _: s.status == "paused", timeout=60)
    run_button(page, "2d", "step").click().run()
    first = handle.wait_until(lambda s, _: s.epoch == 1)
    page.slider(key="2d_units_0").set_value(6).run()
    fresh = handle.wait_until(lambda s, _: s.run_id != first.run_id)
    assert fresh.epoch == 0
    assert [layer.units for layer in page_config(page).model.layers] == [6, 2, 1]


def test_an_invalid_setup_pauses_the_running_worker(page):
    handle = page_handle()
    run_button(page, "2d", "play").click().run()
    handle.wait_until(lambda s, _: s.status == "running", timeout=60)
    page.multiselect(key="2d_features").set_value([]).run()
    assert "at least one input feature" in page.error[0].value
    handle.wait_until(lambda s, _: s.status == "paused")


@pytest.mark.parametrize("preset", ["circle", "xor", "gauss", "spiral", "plane", "multi-gauss", "blobs", "moons"])
def test_every_2d_preset_opens_from_a_link_exactly(preset):
    config = load_preset(preset)
    with app_session(PAGE, {"config": config.to_url_param()}) as app:
        assert not app.warning, app.warning[0].value
        opened = page_config(app)
        assert opened.model_dump(exclude={"name"}) == config.model_dump(exclude={"name"})


def test_switching_language_keeps_every_translated_choice(page):
    page.selectbox(key="2d_problem_en").set_value("regression").run()
    page.selectbox(key="2d_regularization_en").set_value("l2").run()
    page.selectbox(key="lang").set_value("zh").run()
    assert not page.exception
    assert page.selectbox(key="2d_problem_zh").value == "regression"
    assert page.selectbox(key="2d_regularization_zh").value == "l2"
    page.selectbox(key="2d_optimizer_zh").set_value("adam").run()  # any rerun after the switch
    assert not page.exception
    config = page_config(page)
    assert config.task == "regression" and config.training.regularization == "l2"
    assert run_button(page, "2d", "play").label == "播放"


def test_the_2d_page_offers_every_download(page):
    from playground.ui import downloads

    labels = {button.proto.label for button in page.get("download_button")} - {"Download these points (CSV)"}
    assert len(labels) == 7 and {"Setup (JSON)", "History (CSV)", "Keras code", EN["download_lesson"]} <= labels, labels
    lesson = lesson_from_json(downloads.lesson_file("2d", page_config(page), ["problem"], "Mine"))
    assert lesson.setup() == page_config(page) and lesson.hide == ["problem"] and lesson.page == "2d"
    handle = page_handle()
    handle.wait_until(lambda s, _: s.status == "paused", timeout=60)
    run_button(page, "2d", "step").click().run()
    handle.wait_until(lambda s, _: s.epoch == 1)
    run = downloads.SessionRun("test", handle)
    assert downloads.checkpoint_bytes(run)[:2] == b"PK"
    assert len(downloads.onnx_bytes(run)) > 100
    assert downloads.history_csv(run, page_config(page)).splitlines()[0].startswith("epoch,train_loss")


def test_share_as_lesson_offers_a_box_per_control_ticked_as_the_link_hides_them():
    with app_session(PAGE, {"hide": "noise,learning_rate"}) as app:
        assert not app.button(key="2d_share_lesson").click().run().exception
        boxes = {box.key.removeprefix("2d_share_hide_"): box for box in app.checkbox if box.key.startswith("2d_share")}
        assert sorted(boxes) == sorted(APP_PAGES["2d"].hideable)
        assert {name for name, box in boxes.items() if box.value} == {"noise", "learning_rate"}
        assert {box.label for box in boxes.values()} >= {"Noise", "Learning rate", "Take it with you"}
        assert "The link hides: Noise, Learning rate" in [caption.value for caption in app.caption]
