"""The layer-stack editor's logic without Streamlit: list operations, undo, live rows, kinds per input family,
templates (vectors, images, sequences, text), the diagram."""

import json

import pytest
import torch

from playground.config import ConfigError, RunConfig, output_layer
from playground.data.kinds.sequences import GeneratedSequences, GeneratedSeries
from playground.data.registry import DATASETS, SERIES_UPLOAD, TEXT, text_vocabulary
from playground.data.series_upload import store_series
from playground.data.upload import CACHE_ENV
from playground.layer_stack import (
    DEFAULT_LAYERS,
    IMAGE_KINDS,
    KIND_NAMES,
    EditorState,
    ParamTotals,
    add_layer,
    default_layer,
    duplicate_layer,
    failing_layer_index,
    input_family,
    insert_layer,
    kinds_for,
    load_templates,
    move_layer,
    param_totals,
    parse_layer,
    plain_reason,
    remove_layer,
    stack_rows,
    update_layer,
    with_output_layer,
    with_vocab_size,
)
from playground.model import build_model
from playground.presets import load_preset
from playground.viz.network_diagram import stack_diagram

A = {"kind": "dense", "units": 8, "activation": "relu"}
B = {"kind": "dropout", "rate": 0.1}
C = {"kind": "dense", "units": 1, "activation": "sigmoid"}


def test_every_kind_has_a_default_that_parses():
    assert set(DEFAULT_LAYERS) == set(KIND_NAMES)
    assert stack_rows([default_layer(kind) for kind in KIND_NAMES], (4,))[-1].error is None
    with pytest.raises(ValueError, match="unknown layer kind"):
        default_layer("conv")


def test_list_operations_return_new_lists():
    stack = [A, B, C]
    assert add_layer(stack, B) == [A, B, C, B]
    assert insert_layer(stack, 0, C) == [C, A, B, C]
    assert insert_layer(stack, 3, A) == [A, B, C, A]
    assert remove_layer(stack, 1) == [A, C]
    assert duplicate_layer(stack, 0) == [A, A, B, C]
    assert move_layer(stack, 2, -1) == [A, C, B]
    assert move_layer(stack, 0, 1) == [B, A, C]
    assert move_layer(stack, 0, -1) == stack  # stops at the ends
    assert move_layer(stack, 2, 5) == stack
    assert update_layer(stack, 0, units=3)[0] == {**A, "units": 3}
    assert stack == [A, B, C] and A["units"] == 8  # inputs untouched
    copy = duplicate_layer(stack, 0)
    copy[1]["units"] = 99
    assert copy[0]["units"] == 8  # a duplicate is a copy, not the same dict


def test_bad_operations_say_why():
    with pytest.raises(IndexError):
        remove_layer([A], 1)
    with pytest.raises(IndexError):
        insert_layer([A], 3, B)
    with pytest.raises(ValueError, match="kind cannot be edited"):
        update_layer([A], 0, kind="dropout")


def test_with_output_layer_replaces_only_the_last():
    three = {"kind": "dense", "units": 3, "activation": "linear"}
    assert with_output_layer([A, B, C], three) == [A, B, three]
    assert with_output_layer([C], three) == [three]


def test_editor_state_ids_follow_layers_and_undo_restores():
    state = EditorState.start([A, B, C])
    assert state.ids == [0, 1, 2] and not state.can_undo
    state.move(2, -1)
    assert state.layers == [A, C, B] and state.ids == [0, 2, 1]
    state.add(default_layer("batchnorm"))
    state.insert(0, default_layer("flatten"))
    assert state.ids == [4, 0, 2, 1, 3]
    state.duplicate(1)
    assert state.ids[2] == 5 and state.layers[2] == A
    state.remove(0)
    state.edit(state.index_of(2), units=4)
    assert state.layers[state.index_of(2)]["units"] == 4
    state.replace([C])
    assert state.layers == [C] and state.ids == [6]
    for _ in range(7):
        assert state.undo()
    assert state.layers == [A, B, C] and state.ids == [0, 1, 2]
    assert not state.undo() and not state.can_undo


def test_a_change_that_changes_nothing_is_not_history():
    state = EditorState.start([A, B])
    state.move(0, -1)
    state.edit(0, units=8)
    assert not state.can_undo


