"""The 2D page's controls beyond TensorFlow Playground's, under AppTest: lesson links, schedules and stopping,
view options in the link, your own points, the selected neuron's weights, and comparing two setups."""

import base64
import json
import zlib

import numpy as np
import pytest

from playground.data import points
from playground.presets import load_preset
from playground.ui.probe_charts import CHART_PROBES
from tests.apptest_session import EN, app_session, live_handles, page_config, page_frame, run_button
from tests.apptest_session import PLAYGROUND_2D as PAGE
from tests.apptest_session import only_handle as page_handle


@pytest.fixture
def page():
    with app_session(PAGE) as app:
        yield app


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NN_PLAYGROUND_CACHE", str(tmp_path))
    return tmp_path


def test_a_lesson_link_hides_the_chosen_controls_and_keeps_their_values():
    spiral = load_preset("spiral")
    query = {"config": spiral.to_url_param(), "hide": "learning_rate,problem,features,no_such_control"}
    with app_session(PAGE, query) as app:
        keys = {widget.key for widget in app.select_slider} | {widget.key for widget in app.multiselect}
        assert "2d_learning_rate" not in keys and "2d_features" not in keys
        assert "2d_reg_rate" in keys  # not hidden
        assert not [box for box in app.selectbox if box.key.startswith("2d_problem")]
        opened = page_config(app)
        assert opened.training.learning_rate == spiral.training.learning_rate
        assert opened.data.features == spiral.data.features
        app.slider(key="2d_noise").set_value(10).run()  # the link keeps hiding them after a change
        assert "2d_learning_rate" not in {widget.key for widget in app.select_slider}
        assert app.query_params["hide"] == "learning_rate,problem,features,no_such_control"


def test_schedule_and_stopping_rules_reach_the_config_and_change_the_run_live(page):
    handle = page_handle()
    handle.wait_until(lambda s, _: s.status == "paused", timeout=60)
    run_button(page, "2d", "step").click().run()
    first = handle.wait_until(lambda s, _: s.epoch == 1)
    page.selectbox(key="2d_schedule_en").set_value("step").run()
    page.number_input(key="2d_step_every").set_value(1).run()
    page.select_slider(key="2d_step_factor").set_value(0.1).run()
    page.toggle(key="2d_stop_at_epochs").set_value(True).run()
    page.number_input(key="2d_epochs").set_value(3).run()
    page.number_input(key="2d_target_loss").set_value(0.01).run()
    training = page_config(page).training
    assert (training.schedule, training.step_every, training.step_factor) == ("step", 1, 0.1)
    assert training.stop_at_epochs and training.epochs == 3 and training.target_test_loss == 0.01
    run_button(page, "2d", "play").click().run()
    done = handle.wait_until(lambda s, _: s.status == "finished", timeout=60)
    assert done.run_id == first.run_id and done.epoch == 3  # live: the run went on, then stopped by itself
    assert done.learning_rate == pytest.approx(0.03 * 0.1**2)  # the rate of epoch 3 (0-based 2)
    page.run()
    assert run_button(page, "2d", "play").label == "Play"


def test_view_options_travel_in_the_link(page):
    page.checkbox(key="2d_show_test").check().run()
    page.checkbox(key="2d_discretize").check().run()
    assert page.query_params["view"] == "test,discrete"
    with app_session(PAGE, {"config": page.query_params["config"], "view": "test,discrete"}) as app:
        assert app.checkbox(key="2d_show_test").value and app.checkbox(key="2d_discretize").value
    page.checkbox(key="2d_show_test").uncheck().run()
    page.checkbox(key="2d_discretize").uncheck().run()
    assert "view" not in page.query_params


def test_your_own_points_become_the_dataset(own_cache):
    own = points.read_points_csv("x1,x2,label\n" + "\n".join(f"{i % 7 - 3},{i % 5 - 2},{i % 3}" for i in range(60)))
    sha = points.store_points(own)
    with app_session(PAGE) as app:
        app.session_state["2d_points_sha"] = sha
        app.selectbox(key="2d_problem_en").set_value("multiclass").run()
        assert "Your points" in app.radio(key="2d_dataset_en").options
        app.radio(key="2d_dataset_en").set_value("custom").run()
        config = page_config(app)
        assert config.data.dataset == "custom" and config.data.upload == sha and config.output_size == 3
        assert not [slider for slider in app.slider if slider.key in ("2d_noise", "2d_n_points")]
        assert {button.proto.label for button in app.get("download_button")} >= {"Download these points (CSV)"}


