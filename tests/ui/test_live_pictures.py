"""The pictures a page paints live under the training view: a run's frames carry the conv filters, an image
explained, a recurrent layer's hidden state or the charts of a run's probes while the page asks for them, built and
encoded once per new probe, and the key alone while the browser holds them."""

from __future__ import annotations

import base64
from functools import partial

import numpy as np
import pytest

from playground.config import RunConfig
from playground.data.registry import kind_of
from playground.i18n import translator
from playground.presets import load_preset
from playground.train.worker import WorkerHandle
from playground.ui.convolutions.live_pictures import (
    MAX_BARS,
    MAX_MAPS,
    _filter_panels,
    _sample_panels,
    filter_pictures,
    sample_pictures,
)
from playground.ui.frames import dumps_frame, encode_frame, worker_frame
from playground.ui.pictures import MAX_LINE_POINTS, PictureMemo, Pictures, bars, grid
from playground.ui.pictures import lines as lines_panel
from playground.ui.pictures import matrix as matrix_panel
from playground.ui.pictures import scatter as scatter_panel
from playground.ui.probe_charts import CHART_PROBES, _chart_panels, chart_pictures, metric_panel
from playground.ui.sequences.choices import shown_character
from playground.ui.sequences.live_pictures import MAX_UNITS, hidden_pictures

EN = translator("en")


def decoded(panel: dict, field: str = "values") -> np.ndarray:
    raw = np.frombuffer(base64.b64decode(panel[field]), dtype=np.uint8)
    return raw.reshape(panel["count"], panel["height"], panel["width"])


def test_a_grid_quantises_its_maps_to_bytes_on_its_scale_and_checks_its_input():
    maps = np.array([[[-2.0, 0.0], [2.0, np.nan]]], dtype=np.float32)
    panel = grid("h", "c", maps, -2.0, 2.0, "kernel", 36)
    assert (panel["count"], panel["height"], panel["width"], panel["tile"]) == (1, 2, 2, 36)
    assert decoded(panel).tolist() == [[[0, 128], [255, 128]]]  # NaN: the middle
    with_overlay = grid("", "", maps, -2.0, 2.0, "grey", 36, overlay=np.array([[[0.0, 1.0], [0.5, 2.0]]]))
    assert decoded(with_overlay, "overlay").tolist() == [[[0, 255], [128, 255]]]
    with pytest.raises(ValueError, match="palette"):
        grid("", "", maps, 0, 1, "rainbow", 36)
    with pytest.raises(ValueError, match=r"maps \[n, h, w\]"):
        grid("", "", maps[0], 0, 1, "grey", 36)
    with pytest.raises(ValueError, match="overlay"):
        grid("", "", maps, 0, 1, "grey", 36, overlay=np.zeros((1, 3, 3)))
    assert bars("p", "", ["a", "b"], [0.25, np.nan], 0)["values"] == [0.25, 0.0]


def test_filters_follow_the_chosen_channels_are_encoded_once_and_sent_once():
    handle = WorkerHandle(load_preset("digits-cnn"), probes=("filters",))
    try:
        handle.wait_until(lambda s, _: s.probe("filters") is not None, timeout=60)
        probe = handle.snapshot()[0].probe("filters")
        first, second = probe["layers"][0], probe["layers"][1]
        assert "pictures" not in worker_frame(handle, 0, -1)  # not asked for: not sent
        memo = PictureMemo()
        chosen = {second["index"]: 3, first["index"]: 99}  # past the first layer's one input channel: its last
        pictures = partial(memo.part, pictures=filter_pictures(EN, chosen))
        frame = worker_frame(handle, 0, -1, pictures)
        panels = frame["pictures"]["panels"]
        assert [panel["caption"] for panel in panels] == [
            "16 filters · input channel 1",
            "32 filters · input channel 4",
        ]
        limit = float(np.abs(second["weights"]).max())
        np.testing.assert_allclose(decoded(panels[1]) / 255 * 2 * limit - limit, second["weights"][:, 3],
                                   atol=limit / 255)  # fmt: skip

        again = worker_frame(handle, 0, -1, partial(memo.part, pictures=filter_pictures(EN, dict(chosen))))
        assert again["pictures"] is frame["pictures"]  # an equal spec and the same probe: built and encoded once
        key = frame["pictures"]["key"]
        assert encode_frame(frame, frozenset({key}))["pictures"] == {"key": key}  # the browser holds them
        assert encode_frame(frame, frozenset({"other"}))["pictures"]["panels"] == panels
        assert b'"pictures":{"key":"' + key.encode() + b'"}' in dumps_frame(frame, frozenset({key}))

        handle.step()
        handle.wait_until(lambda s, _: s.epoch == 1, timeout=60)
        after = worker_frame(handle, 0, -1, pictures)["pictures"]
        assert after["key"] != key, "the filters did not follow a training step"
        assert after["panels"][0]["values"] != panels[0]["values"]
    finally:
        handle.stop()