def test_history_is_bounded():
    state = EditorState.start([A], limit=5)
    for units in range(2, 12):
        state.edit(0, units=units)
    assert len(state.history) == 5
    while state.undo():
        pass
    assert state.layers[0]["units"] == 6  # the five oldest versions are gone


def test_rows_show_shapes_and_params_up_to_a_failure():
    rows = stack_rows([{"kind": "dense", "units": 64, "activation": "relu"}, {"kind": "batchnorm"}, C], (100,))
    assert [row.output_shape for row in rows] == [(64,), (64,), (1,)]
    assert [row.params for row in rows] == [6464, 128, 65]
    assert [row.title for row in rows] == ["Dense(64, relu)", "BatchNorm", "Dense(1, sigmoid)"]
    totals = param_totals(rows)
    # as Keras counts them: batch norm's 64 means and 64 variances are non-trainable
    assert (totals.total, totals.trainable, totals.non_trainable) == (6657 + 128, 6657, 128)
    plain = param_totals(stack_rows([{"kind": "dense", "units": 64, "activation": "relu"}, C], (100,)))
    assert (plain.total, plain.trainable, plain.non_trainable) == (6529, 6529, 0)

    broken = stack_rows([A, {"kind": "dense", "units": 0}, C], (4,))
    assert broken[0].output_shape == (8,) and broken[0].error is None
    assert "units" in broken[1].error and broken[1].output_shape is None
    assert broken[2].output_shape is None and broken[2].params is None and broken[2].error is None

    image = stack_rows([A, {"kind": "flatten"}], (1, 3, 4))  # images: dense needs them flat
    assert "add a flatten layer first" in image[0].error and image[1].output_shape is None


def test_failing_index_and_plain_reason_read_config_errors():
    error = "model.layers[2] Dense(4, relu): the network ends with shape (4,), but a binary task needs 1 output"
    assert failing_layer_index(error) == 2
    assert plain_reason(error) == "the network ends with shape (4,), but a binary task needs 1 output"
    assert plain_reason("model.layers[1].units: Input should be greater than or equal to 1") == (
        "Input should be greater than or equal to 1"
    )
    assert failing_layer_index("training.batch_size: batch norm needs batches of at least 2 samples") is None
    assert failing_layer_index(None) is None


def test_templates_load_and_each_runs_on_a_matching_task():
    templates = load_templates("vector")
    assert templates[0].id == "seed-ffn"
    assert templates[0].stack() == [
        {"kind": "dense", "units": 64, "activation": "relu"},
        {"kind": "dense", "units": 32, "activation": "relu"},
        {"kind": "dense", "units": 1, "activation": "sigmoid"},
    ]
    assert len(templates) >= 3 and {"en", "zh"} <= set(templates[1].names)
    for template in templates:
        binary = RunConfig.from_dict({"data": {"dataset": "seed_ffn"}, "model": {"layers": template.stack()}})
        assert binary.model.layers[-1].units == 1
        three = output_layer("multiclass", 3).model_dump()
        wine = {"data": {"dataset": "wine"}, "model": {"layers": template.stack(three)}}
        assert RunConfig.from_dict(wine).model.layers[-1].units == 3, template.id


def test_templates_come_from_files(tmp_path):
    (tmp_path / "b.json").write_text(json.dumps({"name": "Bee", "order": 0, "layers": [C]}), encoding="utf-8")
    (tmp_path / "a.json").write_text(
        json.dumps({"name": {"en": "A", "zh": "甲"}, "family": "image", "order": 1, "layers": [A, C]}),
        encoding="utf-8",
    )
    templates = load_templates(directory=tmp_path)
    assert [template.id for template in templates] == ["b", "a"]
    assert templates[1].name("zh") == "甲" and templates[0].name("zh") == "Bee"
    assert [template.id for template in load_templates("image", tmp_path)] == ["a"]
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.json").write_text(json.dumps({"name": "X", "layers": [{"kind": "dense"}]}))
    with pytest.raises(ValueError, match="template x: layers\\[0\\]"):
        load_templates(directory=tmp_path / "bad")


