"""What the 2D page's network view, schedules, stopping rules, weight editing and gradient charts rest on."""

import math

import numpy as np
import pytest
import torch

from playground.config import ConfigError, RunConfig, TrainConfig
from playground.data import two_d
from playground.presets import load_preset
from playground.train.probes import choices, plane, tables
from playground.train.trainer import Trainer
from playground.ui.frames import encode_frame, encode_network


def config_for(preset: str, layers: list[dict] | None = None, **training) -> RunConfig:
    raw = load_preset(preset).model_dump()
    raw["training"].update(training)
    if layers is not None:
        raw["model"]["layers"] = layers
    return RunConfig.from_dict(raw)


def test_network_probe_has_one_column_per_dense_layer_with_the_real_weights():
    trainer = Trainer(load_preset("circle"))
    probe = plane.network(trainer, resolution=10)
    columns = probe["columns"]
    dense = [layer for layer in trainer.config.model.layers if layer.kind == "dense"]
    assert [column["units"] for column in columns] == [2, *(layer.units for layer in dense)]
    assert columns[0]["names"] == ["x₁", "x₂"] and columns[0]["layer"] is None
    for column, module in zip(
        columns[1:], [m for m in trainer.model.modules() if isinstance(m, torch.nn.Linear)], strict=True
    ):
        np.testing.assert_array_equal(column["weights"], module.weight.detach().numpy())
        np.testing.assert_array_equal(column["bias"], module.bias.detach().numpy())
        assert column["maps"].shape == (column["units"], 100)
    # the output column's maps are the network's predictions over the same grid
    _, _, grid = two_d.boundary_grid(10)
    expected = trainer.predict(torch.as_tensor(two_d.feature_matrix(grid, ["x1", "x2"]))).numpy().T
    np.testing.assert_allclose(columns[-1]["maps"], expected, atol=1e-6)
    assert columns[-1]["lo"] == 0.0 and columns[1]["lo"] == -1.0  # sigmoid output: 0..1; tanh: -1..1


def test_hidden_maps_are_each_neurons_own_output():
    trainer = Trainer(load_preset("circle"))
    probe = plane.network(trainer, resolution=8)
    _, _, grid = two_d.boundary_grid(8)
    first = trainer.model[0]
    with torch.no_grad():
        hidden = first(torch.as_tensor(two_d.feature_matrix(grid, ["x1", "x2"]))).numpy().T
    np.testing.assert_allclose(probe["columns"][1]["maps"], hidden, atol=1e-6)


def test_element_wise_layers_join_the_dense_layer_before_them():
    layers = [
        {"kind": "dense", "units": 5, "activation": "linear"},
        {"kind": "activation", "function": "sigmoid"},
        {"kind": "dropout", "rate": 0.2},
        {"kind": "dense", "units": 1, "activation": "sigmoid"},
    ]
    trainer = Trainer(config_for("circle", layers))
    groups = plane.dense_groups(trainer)
    assert [(g.start, g.end, g.activation, g.low) for g in groups] == [(0, 3, "sigmoid", 0.0), (3, 4, "sigmoid", 0.0)]
    maps = plane.network(trainer, resolution=6)["columns"][1]["maps"]
    assert maps.min() >= 0.0 and maps.max() <= 1.0  # after the stand-alone sigmoid


def test_focus_puts_one_neurons_map_into_the_boundary_probe():
    trainer = Trainer(load_preset("circle"))
    choices.set_focus(trainer, (1, 2))
    probe = plane.boundary(trainer, resolution=10)
    assert probe["focus"] == [1, 2]
    maps = plane.network(trainer, resolution=10)["columns"][1]["maps"]
    np.testing.assert_allclose(probe["values"], maps[2], atol=1e-6)
    choices.set_focus(trainer, (9, 0))  # a neuron the network does not have: the output, as without focus
    assert "focus" not in plane.boundary(trainer, resolution=10)
    choices.set_focus(trainer, None)
    assert "focus" not in plane.boundary(trainer, resolution=10)


def test_editing_a_weight_changes_the_model_and_training_goes_on_from_it():
    trainer = Trainer(load_preset("circle"))
    trainer.train_epoch()
    choices.set_parameter(trainer, 1, 0, 1, 2.5)
    choices.set_parameter(trainer, 2, 1, None, -0.75)
    assert trainer.model[0][0].weight[0, 1].item() == 2.5
    assert trainer.model[1][0].bias[1].item() == -0.75
    assert plane.network(trainer, resolution=4)["columns"][1]["weights"][0, 1] == 2.5
    before = trainer.model[0][0].weight.detach().clone()
    trainer.train_epoch()
    assert trainer.epoch == 2 and not torch.equal(before, trainer.model[0][0].weight)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 0, 0, 1.0), "no dense column 0"),
        ((4, 0, 0, 1.0), "no dense column 4"),
        ((1, 4, 0, 1.0), "units 0 to 3"),
        ((1, 0, 2, 1.0), "inputs 0 to 1"),
        ((1, 0, 0, math.nan), "finite"),
    ],
)
def test_bad_weight_edits_are_refused_with_a_reason(args, message):
    trainer = Trainer(load_preset("circle"))
    with pytest.raises(ValueError, match=message):
        choices.set_parameter(trainer, *args)


