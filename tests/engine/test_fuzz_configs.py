"""Property-based mutations of every preset, and random links: what comes back is a config that builds and trains
one batch, or a one-line refusal under a length limit; never a traceback, never minutes of work.

Inputs that once broke the playground stay below as explicit examples (``@example``), so they are tried on every
run before the random ones.
"""

import base64
import json
import time
import zlib

import pytest
import torch
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from playground.config import ConfigError, RunConfig
from playground.model import build_model
from playground.presets import load_preset, preset_names

#: The longest refusal a page or the command line shows.
MAX_MESSAGE = 400
#: Seconds one config may take from validation through one training batch.
MAX_SECONDS = 20.0

PRESETS = {name: load_preset(name).model_dump() for name in preset_names()}

odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, -1, 2**31, 2**32, 2**63, 2**64, 10**400, 4096, 100_000]),
    st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=False),  # fast-math libraries flush them
    st.text(max_size=30),
    st.sampled_from(["", "x" * 10_000, "circle", "mnist", "relu", "lstm", "conv2d", "same", "softmax"]),
    st.lists(st.integers(min_value=-5, max_value=5), max_size=5),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=3),
)


def leaf_paths(value: object, path: tuple = ()) -> list[tuple]:
    """Every place in a dumped config a mutation can hit: dict keys and list items, at every depth."""
    paths = [path] if path else []
    if isinstance(value, dict):
        for key, child in value.items():
            paths += leaf_paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            paths += leaf_paths(child, (*path, index))
    return paths


def mutate(raw: dict, path: tuple, action: str, value: object) -> dict:
    """Set, delete, repeat or replace what sits at ``path`` in a deep copy of ``raw``."""
    raw = json.loads(json.dumps(raw))
    *parents, last = path
    holder = raw
    for part in parents:
        holder = holder[part]
    if action == "delete":
        del holder[last]
    elif action == "repeat" and isinstance(holder, list):
        holder[last:last] = [holder[last]] * 50
    elif action == "extra" and isinstance(holder[last], dict):
        holder[last]["unexpected"] = value
    else:
        holder[last] = value
    return raw


@st.composite
def mutated_presets(draw: st.DrawFn) -> dict:
    raw = PRESETS[draw(st.sampled_from(sorted(PRESETS)))]
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = leaf_paths(raw)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["set", "set", "set", "delete", "repeat", "extra"]))
        raw = mutate(raw, path, action, draw(odd_values))
    return raw


def one_batch(config: RunConfig) -> None:
    """Build the network and train it one batch of inputs of the config's shape (zeros, or token 0 for text)."""
    torch.manual_seed(0)
    model = build_model(config)
    rows = min(config.training.batch_size, 4)
    rows = max(rows, 2)  # batch norm needs two
    dtype = torch.long if config.tokens else torch.float32
    inputs = torch.zeros((rows, *config.input_shape), dtype=dtype)
    outputs = model(inputs)
    assert tuple(outputs.shape) == (rows, config.output_size)
    outputs.float().square().mean().backward()


def assert_refusal_or_runnable(action) -> str:
    """ "refused" or "runnable", after checking the refusal's form or that the config reopens and trains."""
    started = time.perf_counter()
    try:
        config = action()
    except ConfigError as error:
        message = str(error)
        assert message and "\n" not in message and len(message) <= MAX_MESSAGE, message[:2000]
        assert "Traceback" not in message
        outcome = "refused"
    else:
        outcome = "runnable"
        assert RunConfig.from_url_param(config.to_url_param()) == config  # a link reopens exactly this setup
        one_batch(config)
    assert time.perf_counter() - started < MAX_SECONDS
    return outcome


FUZZ = settings(
    max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow], database=None
)


@FUZZ
@given(mutated_presets())
@example({**PRESETS["seed-ffn"], "training": {**PRESETS["seed-ffn"]["training"], "seed": 2**64}})
@example({**PRESETS["seed-ffn"], "data": {**PRESETS["seed-ffn"]["data"], "seed": 2**32}})
@example({**PRESETS["circle"], "training": {**PRESETS["circle"]["training"], "batch_size": 4096}})
@example({"model": {"layers": [0] * 100_000}})
@example({"model": {"layers": [{"kind": "dense", "units": 1}] * 50_000}})
def test_mutated_presets_validate_and_train_one_batch_or_are_refused_in_one_line(raw):
    event(assert_refusal_or_runnable(lambda: RunConfig.from_dict(raw)))


def packed(text: bytes) -> str:
    return base64.urlsafe_b64encode(zlib.compress(text, 9)).decode().rstrip("=")


@FUZZ
@given(
    st.one_of(
        st.text(max_size=200),
        st.binary(max_size=200).map(packed),
        mutated_presets().map(lambda raw: packed(json.dumps(raw).encode())),
    )
)
@example(packed(b"[" * 1_000 + b"]" * 1_000))
@example(packed(b'{"model": {"layers": [' + b",".join([b"0"] * 1_000_000) + b"]}}"))
@example(packed(b'{"name": "' + b" " * 10_000_000 + b'"}'))
@example("%%%%")
@example(packed(b"\xff\xfe"))
def test_any_link_opens_or_is_refused_in_one_line(param):
    event(assert_refusal_or_runnable(lambda: RunConfig.from_url_param(param)))


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_passes_the_same_checks_unchanged(name):
    assert assert_refusal_or_runnable(lambda: RunConfig.from_dict(PRESETS[name])) == "runnable"
