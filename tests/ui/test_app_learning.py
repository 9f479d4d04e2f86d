"""The "How it learns" page under Streamlit's AppTest, with its real worker: one training step walked stage by
stage with the numbers a plain Trainer computes, the next example, Back, a lesson link (example, hidden parts, a
race), a network too big to show, the gradient-descent race and its divergence, Chinese, and the 2D page's link.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from playground.config import RunConfig
from playground.presets import load_preset
from playground.train.descent import DescentRequest, logistic_surface, race
from playground.train.one_step import training_step
from playground.train.trainer import Trainer
from playground.viz.training_step import number
from tests import ROOT
from tests.apptest_session import EN, ZH, app_session, english_leaks, page_texts

PAGE = str(ROOT / "pages" / "learning.py")


def ok(app: AppTest) -> AppTest:
    assert not app.exception, app.exception
    return app


def stage_button(app: AppTest, action: str):
    """The stage walk's Back ("back") or forward ("next") button, or Run 100 steps ("loop"): their keys end with
    the number of presses applied."""
    found = [button for button in app.button if re.fullmatch(rf"learn_walk_{action}_\d+", button.key or "")]
    assert len(found) == 1, [button.key for button in app.button]
    return found[0]


def press(app: AppTest, action: str) -> AppTest:
    return ok(stage_button(app, action).click().run())


def answer(app: AppTest) -> dict:
    found = app.session_state["learn_walk_answer"]
    assert found is not None and "error" not in found, found
    return found


def latex(app: AppTest) -> list[str]:
    return [node.value.strip("$\n") for node in app.get("latex")]  # st.latex wraps its text in $$


def test_one_step_walked_stage_by_stage_shows_the_numbers_a_plain_trainer_computes():
    with app_session(PAGE, navigation=True) as app:
        assert stage_button(app, "next").label == EN["learn_stage_forward"]
        assert stage_button(app, "back").disabled
        press(app, "next")
        step = answer(app)
        expected = training_step(Trainer(load_preset("circle")), [0])  # the worker's first weights: the same seed
        assert step["rows"] == [0]
        np.testing.assert_allclose(step["loss"], expected.loss, atol=1e-6)
        output = expected.layers[-1].activations[0][0]
        (forward,) = latex(app)
        assert forward.endswith(f"= {number(output)}"), forward  # the output neuron's a, filled in
        assert stage_button(app, "next").label == EN["learn_stage_loss"]

        press(app, "next")
        (loss,) = latex(app)
        assert f"= {number(expected.data_loss)}" in loss and r"\log" in loss
        press(app, "next")
        chain, gradient = latex(app)
        assert chain.endswith(number(expected.layers[-1].weighted_sum_grads[0][0]))
        assert gradient.endswith(number(expected.layers[-1].weight_grads[0][0]))
        press(app, "next")
        weight, bias = latex(app)
        assert weight.endswith(number(expected.layers[-1].weights_after[0][0]))
        assert bias.endswith(number(expected.layers[-1].biases_after[0]))
        assert stage_button(app, "next").label == EN["learn_next_example"]
        assert any(expander.label == EN["learn_graph"] for expander in app.expander)

        press(app, "back")
        assert len(latex(app)) == 2 and latex(app)[1] == gradient  # back at Backward, the same numbers
        press(app, "next")
        press(app, "next")  # the next example: a new step from the updated weights
        second = answer(app)
        assert second["rows"] == [1] and app.session_state["learn_walk_stage"] == 0
        for before, after in zip(second["weights"], step["weights_after"], strict=True):
            np.testing.assert_allclose(before, after, atol=1e-6)


def test_a_mini_batch_step_averages_the_loss_of_its_examples():
    with app_session(PAGE, navigation=True) as app:
        ok(app.slider(key="learn_walk_batch_widget").set_value(4).run())
        press(app, "next")
        step = answer(app)
        assert step["rows"] == [0, 1, 2, 3]
        press(app, "next")
        (loss,) = latex(app)
        assert r"\tfrac{1}{4}" in loss


def test_a_lesson_link_names_the_example_hides_parts_and_sets_the_race():
    race_link = DescentRequest(surface="logistic", rates={"adagrad": 0.5}, start=(1.0, -2.0), steps=20)
    query = {"example": "5", "hide": "graph,loop", "descent": race_link.model_dump_json()}
    with app_session(PAGE, query, navigation=True) as app:
        press(app, "next")
        assert answer(app)["rows"] == [5]
        assert not any(expander.label == EN["learn_graph"] for expander in app.expander)
        assert not [button for button in app.button if (button.key or "").startswith("learn_play_")]
        race_answer = app.session_state["learn_descent_answer"]
        assert [path["optimizer"] for path in race_answer["trajectories"]] == ["adagrad"]
        assert list(race_answer["trajectories"][0]["points"][0]) == [1.0, -2.0]


def test_a_link_with_a_bad_race_opens_the_default_race_and_says_why():
    with app_session(PAGE, navigation=True, query={"descent": '{"surface": "logistic", "steps": 999999}'}) as app:
        warnings = [node.value for node in app.warning]
        assert any(text.startswith("The link's race could not be opened (steps: ") for text in warnings), warnings
        trajectories = app.session_state["learn_descent_answer"]["trajectories"]
        assert [path["optimizer"] for path in trajectories] == ["sgd", "momentum", "adam"]


def test_a_network_too_big_to_show_every_number_is_refused_in_one_sentence():
    raw = load_preset("circle").model_dump()
    raw["model"]["layers"][0]["units"] = 16
    with app_session(PAGE, navigation=True, query={"config": RunConfig.from_dict(raw).to_url_param()}) as app:
        (info,) = [node.value for node in app.info]
        assert "layer 1 has 16 neurons, more than the step view shows (8)" in info
        assert not [button for button in app.button if (button.key or "").startswith("learn_walk_next_")]


def test_the_race_is_torch_optims_and_a_rate_too_large_is_said_to_diverge():
    with app_session(PAGE, navigation=True) as app:
        found = app.session_state["learn_descent_answer"]
        surface = logistic_surface(load_preset("circle"))
        expected = race(surface, {"sgd": 0.5, "momentum": 0.1, "adam": 0.1}, (-2.5, 2.5), 100)
        for got, want in zip(found["trajectories"], expected, strict=True):
            np.testing.assert_allclose(got["points"], want.points, atol=1e-5)
        linked = json.loads(app.query_params["descent"])
        assert linked["rates"] == {"sgd": 0.5, "momentum": 0.1, "adam": 0.1}

    plane = load_preset("plane").to_url_param()
    with app_session(PAGE, navigation=True, query={"config": plane}) as app:
        assert app.radio(key="learn_descent_surface").value == "line"
        ok(app.select_slider(key="learn_descent_rate_sgd").set_value(10.0).run())
        warnings = [node.value for node in app.warning]
        assert any(
            re.fullmatch(r"sgd at rate 10\.0 diverged at step \d+: the rate is too large\.", w) for w in warnings
        )


def test_the_page_in_chinese_shows_no_english():
    with app_session(PAGE, navigation=True) as app:
        ok(app.selectbox(key="lang").set_value("zh").run())
        press(app, "next")
        press(app, "next")
        texts = page_texts(app)
        assert ZH["learn_stage_backward"] in [button.label for button in app.button]
        assert not english_leaks(texts), english_leaks(texts)


@pytest.mark.parametrize("hidden, linked", [([4, 2], True), ([4, 4, 4, 2], False)])
def test_the_2d_page_links_here_for_a_network_small_enough(hidden, linked):
    raw = load_preset("circle").model_dump()
    raw["model"]["layers"] = [{"kind": "dense", "units": units, "activation": "tanh"} for units in hidden]
    raw["model"]["layers"].append({"kind": "dense", "units": 1, "activation": "sigmoid"})
    query = {"config": RunConfig.from_dict(raw).to_url_param()}
    with app_session(str(ROOT / "pages" / "playground_2d.py"), query, navigation=True) as app:
        links = [node for node in app.get("page_link") if node.proto.label == EN["learn_step_through"]]
        assert len(links) == (1 if linked else 0)


def test_a_race_link_beyond_the_controls_opens_as_far_as_it_can_and_says_what_changed():
    race_link = DescentRequest(surface="logistic", rates={"sgd": 0.5}, start=(900.0, 1.0), steps=2000)
    with app_session(PAGE, navigation=True, query={"descent": race_link.model_dump_json()}) as app:
        warnings = [node.value for node in app.warning]
        changes = "start (900.0, 1.0) → (6.0, 1.0); steps 2000 → 500"
        expected = f"The link's race was adjusted to what the controls offer: {changes}."
        assert expected in warnings, warnings
        trajectory = app.session_state["learn_descent_answer"]["trajectories"][0]
        assert list(trajectory["points"][0]) == [6.0, 1.0] and len(trajectory["points"]) == 501
