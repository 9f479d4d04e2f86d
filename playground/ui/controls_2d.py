"""The 2D playground's controls, in the style of TensorFlow Playground: widgets in, a RunConfig out."""

from __future__ import annotations

from functools import partial

import streamlit as st

from playground.config import (
    LEARNING_RATES,
    REGULARIZATION_RATES,
    ConfigError,
    OptimizerName,
    RunConfig,
    allowed_losses,
    output_layer,
)
from playground.data import two_d
from playground.data.registry import DATASETS
from playground.i18n import Translator
from playground.layers import ACTIVATIONS
from playground.presets import load_preset
from playground.ui.common import translated_choice
from playground.ui.layer_editor import layer_stack_editor, replace_stack
from playground.viz.thumbnails import dataset_thumbnail

KEY = "pg2d_"  # prefix of this page's widget keys
STACK_KEY = "pg2d_stack"  # the free layer editor's key
PROBLEMS = {"binary": two_d.CLASSIFICATION_2D, "regression": two_d.REGRESSION_2D, "multiclass": two_d.MULTICLASS_2D}
HIDDEN_ACTIVATIONS = [a for a in ACTIVATIONS if a != "softmax"]
OPTIMIZERS: tuple[str, ...] = OptimizerName.__args__  # type: ignore[attr-defined]
LOSSES = {problem: allowed_losses(problem) for problem in PROBLEMS}
MAX_HIDDEN_LAYERS, MAX_NEURONS = 8, 32


# Widgets that are not always drawn lose their state in between (Streamlit cleans it up); these fill the gap.
_FALLBACKS: dict[str, object] = {
    "n_classes": 3,
    "free_layers": False,
    "n_hidden": 2,
    **{f"units_{i}": 4 for i in range(MAX_HIDDEN_LAYERS)},
}


def _state(name: str):
    if name in _FALLBACKS:
        return st.session_state.setdefault(KEY + name, _FALLBACKS[name])
    return st.session_state[KEY + name]


def seed_widgets(config: RunConfig) -> None:
    """Put a config into the widgets' state (on first load, or when a preset or link is opened)."""
    data, training = config.data, config.training
    hidden = config.model.layers[:-1]
    values = {
        "problem": config.task,
        "dataset": data.dataset,
        "noise": data.noise,
        "train_share": data.train_share,
        "n_points": data.n_points,
        "n_classes": data.n_classes,
        "data_seed": data.seed,
        "features": list(data.features),
        "n_hidden": len(hidden),
        "activation": getattr(hidden[0], "activation", "tanh") if hidden else "tanh",
        "learning_rate": min(LEARNING_RATES, key=lambda rate: abs(rate - training.learning_rate)),
        "regularization": training.regularization,
        "reg_rate": min(REGULARIZATION_RATES, key=lambda rate: abs(rate - training.reg_rate)),
        "batch_size": training.batch_size,
        "optimizer": training.optimizer,
        "loss": training.loss,
        "show_test": False,
        "discretize": False,
        # not on this page, but part of the setup a link or preset carries: kept so links round-trip
        "epochs": training.epochs,
        "train_seed": training.seed,
    }
    for index in range(MAX_HIDDEN_LAYERS):
        values[f"units_{index}"] = getattr(hidden[index], "units", 4) if index < len(hidden) else 4
    values["free_layers"] = not _fits_simple_controls(config)
    for name, value in values.items():
        st.session_state[KEY + name] = value
    replace_stack(STACK_KEY, [layer.model_dump() for layer in config.model.layers])


def _fits_simple_controls(config: RunConfig) -> bool:
    """Whether the TensorFlow-Playground-style controls can show this network: dense hidden layers of 1 to 32
    neurons sharing one activation, at most 8 of them, and the page's usual output layer."""
    *hidden, last = config.model.layers
    activations = {getattr(layer, "activation", None) for layer in hidden}
    return (
        len(hidden) <= MAX_HIDDEN_LAYERS
        and all(layer.kind == "dense" and 1 <= layer.units <= MAX_NEURONS for layer in hidden)
        and len(activations) <= 1
        and activations <= set(HIDDEN_ACTIVATIONS)
        and last == output_layer(config.task, config.output_size)
    )


def simple_layers() -> list[dict]:
    """The stack the simple controls describe: the hidden layers, then the task's output layer."""
    activation = _state("activation")
    layers = [
        {"kind": "dense", "units": _state(f"units_{i}"), "activation": activation}
        for i in range(int(_state("n_hidden")))
    ]
    return [*layers, output_layer(_state("problem"), _state("n_classes")).model_dump()]


