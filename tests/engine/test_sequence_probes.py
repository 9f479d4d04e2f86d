"""The sequence views of a recurrent run: hidden states replayed by hand (they must be torch's own), gates, the
memory curve (input gradients per step), forecasts on a series split in time, and generated text."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from playground.config import RunConfig
from playground.data.registry import text_vocabulary
from playground.train.probes import choices, sequences, tables
from playground.train.probes.sequences import GENERATED_CHARS, MEMORY_ROWS, ROLLOUT_STEPS, memory_reach
from playground.train.trainer import Trainer

STEPS = 20


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """One torch thread, as the worker uses on two cores: the per-step products of a small LSTM gain nothing
    from a second one, and on a busy machine each waits for the other (the generated-text test: 1.4 s with one
    thread, 30 s with two, measured while other tests ran)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def sequence_config(dataset: str, layers: list[dict], data: dict | None = None, **training) -> RunConfig:
    """A small run: 200 sequences of STEPS steps, so every probe here takes milliseconds."""
    return RunConfig.from_dict(
        {
            "data": {"dataset": dataset, "n_points": 200, "steps": STEPS, **(data or {})},
            "model": {"layers": layers},
            "training": {"optimizer": "adam", "learning_rate": 0.01, "batch_size": 32, **training},
        }
    )


def recurrent(kind: str, units: int = 6, **options) -> dict:
    return {"kind": kind, "units": units, **options}


def text_config(units: int = 12) -> RunConfig:
    vocabulary = len(text_vocabulary())
    layers = [
        {"kind": "embedding", "vocab_size": vocabulary, "dim": 5},
        recurrent("lstm", units),
        {"kind": "dense", "units": vocabulary, "activation": "softmax"},
    ]
    return sequence_config("text", layers, {"n_points": 300})


def recurrent_input(trainer: Trainer, layer_index: int, rows: slice) -> torch.Tensor:
    """What reaches layer ``layer_index``: the test sequences through the modules before it."""
    trainer.model.eval()
    with torch.no_grad():
        return trainer.model[:layer_index](trainer.x_test[rows])


# --------------------------------------------------------------------------- hidden states


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize(("num_layers", "bidirectional"), [(1, False), (2, False), (1, True), (2, True)])
def test_replayed_states_are_torchs_own(cell, num_layers, bidirectional):
    """Every depth and direction, after a per-step dense layer and dropout (off in evaluation): the last depth's
    states are the module's outputs at every step, and every depth's final state is torch's h_n (c_n for LSTM)."""
    layers = [
        {"kind": "dense", "units": 4, "activation": "tanh"},
        {"kind": "dropout", "rate": 0.5},
        recurrent(cell, 6, num_layers=num_layers, bidirectional=bidirectional),
        {"kind": "dense", "units": 1},
    ]
    trainer = Trainer(sequence_config("seed_sequences", layers, {"n_features": 3}))
    trainer.train_epoch()  # trained weights: not just the initial ones
    choices.set_sample(trainer, 7)
    probe = sequences.hidden(trainer)
    runs = probe["layers"]
    directions = ["forward", "backward"] if bidirectional else ["forward"]
    assert [(run["depth"], run["direction"]) for run in runs] == [
        (depth, direction) for depth in range(num_layers) for direction in directions
    ]
    assert all(
        run["index"] == 2 and run["cell"] == cell and run["title"] == trainer.config.model.layers[2].title()
        for run in runs
    )

    value = recurrent_input(trainer, 2, slice(7, 8))
    with torch.no_grad():
        outputs, final = trainer.model[2].rnn(value)
    hidden_n, cell_n = final if cell == "lstm" else (final, None)
    last = [run for run in runs if run["depth"] == num_layers - 1]
    joined = np.concatenate([run["states"].T for run in last], axis=-1)
    np.testing.assert_allclose(joined, outputs[0].numpy(), atol=1e-5)
    for number, run in enumerate(runs):
        assert run["states"].shape == (6, STEPS) and run["states"].dtype == np.float32
        end = STEPS - 1 if run["direction"] == "forward" else 0  # backward ends at the first step
        np.testing.assert_allclose(run["states"][:, end], hidden_n[number, 0].numpy(), atol=1e-5)
        if cell == "lstm":
            np.testing.assert_allclose(run["gates"]["memory"][:, end], cell_n[number, 0].numpy(), atol=1e-5)

    assert probe["index"] == 7
    np.testing.assert_array_equal(probe["inputs"], trainer.dataset.x_test[7])
    assert probe["true"] == pytest.approx(float(trainer.dataset.y_test[7]))
    assert probe["predicted"] == pytest.approx(float(trainer.predict(trainer.x_test[7:8])), abs=1e-6)
    assert "text" not in probe


