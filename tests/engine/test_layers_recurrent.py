"""Recurrent and embedding layers: shapes and parameter counts that agree with torch, the seed model's count, the
last step of a bidirectional layer, and refusals that name the layer."""

import pydantic
import pytest
import torch
from torch import nn

from playground.config import ConfigError, RunConfig
from playground.layers import GRU, LSTM, BatchNorm, Dense, Embedding, Flatten, RecurrentModule, ShapeError, SimpleRNN
from playground.model import build_model
from playground.presets import load_preset

RECURRENT_LAYERS = [
    kind(units=units, num_layers=depth, bidirectional=both, return_sequences=sequences)
    for kind in (SimpleRNN, LSTM, GRU)
    for units, depth, both, sequences in [
        (8, 1, False, False),
        (5, 2, False, True),
        (6, 1, True, False),
        (3, 3, True, True),
    ]
]
SEQUENCE_SHAPES = [(7, 3), (1, 1), (12, 10)]


@pytest.mark.parametrize("layer", RECURRENT_LAYERS, ids=lambda layer: layer.title())
@pytest.mark.parametrize("shape", SEQUENCE_SHAPES)
def test_recurrent_shape_and_count_agree_with_torch(layer, shape):
    torch.manual_seed(0)
    module = layer.build(shape)
    output = module(torch.randn(4, *shape))
    assert tuple(output.shape[1:]) == layer.output_shape(shape)
    assert sum(p.numel() for p in module.parameters()) == layer.param_count(shape)


def test_seed_lstm_has_the_seeds_19521_parameters():
    config = load_preset("seed-lstm")
    assert config.input_shape == (100, 10)
    assert config.total_params() == 19_521
    assert [info.params for info in config.summary()] == [19_456, 65]
    assert config.training.metric == "mae" and config.loss == "mse"
    assert sum(p.numel() for p in build_model(config).parameters()) == 19_521


def test_last_step_of_a_bidirectional_layer_is_each_directions_final_state():
    """Forward: the last step's output; backward: the first step's, which is where it ends (as Keras returns)."""
    torch.manual_seed(0)
    module = LSTM(units=4, bidirectional=True).build((6, 2))
    inputs = torch.randn(3, 6, 2)
    _, (final, _) = module.rnn(inputs)
    assert torch.allclose(module(inputs), torch.cat([final[0], final[1]], dim=-1), atol=1e-6)


def test_return_sequences_hands_on_every_step():
    torch.manual_seed(0)
    module = GRU(units=5, return_sequences=True).build((9, 2))
    assert isinstance(module, RecurrentModule)
    inputs = torch.randn(2, 9, 2)
    outputs = module(inputs)
    assert outputs.shape == (2, 9, 5)
    module.return_sequences = False  # the same weights, last step only
    assert torch.allclose(module(inputs), outputs[:, -1], atol=1e-6)


def test_dense_on_a_sequence_is_applied_to_every_step_alike():
    layer = Dense(units=3, activation="tanh")
    assert layer.output_shape((8, 4)) == (8, 3)
    assert layer.param_count((8, 4)) == 15
    module = layer.build((8, 4))
    inputs = torch.randn(2, 8, 4)
    per_step = torch.stack([module(inputs[:, step]) for step in range(8)], dim=1)
    assert torch.allclose(module(inputs), per_step, atol=1e-6)


def test_embedding_turns_token_numbers_into_vectors():
    layer = Embedding(vocab_size=30, dim=6)
    assert layer.output_shape((40,)) == (40, 6)
    assert layer.param_count((40,)) == 180
    module = layer.build((40,))
    assert isinstance(module, nn.Embedding)
    assert module(torch.randint(0, 30, (2, 40))).shape == (2, 40, 6)


@pytest.mark.parametrize(
    ("layer", "shape", "words"),
    [
        (LSTM(units=4), (10,), "start with an embedding layer; after a recurrent layer, turn on its all steps"),
        (LSTM(units=4), (1, 8, 8), "sequences only"),
        (Embedding(vocab_size=5), (4, 3), "token numbers"),
        (Dense(units=2), (1, 4, 4), "flatten layer first"),
        (BatchNorm(), (5, 3), "receives a sequence of shape \\(5, 3\\); put it after a recurrent layer"),
    ],
)
def test_impossible_shapes_are_refused_with_the_reason(layer, shape, words):
    with pytest.raises(ShapeError, match=words):
        layer.output_shape(shape) if not isinstance(layer, BatchNorm) else layer.param_count(shape)


def _sequence_config(layers: list[dict], dataset: str = "adding", **training) -> dict:
    return {
        "data": {"dataset": dataset, "n_points": 200, "steps": 20},
        "model": {"layers": layers},
        "training": {"optimizer": "adam", "learning_rate": 0.01, **training},
    }


def test_a_stack_that_ends_as_a_sequence_is_refused_naming_the_last_layer():
    with pytest.raises(ConfigError, match=r"model.layers\[1\] Dense\(1, linear\).*\(20, 1\)"):
        RunConfig.from_dict(
            _sequence_config([{"kind": "lstm", "units": 8, "return_sequences": True}, {"kind": "dense", "units": 1}])
        )