def _on_free_layers_change() -> None:
    """Switching to the free editor starts it from the simple controls' network (undoable in the editor);
    switching back keeps the simple controls as they were, so that network comes back."""
    simple = ["n_hidden", *(f"units_{i}" for i in range(MAX_HIDDEN_LAYERS))]
    if st.session_state[KEY + "free_layers"]:
        replace_stack(STACK_KEY, simple_layers())
        st.session_state[KEY + "simple_saved"] = {name: _state(name) for name in simple}
    else:  # hidden widgets lose their state while away; bring back what they showed
        for name, value in st.session_state.pop(KEY + "simple_saved", {}).items():
            st.session_state[KEY + name] = value


def _on_problem_change() -> None:
    """A new problem type picks its first dataset and the usual loss."""
    st.session_state[KEY + "dataset"] = PROBLEMS[_state("problem")][0]
    st.session_state[KEY + "loss"] = "auto"


def _regenerate() -> None:
    st.session_state[KEY + "data_seed"] = _state("data_seed") + 1


def hyperparameter_row(t: Translator) -> None:
    """The strip across the top: learning rate, activation, regularisation, rate, problem type."""
    columns = st.columns(6)
    columns[0].select_slider(
        t("learning_rate"),
        LEARNING_RATES,
        key=KEY + "learning_rate",
        format_func=lambda rate: f"{rate:g}",
        help=t("help_learning_rate"),
    )
    columns[1].selectbox(
        t("activation"),
        HIDDEN_ACTIVATIONS,
        key=KEY + "activation",
        help=t("help_activation"),
        disabled=bool(_state("free_layers")),  # the free editor sets an activation per layer
    )
    translated_choice(
        columns[2].selectbox,
        t("regularization"),
        ("none", "l1", "l2"),
        key=KEY + "regularization",
        format_func=lambda kind: t(f"reg_{kind}"),
        help=t("help_regularization"),
    )
    columns[3].select_slider(
        t("reg_rate"),
        REGULARIZATION_RATES,
        key=KEY + "reg_rate",
        format_func=lambda rate: f"{rate:g}",
        help=t("help_reg_rate"),
    )
    translated_choice(
        columns[4].selectbox,
        t("problem"),
        tuple(PROBLEMS),
        key=KEY + "problem",
        on_change=_on_problem_change,
        format_func=lambda problem: t(f"problem_{problem}"),
        help=t("help_problem"),
    )
    translated_choice(
        columns[5].selectbox,
        t("optimizer"),
        OPTIMIZERS,
        key=KEY + "optimizer",
        format_func=lambda name: t(f"optimizer_{name}"),
        help=t("help_optimizer"),
    )


@st.cache_data(show_spinner=False, max_entries=64)
def _thumbnail(name: str, task: str, noise: int, n_classes: int):
    return dataset_thumbnail(name, task, noise, n_classes)


def data_panel(t: Translator) -> None:
    """Dataset picker with previews, noise, train share, points, regenerate, batch size."""
    st.subheader(t("data"))
    problem = _state("problem")
    names = PROBLEMS[problem]
    previews = st.columns(len(names))
    for column, name in zip(previews, names, strict=True):  # same order as the radio below (captions would wrap)
        column.image(_thumbnail(name, problem, _state("noise"), _state("n_classes")), width="stretch")
    translated_choice(
        st.radio,
        t("dataset"),
        names,
        key=KEY + "dataset",
        horizontal=True,
        format_func=lambda name: t(f"dataset_{name}"),
        help=t("help_dataset"),
    )
    if problem == "multiclass":
        _state("n_classes")
        st.slider(t("n_classes"), 3, 5, key=KEY + "n_classes", help=t("help_n_classes"))
    st.slider(t("noise"), 0, 50, step=5, key=KEY + "noise", help=t("help_noise"))
    st.slider(t("train_share"), 10, 90, step=10, key=KEY + "train_share", format="%d%%", help=t("help_train_share"))
    st.slider(t("n_points"), 100, 5000, step=100, key=KEY + "n_points", help=t("help_n_points"))
    st.slider(t("batch_size"), 1, 100, key=KEY + "batch_size", help=t("help_batch_size"))
    st.button(t("regenerate"), key=KEY + "regenerate", on_click=_regenerate, help=t("help_regenerate"))


