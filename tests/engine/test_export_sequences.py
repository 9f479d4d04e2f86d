"""Exports of sequence models: recurrent layers, embeddings and dense layers on sequences written as PyTorch and
Keras, the sequence and text datasets regenerated inside a script, scripts that train as the Trainer does (the mae
columns included), ONNX with (batch, steps) inputs, and checkpoints of recurrent models."""

from __future__ import annotations

import ast
import io
import json
import zipfile

import numpy as np
import pytest
import torch
from torch import nn

from playground.checkpoint import HISTORY, load_checkpoint, save_checkpoint
from playground.cli import _format_row
from playground.config import RunConfig
from playground.data.kinds import sequences as sequence_kinds
from playground.data.registry import dataset_class_names, load_dataset, text_vocabulary
from playground.data.series_upload import store_series
from playground.data.upload import CACHE_ENV
from playground.export.data_source import copied_functions
from playground.export.keras_code import keras_code
from playground.export.layer_source import keras_source, module_classes, torch_source
from playground.export.onnx_export import export_onnx
from playground.export.pytorch_script import pytorch_script
from playground.layers import (
    ACTIVATIONS,
    GRU,
    LSTM,
    Activation,
    Dense,
    Embedding,
    LayerBase,
    RecurrentModule,
    SimpleRNN,
)
from playground.model import build_model, weight_matrices
from playground.train.trainer import Trainer, resume_trainer
from tests.exported_scripts import (
    assert_trains_as_the_trainer,
    epoch_numbers,
    import_script,
    imported_modules,
    run_standalone,
)

TEXT_CHARACTERS = len(text_vocabulary())


def sequence_config(data: dict, layers: list[dict], **training) -> RunConfig:
    settings = {"optimizer": "adam", "learning_rate": 0.01, "batch_size": 32, "epochs": 2, **training}
    return RunConfig.from_dict({"data": data, "model": {"layers": layers}, "training": settings})


#: The seed article's network (LSTM 64 + Dense 1, adam, mse, metric mae) on a small version of its data.
SEED_LSTM = sequence_config(
    {"dataset": "seed_sequences", "n_points": 200, "steps": 20, "n_features": 10, "seed": 3},
    [{"kind": "lstm", "units": 64}, {"kind": "dense", "units": 1}],
    learning_rate=0.001,
    loss="mse",
    metric="mae",
)
#: Next character: an embedding, a stacked GRU and one logit per character.
TEXT_GRU = sequence_config(
    {"dataset": "text", "n_points": 240, "steps": 24, "train_share": 75, "seed": 5},
    [
        {"kind": "embedding", "vocab_size": TEXT_CHARACTERS, "dim": 8},
        {"kind": "gru", "units": 16, "num_layers": 2},
        {"kind": "dense", "units": TEXT_CHARACTERS},
    ],
)
#: A noisy sine split in time; a bidirectional SimpleRNN handing on every step to an LSTM, then a dense layer per
#: step before the last: every recurrent path the seed model does not take, and an L2 penalty.
SINE = sequence_config(
    {"dataset": "sine", "n_points": 160, "steps": 16, "frequency": 6, "noise": 10, "seed": 2},
    [
        {"kind": "rnn", "units": 6, "bidirectional": True, "return_sequences": True},
        {"kind": "dense", "units": 5, "activation": "tanh"},
        {"kind": "lstm", "units": 8, "num_layers": 2, "bidirectional": True},
        {"kind": "dense", "units": 1},
    ],
    regularization="l2",
    reg_rate=0.001,
    metric="mae",
)
#: The adding problem with a plain recurrent layer and an mae loss.
ADDING = sequence_config(
    {"dataset": "adding", "n_points": 200, "steps": 12, "seed": 4},
    [{"kind": "rnn", "units": 12}, {"kind": "dense", "units": 1}],
    loss="mae",
    optimizer="rmsprop",
    learning_rate=0.003,
)
CONFIGS = {"seed_lstm": SEED_LSTM, "text_gru": TEXT_GRU, "sine": SINE, "adding": ADDING}