def test_flatten_after_a_sequence_feeds_a_dense_output():
    config = RunConfig.from_dict(
        _sequence_config(
            [{"kind": "gru", "units": 4, "return_sequences": True}, {"kind": "flatten"}, {"kind": "dense", "units": 1}]
        )
    )
    assert [info.output_shape for info in config.summary()] == [(20, 4), (80,), (1,)]
    assert isinstance(config.model.layers[1], Flatten)


def test_mae_metric_only_for_regression():
    assert RunConfig.from_dict(
        _sequence_config([{"kind": "lstm", "units": 4}, {"kind": "dense", "units": 1}], metric="mae")
    )
    with pytest.raises(ConfigError, match="training.metric: mae measures a regression"):
        RunConfig.from_dict(
            {
                "data": {"dataset": "circle"},
                "model": {"layers": [{"kind": "dense", "units": 1, "activation": "sigmoid"}]},
                "training": {"metric": "mae"},
            }
        )


def test_embedding_belongs_first_and_only_on_text():
    with pytest.raises(ConfigError, match=r"model.layers\[0\] Embedding.*belongs first, on a text dataset"):
        RunConfig.from_dict(
            {
                "data": {"dataset": "seed_ffn", "n_features": 10},
                "model": {
                    "layers": [
                        {"kind": "embedding", "vocab_size": 10},
                        {"kind": "flatten"},
                        {"kind": "dense", "units": 1},
                    ]
                },
            }
        )


def test_text_needs_an_embedding_that_knows_every_character():
    from playground.data.registry import text_vocabulary

    characters = len(text_vocabulary())
    base = {"dataset": "text", "n_points": 200, "steps": 20}
    with pytest.raises(ConfigError, match=r"model.layers\[0\] LSTM\(8\): text arrives as character numbers"):
        RunConfig.from_dict(
            {"data": base, "model": {"layers": [{"kind": "lstm", "units": 8}, {"kind": "dense", "units": characters}]}}
        )
    with pytest.raises(ConfigError, match=f"the text has {characters} different characters"):
        RunConfig.from_dict(
            {
                "data": base,
                "model": {
                    "layers": [
                        {"kind": "embedding", "vocab_size": characters - 1, "dim": 4},
                        {"kind": "lstm", "units": 8},
                        {"kind": "dense", "units": characters},
                    ]
                },
            }
        )
    config = RunConfig.from_dict(
        {
            "data": base,
            "model": {
                "layers": [
                    {"kind": "embedding", "vocab_size": characters, "dim": 4},
                    {"kind": "lstm", "units": 8},
                    {"kind": "dense", "units": characters},
                ]
            },
        }
    )
    assert config.tokens and config.input_shape == (20,) and config.output_size == characters


def test_recurrent_layers_round_trip_through_json_and_links():
    config = RunConfig.from_dict(
        _sequence_config(
            [{"kind": "rnn", "units": 6, "num_layers": 2, "bidirectional": True}, {"kind": "dense", "units": 1}]
        )
    )
    assert RunConfig.from_json(config.to_json()) == config
    assert RunConfig.from_url_param(config.to_url_param()) == config
    assert config.model.layers[0].title() == "SimpleRNN(6 x2, bidirectional)"


def test_a_recurrent_layer_after_the_last_step_is_told_to_hand_on_all_steps():
    with pytest.raises(
        ConfigError, match=r"model.layers\[1\] LSTM\(8\): .*receives shape \(8,\); .*turn on its all steps"
    ):
        RunConfig.from_dict(
            _sequence_config(
                [{"kind": "lstm", "units": 8}, {"kind": "lstm", "units": 8}, {"kind": "dense", "units": 1}]
            )
        )


def test_a_network_ending_in_one_output_per_step_is_told_how_to_end():
    with pytest.raises(ConfigError, match="one output per step: turn off all steps"):
        RunConfig.from_dict(
            _sequence_config([{"kind": "gru", "units": 8, "return_sequences": True}, {"kind": "dense", "units": 1}])
        )


def test_sequence_data_too_big_to_hold_is_refused_naming_the_sizes():
    from playground.config import DataConfig
    from playground.data.kinds.sequences import MAX_SEQUENCE_VALUES

    assert DataConfig(dataset="seed_sequences", n_points=20_000, steps=100, n_features=10)  # exactly the limit
    assert MAX_SEQUENCE_VALUES == 20_000 * 100 * 10
    with pytest.raises(pydantic.ValidationError, match="n_points: 20,000 sequences of 400 steps x 50 features"):
        DataConfig(dataset="seed_sequences", n_points=20_000, steps=400, n_features=50)


def test_more_text_windows_than_the_text_holds_are_refused():
    from playground.config import DataConfig
    from playground.data.registry import DATASETS

    config = DataConfig(dataset="text", n_points=6_000, steps=40, train_share=80)
    assert all(wanted <= available for _, wanted, available in DATASETS["text"].windows(config))
    with pytest.raises(pydantic.ValidationError, match="the text's training part holds"):
        DataConfig(dataset="text", n_points=20_000, steps=40, train_share=90)
    assert DataConfig(dataset="text", n_points=200, n_classes=2)  # its classes are its characters, not n_classes
