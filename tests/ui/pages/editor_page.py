"""A minimal page around the layer-stack editor, for its AppTest: the seed dataset (100 inputs, binary) unless the
test sets ``st.session_state["dataset"]`` to "seed_sequences" (the seed LSTM's sequences) or "text" before running,
which the editor is then told the way a sequences page tells it (family, the text's number of characters)."""

import streamlit as st

from playground.config import DataConfig, RunConfig, output_layer
from playground.data.registry import DATASETS, data_task, dataset_classes, dataset_input_shape
from playground.i18n import translator
from playground.ui.layer_editor import layer_stack_editor

SEED_LAYERS = [
    {"kind": "dense", "units": 64, "activation": "relu"},
    {"kind": "dense", "units": 32, "activation": "relu"},
    {"kind": "dense", "units": 1, "activation": "sigmoid"},
]
SEED_LSTM = [{"kind": "lstm", "units": 64}, {"kind": "dense", "units": 1, "activation": "linear"}]

dataset = st.session_state.get("dataset", "seed_ffn")
data = DataConfig(dataset=dataset, n_points=1000, n_features=10 if dataset == "seed_sequences" else 100)
task = data_task(data)
classes = dataset_classes(data) if task == "multiclass" else 1
family = DATASETS[dataset].input_family
output = output_layer(task, classes).model_dump()
initial = {"seed_ffn": SEED_LAYERS, "seed_sequences": SEED_LSTM}.get(dataset, [output])


def validate(layers: list[dict]) -> RunConfig:
    return RunConfig.from_dict({"data": data.model_dump(), "model": {"layers": layers}})


t = translator(st.session_state.get("lang", "en"))
result = layer_stack_editor(
    t,
    "ed",
    initial,
    validate,
    dataset_input_shape(data),
    output_layer=output,
    family=family if family in ("sequence", "text") else None,
    vocab_size=classes if family == "text" else None,
)
st.session_state["edited"] = result
st.text(f"total params: {result.config.total_params() if result.config else '-'}")
st.button("Train", key="train", disabled=result.config is None)