def test_lstm_gates_are_in_range_and_make_the_states():
    """Gates are sigmoids in [0, 1], the candidate a tanh in [-1, 1], and they are named right: the memory is
    forget * old memory + input * candidate, the state output * tanh(memory)."""
    layers = [recurrent("lstm", 8), {"kind": "dense", "units": 1}]
    trainer = Trainer(sequence_config("adding", layers))
    run = sequences.hidden(trainer)["layers"][0]
    gates = run["gates"]
    assert set(gates) == {"input", "forget", "cell", "output", "memory"}
    for name in ("input", "forget", "output"):
        assert gates[name].shape == (8, STEPS) and gates[name].min() >= 0 and gates[name].max() <= 1
    assert gates["cell"].min() >= -1 and gates["cell"].max() <= 1
    previous = np.concatenate([np.zeros((8, 1), np.float32), gates["memory"][:, :-1]], axis=1)
    memory = gates["forget"] * previous + gates["input"] * gates["cell"]
    np.testing.assert_allclose(gates["memory"], memory, atol=1e-6)
    np.testing.assert_allclose(run["states"], gates["output"] * np.tanh(gates["memory"]), atol=1e-6)


def test_gru_gates_make_the_states_and_rnn_has_none():
    layers = [recurrent("gru", 5), {"kind": "dense", "units": 1}]
    run = sequences.hidden(Trainer(sequence_config("adding", layers)))["layers"][0]
    gates = run["gates"]
    assert set(gates) == {"reset", "update", "new"}
    previous = np.concatenate([np.zeros((5, 1), np.float32), run["states"][:, :-1]], axis=1)
    np.testing.assert_allclose(
        run["states"], (1 - gates["update"]) * gates["new"] + gates["update"] * previous, atol=1e-6
    )
    rnn = sequences.hidden(Trainer(sequence_config("adding", [recurrent("rnn", 5), {"kind": "dense", "units": 1}])))
    assert rnn["layers"][0]["gates"] == {}


def test_stacked_recurrent_layers_each_replay_their_own_input():
    """Two recurrent layers in the stack: the second reads the first's sequences."""
    layers = [recurrent("gru", 4, return_sequences=True), recurrent("lstm", 3), {"kind": "dense", "units": 1}]
    trainer = Trainer(sequence_config("adding", layers))
    runs = sequences.hidden(trainer)["layers"]
    assert [(run["index"], run["cell"]) for run in runs] == [(0, "gru"), (1, "lstm")]
    with torch.no_grad():
        first = trainer.model[0](trainer.x_test[:1])
        second, _ = trainer.model[1].rnn(first)
    np.testing.assert_allclose(runs[0]["states"].T, first[0].numpy(), atol=1e-5)
    np.testing.assert_allclose(runs[1]["states"].T, second[0].numpy(), atol=1e-5)


def test_set_sample_picks_the_test_sequence():
    trainer = Trainer(sequence_config("adding", [recurrent("lstm", 4), {"kind": "dense", "units": 1}]))
    last = len(trainer.x_test) - 1
    choices.set_sample(trainer, last)
    assert sequences.hidden(trainer)["index"] == last
    np.testing.assert_array_equal(sequences.hidden(trainer)["inputs"], trainer.dataset.x_test[last])
    for bad in (last + 1, -1):
        with pytest.raises(ValueError, match=f"test sequences 0 to {last}"):
            choices.set_sample(trainer, bad)
    assert sequences.hidden(trainer)["index"] == last


def test_hidden_on_text_replays_after_the_embedding():
    trainer = Trainer(text_config())
    choices.set_sample(trainer, 4)
    probe = sequences.hidden(trainer)
    vocabulary = text_vocabulary()
    tokens = trainer.dataset.x_test[4]
    assert probe["inputs"].dtype == np.int64 and probe["inputs"].shape == (STEPS,)
    np.testing.assert_array_equal(probe["inputs"], tokens)
    assert probe["text"] == "".join(vocabulary[token] for token in tokens)
    assert isinstance(probe["true"], int) and probe["true"] == int(trainer.dataset.y_test[4])
    assert probe["predicted"] == int(trainer.predict(trainer.x_test[4:5]).argmax())
    (run,) = probe["layers"]
    assert run["index"] == 1
    with torch.no_grad():
        outputs, _ = trainer.model[1].rnn(trainer.model[0](trainer.x_test[4:5]))
    np.testing.assert_allclose(run["states"].T, outputs[0].numpy(), atol=1e-5)