def network_panel(t: Translator) -> None:
    """Input features and the hidden layers (0 to 8, each 1 to 32 neurons)."""
    st.subheader(t("network"))
    st.multiselect(
        t("features"),
        list(two_d.FEATURES),
        key=KEY + "features",
        format_func=two_d.FEATURE_LABELS.__getitem__,
        help=t("help_features"),
    )
    free = st.toggle(
        t("free_layers"), key=KEY + "free_layers", on_change=_on_free_layers_change, help=t("help_free_layers")
    )
    if free:
        st.caption(t("free_layers_below"))
        n_hidden = 0
    else:
        n_hidden = st.number_input(
            t("hidden_layers"), 0, MAX_HIDDEN_LAYERS, key=KEY + "n_hidden", help=t("help_hidden_layers")
        )
    for index in range(int(n_hidden)):
        _state(f"units_{index}")
        st.slider(
            t("neurons_in_layer", n=index + 1), 1, MAX_NEURONS, key=KEY + f"units_{index}", help=t("help_neurons")
        )
    translated_choice(
        st.selectbox,
        t("loss"),
        LOSSES[_state("problem")],
        key=KEY + "loss",
        format_func=lambda name: t(f"loss_{name}"),
        help=t("help_loss"),
    )


def view_options(t: Translator) -> tuple[bool, bool]:
    left, right = st.columns(2)
    show_test = left.checkbox(t("show_test"), key=KEY + "show_test", help=t("help_show_test"))
    discretize = right.checkbox(t("discretize"), key=KEY + "discretize", help=t("help_discretize"))
    return show_test, discretize


def free_layer_editor(t: Translator) -> None:
    """The layer-stack editor every page shares, when the user has switched to free layers (full width)."""
    if not _state("free_layers"):
        return
    input_shape = (max(1, len(_state("features"))),)
    output = output_layer(_state("problem"), _state("n_classes")).model_dump()
    layer_stack_editor(t, STACK_KEY, simple_layers(), partial(config_for_layers, t), input_shape, output_layer=output)


def current_config(t: Translator) -> RunConfig | str:
    """The RunConfig the widgets describe, or a readable reason why they describe none."""
    if _state("free_layers"):
        return config_for_layers(t, [dict(layer) for layer in st.session_state[f"{STACK_KEY}_state"].layers])
    return config_for_layers(t, simple_layers())


def config_for_layers(t: Translator, layers: list[dict]) -> RunConfig | str:
    """The page's data and training settings around a layer stack, validated."""
    problem = _state("problem")
    loss = _state("loss") if _state("loss") in LOSSES[problem] else "auto"
    raw = {
        "name": t(f"dataset_{_state('dataset')}"),
        "data": {
            "dataset": _state("dataset"),
            "n_points": _state("n_points"),
            "noise": _state("noise"),
            "train_share": _state("train_share"),
            "features": _state("features"),
            "n_classes": _state("n_classes"),
            "seed": _state("data_seed"),
        },
        "model": {"layers": layers},
        "training": {
            "optimizer": _state("optimizer"),
            "learning_rate": _state("learning_rate"),
            "batch_size": _state("batch_size"),
            "regularization": _state("regularization"),
            "reg_rate": _state("reg_rate"),
            "loss": loss,
            "epochs": _state("epochs"),
            "seed": _state("train_seed"),
        },
    }
    try:
        return RunConfig.from_dict(raw)
    except ConfigError as error:
        return str(error)


def initial_config() -> tuple[RunConfig, str | None]:
    """The setup a fresh page opens with: a shared link's config if it is valid, else the circle; plus why a
    link could not be opened as it is (translation key and reason), so nobody is left wondering."""
    param = st.query_params.get("config")
    if not param:
        return load_preset("circle"), None
    try:
        config = RunConfig.from_url_param(param)
    except ConfigError as error:
        return load_preset("circle"), str(error)
    if DATASETS[config.data.dataset].family != "2d":
        return load_preset("circle"), f"{config.data.dataset} is not a 2D dataset"
    return config, None


def ensure_widgets_seeded(t: Translator) -> None:
    """On a session's first run: fill the widgets from the link or the default, and warn when the widgets
    cannot show the linked setup exactly (a bad link, or layers and rates this page does not offer)."""
    if KEY + "problem" in st.session_state:
        return
    config, problem = initial_config()
    seed_widgets(config)
    if problem:
        st.session_state[KEY + "notice"] = t("link_invalid", reason=problem)
        return
    shown = current_config(t)
    if isinstance(shown, str) or shown.model_dump(exclude={"name"}) != config.model_dump(exclude={"name"}):
        st.session_state[KEY + "notice"] = t("link_adjusted")


def link_notice() -> str | None:
    """The warning ``ensure_widgets_seeded`` left for this session, shown once."""
    return st.session_state.pop(KEY + "notice", None)