def test_diagram_has_input_each_layer_and_output():
    rows = stack_rows(load_templates("vector")[0].stack(), (100,))
    dot = stack_diagram((100,), rows)
    assert dot.startswith("digraph network {") and dot.rstrip().endswith("}")
    assert 'input [label="Input\\n(100,)"' in dot
    assert '"Dense(64, relu)\\n(64,) · 6,464 params"' in dot
    assert "layer2 [" in dot and "layer3" not in dot
    assert "input -> layer0;" in dot and "layer2 -> output;" in dot
    assert 'output [label="Output\\n(1,)"' in dot
    assert "#dc2626" not in dot


def test_diagram_marks_a_failure_and_translates():
    rows = stack_rows([{"kind": "dense", "units": 4}, {"kind": "flatten"}], (1, 3, 4))
    dot = stack_diagram((1, 3, 4), rows, {"input": "输入", "output": "输出", "params": "个参数"})
    assert 'label="输入\\n(1, 3, 4)"' in dot
    assert dot.count("#dc2626") == 1  # only the failing layer is outlined
    assert "(4,)" not in dot and "–" in dot  # no shapes after the failure
    assert 'output [label="输出\\n–"' in dot
    empty = stack_diagram((2,), [])
    assert "input -> output;" in empty


SEED_LSTM = [{"kind": "lstm", "units": 64}, {"kind": "dense", "units": 1, "activation": "linear"}]


def test_each_family_gets_the_kinds_its_inputs_can_take():
    assert kinds_for("sequence") == ("rnn", "lstm", "gru", "dense", "dropout", "activation", "flatten", "batchnorm")
    assert kinds_for("text") == ("embedding", *kinds_for("sequence"))
    assert kinds_for("vector") == ("dense", "activation", "dropout", "batchnorm", "flatten")
    assert kinds_for("image") == (*kinds_for("vector"), "conv2d", "maxpool2d", "avgpool2d", "global_avg_pool")
    assert not set(IMAGE_KINDS) & set(kinds_for("text"))
    assert not {"rnn", "lstm", "gru", "embedding"} & set(kinds_for("image") + kinds_for("vector"))
    assert set(kinds_for("text") + kinds_for("image")) == set(KIND_NAMES)  # every kind is offered somewhere
    assert [input_family(shape) for shape in [(4,), (100, 10), (1, 28, 28)]] == ["vector", "sequence", "image"]


def test_every_default_parses_and_an_embedding_takes_the_vocabulary():
    for kind in KIND_NAMES:
        assert parse_layer(default_layer(kind)).kind == kind
    assert default_layer("embedding", vocab_size=57) == {"kind": "embedding", "vocab_size": 57, "dim": 16}
    assert default_layer("lstm", vocab_size=57) == DEFAULT_LAYERS["lstm"]  # only embeddings know a vocabulary
    assert with_vocab_size([default_layer("embedding"), A], None) == [default_layer("embedding"), A]


def test_recurrent_rows_show_shapes_and_params_before_training():
    rows = stack_rows(SEED_LSTM, (100, 10))
    assert [(row.title, row.output_shape, row.params) for row in rows] == [
        ("LSTM(64)", (64,), 4 * (10 * 64 + 64 * 64 + 2 * 64)),
        ("Dense(1, linear)", (1,), 65),
    ]
    assert param_totals(rows) == ParamTotals(19_521, 19_521, 0)  # the seed LSTM, as Keras counts it too
    stack = [
        {**default_layer("gru"), "bidirectional": True, "return_sequences": True},
        {"kind": "dense", "units": 8, "activation": "relu"},  # per step
        {**default_layer("rnn"), "num_layers": 2},
        {"kind": "dense", "units": 1},
    ]
    rows = stack_rows(stack, (50, 2))
    assert [row.output_shape for row in rows] == [(50, 64), (50, 8), (32,), (1,)]
    assert rows[0].params == 2 * 3 * (2 * 32 + 32 * 32 + 64) and rows[1].params == 65 * 8
    assert rows[2].params == (8 * 32 + 32 * 32 + 64) + (32 * 32 + 32 * 32 + 64)
    text = stack_rows([{"kind": "embedding", "vocab_size": 40, "dim": 16}, {"kind": "lstm", "units": 8}], (30,))
    assert [(row.output_shape, row.params) for row in text] == [((30, 16), 640), ((8,), 4 * (16 * 8 + 8 * 8 + 16))]