def test_sequence_views_refuse_other_data():
    tabular = RunConfig.from_dict(
        {
            "data": {"dataset": "seed_ffn", "n_points": 200},
            "model": {"layers": [{"kind": "dense", "units": 1, "activation": "sigmoid"}]},
        }
    )
    trainer = Trainer(tabular)
    for probe in (sequences.hidden, sequences.memory):
        with pytest.raises(ValueError, match="sequence data"):
            probe(trainer)
    with pytest.raises(ValueError, match="text"):
        sequences.generated(trainer)
    with pytest.raises(ValueError, match="test rows 0 to"):
        choices.set_sample(trainer, len(trainer.x_test))


# --------------------------------------------------------------------------- memory


def manual_memory(trainer: Trainer, embedded: bool) -> np.ndarray:
    """The memory curve the slow, obvious way: one sequence at a time, its own loss, autograd on its inputs."""
    rows = []
    trainer.model.eval()
    for index in range(min(MEMORY_ROWS, len(trainer.x_test))):
        inputs = trainer.x_test[index : index + 1]
        body = trainer.model
        if embedded:
            inputs, body = trainer.model[0](inputs).detach(), trainer.model[1:]
        inputs = inputs.clone().requires_grad_(True)
        trainer.data_loss(body(inputs), trainer.y_test[index : index + 1]).backward()
        rows.append(inputs.grad[0].abs().mean(dim=-1).numpy())
    return np.mean(rows, axis=0)


def test_memory_is_the_mean_input_gradient_of_each_sequence():
    trainer = Trainer(sequence_config("adding", [recurrent("lstm", 6), {"kind": "dense", "units": 1}]))
    trainer.train_epoch()
    probe = sequences.memory(trainer)
    assert probe["gradient"].dtype == np.float32 and probe["steps"] == STEPS
    np.testing.assert_allclose(probe["gradient"], manual_memory(trainer, embedded=False), rtol=1e-4, atol=1e-7)
    assert probe["reach"] == memory_reach(probe["gradient"])


def test_memory_of_text_is_taken_at_the_embedding_output():
    trainer = Trainer(text_config())
    probe = sequences.memory(trainer)
    assert probe["gradient"].shape == (STEPS,)
    np.testing.assert_allclose(probe["gradient"], manual_memory(trainer, embedded=True), rtol=1e-4, atol=1e-8)


def test_untrained_lstm_on_adding_has_a_finite_memory_curve():
    trainer = Trainer(sequence_config("adding", [recurrent("lstm", 16), {"kind": "dense", "units": 1}]))
    probe = sequences.memory(trainer)
    gradient = probe["gradient"]
    assert gradient.shape == (STEPS,) and np.isfinite(gradient).all() and (gradient >= 0).all()
    assert gradient.sum() > 0 and 1 <= probe["reach"] <= STEPS


def test_a_network_that_reads_only_the_last_step_remembers_one_step():
    """A SimpleRNN with no recurrent weights: its final state is tanh(w . x_T), so only the last step has a
    gradient, and it is the closed form 2 (prediction - target) v (1 - h^2) w_j per sequence."""
    trainer = Trainer(sequence_config("adding", [recurrent("rnn", 1), {"kind": "dense", "units": 1}]))
    rnn, dense = trainer.model[0].rnn, trainer.model[1]
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor([[0.8, -0.6]]))
        rnn.weight_hh_l0.zero_()
        rnn.bias_ih_l0.zero_()
        rnn.bias_hh_l0.zero_()
        dense.weight.fill_(1.5)
        dense.bias.fill_(0.1)
    trainer.revision += 1  # hand-edited weights (as set_parameter counts them)
    probe = sequences.memory(trainer)
    gradient = probe["gradient"]
    assert np.all(gradient[:-1] == 0) and gradient[-1] > 0
    assert probe["reach"] == 1

    x = trainer.dataset.x_test[:MEMORY_ROWS, -1].astype(np.float64)
    y = trainer.dataset.y_test[:MEMORY_ROWS].astype(np.float64)
    w = np.array([0.8, -0.6])
    h = np.tanh(x @ w)
    per_input = (2 * (1.5 * h + 0.1 - y) * 1.5 * (1 - h**2))[:, None] * w
    assert gradient[-1] == pytest.approx(np.abs(per_input).mean(), rel=1e-5)


