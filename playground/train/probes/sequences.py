"""Probes of the sequences page: forecasts that run free, generated text, every recurrent layer's hidden states
and gates replayed step by step, and how far back the network looks (its memory)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from playground.data.registry import dataset_class_names, kind_of
from playground.data.sequences import sample_next
from playground.layers import RECURRENT_GATES, RecurrentModule
from playground.train.probes.budget import PICTURE_PROBE_INTERVAL_S, throttled

if TYPE_CHECKING:
    from playground.train.trainer import Trainer

#: Test sequences whose input gradients make the memory curve: a smooth mean, and one backward pass of a batch.
MEMORY_ROWS = 128
#: Share of the input-gradient mass whose span back from the last step is the memory's "reach".
REACH_SHARE = 0.9
#: Characters the text model writes after its prompt.
GENERATED_CHARS = 200
#: The sampling temperatures allowed, and the one a run starts with.
TEMPERATURE_RANGE = (0.05, 2.0)
DEFAULT_TEMPERATURE = 0.8
#: Steps a forecast runs free at most: one forward pass each, so the probe stays cheap on long test stretches.
ROLLOUT_STEPS = 100


def sequence_data(trainer: Trainer) -> bool:
    """Whether the inputs are sequences: measured values per step, or the characters of a text."""
    return kind_of(trainer.config.data).sequences


def _require_sequences(trainer: Trainer) -> None:
    if not sequence_data(trainer):
        raise ValueError("this view needs sequence data (series or text)")


def _decode(trainer: Trainer, tokens: torch.Tensor) -> str:
    """The characters of a text dataset's token numbers."""
    vocabulary = dataset_class_names(trainer.config.data)
    return "".join(vocabulary[int(token)] for token in tokens)


def check_temperature(temperature: float) -> float:
    """The temperature as a float; ValueError outside TEMPERATURE_RANGE."""
    low, high = TEMPERATURE_RANGE
    if not low <= temperature <= high:
        raise ValueError(f"the temperature must lie between {low:g} and {high:g}, not {temperature:g}")
    return float(temperature)


def _run_free(
    trainer: Trainer, window: torch.Tensor, count: int, next_step: Callable[[torch.Tensor], torch.Tensor]
) -> list[torch.Tensor]:
    """``count`` times: predict from ``window``, turn the prediction into the next step with ``next_step``,
    and slide the window on by that step. Returns the steps made. One forward pass each, as trained: the
    model only ever saw windows of this length, so it is not run on a growing sequence."""
    made = []
    model = trainer.model
    model.eval()
    with torch.no_grad():
        for _ in range(count):
            step = next_step(trainer.squash(model(window[None]))[0]).reshape(1, *window.shape[1:])
            made.append(step[0])
            window = torch.cat([window[1:], step.to(window.dtype)])
    return made


def rollout(trainer: Trainer, window: torch.Tensor, count: int) -> np.ndarray:
    """A forecast of ``count`` steps after ``window`` that feeds each prediction back in as the next value."""
    steps = _run_free(trainer, window, count, lambda prediction: prediction.reshape(1))
    return torch.stack(steps).reshape(-1).numpy().astype(np.float32) if steps else np.zeros(0, np.float32)


def generated(trainer: Trainer) -> dict:
    """GENERATED_CHARS characters the text model writes after the first test window, sampled one at a time at
    ``temperature`` from a generator seeded per call, so one model at one temperature always writes the same."""
    if not trainer.config.tokens:
        raise ValueError("generated text needs the text dataset")
    return throttled(trainer, "generated", lambda: _generated(trainer))


def _generated(trainer: Trainer) -> dict:
    rng = np.random.default_rng(trainer.config.training.seed)
    temperature = trainer.temperature

    def sample(probabilities: torch.Tensor) -> torch.Tensor:
        return torch.tensor(sample_next(probabilities.numpy(), temperature, rng))

    prompt = trainer.x_test[0]
    tokens = _run_free(trainer, prompt, GENERATED_CHARS, sample)
    return {
        "prompt": _decode(trainer, prompt),
        "text": _decode(trainer, torch.stack(tokens).reshape(-1)),
        "temperature": temperature,
    }


def hidden(trainer: Trainer) -> dict:
    """The chosen test sequence (``sample_index``) through the network: every recurrent layer's state at
    every step, per stacked depth and direction, with its gates, replayed by hand (``replay_recurrent``). Painted
    live, so while training it is recomputed up to ten times a second, or less often when it costs more."""
    _require_sequences(trainer)
    index = min(trainer.sample_index, len(trainer.x_test) - 1)
    return throttled(trainer, "hidden", lambda: _hidden(trainer, index), floor=PICTURE_PROBE_INTERVAL_S)


def _hidden(trainer: Trainer, index: int) -> dict:
    inputs = trainer.x_test[index : index + 1]
    layers = []
    model = trainer.model
    model.eval()
    with torch.no_grad():
        value = inputs
        for number, (layer, module) in enumerate(zip(trainer.config.model.layers, model, strict=True)):
            if isinstance(module, RecurrentModule):  # its input: what the layers before it (embedding...) made
                layers += [
                    {"index": number, "title": layer.title(), **run} for run in replay_recurrent(module.rnn, value[0])
                ]
            value = module(value)
        output = trainer.squash(value)[0]
    target = trainer.y_test[index]
    probe: dict = {"index": index, "layers": layers}
    if trainer.task == "multiclass":
        probe.update(true=int(target), predicted=int(output.argmax()))
    else:
        probe.update(true=float(target.reshape(-1)[0]), predicted=float(output.reshape(-1)[0]))
    if trainer.config.tokens:
        probe.update(inputs=inputs[0].numpy().astype(np.int64), text=_decode(trainer, inputs[0]))
    else:
        probe["inputs"] = inputs[0].numpy().astype(np.float32)
    return probe