def test_schedules_give_the_documented_rates():
    step = TrainConfig(learning_rate=0.1, schedule="step", step_every=10, step_factor=0.5)
    assert [step.scheduled_rate(0.1, epoch) for epoch in (0, 9, 10, 25)] == [0.1, 0.1, 0.05, 0.025]
    cosine = TrainConfig(schedule="cosine", epochs=100)
    assert cosine.scheduled_rate(0.2, 0) == pytest.approx(0.2)
    assert cosine.scheduled_rate(0.2, 50) == pytest.approx(0.1)
    assert cosine.scheduled_rate(0.2, 100) == pytest.approx(0.0) == cosine.scheduled_rate(0.2, 150)
    assert TrainConfig().scheduled_rate(0.3, 1000) == 0.3


def test_the_trainer_follows_the_schedule_and_a_live_rate_change_scales_it():
    trainer = Trainer(config_for("circle", schedule="step", step_every=2, step_factor=0.5, learning_rate=0.1))
    rates = []
    for _ in range(5):
        trainer.train_epoch()
        rates.append(trainer.learning_rate)  # the rate of the next epoch, once an epoch has begun
    assert trainer.learning_rate == pytest.approx(0.1 * 0.5 ** (4 // 2))
    trainer.set_learning_rate(1.0)  # the user's base rate; the schedule still applies at epoch 5
    assert trainer.learning_rate == pytest.approx(0.25)


def test_stopping_rules():
    trainer = Trainer(config_for("circle", stop_at_epochs=True, epochs=2))
    trainer.train_epoch()
    assert trainer.stop_reached() is None
    trainer.train_epoch()
    english, key, args = trainer.stop_reached()
    assert key == "msg_finished_epochs" and args == {"epochs": 2} and "2 epochs" in english
    target = Trainer(config_for("circle", target_test_loss=5.0))  # any first epoch is below 5
    target.train_epoch()
    assert target.stop_reached()[1] == "msg_finished_target"
    target.train_epoch()
    assert target.stop_reached() is None  # announced once; Play trains on


def test_a_target_loss_must_be_positive():
    with pytest.raises(ConfigError, match="target_test_loss"):
        config_for("circle", target_test_loss=0.0)


def test_gradient_norms_show_vanishing_gradients_in_a_deep_sigmoid_stack():
    layers = [{"kind": "dense", "units": 8, "activation": "sigmoid"} for _ in range(6)]
    trainer = Trainer(config_for("circle", [*layers, {"kind": "dense", "units": 1, "activation": "sigmoid"}]))
    trainer.train_epoch()
    assert plane.gradients(trainer)["norms"] == []  # recorded only when asked for (the worker asks when a page charts)
    trainer.record_gradients = True
    trainer.train_epoch()
    probe = plane.gradients(trainer)
    assert probe["epochs"] == [2] and len(probe["titles"]) == 7
    first, last = probe["norms"][0][0], probe["norms"][0][-1]
    assert 0 < first < last / 100, "the first layer of a deep sigmoid stack should learn far more slowly"


def test_probes_do_not_change_the_run():
    """The gradient probe runs in evaluation mode: it draws no dropout masks and moves no batch statistics, so a
    run with probes trains exactly as one without."""
    layers = [
        {"kind": "dense", "units": 6, "activation": "relu"},
        {"kind": "batchnorm"},
        {"kind": "dropout", "rate": 0.3},
        {"kind": "dense", "units": 1, "activation": "sigmoid"},
    ]
    config = config_for("circle", layers)
    probed = Trainer(config)  # one after the other: dropout draws from torch's global generator
    probed.record_gradients = True
    for _ in range(2):
        probed.train_epoch()
        tables.histograms(probed), plane.network(probed), plane.gradients(probed)
    plain = Trainer(config)
    for _ in range(2):
        plain.train_epoch()
    assert probed.history == plain.history


def test_histograms_carry_gradients():
    trainer = Trainer(load_preset("circle"))
    trainer.train_epoch()
    layers = tables.histograms(trainer)["layers"]
    assert all(layer["gradients"]["counts"].sum() == layer["weights"]["counts"].sum() for layer in layers)


def test_network_travels_as_bytes():
    trainer = Trainer(load_preset("circle"))
    probe = plane.network(trainer, resolution=10)
    wire = encode_network(probe)
    column = wire["columns"][1]
    import base64

    assert (column["units"], column["shown"]) == (4, 4)
    assert len(base64.b64decode(column["maps"])) == column["units"] * 100
    weights, bias = (np.frombuffer(base64.b64decode(column[key]), dtype="<f4") for key in ("weights", "bias"))
    np.testing.assert_array_equal(weights.reshape(4, 2), probe["columns"][1]["weights"])
    np.testing.assert_array_equal(bias, probe["columns"][1]["bias"])
    frame = encode_frame(
        {"run_id": "a", "status": "paused", "epoch": 1, "history": {}, "boundary": None, "focus": (1, 0),
         "network": plane.network(trainer, resolution=10),
         "compare": {"run_id": "b", "status": "paused", "epoch": 0, "history": {"epoch": [1], "train_loss": [0.5]},
                     "boundary": plane.boundary(trainer, resolution=10), "title": "B"}}
    )  # fmt: skip
    assert frame["focus"] == [1, 0] and frame["compare"]["title"] == "B"
    assert frame["compare"]["boundary"]["encoding"] == "u8" and frame["network"]["resolution"] == 10


def test_every_probe_a_page_asks_for_is_registered_and_an_unknown_name_is_refused():
    from playground.train.probes import PROBES, compute_probe
    from playground.ui.convolutions import choices as conv_choices
    from playground.ui.probe_charts import CHART_PROBES
    from playground.ui.sequences import choices

    asked = {"boundary", "network", *CHART_PROBES, *choices.RACE_PROBES}
    for views in (conv_choices.VIEW_PROBES, choices.VIEW_PROBES, choices.TEXT_VIEW_PROBES):
        asked.update(name for names in views.values() for name in names)
    assert asked <= set(PROBES), asked - set(PROBES)
    trainer = Trainer(load_preset("circle"))
    assert compute_probe(trainer, "boundary")["resolution"] == 100
    with pytest.raises(ValueError, match="there is no probe 'train_epoch'"):
        compute_probe(trainer, "train_epoch")  # a trainer method is not a probe


def test_a_big_networks_boundary_is_coarser_while_training_and_full_when_paused():
    """8 hidden layers of 32 neurons: 16 ms on the full grid, which held the live view to 11 changes a second."""
    trainer = Trainer(config_for("circle", [{"kind": "dense", "units": 32, "activation": "tanh"}] * 8 + [
        {"kind": "dense", "units": 1, "activation": "sigmoid"}]))  # fmt: skip
    assert plane.boundary(trainer)["resolution"] == 100  # paused: the full grid
    trainer.probe_cache.throttle = True  # training
    trainer.step += 1
    live = plane.boundary(trainer)
    expected = math.isqrt(plane.PLANE_LIVE_PROBE_MACS // trainer.parameter_count)
    assert live["resolution"] == expected < 100 and live["values"].shape == (expected**2,)
    assert plane.network(trainer)["resolution"] == plane.NEURON_MAP_RESOLUTION  # the small maps stay as they are
    trainer.probe_cache.throttle = False  # paused again: the full grid at once, for the same step
    assert plane.boundary(trainer)["resolution"] == 100
    small = Trainer(load_preset("circle"))
    small.probe_cache.throttle = True
    assert plane.boundary(small)["resolution"] == 100  # the simple controls' networks keep the full grid
    wider = Trainer(config_for("circle", [{"kind": "dense", "units": 160, "activation": "tanh"}] * 4 + [
        {"kind": "dense", "units": 1, "activation": "sigmoid"}]))  # fmt: skip
    assert math.isqrt(plane.PLANE_LIVE_PROBE_MACS // wider.parameter_count) < plane.NEURON_MAP_RESOLUTION
    wider.probe_cache.throttle = True  # the neuron maps keep their grid: a new one would rebuild the view
    assert plane.network(wider)["resolution"] == plane.NEURON_MAP_RESOLUTION


def test_a_new_focus_shows_at_once_while_training(monkeypatch):
    """The boundary may be reused between snapshots while training; a click on a neuron must not wait for that."""
    monkeypatch.setattr(plane, "PLANE_PROBE_INTERVAL_S", 60.0)  # reused for a minute, unless something else changed
    trainer = Trainer(load_preset("circle"))
    trainer.probe_cache.throttle = True
    first = plane.boundary(trainer)
    trainer.step += 1
    assert plane.boundary(trainer) is first
    choices.set_focus(trainer, (1, 0))
    assert plane.boundary(trainer)["focus"] == [1, 0]
    before = trainer.inspected
    choices.set_focus(trainer, (1, 0))  # the same neuron again: nothing to recompute
    assert trainer.inspected == before