def test_memory_reach_counts_steps_back_from_the_end():
    assert memory_reach(np.array([0.0, 0.0, 1.0, 1.0])) == 2
    assert memory_reach(np.array([1.0, 0.0, 0.0, 9.0])) == 1
    assert memory_reach(np.array([1.0, 1.0, 1.0, 1.0])) == 4
    assert memory_reach(np.zeros(5)) == 0


# --------------------------------------------------------------------------- forecasts


def test_sine_predictions_add_the_history_and_a_free_running_forecast():
    trainer = Trainer(sequence_config("sine", [recurrent("lstm", 8), {"kind": "dense", "units": 1}]))
    trainer.train_epoch()
    probe = tables.predictions(trainer)
    n_test = len(trainer.x_test)
    assert probe["ordered"] is True
    assert probe["true"].shape == probe["predicted"].shape == (n_test,)
    np.testing.assert_array_equal(probe["history"], trainer.dataset.x_test[0, :, 0])
    rollout = probe["rollout"]
    assert rollout.dtype == np.float32 and rollout.shape == (min(n_test, ROLLOUT_STEPS),)
    assert rollout[0] == pytest.approx(probe["predicted"][0], abs=1e-5)  # the first step sees the true window
    # each later step is the model on the window slid on by the forecast's own values
    window = np.concatenate([trainer.dataset.x_test[0, :, 0], rollout[:4]])[-STEPS:]
    expected = trainer.predict(torch.as_tensor(window, dtype=torch.float32).reshape(1, STEPS, 1))
    assert rollout[4] == pytest.approx(float(expected), abs=1e-5)


def test_ordered_data_with_more_columns_gets_history_but_no_forecast():
    """An uploaded series' target is one of several inputs: its past is drawn, but the other columns' future is
    unknown, so nothing runs free."""
    config = sequence_config("seed_sequences", [recurrent("gru", 4), {"kind": "dense", "units": 1}], {"n_features": 2})
    generated = Trainer(config).dataset
    ordered = dataclasses.replace(generated, ordered=True, target_column=1)
    probe = tables.predictions(Trainer(config, ordered))
    assert probe["ordered"] is True and "rollout" not in probe
    np.testing.assert_array_equal(probe["history"], generated.x_test[0, :, 1])


def test_unordered_sequences_keep_the_plain_predictions():
    lstm = sequence_config("adding", [recurrent("lstm", 4), {"kind": "dense", "units": 1}])
    probe = tables.predictions(Trainer(lstm))
    assert set(probe) == {"true", "predicted"}


# --------------------------------------------------------------------------- generated text


def test_generated_text_follows_the_prompt_and_is_seeded_per_call():
    trainer = Trainer(text_config())
    vocabulary = text_vocabulary()
    probe = sequences.generated(trainer)
    assert probe["prompt"] == "".join(vocabulary[token] for token in trainer.dataset.x_test[0])
    assert len(probe["text"]) == GENERATED_CHARS and set(probe["text"]) <= set(vocabulary)
    assert probe["temperature"] == 0.8
    assert sequences._generated(trainer) == probe  # computed afresh: the same characters
    choices.set_temperature(trainer, 2.0)
    hotter = sequences.generated(trainer)
    assert hotter["temperature"] == 2.0 and hotter["text"] != probe["text"]
    for bad in (0.0, 2.5):
        with pytest.raises(ValueError, match="temperature"):
            choices.set_temperature(trainer, bad)
    assert trainer.temperature == 2.0


def test_generated_text_samples_from_the_model():
    """A model whose output always favours one character writes only that one at a low temperature."""
    trainer = Trainer(text_config())
    favourite = text_vocabulary().index("e")
    with torch.no_grad():
        trainer.model[2][0].bias[favourite] = 30.0
    trainer.revision += 1
    choices.set_temperature(trainer, 0.1)
    assert sequences.generated(trainer)["text"] == "e" * GENERATED_CHARS


# --------------------------------------------------------------------------- histograms


def test_histograms_cover_recurrent_and_embedding_weights():
    trainer = Trainer(text_config())
    layers = {entry["index"]: entry for entry in tables.histograms(trainer)["layers"]}
    assert set(layers) == {0, 1, 2}
    lstm = trainer.model[1].rnn
    weights = torch.cat([lstm.weight_ih_l0.reshape(-1), lstm.weight_hh_l0.reshape(-1)])
    assert layers[1]["weights"]["counts"].sum() == weights.numel()
    assert layers[0]["weights"]["counts"].sum() == trainer.model[0].weight.numel()
    assert layers[1]["activations"]["counts"].sum() > 0