def test_the_selected_neurons_weights_can_be_edited_while_paused(page):
    handle = page_handle()
    handle.wait_until(lambda s, _: s.status == "paused" and "network" in s.probes, timeout=60)
    page.session_state["2d_focus"] = (1, 2)  # what a click on the third neuron of layer 1 sets
    page.run()
    handle.wait_until(lambda s, _: s.probes["boundary"].get("focus") == [1, 2], timeout=30)
    inputs = [box for box in page.number_input if box.key.startswith("2d_w_") or box.key.startswith("2d_b_")]
    assert len(inputs) == 3  # from x1, from x2, bias
    weights = handle.snapshot()[0].probes["network"]["columns"][1]["weights"]
    assert inputs[0].value == pytest.approx(float(weights[2, 0]))
    inputs[1].set_value(1.25)
    inputs[2].set_value(-0.5)
    page.button(key="FormSubmitter:2d_weights_form-Apply the edited weights").click().run()
    edited = handle.wait_until(lambda s, _: s.probes["network"]["columns"][1]["bias"][2] == -0.5, timeout=30)
    assert float(edited.probes["network"]["columns"][1]["weights"][2, 1]) == 1.25
    assert np.isclose(edited.probes["network"]["columns"][1]["weights"][2, 0], weights[2, 0])


def test_compare_trains_a_pinned_second_setup_on_the_same_data(page):
    before = set(live_handles())
    page.toggle(key="2d_compare").set_value(True).run()
    compare = [handle for handle in live_handles() if handle not in before]
    assert len(compare) == 1
    b = compare[0]
    pinned = b.config
    page.number_input(key="2d_n_hidden").set_value(1).run()
    page.slider(key="2d_noise").set_value(20).run()
    a = page_config(page)
    b.wait_until(lambda s, _: s.status == "paused", timeout=60)
    assert b.config.model == pinned.model and b.config.data == a.data  # B keeps its network, takes A's data
    assert a.model != pinned.model
    run_button(page, "2d", "play").click().run()
    b.wait_until(lambda s, _: s.epoch >= 2, timeout=60)
    run_button(page, "2d", "play").click().run()
    b.wait_until(lambda s, _: s.status == "paused", timeout=30)
    page.toggle(key="2d_compare").set_value(False).run()
    assert not b.alive


def test_a_link_to_points_this_computer_lacks_says_so(own_cache):
    raw = load_preset("circle").model_dump()
    raw["data"].update(dataset="custom", upload="0" * 64)
    link = base64.urlsafe_b64encode(zlib.compress(json.dumps(raw).encode())).decode().rstrip("=")
    with app_session(PAGE, {"config": link}) as app:
        assert "could not be opened" in app.warning[0].value and "no longer stored" in app.warning[0].value
        assert page_config(app).data.dataset == "circle"


def test_inside_the_network_charts_are_painted_live_and_cost_nothing_once_switched_off(page):
    handle = page_handle()
    handle.wait_until(lambda s, _: s.status == "paused", timeout=60)
    assert page.toggle(key="2d_inside").value, "the charts are on as the page opens"
    assert set(CHART_PROBES) <= set(handle.probes)
    page.toggle(key="2d_inside").set_value(False).run()
    assert not set(CHART_PROBES) & set(handle.probes), "the charts are off: the worker computes none of their probes"
    assert "pictures" not in page_frame(handle)
    page.toggle(key="2d_inside").set_value(True).run()
    assert set(CHART_PROBES) <= set(handle.probes)
    for epoch in (1, 2):
        run_button(page, "2d", "step").click().run()
        handle.wait_until(
            lambda s, _, epoch=epoch: s.epoch == epoch and len((s.probe("gradients") or {}).get("epochs", [])) == epoch
        )
    page.run()
    assert not page.get("plotly_chart"), "the live view paints them: no Plotly figure redrawn every second"
    panels = page_frame(handle)["pictures"]["panels"]
    assert [(panel["kind"], panel["heading"]) for panel in panels] == [
        ("matrix", EN["tab_confusion"]),
        ("lines", EN["chart_gradient_norms"]),
        ("histograms", EN["tab_weights"]),
        ("histograms", EN["chart_gradients"]),
        ("histograms", EN["tab_activations"]),
    ]
    confusion, norms = panels[0], panels[1]
    matrix = np.asarray(handle.snapshot()[0].probe("confusion")["matrix"])
    assert confusion["labels"] == ["0", "1"] and confusion["counts"] == matrix.tolist() and matrix.sum() > 0
    assert norms["log"] and [len(line["x"]) for line in norms["series"]] == [2] * len(norms["series"])
    assert all(value > 0 for line in norms["series"] for value in line["y"])
    page.toggle(key="2d_inside").set_value(False).run()
    assert "pictures" not in page_frame(handle) and not set(CHART_PROBES) & set(handle.probes)