def test_an_image_explained_shows_the_image_its_saliency_the_probabilities_and_every_layers_maps():
    handle = WorkerHandle(load_preset("digits-cnn"), probes=("sample",))
    try:
        handle.wait_until(lambda s, _: s.probe("sample") is not None, timeout=60)
        probe = handle.snapshot()[0].probe("sample")
        names = tuple(str(digit) for digit in range(10))
        part = PictureMemo().part(handle.snapshot()[0], sample_pictures(EN, names))
        image, saliency, chance, *maps = part["panels"]
        assert image["caption"] == f"Test image 0: {probe['true']}" and image["palette"] == "grey"
        np.testing.assert_array_equal(decoded(image)[0], np.rint(probe["image"] * 255))
        assert saliency["caption"] == EN("cnn_saliency")
        np.testing.assert_array_equal(decoded(saliency, "overlay")[0], np.rint(probe["saliency"] * 255))
        assert chance["labels"] == list(names) and chance["mark"] == probe["predicted"]
        np.testing.assert_allclose(chance["values"], probe["probabilities"], atol=1e-4)
        assert [panel["caption"] for panel in maps] == ["16 maps of 8×8", "16 maps of 4×4", "32 maps of 4×4"]
        layer = probe["maps"][0]["maps"]
        low, high = float(layer.min()), float(layer.max())
        np.testing.assert_allclose(decoded(maps[0]) / 255 * (high - low) + low, layer, atol=(high - low) / 255)
    finally:
        handle.stop()


def test_many_maps_and_classes_are_cut_to_what_the_view_can_show():
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(100)).astype(np.float32)
    probe = {
        "index": 3, "true": 5, "predicted": int(probabilities.argmax()), "probabilities": probabilities,
        "image": rng.random((6, 6)), "saliency": rng.random((6, 6)),
        "maps": [{"index": 0, "title": "Conv2D(80, 3x3)", "maps": rng.random((80, 4, 4)).astype(np.float32)}],
    }  # fmt: skip
    panels = _sample_panels({"sample": probe}, EN, ())
    chance, maps = panels[2], panels[3]
    assert len(chance["labels"]) == MAX_BARS and chance["caption"] == "the 10 most likely of 100 classes"
    assert chance["values"] == sorted(chance["values"], reverse=True) and chance["mark"] == 0
    assert chance["labels"][0] == str(probe["predicted"])  # no names: the class numbers
    assert maps["count"] == MAX_MAPS and maps["caption"] == "the first 64 of 80 maps of 4×4"


def test_the_memo_builds_again_only_for_new_probes_or_another_spec():
    calls = []

    def build(probes, scale):
        calls.append(scale)
        return [grid("", "", np.ones((1, 1, 1)) * scale, 0, 1, "grey", 8)]

    memo, probe = PictureMemo(), {"v": 1}
    first = memo.part(FakeSnapshot({"p": probe}), Pictures(("p",), build, (1,)))
    assert memo.part(FakeSnapshot({"p": probe}), Pictures(("p",), build, (1,))) is first
    assert memo.part(FakeSnapshot({"p": {"v": 1}}), Pictures(("p",), build, (1,)))["key"] != first["key"]  # a new probe
    assert memo.part(FakeSnapshot({"p": {"v": 1}}), Pictures(("p",), build, (0,)))["key"] != first["key"]
    assert memo.part(FakeSnapshot({}), Pictures(("p",), build, (1,))) is None  # waiting for the probe
    assert calls == [1, 1, 0]


