"""The "How it learns" page's pictures and formulas: the numbers they show add up (the chain rule, the
activation's slope), the computation graph has a node per operation, the race's animation ends on every step and
its map is a picture of the losses."""

from __future__ import annotations

import base64
import io
import math
import re

import numpy as np
import pytest
from PIL import Image

from playground.config import RunConfig
from playground.presets import load_preset
from playground.train.descent import DescentRequest, explained_descent
from playground.train.one_step import explained_step
from playground.train.trainer import Trainer
from playground.viz.descent_charts import MAX_FRAMES, _frame_ends, descent_race_figure, descent_surface_figure
from playground.viz.training_step import (
    STAGES,
    activation_chain_formula,
    boundary_pair_figure,
    chain_rule_formula,
    computation_graph,
    loss_formula,
    neuron_formula,
    number,
    step_network_figure,
    update_formula,
)

LABELS = {"inputs": "Inputs", "layer": "Layer", "output": "Output", "bias": "bias", "after_update": "after"}


def circle(optimizer: str = "sgd") -> RunConfig:
    raw = load_preset("circle").model_dump()
    raw["training"].update(optimizer=optimizer, learning_rate=0.1)
    return RunConfig.from_dict(raw)


@pytest.fixture(scope="module")
def step() -> dict:
    return explained_step(Trainer(circle()), [0, 1, 2])


def test_the_chain_rule_shown_adds_up_to_autograds_weight_gradient(step):
    for index, layer in enumerate(step["layers"], start=1):
        incoming = np.array(step["input"] if index == 1 else step["layers"][index - 2]["activations"])
        by_hand = np.array(layer["weighted_sum_grads"]).T @ incoming  # sum over examples of dL/dz * input
        np.testing.assert_allclose(by_hand, layer["weight_grads"], atol=1e-6)
        formula = chain_rule_formula(step, index, 0, 0)
        assert formula.endswith(f"= {number(layer['weight_grads'][0][0])}")
        assert formula.count(")(") == 3  # one product per example of the mini-batch


def test_dl_dz_is_dl_da_times_the_activations_slope(step):
    for index, layer in enumerate(step["layers"], start=1):
        z, a = np.array(layer["weighted_sums"]), np.array(layer["activations"])
        slope = 1 - a * a if layer["activation"] == "tanh" else a * (1 - a)
        np.testing.assert_allclose(np.array(layer["activation_grads"]) * slope, layer["weighted_sum_grads"], atol=1e-6)
        assert activation_chain_formula(step, index, 0).endswith(number(layer["weighted_sum_grads"][0][0]))
        assert not math.isnan(z.sum())


def test_formulas_are_filled_with_the_steps_values(step):
    layer = step["layers"][0]
    forward = neuron_formula(step, 1, 2)
    for weight in layer["weights"][2]:
        assert f"({number(weight)})" in forward
    assert forward.endswith(f"= {number(layer['activations'][0][2])}")
    assert loss_formula(step).startswith(r"L = -[y \log p + (1 - y) \log(1 - p)]")
    assert r"\tfrac{1}{3}" in loss_formula(step)
    update = update_formula(step, 1, 2, 1)
    assert update.endswith(f"= {number(layer['weights_after'][2][1])}")
    old, grad, new = layer["weights"][2][1], layer["weight_grads"][2][1], layer["weights_after"][2][1]
    assert new == pytest.approx(old - 0.1 * grad, abs=1e-6)  # plain SGD: what the formula says


def test_adams_update_shows_its_moments_and_step_count():
    adam = explained_step(Trainer(circle("adam")), [4])
    text = update_formula(adam, 2, 0, 1)
    assert re.search(r"m = [-\d.]+", text) and re.search(r"v = [\d.e]+", text) and "t = 1" in text
    state = adam["layers"][1]["weight_state"]
    m_hat = state["exp_avg"][0][1] / (1 - 0.9)  # after one step: m / (1 - beta1^1)
    assert rf"\hat m = {number(m_hat)}" in text


def test_the_network_figure_has_a_clickable_mark_for_every_neuron_and_weight(step):
    for stage in STAGES:
        figure = step_network_figure(step, stage, LABELS, ("weight", 2, 1, 3))
        neurons = next(trace for trace in figure.data if trace.name == "neurons")
        weights = next(trace for trace in figure.data if trace.name == "weights")
        assert len(neurons.customdata) == 2 + 4 + 2 + 1
        assert len(weights.customdata) == 2 * 4 + 4 * 2 + 2 * 1
    backward = step_network_figure(step, "backward", LABELS)
    neurons = next(trace for trace in backward.data if trace.name == "neurons")
    assert neurons.text[2] == number(step["layers"][0]["weighted_sum_grads"][0][0], 3)