# Layer sources -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def script_namespace() -> dict:
    """What an exported script has defined before its model: torch, nn and the copied RecurrentModule."""
    imports: list[str] = []
    source = copied_functions([RecurrentModule], imports)
    assert sorted(imports) == ["from torch import nn", "import torch"]
    assert "class RecurrentModule(nn.Module):" in source and "playground" not in source
    namespace: dict = {}
    exec("\n".join(["from __future__ import annotations", *imports, source]), namespace)  # our own copied code
    assert namespace["RecurrentModule"] is not RecurrentModule
    return namespace


RECURRENT_LAYERS = [
    kind(units=5, num_layers=layers, bidirectional=both, return_sequences=sequences)
    for kind in (SimpleRNN, LSTM, GRU)
    for layers in (1, 3)
    for both in (False, True)
    for sequences in (False, True)
]
SEQUENCE_LAYERS = [
    *RECURRENT_LAYERS,
    *(Dense(units=3, activation=name) for name in ACTIVATIONS),
    Activation(function="softmax"),
]


def assert_same_module(built: nn.Module, exported: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    """Same structure, parameter names, shapes and values, and the same outputs; returns the outputs."""
    assert repr(exported) == repr(built)
    made, wanted = exported.state_dict(), built.state_dict()
    assert [(name, tuple(tensor.shape)) for name, tensor in made.items()] == [
        (name, tuple(tensor.shape)) for name, tensor in wanted.items()
    ]
    for name, tensor in wanted.items():
        assert torch.equal(made[name], tensor), name
    outputs = exported(inputs)
    assert torch.equal(outputs, built(inputs))
    return outputs


@pytest.mark.parametrize("layer", SEQUENCE_LAYERS, ids=lambda layer: layer.title())
def test_torch_source_builds_the_same_sequence_module(layer, script_namespace):
    in_shape = (9, 4)
    torch.manual_seed(7)
    built = layer.build(in_shape)
    torch.manual_seed(7)
    exported = eval(torch_source(layer, in_shape), script_namespace)  # our own generated code
    outputs = assert_same_module(built, exported, torch.randn(3, *in_shape))
    assert tuple(outputs.shape[1:]) == layer.output_shape(in_shape)


def test_torch_source_of_an_embedding_looks_up_the_same_vectors():
    layer = Embedding(vocab_size=30, dim=6)
    torch.manual_seed(7)
    built = layer.build((12,))
    torch.manual_seed(7)
    exported = eval(torch_source(layer, (12,)), {"nn": nn})  # our own generated code
    assert torch_source(layer, (12,)) == "nn.Embedding(30, 6)"
    outputs = assert_same_module(built, exported, torch.randint(0, 30, (3, 12)))
    assert tuple(outputs.shape[1:]) == (12, 6)


def test_only_recurrent_models_copy_the_recurrent_module():
    assert module_classes(SEED_LSTM) == [RecurrentModule] == module_classes(SINE)
    script = pytorch_script(SINE)
    assert script.count("class RecurrentModule(nn.Module):") == 1
    assert 'RecurrentModule("rnn", 1, 6, num_layers=1, bidirectional=True, return_sequences=True),' in script
    assert 'RecurrentModule("lstm", 5, 8, num_layers=2, bidirectional=True, return_sequences=False),' in script
    assert "nn.Sequential(nn.Linear(12, 5), nn.Tanh()),  # 1: Dense(5, tanh)" in script
    assert script.count("from torch import nn") == 1 and "import torch.nn as nn" not in script


@pytest.mark.parametrize(
    ("layer", "calls"),
    [
        (LSTM(units=64), ["layers.LSTM(64)"]),
        (SimpleRNN(units=8, return_sequences=True), ["layers.SimpleRNN(8, return_sequences=True)"]),
        (
            GRU(units=4, num_layers=3),
            ["layers.GRU(4, return_sequences=True)", "layers.GRU(4, return_sequences=True)", "layers.GRU(4)"],
        ),
        (
            LSTM(units=5, num_layers=2, bidirectional=True, return_sequences=True),
            [
                'layers.Bidirectional(layers.LSTM(5, return_sequences=True), merge_mode="concat")',
                'layers.Bidirectional(layers.LSTM(5, return_sequences=True), merge_mode="concat")',
            ],
        ),
        (SimpleRNN(units=3, bidirectional=True), ['layers.Bidirectional(layers.SimpleRNN(3), merge_mode="concat")']),
        (Dense(units=7, activation="relu"), ['layers.Dense(7, activation="relu")']),
    ],
    ids=lambda value: value.title() if isinstance(value, LayerBase) else "",
)
def test_keras_source_of_sequence_layers(layer, calls):
    """Stacked layers hand every step on, as torch's stacked module does."""
    assert keras_source(layer, (20, 10)) == calls


def test_keras_penalty_covers_both_recurrent_matrices():
    """As the Trainer's penalty covers torch's weight_ih and weight_hh (not the biases)."""
    penalties = "kernel_regularizer=penalty, recurrent_regularizer=penalty"
    assert keras_source(GRU(units=4, num_layers=2, bidirectional=True), (20, 10), "penalty") == [
        f'layers.Bidirectional(layers.GRU(4, return_sequences=True, {penalties}), merge_mode="concat")',
        f'layers.Bidirectional(layers.GRU(4, {penalties}), merge_mode="concat")',
    ]
    model = build_model(SINE)  # what the Trainer's penalty covers, which the Keras code follows
    covered = {id(weight) for weight in weight_matrices(model)}
    penalised = {name.rsplit(".", 1)[-1] for name, weight in model.named_parameters() if id(weight) in covered}
    sides = ("", "_reverse")
    matrices = {f"weight_{kind}_l{depth}{side}" for kind in ("ih", "hh") for depth in (0, 1) for side in sides}
    assert penalised == {"weight", *matrices}


def test_keras_source_of_an_embedding():
    layer = Embedding(vocab_size=50, dim=16)
    assert keras_source(layer, (30,)) == ["layers.Embedding(input_dim=50, output_dim=16)"]
    assert keras_source(layer, (30,), "penalty") == [
        "layers.Embedding(input_dim=50, output_dim=16, embeddings_regularizer=penalty)"
    ]


# Data --------------------------------------------------------------------------------------------------------


def assert_same_data(script, config: RunConfig) -> None:
    dataset = load_dataset(config.data)
    made = script.load_data()
    for array, wanted in zip(made, (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test), strict=True):
        assert array.dtype == wanted.dtype and array.shape == wanted.shape
        np.testing.assert_array_equal(array, wanted)


@pytest.mark.parametrize("name", CONFIGS)
def test_script_makes_the_same_sequences_and_initial_weights(name, tmp_path):
    config = CONFIGS[name]
    source = pytorch_script(config)
    assert imported_modules(source) <= {"__future__", "base64", "zlib", "numpy", "torch"}
    script = import_script(source, tmp_path / f"{name}.py")
    assert_same_data(script, config)
    made_state, wanted_state = script.build_model().state_dict(), build_model(config).state_dict()
    assert list(made_state) == list(wanted_state)
    for key, tensor in wanted_state.items():
        assert torch.equal(made_state[key], tensor), key


def test_sine_is_split_in_time_and_seed_sequences_at_random():
    """Otherwise the two splits could trade places and still match one another's load_data."""
    sine = pytorch_script(SINE)
    assert "series_split(len(series), STEPS, TRAIN_SHARE, MAX_WINDOWS)" in sine
    assert "train_test_split_indices" not in sine
    seed = pytorch_script(SEED_LSTM)
    assert "train_test_split_indices(len(targets), TRAIN_SHARE, DATA_SEED)" in seed and "series_split" not in seed


def test_the_text_travels_inside_the_script(tmp_path):
    source = pytorch_script(TEXT_GRU)
    assert "PACKED_TEXT = " in source and "TEXT_PATH" not in source and "open(" not in source
    assert "dtype=torch.long" in source.split("def main")[1]  # token numbers index the embedding
    script = import_script(source, tmp_path / "text.py")
    x_train = script.load_data()[0]
    assert x_train.shape == (180, 24) and np.issubdtype(x_train.dtype, np.integer)


def test_an_uploaded_series_travels_inside_the_script(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(sequence_kinds, "MAX_SERIES_WINDOWS", 100)  # 285 windows: every third is kept, in both
    rows = [f"{20 + 5 * np.sin(t / 9) + t / 50:.3f},{60 + 10 * np.cos(t / 7):.3f}" for t in range(300)]
    sha, _ = store_series(("temperature,humidity\n" + "\n".join(rows)).encode(), "temperature")
    config = RunConfig.from_dict(
        {
            "data": {"dataset": "series_upload", "upload": sha, "steps": 15, "train_share": 70},
            "model": {"layers": [{"kind": "gru", "units": 8}, {"kind": "dense", "units": 1}]},
            "training": {"optimizer": "adam", "learning_rate": 0.01, "epochs": 2, "metric": "mae"},
        }
    )
    source = pytorch_script(config)
    assert sha not in source and "nn-playground" not in source  # nothing points back to this computer
    assert 'SERIES_COLUMNS = ["temperature", "humidity"]' in source and "TARGET_COLUMN = 0" in source
    assert "MAX_WINDOWS = 100" in source
    script = import_script(source, tmp_path / "series.py")
    assert_same_data(script, config)
    assert len(script.load_data()[1]) + len(script.load_data()[3]) == 95
    script.main()
    lines = capsys.readouterr().out.strip().splitlines()
    trainer = Trainer(config)
    expected = [_format_row(trainer.train_epoch()) for _ in range(2)]
    np.testing.assert_allclose(epoch_numbers(lines), epoch_numbers(expected), atol=2e-4)


# The PyTorch script trains as the Trainer does -----------------------------------------------------------------


@pytest.fixture(scope="module")
def standalone_output(tmp_path_factory) -> dict[str, list[str]]:
    """The configs' scripts, run in one clean interpreter where ``import playground`` fails."""
    return run_standalone(CONFIGS, tmp_path_factory.mktemp("sequence_scripts"))


@pytest.mark.parametrize("name", CONFIGS)
def test_script_trains_as_the_trainer_does(name, standalone_output):
    config = CONFIGS[name]
    lines = standalone_output[name]
    expected = assert_trains_as_the_trainer(config, lines)
    if config.training.metric == "mae":
        assert "train_mae" in lines[0] and "test_mae" in lines[0] and "test_mae" in expected[0]


# Keras ---------------------------------------------------------------------------------------------------------


def test_keras_code_of_the_seed_lstm():
    code = keras_code(SEED_LSTM)
    ast.parse(code)
    assert imported_modules(code) <= {"__future__", "keras", "numpy"}
    assert "keras.Input(shape=(20, 10))," in code
    rows = [line.strip().split("  #")[0] for line in code.splitlines() if line.strip().startswith("layers.")]
    assert rows == ["layers.LSTM(64),", "layers.Dense(1),"]
    assert '"mean_squared_error"' in code and "keras.optimizers.Adam(learning_rate=LEARNING_RATE)" in code
    assert 'keras.metrics.RootMeanSquaredError(name="rmse"), "mae"]' in code
    assert "Keras's LSTM has one bias per gate where PyTorch has two" in code
    assert '"mae"' not in keras_code(ADDING).split("metrics=")[1]  # metric auto: no mae column


def test_keras_code_of_the_text_model_takes_token_numbers():
    code = keras_code(TEXT_GRU)
    ast.parse(code)
    assert 'keras.Input(shape=(24,), dtype="int64"),' in code
    assert f"layers.Embedding(input_dim={TEXT_CHARACTERS}, output_dim=8)," in code
    assert "keras.losses.SparseCategoricalCrossentropy(from_logits=True)" in code
    assert "one bias per gate" not in code  # Keras's GRU has PyTorch's two biases


def keras_parameters(config: RunConfig) -> int:
    """The playground's count less the second bias PyTorch gives every gate of a SimpleRNN or LSTM."""
    fewer = 0
    for layer in config.model.layers:
        if layer.kind in ("rnn", "lstm"):
            gates = 4 if layer.kind == "lstm" else 1
            fewer += layer.num_layers * (2 if layer.bidirectional else 1) * gates * layer.units
    return config.total_params() - fewer


def test_keras_models_build_with_the_playground_shapes(tmp_path):
    keras = pytest.importorskip(
        "keras", reason="keras is not installed (it is not a dependency); the code still parses"
    )
    for name, config in CONFIGS.items():
        module = import_script(keras_code(config), tmp_path / f"keras_{name}.py")
        model = module.build_model()
        assert tuple(model.output_shape[1:]) == tuple(config.summary()[-1].output_shape), name
        trainable = sum(int(np.prod(weight.shape)) for weight in model.trainable_weights)
        assert trainable == keras_parameters(config), name
        assert isinstance(model, keras.Sequential)


# ONNX and checkpoints ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained() -> dict[str, Trainer]:
    """The seed LSTM and the text GRU after one epoch each."""
    trainers = {}
    for name in ("seed_lstm", "text_gru"):
        trainers[name] = Trainer(CONFIGS[name])
        trainers[name].train_epoch()
    return trainers


def test_onnx_of_recurrent_models_matches_torch(trained):
    import onnx

    ort = pytest.importorskip("onnxruntime")
    cases = [(trained["seed_lstm"].model, SEED_LSTM), (trained["text_gru"].model, TEXT_GRU), (build_model(SINE), SINE)]
    for model, config in cases:
        buffer = io.BytesIO()
        export_onnx(model, config, buffer)
        proto = onnx.load_from_string(buffer.getvalue())
        dims = proto.graph.input[0].type.tensor_type.shape.dim
        assert dims[0].dim_param and [dim.dim_value for dim in dims[1:]] == list(config.input_shape)
        integers = proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT64
        assert integers == config.tokens
        properties = {p.key: p.value for p in proto.metadata_props}
        assert RunConfig.from_json(properties["playground.config"]) == config
        if config.tokens:
            inputs = torch.randint(0, TEXT_CHARACTERS, (5, *config.input_shape))
            assert json.loads(properties["playground.vocabulary"]) == dataset_class_names(config.data)
            assert "Input: int64 [batch, 24] (character numbers" in proto.doc_string
        else:
            inputs = torch.randn(5, *config.input_shape)
            assert "playground.vocabulary" not in properties
        (outputs,) = ort.InferenceSession(buffer.getvalue()).run(None, {"input": inputs.numpy()})
        np.testing.assert_allclose(outputs, model.eval()(inputs).detach().numpy(), atol=1e-5)


@pytest.mark.parametrize("name", ["seed_lstm", "text_gru"])
def test_checkpoint_of_a_recurrent_model_round_trips_and_resumes(name, trained, tmp_path):
    trainer, config = trained[name], CONFIGS[name]
    path = tmp_path / f"{name}.zip"
    save_checkpoint(trainer.model, config, path, trainer.history)
    with zipfile.ZipFile(path) as archive:
        header = archive.read(HISTORY).decode().splitlines()[0]
    assert ("train_mae" in header) == (config.training.metric == "mae")
    loaded, model, history = load_checkpoint(path)
    assert loaded == config and history == trainer.history
    trainer.model.eval()
    assert torch.equal(model(trainer.x_test), trainer.model(trainer.x_test))
    resumed = resume_trainer(path)
    assert resumed.epoch == 1 and resumed.history == trainer.history
    assert resumed.train_epoch()["epoch"] == 2


def test_a_checkpoint_loads_into_the_exported_script(trained, tmp_path):
    """The script's copied RecurrentModule has the playground's parameter names: its weights load strictly."""
    trainer = trained["seed_lstm"]
    path = tmp_path / "seed_lstm.zip"
    save_checkpoint(trainer.model, SEED_LSTM, path)
    script = import_script(pytorch_script(SEED_LSTM), tmp_path / "seed_lstm_script.py")
    model = script.build_model()
    model.load_state_dict(load_checkpoint(path).model.state_dict(), strict=True)
    model.eval()
    trainer.model.eval()
    assert torch.equal(model(trainer.x_test), trainer.model(trainer.x_test))