def test_the_hidden_state_and_gates_of_the_chosen_run_with_marked_and_named_steps():
    adding = RunConfig.from_dict(
        {**load_preset("adding-lstm").model_dump(), "data": {"dataset": "adding", "n_points": 100, "steps": 6}}
    )
    marker = kind_of(adding.data).marker_column
    inputs = np.zeros((6, 2), dtype=np.float32)
    inputs[[1, 4], marker] = 1.0  # the adding problem marks two steps
    units = adding.model.layers[0].units
    gates = {name: np.full((units, 6), 0.5, np.float32) for name in ("input", "forget", "cell", "output", "memory")}
    gates["memory"][0, 0] = -3.0
    entry = {"index": 0, "depth": 0, "direction": "forward", "cell": "lstm", "gates": gates,
             "states": np.linspace(-1, 1, units * 6, dtype=np.float32).reshape(units, 6)}  # fmt: skip
    snapshot = FakeSnapshot({"hidden": {"index": 0, "inputs": inputs, "layers": [entry]}})
    hidden, *shown = PictureMemo().part(snapshot, hidden_pictures(EN, adding, (0, 0, "forward"), ()))["panels"]
    assert hidden["heading"] == f"1. {EN('editor_kind_lstm')}: the hidden state of its {units} units at every step"
    assert hidden["marks"] == [2, 5] and all(panel["marks"] == [2, 5] for panel in shown)
    assert "steps" not in hidden  # numbers, not text: no names under the steps
    assert [(panel["heading"], panel["palette"]) for panel in shown] == [
        ("Input gate i", "gate"), ("Forget gate f", "gate"), ("Candidate g", "signed"), ("Output gate o", "gate"),
        ("Memory cell c", "signed"),
    ]  # fmt: skip
    assert decoded(shown[-1])[0, 0, 0] == 0  # the memory cell on its own range, here [-3, 3]
    assert decoded(shown[2])[0, 0, 0] == 191  # a candidate of 0.5 on [-1, 1]

    other = {**entry, "cell": "gru", "gates": {}}  # a probe of the stack before an edit: its own kind named
    snapshot = FakeSnapshot({"hidden": {"index": 0, "inputs": inputs, "layers": [other]}})
    panels = PictureMemo().part(snapshot, hidden_pictures(EN, adding, (0, 0, "forward"), ()))["panels"]
    assert [panel["heading"] for panel in panels] == [
        f"1. {EN('editor_kind_gru')}: the hidden state of its {units} units at every step"
    ]
    stale = FakeSnapshot({"hidden": {"index": 0, "inputs": np.zeros((9, 2)), "layers": [entry]}})
    assert PictureMemo().part(stale, hidden_pictures(EN, adding, (0, 0, "forward"), ()))["panels"] == []


def test_a_text_models_hidden_state_names_its_steps_by_character():
    text = load_preset("text-lstm")
    steps, units = text.input_shape[0], 8
    entry = {"index": 1, "depth": 0, "direction": "forward", "cell": "lstm", "gates": {},
             "states": np.zeros((units, steps), np.float32)}  # fmt: skip
    window = ("ab c\n" * steps)[:steps]
    probe = {"index": 0, "inputs": np.zeros(text.input_shape, np.int64), "text": window, "layers": [entry],
             "true": 1, "predicted": 0}  # fmt: skip
    classes = (" ", "e", "t")
    verdict, hidden = PictureMemo().part(FakeSnapshot({"hidden": probe}),
                                         hidden_pictures(EN, text, (1, 0, "forward"), classes))["panels"]  # fmt: skip
    # the network's answer first, the characters as the steps show them (a space as ␣)
    assert verdict == {"kind": "note", "heading": "", "caption": "",
                       "text": "Next character: **e**, predicted **␣** (test window 0)."}  # fmt: skip
    assert hidden["steps"] == [shown_character(character) for character in window]
    assert "␣" in hidden["steps"] and "marks" not in hidden


class FakeSnapshot:
    """What the memo reads of a snapshot: its probes by name, and its run."""

    def __init__(self, probes: dict, run_id: str = "run") -> None:
        self.probes = probes
        self.run_id = run_id

    def probe(self, name: str) -> dict | None:
        return self.probes.get(name)