def test_sequence_mistakes_name_the_layer_and_what_to_do():
    rows = stack_rows([{**default_layer("lstm"), "return_sequences": True}, {"kind": "batchnorm"}], (100, 10))
    assert rows[1].title == "BatchNorm" and "(100, 32)" in rows[1].error and "flatten" in rows[1].error
    data = {"dataset": "seed_sequences", "n_points": 200, "n_features": 10}
    raw = {"data": data, "model": {"layers": [{"kind": "batchnorm"}]}}
    with pytest.raises(ConfigError) as refused:
        RunConfig.from_dict(raw)
    assert failing_layer_index(str(refused.value)) == 0
    assert str(refused.value).startswith("model.layers[0] BatchNorm: ") and "(100, 10)" in plain_reason(
        str(refused.value)
    )
    tokens = stack_rows([{"kind": "lstm", "units": 4}], (30,))  # character numbers straight into an LSTM
    assert "embedding" in tokens[0].error
    images = stack_rows([{"kind": "lstm", "units": 4}], (1, 8, 8))
    assert "LSTM(4) needs sequences (steps, features)" in images[0].error


def regression_output() -> dict:
    return output_layer("regression", 1).model_dump()


def sequence_config(dataset: str, layers: list[dict], **data: object) -> RunConfig:
    return RunConfig.from_dict({"data": {"dataset": dataset, "n_points": 200, **data}, "model": {"layers": layers}})


def test_sequence_templates_fit_every_sequence_dataset():
    templates = load_templates("sequence")
    assert [template.id for template in templates] == [
        "seed-lstm",
        "stacked-lstm",
        "bi-gru",
        "simple-rnn",
        "dense-per-step",
    ]
    assert templates[0].stack() == SEED_LSTM
    assert [parse_layer(layer) for layer in SEED_LSTM] == list(load_preset("seed-lstm").model.layers)
    for template in templates:
        assert {"en", "zh"} <= set(template.names), template.id
        generated = [name for name, kind in DATASETS.items() if isinstance(kind, GeneratedSequences | GeneratedSeries)]
        for dataset in generated:
            for steps in (2, 100):
                config = sequence_config(dataset, template.stack(regression_output()), steps=steps)
                assert config.summary()[-1].output_shape == (1,), (template.id, dataset)
                model = build_model(config)
                assert model(torch.randn(3, *config.input_shape)).shape == (3, 1), (template.id, dataset)
    seed = sequence_config("seed_sequences", templates[0].stack(regression_output()), n_features=10)
    assert seed.total_params() == 19_521


def test_sequence_templates_fit_an_uploaded_series(tmp_path, monkeypatch):
    """An upload has as many values per step as its CSV has columns; every template takes them."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    rows = "\n".join(f"{20 + i % 7},{i % 5}" for i in range(300))
    sha, _ = store_series(f"temperature,wind\n{rows}\n".encode(), "temperature")
    for template in load_templates("sequence"):
        config = sequence_config(SERIES_UPLOAD, template.stack(regression_output()), upload=sha, steps=20)
        assert config.input_shape == (20, 2) and config.summary()[-1].output_shape == (1,), template.id


def test_text_templates_fit_the_text_with_its_characters():
    templates = load_templates("text")
    assert [template.id for template in templates] == ["char-lstm", "char-gru"]
    data = {"dataset": TEXT, "n_points": 200, "steps": 40}
    characters = len(text_vocabulary())
    output = output_layer("multiclass", characters).model_dump()
    for template in templates:
        assert {"en", "zh"} <= set(template.names), template.id
        layers = template.stack(output, vocab_size=characters)
        assert layers[0] == {"kind": "embedding", "vocab_size": characters, "dim": 16}
        config = RunConfig.from_dict({"data": data, "model": {"layers": layers}})
        assert config.summary()[-1].output_shape == (characters,), template.id
        model = build_model(config)
        tokens = torch.randint(0, characters, (3, 40))
        assert model(tokens).shape == (3, characters), template.id
    char_lstm = RunConfig.from_dict({"data": data, "model": {"layers": templates[0].stack(output, characters)}})
    assert [info.params for info in char_lstm.summary()] == [
        characters * 16,
        4 * (16 * 128 + 128 * 128 + 2 * 128),
        129 * characters,
    ]
