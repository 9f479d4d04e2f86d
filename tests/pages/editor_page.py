"""A minimal page around the layer-stack editor, for its AppTest: the seed dataset (100 inputs, binary)."""

import streamlit as st

from playground.config import ConfigError, RunConfig, output_layer
from playground.i18n import translator
from playground.ui.layer_editor import layer_stack_editor

SEED_LAYERS = [
    {"kind": "dense", "units": 64, "activation": "relu"},
    {"kind": "dense", "units": 32, "activation": "relu"},
    {"kind": "dense", "units": 1, "activation": "sigmoid"},
]


def validate(layers: list[dict]) -> RunConfig | str:
    try:
        return RunConfig.from_dict({"data": {"dataset": "seed_ffn", "n_points": 1000}, "model": {"layers": layers}})
    except ConfigError as error:
        return str(error)


t = translator(st.session_state.get("lang", "en"))
result = layer_stack_editor(t, "ed", SEED_LAYERS, validate, (100,), output_layer=output_layer("binary", 2).model_dump())
st.session_state["edited"] = result
st.text(f"total params: {result.config.total_params() if result.config else '-'}")
st.button("Train", key="train", disabled=result.config is None)