def test_the_charts_under_a_live_view_from_their_probes():
    probes = {
        "confusion": {"matrix": np.array([[5, 1, 0], [0, 4, 2], [1, 0, 7]])},
        "predictions": None,
        "gradients": {"titles": ["Dense(4, tanh)", "Dense(1)"], "epochs": [1, 2], "norms": [[0.1, 0.5], [0.0, 0.4]]},
        "histograms": {"layers": [
            {"index": 0, "title": "Dense(4, tanh)",
             "weights": {"counts": np.array([1, 3]), "edges": np.array([-1, 0, 1.0])},
             "activations": {"counts": np.zeros(0), "edges": np.zeros(0)}},
        ]},
    }  # fmt: skip
    matrix, norms, weights = _chart_panels(probes, EN, "multiclass", ("setosa", "versicolor"))
    assert matrix["labels"] == ["setosa", "versicolor", "2"] and matrix["counts"][2] == [1, 0, 7]
    assert matrix["rows_title"] == EN("tab_true") and matrix["columns_title"] == EN("tab_predicted")
    assert norms["log"] and [line["name"] for line in norms["series"]] == ["1: Dense(4, tanh)", "2: Dense(1)"]
    assert norms["series"][0]["y"] == [0.1, None]  # a zero norm has no place on a log axis: a gap
    assert weights["heading"] == EN("tab_weights") and weights["layers"] == [
        {"title": "0: Dense(4, tanh)", "color": weights["layers"][0]["color"], "lo": -1.0, "hi": 1.0, "counts": [1, 3]}
    ]  # the activations' empty histogram (nothing finite) leaves no chart

    regression = _chart_panels({"predictions": {"true": [1.0, 2.0], "predicted": [1.5, np.nan]}}, EN, "regression", ())
    assert [(panel["kind"], panel["x"], panel["y"]) for panel in regression] == [("scatter", [1.0, 2.0], [1.5, None])]
    with pytest.raises(ValueError, match="labels"):
        matrix_panel("m", "", np.zeros((2, 2)), ["a"], "t", "p")
    with pytest.raises(ValueError, match="x values"):
        scatter_panel("s", "", [1, 2], [1], "t", "p")
    line = lines_panel("l", "", [{"name": "a", "color": "#000000", "x": [1], "y": [np.inf]}], "e")["series"][0]
    assert line["y"] == [None]


def test_a_picture_that_cannot_be_built_is_left_out_once_and_the_frame_goes_on(caplog):
    calls = []

    def broken(probes):
        calls.append(1)
        raise ValueError("a matrix (2, 3) with 2 labels")

    memo, snapshot = PictureMemo(), FakeSnapshot({"p": {"v": 1}})
    assert memo.part(snapshot, Pictures(("p",), broken)) is None
    assert memo.part(snapshot, Pictures(("p",), broken)) is None  # the same probes: not built again
    assert calls == [1] and "could not be built" in caplog.text


def test_filters_of_all_zero_weights_are_white_not_the_negative_colour():
    weights = np.zeros((2, 1, 3, 3), np.float32)
    weights[1, 0, 0, 0] = np.nan  # a diverged weight: the middle too
    probes = {"filters": {"layers": [{"index": 0, "title": "Conv2D(2, 3x3)", "weights": weights}]}}
    (panel,) = _filter_panels(probes, EN, ())
    assert set(decoded(panel).reshape(-1).tolist()) == {128}


def test_what_a_frame_carries_is_bounded_however_long_the_run_or_wide_the_layer():
    epochs = np.arange(1, 100_001)
    (line,) = lines_panel("l", "", [{"name": "a", "color": "#000000", "x": epochs, "y": epochs / 10}], "e")["series"]
    assert len(line["x"]) == len(line["y"]) == MAX_LINE_POINTS
    assert (line["x"][0], line["x"][-1], line["y"][-1]) == (1, 100_000, 10_000)  # the last epoch stays

    wide = RunConfig.from_dict({**load_preset("sine-lstm").model_dump(), "data": {"dataset": "sine", "steps": 10}})
    units = 1024
    gates = {name: np.zeros((units, 10), np.float32) for name in ("input", "forget", "cell", "output", "memory")}
    entry = {"index": 0, "depth": 0, "direction": "forward", "cell": "lstm", "gates": gates,
             "states": np.zeros((units, 10), np.float32)}  # fmt: skip
    probe = {"index": 0, "inputs": np.zeros(wide.input_shape, np.float32), "layers": [entry]}
    panels = PictureMemo().part(FakeSnapshot({"hidden": probe}), hidden_pictures(EN, wide, (0, 0, "forward"), ()))
    hidden = panels["panels"][0]
    assert hidden["heading"].endswith(f"the hidden state of the first {MAX_UNITS} of its {units} units at every step")
    assert all(panel["height"] == MAX_UNITS for panel in panels["panels"])