def memory(trainer: Trainer) -> dict:
    """How far back the network looks: per step t, the mean over MEMORY_ROWS test sequences (and over the
    features) of |d loss / d input_t|, the loss being each sequence's own; for text, with respect to the
    embedding's output vectors (token numbers have no gradient). ``reach``: the steps back from the end that
    hold REACH_SHARE of that gradient mass (see ``memory_reach``)."""
    _require_sequences(trainer)
    return throttled(trainer, "memory", lambda: _memory(trainer))


def _memory(trainer: Trainer) -> dict:
    inputs, targets = trainer.x_test[:MEMORY_ROWS], trainer.y_test[:MEMORY_ROWS]
    body = model = trainer.model
    model.eval()
    if isinstance(model[0], nn.Embedding):
        with torch.no_grad():
            inputs = model[0](inputs)
        body = model[1:]
    inputs = inputs.detach().requires_grad_(True)
    with torch.enable_grad():
        # the batch loss is a mean: times the rows, each sequence's gradient is that of its own loss
        loss = trainer.data_loss(body(inputs), targets) * len(targets)
        (gradient,) = torch.autograd.grad(loss, inputs)
    per_step = gradient.abs().mean(dim=(0, 2)).numpy().astype(np.float32)
    return {"gradient": per_step, "steps": len(per_step), "reach": memory_reach(per_step)}


def memory_reach(gradient: np.ndarray, share: float = REACH_SHARE) -> int:
    """The fewest last steps that hold ``share`` of the gradient mass (0 when there is no gradient at all)."""
    total = float(np.sum(gradient, dtype=np.float64))
    if not total > 0:
        return 0
    from_end = np.cumsum(gradient[::-1], dtype=np.float64) / total
    return int(min(np.searchsorted(from_end, share) + 1, len(gradient)))


def replay_recurrent(rnn: nn.RNNBase, inputs: torch.Tensor) -> list[dict]:
    """Run a torch RNN, LSTM or GRU over one sequence ``inputs`` [steps, features] by hand, step by step, to see
    inside: per depth of the stack and per direction (forward first), the hidden state at every step and every
    gate's values, each [units, steps] in time order (a backward direction's state at step t has read steps t to
    the end). Depth k reads depth k - 1's outputs, both directions joined, as torch does (between-layer dropout is
    off in evaluation). The states equal the module's own outputs to float precision."""
    cell = "lstm" if isinstance(rnn, nn.LSTM) else "gru" if isinstance(rnn, nn.GRU) else "rnn"
    directions = ("forward", "backward") if rnn.bidirectional else ("forward",)
    runs = []
    value = inputs
    with torch.no_grad():
        for depth in range(rnn.num_layers):
            outputs = []
            for direction in directions:
                suffix = f"_l{depth}" + ("_reverse" if direction == "backward" else "")
                states, gates = _replay_direction(cell, rnn, suffix, value, reverse=direction == "backward")
                outputs.append(states)
                runs.append(
                    {
                        "cell": cell,
                        "depth": depth,
                        "direction": direction,
                        "states": states.T.numpy().astype(np.float32),
                        "gates": {name: values.T.numpy().astype(np.float32) for name, values in gates.items()},
                    }
                )
            value = torch.cat(outputs, dim=-1)
    return runs


def _replay_direction(
    cell: str, rnn: nn.RNNBase, suffix: str, inputs: torch.Tensor, reverse: bool
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """One direction of one depth: states [steps, units] and gates {name: [steps, units]}, in time order."""
    steps, units = len(inputs), rnn.hidden_size
    projected = inputs @ getattr(rnn, "weight_ih" + suffix).T  # the inputs' share of every gate, all steps at once
    recurrent_weight = getattr(rnn, "weight_hh" + suffix).T
    recurrent_bias = torch.zeros(projected.shape[-1])
    if rnn.bias:
        projected = projected + getattr(rnn, "bias_ih" + suffix)
        recurrent_bias = getattr(rnn, "bias_hh" + suffix)
    names = (*RECURRENT_GATES[cell], "memory") if cell == "lstm" else RECURRENT_GATES[cell] if cell == "gru" else ()
    gates = {name: torch.empty(steps, units) for name in names}
    states = torch.empty(steps, units)
    state = torch.zeros(units)
    memory = torch.zeros(units)
    for t in range(steps - 1, -1, -1) if reverse else range(steps):
        mixed = state @ recurrent_weight + recurrent_bias
        if cell == "lstm":  # torch's row blocks: input, forget, cell (candidate), output
            summed = projected[t] + mixed
            gate_in, forget, out = (torch.sigmoid(summed[k * units : (k + 1) * units]) for k in (0, 1, 3))
            candidate = torch.tanh(summed[2 * units : 3 * units])
            memory = forget * memory + gate_in * candidate
            state = out * torch.tanh(memory)
            for name, values in zip(names, (gate_in, forget, candidate, out, memory), strict=True):
                gates[name][t] = values
        elif cell == "gru":  # reset, update, new; the reset gate scales the state's share of the new candidate
            reset, update = torch.sigmoid(projected[t, : 2 * units] + mixed[: 2 * units]).split(units)
            new = torch.tanh(projected[t, 2 * units :] + reset * mixed[2 * units :])
            state = (1 - update) * new + update * state
            for name, values in zip(names, (reset, update, new), strict=True):
                gates[name][t] = values
        else:
            summed = projected[t] + mixed
            state = torch.relu(summed) if rnn.nonlinearity == "relu" else torch.tanh(summed)
        states[t] = state
    return states, gates