def test_the_computation_graph_has_a_node_per_operation(step):
    dot = computation_graph(step)
    multiplies = dot.count('"{ × |')
    assert multiplies == 2 * 4 + 4 * 2 + 2 * 1
    assert dot.count('"{ +  z') == 4 + 2 + 1
    assert dot.count(" -> loss;") == 1
    assert f"data {step['data_loss']:.4g}" in dot


def test_the_boundary_before_and_after_differ_and_mark_the_examples(step):
    figure = boundary_pair_figure(step, {"before": "before", "after": "after", "examples": "examples"})
    before, _, after, _ = figure.data
    assert np.abs(np.array(before.z) - np.array(after.z)).max() > 0
    assert len(figure.data[1].x) == 3


def test_the_race_opens_on_the_start_and_grows_paths_and_losses_together_to_the_last_step():
    assert _frame_ends(100) == list(range(1, 102))
    long = _frame_ends(2000)
    assert long[-1] == 2001 and len(long) <= MAX_FRAMES + 2
    request = DescentRequest(rates={"sgd": 0.5, "adam": 0.1}, steps=300, resolution=20)
    answer = explained_descent(Trainer(circle()), request.model_dump_json())
    labels = {"log_loss": "log", "start": "start", "rate": "rate", "animate": "play", "step": "step", "loss": "loss"}
    figure = descent_race_figure(answer, labels, race_id="race-1")
    assert figure.layout.meta == "race-1"
    # two paths, two loss curves, the start, the picker: no contour trace (animation frames would wipe it)
    assert [trace.type for trace in figure.data] == ["scatter"] * 6
    assert [len(trace.x) for trace in figure.data[:4]] == [1, 1, 1, 1]
    assert [trace.xaxis for trace in figure.data[:4]] == ["x", "x", "x2", "x2"]
    assert len(figure.frames) <= MAX_FRAMES + 2
    last = figure.frames[-1]
    assert list(last.traces) == [0, 1, 2, 3]
    assert [len(trace.x) for trace in last.data] == [301, 301, 301, 301]
    assert list(last.data[2].y) == answer["trajectories"][0]["losses"]
    frames = figure.layout.updatemenus[0].buttons[0].args[1]["frame"]
    assert len(frames) == len(figure.frames) and not any(frame["redraw"] for frame in frames[:-1])
    assert frames[-1]["redraw"], "after frames drawn without a redraw Plotly ignores clicks on the map"
    low, high = figure.layout.yaxis2.range  # fixed: frames do not rescale the axes
    every_loss = [value for path in answer["trajectories"] for value in path["losses"]]
    assert 10**low < min(every_loss) and max(every_loss) < 10**high
    still = descent_race_figure(answer, labels, animate=False)
    assert not still.frames and [len(trace.x) for trace in still.data[:4]] == [301, 301, 301, 301]
    assert descent_surface_figure(answer, labels).data[1].z is not None


def test_the_map_is_a_picture_of_the_losses_and_its_picker_hovers_with_them():
    request = DescentRequest(rates={"sgd": 0.5}, steps=20, resolution=30)
    answer = explained_descent(Trainer(circle()), request.model_dump_json())
    labels = {"log_loss": "log", "start": "start", "rate": "rate", "animate": "play", "step": "step", "loss": "loss"}
    figure = descent_race_figure(answer, labels)
    (picture,) = figure.layout.images
    assert (picture.x, picture.y) == (min(answer["first"]), max(answer["second"]))
    assert picture.xref == "x" and picture.layer == "below"
    pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(picture.source.split(",", 1)[1]))))
    assert pixels.shape == (300, 300, 3)
    losses = np.log10(np.asarray(answer["losses"]))
    low_row, low_column = np.unravel_index(np.argmin(losses), losses.shape)
    high_row, high_column = np.unravel_index(np.argmax(losses), losses.shape)
    at = lambda row, column: pixels[299 - round(row * 299 / 29), round(column * 299 / 29)]  # noqa: E731
    assert tuple(at(low_row, low_column)) == (0x44, 0x01, 0x54)  # the lowest loss: Viridis' darkest purple
    assert tuple(at(high_row, high_column)) == (0xFD, 0xE7, 0x25)  # the highest: its yellow
    picker = figure.data[-1]
    assert len(picker.x) == 25 * 25 and picker.marker.opacity < 0.05
    corner = list(zip(picker.x, picker.y, strict=True)).index((answer["first"][0], answer["second"][0]))
    assert picker.marker.color[corner] == pytest.approx(losses[0][0], abs=1e-5)
