"""Budgets of a config from outside (a link, a setup file, a checkpoint's config.json): each refused in one short
line naming the field, the value and the limit, before anything big is allocated or parsed."""

import base64
import json
import zlib

import pytest

from playground.config import ConfigError, RunConfig, json_depth
from playground.limits import LimitError, limits
from playground.presets import load_preset, preset_names
from tests import ROOT


def link(text: str) -> str:
    """A ``?config=`` value holding ``text`` (deflated, base64), as the pages write them."""
    return base64.urlsafe_b64encode(zlib.compress(text.encode(), 9)).decode().rstrip("=")


def refusal(action) -> str:
    with pytest.raises(ConfigError) as caught:
        action()
    message = str(caught.value)
    assert "\n" not in message and len(message) < 400, message
    return message


def dense(units: int, activation: str = "tanh") -> dict:
    return {"kind": "dense", "units": units, "activation": activation}


def test_a_few_kb_link_with_a_million_layers_is_refused_in_one_line():
    raw = '{"model": {"layers": [' + ",".join(["0"] * 1_000_000) + "]}}"
    param = link(raw)
    assert len(param) < 5_000  # a few KB of link
    message = refusal(lambda: RunConfig.from_url_param(param))
    assert "1,000,000" in message or "bytes" in message  # its text is over the size a config may have


def test_too_many_layers_are_counted_before_any_is_validated():
    raw = {"data": {"dataset": "circle"}, "model": {"layers": [0] * 50_000}}
    message = refusal(lambda: RunConfig.from_dict(raw))
    assert message == "model.layers: 50,000 layers is over the limit of 64 layers"
    most = limits().max_layers
    fits = {"data": {"dataset": "circle"}, "model": {"layers": [dense(1)] * (most - 1) + [dense(1, "sigmoid")]}}
    assert len(RunConfig.from_dict(fits).model.layers) == most


def test_a_link_longer_than_the_limit_is_refused_before_decoding(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_LINK_CHARS", "100")
    message = refusal(lambda: RunConfig.from_url_param("A" * 101))
    assert message == "the link's config: 101 characters is over the limit of 100 characters"


def test_a_link_that_inflates_past_the_config_size_is_refused_without_inflating_it_all():
    bomb = link('{"name": "' + " " * 10_000_000 + '"}')
    assert len(bomb) < limits().max_link_chars
    message = refusal(lambda: RunConfig.from_url_param(bomb))
    assert f"{limits().max_config_bytes:,} bytes" in message


def test_deep_nesting_is_refused_without_recursing():
    deep = "[" * 1_000 + "]" * 1_000
    assert json_depth(deep) == 1_000
    assert json_depth('{"a": "[[[[{{{{"}') == 1  # brackets in strings do not count
    message = refusal(lambda: RunConfig.from_url_param(link(deep)))
    assert message == "the config's nesting: 1,000 levels is over the limit of 16 levels"
    nested: list = []
    for _ in range(1_000):
        nested = [nested]
    assert "levels" in refusal(lambda: RunConfig.from_dict({"model": {"layers": nested}}))


@pytest.mark.parametrize(
    ("section", "seed"), [("training", 2**64), ("data", 2**32), ("training", -1), ("data", 10**400)]
)
def test_seeds_out_of_the_generators_range_are_refused(section, seed):
    raw = load_preset("seed-ffn").model_dump()
    raw[section]["seed"] = seed
    message = refusal(lambda: RunConfig.from_dict(raw))
    assert message.startswith(f"{section}.seed:")


def test_a_long_list_of_problems_names_three_and_counts_the_rest():
    raw = {"model": {"layers": [{"kind": "dense", "units": -1, "activation": "x" * 8_000_000}] * 60}}
    message = refusal(lambda: RunConfig.from_dict(raw))
    assert message.endswith("more") and message.count("model.layers[") == 3


def test_the_same_limits_hold_for_a_setup_file_or_a_checkpoints_config():
    message = refusal(lambda: RunConfig.from_json(" " * (limits().max_config_bytes + 1)))
    assert message.startswith("the config: ")
    deep = '{"model": ' * 40 + "0" + "}" * 40
    assert "nesting" in refusal(lambda: RunConfig.from_json(deep))


def conv(filters: int) -> dict:
    return {"kind": "conv2d", "filters": filters, "kernel_size": 3, "padding": "same", "activation": "relu"}


def test_activation_memory_is_estimated_from_the_shapes_and_refused_over_budget():
    layers = [conv(512), conv(512), {"kind": "flatten"}, dense(10, "linear")]
    raw = {"data": {"dataset": "mnist"}, "model": {"layers": layers}, "training": {"batch_size": 256}}
    message = refusal(lambda: RunConfig.from_dict(raw))
    assert message.startswith("training.batch_size: a batch of 256 needs about ")
    assert "over the limit of 1,024 MB" in message
    lstm = {"kind": "lstm", "units": 64}
    raw = {"data": {"dataset": "seed_sequences", "steps": 400}, "model": {"layers": [lstm, dense(1, "linear")]}}
    raw["training"] = {"batch_size": 4096}
    assert "MB for the activations" in refusal(lambda: RunConfig.from_dict(raw))
    raw["training"]["batch_size"] = 32  # the same network at an ordinary batch size fits
    assert RunConfig.from_dict(raw).activation_mb() < limits().max_activation_mb / 4


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_fits_the_default_budgets(name):
    config = load_preset(name)
    assert config.activation_mb() <= limits().max_activation_mb
    assert len(config.model.layers) <= limits().max_layers


def test_limits_come_from_the_environment_and_bad_values_are_refused(monkeypatch):
    monkeypatch.setenv("PLAYGROUND_MAX_LAYERS", "3")
    assert limits().max_layers == 3
    assert "3 layers" in refusal(lambda: RunConfig.from_dict({"model": {"layers": [dense(1)] * 4}}))
    monkeypatch.setenv("PLAYGROUND_MAX_LAYERS", "many")
    with pytest.raises(LimitError, match="PLAYGROUND_MAX_LAYERS: 'many' is not a whole number"):
        limits()


def test_the_command_line_refuses_a_huge_seed_with_one_line(capsys):
    from playground.cli import main

    raw = load_preset("seed-ffn").model_dump()
    raw["training"]["seed"] = 2**64
    assert main(["summary", json.dumps(raw)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "training.seed" in err


def test_the_readme_lists_every_limit_with_its_default():
    from dataclasses import fields

    from playground.limits import ENV_PREFIX, Limits

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for field in fields(Limits):
        assert f"| `{ENV_PREFIX}{field.name.upper()}` | {field.default:,} |" in readme, field.name
