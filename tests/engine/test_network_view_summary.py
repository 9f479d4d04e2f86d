"""A huge network from a short link must not make huge frames: the network view gets what it can draw.

A 123-character ``?config=`` link (circle; Dense 4096, Dense 4096, Dense 1: 16.8 M parameters) used to make
every frame carry both 4096 x 4096 matrices as JSON numbers, rounded one Python call per weight (16.6 s of
server CPU and 157 MB per frame). The probe now keeps the first neurons of a wide layer, with the links among
them, and the frame carries them as base64 bytes encoded once per probe.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import numpy as np
import pytest
import torch

from playground.config import RunConfig
from playground.data import two_d
from playground.presets import load_preset
from playground.train.probes import plane
from playground.train.probes.plane import (
    NETWORK_VIEW_MAPS,
    NETWORK_VIEW_UNITS,
    PLANE_MIN_RESOLUTION,
    network_view_units,
)
from playground.train.trainer import Trainer
from playground.ui import frames

WIDE_LAYERS = [
    {"kind": "dense", "units": 4096, "activation": "tanh"},
    {"kind": "dense", "units": 4096, "activation": "tanh"},
    {"kind": "dense", "units": 1, "activation": "sigmoid"},
]
FRAME_BYTES_LIMIT = 1_000_000


def float32s(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f4")


def number_lists(value: object) -> Iterator[list]:
    """Every list in a decoded JSON value whose items are all numbers."""
    if isinstance(value, dict):
        for item in value.values():
            yield from number_lists(item)
    elif isinstance(value, list):
        if value and all(isinstance(item, (int, float)) for item in value):
            yield value
        for item in value:
            yield from number_lists(item)


@pytest.fixture(scope="module")
def wide_trainer() -> Trainer:
    raw = load_preset("circle").model_dump()
    raw["model"]["layers"] = WIDE_LAYERS
    config = RunConfig.from_dict(raw)
    trainer = Trainer(config)
    assert sum(parameter.numel() for parameter in trainer.model.parameters()) > 16_000_000
    return trainer


def test_the_probe_of_a_16_million_weight_network_keeps_only_the_drawn_neurons(wide_trainer):
    probe = plane.network(wide_trainer, resolution=20)
    columns = probe["columns"]
    assert [column["units"] for column in columns] == [2, 4096, 4096, 1]
    assert [column["shown"] for column in columns] == [2, NETWORK_VIEW_UNITS, NETWORK_VIEW_UNITS, 1]
    # maps only for the drawn neurons, weights only among them
    cells = probe["resolution"] ** 2
    assert [column["maps"].shape for column in columns] == [(2, cells), (32, cells), (32, cells), (1, cells)]
    assert [column["weights"].shape for column in columns[1:]] == [(32, 2), (32, 32), (1, 32)]
    assert [column["bias"].shape for column in columns[1:]] == [(32,), (32,), (1,)]
    linears = [module for module in wide_trainer.model.modules() if isinstance(module, torch.nn.Linear)]
    np.testing.assert_array_equal(columns[2]["weights"], linears[1].weight.detach().numpy()[:32, :32])
    # the drawn maps are those neurons' own outputs (the first 32 of the first hidden layer)
    _, _, grid = two_d.boundary_grid(probe["resolution"])
    with torch.no_grad():
        hidden = wide_trainer.model[0](torch.as_tensor(two_d.feature_matrix(grid, ["x1", "x2"]))).numpy()
    np.testing.assert_allclose(columns[1]["maps"], hidden[:, :32].T, atol=1e-6)


def test_a_network_too_big_for_the_plane_grids_gets_coarser_ones_computed_less_often(wide_trainer):
    """The 100 x 100 boundary grid through 16.8 M parameters took 25 s a snapshot: the run hardly trained."""
    boundary, maps = plane.boundary(wide_trainer), plane.network(wide_trainer)
    assert boundary["resolution"] == maps["resolution"] == PLANE_MIN_RESOLUTION
    assert boundary["values"].shape == (PLANE_MIN_RESOLUTION**2,)
    wide_trainer.probe_cache.throttle = True  # while training, a costly probe is reused until the budget allows another
    wide_trainer.step += 1
    assert plane.boundary(wide_trainer) is plane.boundary(wide_trainer)
    wide_trainer.probe_cache.throttle = False
    small = Trainer(load_preset("circle"))  # the networks of the simple controls keep the full grids
    assert plane.boundary(small)["resolution"] == 100 and plane.network(small)["resolution"] == 20


def test_its_frame_is_small_binary_and_says_what_it_left_out(wide_trainer):
    probe = plane.network(wide_trainer, resolution=20)
    frame = {"run_id": "r", "status": "paused", "epoch": 3, "history": {"epoch": [1, 2, 3],
             "train_loss": [0.7, 0.6, 0.5]}, "boundary": None, "network": probe}  # fmt: skip
    body = frames.dumps_frame(frame)
    assert len(body) < FRAME_BYTES_LIMIT
    wire = json.loads(body)
    columns = wire["network"]["columns"]
    assert [(column["units"], column["shown"]) for column in columns] == [(2, 2), (4096, 32), (4096, 32), (1, 1)]
    # no per-weight JSON numbers: the longest list of numbers is the history's
    assert max(len(values) for values in number_lists(wire)) == 3
    assert all(isinstance(column["maps"], str) for column in columns)
    assert len(base64.b64decode(columns[2]["maps"])) == 32 * probe["resolution"] ** 2
    weights = float32s(columns[2]["weights"]).reshape(32, 32)
    np.testing.assert_array_equal(weights, probe["columns"][2]["weights"])
    np.testing.assert_array_equal(float32s(columns[3]["bias"]), probe["columns"][3]["bias"])


def test_every_poll_of_one_snapshot_reuses_its_encoding():
    trainer = Trainer(load_preset("circle"))
    probe, boundary = plane.network(trainer, resolution=10), plane.boundary(trainer, resolution=10)
    frame = {"run_id": "r", "status": "paused", "epoch": 0, "history": {}, "boundary": boundary, "network": probe}
    first, second = frames.encode_frame(frame), frames.encode_frame(frame)
    assert second["network"] is first["network"] and second["boundary"] is first["boundary"]
    trainer.step += 1  # a new snapshot: a new probe object
    fresh = frames.encode_frame({**frame, "network": plane.network(trainer, resolution=10)})
    assert fresh["network"] is not first["network"] and fresh["network"]["key"] != first["network"]["key"]
    assert {**fresh["network"], "key": None} == {**first["network"], "key": None}  # the same content, a new key


@pytest.mark.parametrize("layers", [1, 8, 64])
def test_any_stack_the_config_allows_stays_under_the_frame_limit(layers):
    """Up to 64 layers of thousands of units: at most NETWORK_VIEW_MAPS maps, NETWORK_VIEW_UNITS per column."""
    units = [7, *([4096] * layers), 10]
    shown = network_view_units(units)
    assert max(shown) <= NETWORK_VIEW_UNITS and sum(shown) <= NETWORK_VIEW_MAPS
    assert shown == [min(count, shown[1]) for count in units]  # one cut for every wide column
    rng = np.random.default_rng(0)
    columns = []
    for number, (width, drawn) in enumerate(zip(units, shown, strict=True)):
        column = {"title": f"c{number}", "layer": number or None, "units": width, "shown": drawn, "lo": -1.0,
                  "hi": 1.0, "maps": rng.uniform(-1, 1, (drawn, 400)).astype(np.float32)}  # fmt: skip
        if number:
            column["weights"] = rng.standard_normal((drawn, shown[number - 1])).astype(np.float32)
            column["bias"] = np.zeros(drawn, dtype=np.float32)
        columns.append(column)
    body = frames.dumps_frame({"run_id": "r", "status": "paused", "epoch": 0, "history": {}, "boundary": None,
                               "network": {"resolution": 20, "extent": 6.0, "columns": columns}})  # fmt: skip
    assert len(body) < FRAME_BYTES_LIMIT


def test_a_narrow_network_is_drawn_whole():
    assert network_view_units([2, 4, 2, 1]) == [2, 4, 2, 1]
    assert network_view_units([7, *([32] * 8), 10]) == [7, *([32] * 8), 10]  # the simple controls' largest


def test_weights_that_do_not_match_the_drawn_neurons_are_refused():
    columns = [
        {"title": "Inputs", "layer": None, "units": 2, "lo": -1.0, "hi": 1.0, "maps": np.zeros((2, 4))},
        {"title": "Dense", "layer": 0, "units": 3, "lo": -1.0, "hi": 1.0, "maps": np.zeros((3, 4)),
         "weights": np.zeros((3, 1)), "bias": np.zeros(3)},
    ]  # fmt: skip
    with pytest.raises(ValueError, match=r"expected \(3, 2\)"):
        frames.encode_network({"resolution": 2, "extent": 6.0, "columns": columns})


def test_run_b_of_a_comparison_travels_without_its_network():
    trainer = Trainer(load_preset("circle"))
    compare = {"run_id": "b", "status": "paused", "epoch": 0, "history": {}, "boundary": None,
               "network": plane.network(trainer, resolution=10)}  # fmt: skip
    wire = frames.encode_frame({"run_id": "a", "status": "paused", "epoch": 0, "history": {}, "boundary": None,
                                "network": plane.network(trainer, resolution=10), "compare": compare})  # fmt: skip
    assert "network" in wire and "network" not in wire["compare"]