class FakeHistory:
    """A run's history as a handle serves it: the newest snapshot and the rows after an epoch; counts the rows read."""

    def __init__(self, run_id: str, rows: list[dict]) -> None:
        self.snapshot, self.rows, self.read = FakeSnapshot({}, run_id), rows, 0

    def __call__(self, since_epoch: int) -> tuple[FakeSnapshot, list[dict]]:
        tail = self.rows[since_epoch:]
        self.read += len(tail)
        return self.snapshot, tail


def test_charts_per_epoch_are_built_again_when_an_epoch_ends_reading_only_the_new_rows():
    calls = []

    def build(probes):
        calls.append([row["epoch"] for row in probes["history"]])
        return [metric_panel(EN, probes["history"], "multiclass")]

    spec = Pictures((), build, history=True)
    memo, history = PictureMemo(), FakeHistory("a", [])
    assert memo.part(FakeSnapshot({}, "a"), spec, history) is None  # no epoch yet: nothing to draw
    history.rows += [{"epoch": 1, "train_accuracy": 0.5, "test_accuracy": 0.25}]
    first = memo.part(FakeSnapshot({}, "a"), spec, history)
    assert memo.part(FakeSnapshot({}, "a"), spec, history) is first  # no new epoch: the same part
    history.rows += [{"epoch": 2, "train_accuracy": 0.75, "test_accuracy": None}]
    second = memo.part(FakeSnapshot({}, "a"), spec, history)
    (metric,) = second["panels"]
    assert second["key"] != first["key"] and history.read == 2  # each row read once
    assert [line["y"] for line in metric["series"]] == [[0.5, 0.75], [0.25, None]]  # a missing value: a gap
    assert metric["percent"] and metric["y_range"] == [0.0, 1.02] and metric["x_title"] == EN("epoch")
    other = FakeHistory("b", [{"epoch": 1, "train_accuracy": 1.0, "test_accuracy": 1.0}])
    memo.part(FakeSnapshot({}, "b"), spec, other)  # a new run starts its history again
    assert calls == [[1], [1, 2], [1]]
    r2 = metric_panel(EN, [{"epoch": 1, "train_r2": -3.0, "test_r2": 0.5}], "regression", (0.0, "mean"))
    assert r2["y_range"] is None and not r2["percent"] and r2["baseline"] == {"y": 0.0, "label": "mean"}
    assert r2["heading"] == EN("tab_metric_r2")


def test_the_tables_page_metric_per_epoch_follows_a_real_run():
    config = RunConfig.from_dict({**load_preset("seed-ffn").model_dump()})
    handle = WorkerHandle(config, probes=CHART_PROBES)
    try:
        handle.play()
        handle.wait_until(lambda s, rows: len(rows) >= 2, timeout=60)
        memo = PictureMemo()
        pictures = partial(memo.part, pictures=chart_pictures(EN, config.task, ()), history=handle.snapshot)
        metric = worker_frame(handle, 0, -1, pictures)["pictures"]["panels"][0]
        assert metric["heading"] == EN("tab_metric_accuracy" if config.task != "regression" else "tab_metric_r2")
        assert len(metric["series"][0]["x"]) >= 2
        epochs = len(metric["series"][0]["x"])
        handle.wait_until(lambda s, rows: len(rows) > epochs, timeout=60)
        later = worker_frame(handle, 0, -1, pictures)["pictures"]["panels"][0]
        assert len(later["series"][0]["x"]) > epochs, "the metric per epoch did not follow the run"
        assert "history" not in chart_pictures(EN, config.task, (), metric=False).probes
        assert not chart_pictures(EN, config.task, (), metric=False).history
    finally:
        handle.stop()
