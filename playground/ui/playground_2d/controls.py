"""The 2D playground's controls, in the style of TensorFlow Playground: widgets in, a RunConfig out."""

from __future__ import annotations

from functools import partial

import streamlit as st

from playground.app_pages import APP_PAGES
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
from playground.data.points import points_info
from playground.data.registry import CUSTOM, kind_of
from playground.data.upload import UploadError
from playground.i18n import DEFAULT_LANGUAGE, Translator
from playground.layers import ACTIVATIONS
from playground.presets import load_preset
from playground.ui.common import show_first_of_each, translated_choice
from playground.ui.layer_editor import layer_stack_editor, replace_stack
from playground.ui.picture_choice import picture_choice, png_data_url
from playground.ui.playground_2d.settings import SETTINGS, STEP_FACTORS, config_sections, widget_values
from playground.ui.stage import STRIP_KEY
from playground.viz.thumbnails import dataset_thumbnail

KEY = "2d_"  # prefix of this page's widget keys
STACK_KEY = "2d_stack"  # the free layer editor's key
PROBLEMS = {"binary": two_d.CLASSIFICATION_2D, "regression": two_d.REGRESSION_2D, "multiclass": two_d.MULTICLASS_2D}
HIDDEN_ACTIVATIONS = [a for a in ACTIVATIONS if a != "softmax"]
OPTIMIZERS: tuple[str, ...] = OptimizerName.__args__  # type: ignore[attr-defined]
LOSSES = {problem: allowed_losses(problem) for problem in PROBLEMS}
MAX_HIDDEN_LAYERS, MAX_NEURONS = 8, 32
SCHEDULES = ("constant", "step", "cosine")
#: The ranges of the number widgets; a link's value outside one is moved to its nearest end (a slider given a
#: value beyond its maximum would stop the page with an error).
WIDGET_RANGES: dict[str, tuple[float, float]] = {
    **{setting.key: setting.limits for setting in SETTINGS if setting.limits is not None},
    "n_hidden": (0, MAX_HIDDEN_LAYERS),
}

#: Controls a lesson link may hide (``?hide=learning_rate,problem``), as TensorFlow Playground's ``*_hide``.
HIDEABLE = APP_PAGES["2d"].hideable


#: The network's shape: how many hidden layers, and the neurons of each. Its values live in session keys of their
#: own, not in the widgets' (see ``network_widget_key``).
NETWORK_SHAPE = ("n_hidden", *(f"units_{i}" for i in range(MAX_HIDDEN_LAYERS)))
_SHAPE_GENERATION = KEY + "shape_generation"

# Widgets that are not always drawn lose their state in between (Streamlit cleans it up); these fill the gap.
_FALLBACKS: dict[str, object] = {
    **{setting.key: setting.fallback for setting in SETTINGS if setting.fallback is not None},
    "free_layers": False,
    "n_hidden": 2,
    **{f"units_{i}": 4 for i in range(MAX_HIDDEN_LAYERS)},
}


def hidden_controls() -> frozenset[str]:
    """The controls a lesson link hides (``?hide=a,b``), read once per session: unknown names are ignored."""
    if KEY + "hidden" not in st.session_state:
        wanted = {name.strip() for name in st.query_params.get("hide", "").split(",")}
        st.session_state[KEY + "hidden"] = frozenset(wanted & set(HIDEABLE))
    return st.session_state[KEY + "hidden"]


def shown(name: str) -> bool:
    """Whether a control is drawn; a hidden one keeps the value the link gave it."""
    return name not in hidden_controls()


def locked(name: str) -> bool:
    """Whether a control is drawn greyed out (``?lock=a,b``, a lesson's locked controls), read once per session."""
    if KEY + "locked" not in st.session_state:
        wanted = {name.strip() for name in st.query_params.get("lock", "").split(",")}
        st.session_state[KEY + "locked"] = frozenset(wanted & set(HIDEABLE))
    return name in st.session_state[KEY + "locked"]


def state(name: str):
    """The value of one of this page's controls (drawn or not, hidden by a lesson link or not)."""
    if name in _FALLBACKS:
        return st.session_state.setdefault(_state_key(name), _FALLBACKS[name])
    return st.session_state[KEY + name]


def _state_key(name: str) -> str:
    return f"{KEY}shape_{name}" if name in NETWORK_SHAPE else KEY + name


def network_widget_key(name: str) -> str:
    """The key of the widget that shows a value of the network's shape: a new one after every change from Python
    (``set_network_shape``), so the values the browser still holds for the old widgets cannot undo it.

    A +/- button of the network view changes the sliders from a callback. A rerun the browser asks for before it
    has drawn the new values (another click, a resent event, a run that restarted the click's run) carries its
    old slider values, and Streamlit lets a widget's browser value win over what a callback set: the click was
    lost, 3 of 4 sequences of five clicks on a slowed-down server before any fix, 1 of 3 full test runs with a
    guard that re-applied the edit (it could not tell the browser's old values from a user's new ones)."""
    generation = st.session_state.get(_SHAPE_GENERATION, 0)
    return KEY + name if generation == 0 else f"{KEY}{name}_{generation}"


def set_network_shape(values: dict[str, int]) -> None:
    """Change hidden layers or neurons from Python: the shape's own keys, and new widgets to show it."""
    for name, value in values.items():
        st.session_state[_state_key(name)] = value
    st.session_state[_SHAPE_GENERATION] = st.session_state.get(_SHAPE_GENERATION, 0) + 1


def seed_widgets(config: RunConfig) -> None:
    """Put a config into the widgets' state (on first load, before any widget is drawn)."""
    hidden = config.model.layers[:-1]
    view = st.query_params.get("view", "").split(",")
    values = {
        "problem": config.task,
        **widget_values(config),
        "n_hidden": min(len(hidden), MAX_HIDDEN_LAYERS),
        "activation": getattr(hidden[0], "activation", "tanh") if hidden else "tanh",
        "show_test": "test" in view,
        "discretize": "discrete" in view,
    }
    for index in range(MAX_HIDDEN_LAYERS):
        values[f"units_{index}"] = getattr(hidden[index], "units", 4) if index < len(hidden) else 4
    values["free_layers"] = not _fits_simple_controls(config)
    if kind_of(config.data).takes_upload:
        values["points_sha"] = config.data.upload
    for name, value in values.items():
        st.session_state[_state_key(name)] = value
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
    activation = state("activation")
    layers = [
        {"kind": "dense", "units": state(f"units_{i}"), "activation": activation} for i in range(int(state("n_hidden")))
    ]
    return [*layers, output_layer(state("problem"), state("n_classes")).model_dump()]


def _on_free_layers_change() -> None:
    """Switching to the free editor starts it from the simple controls' network (undoable in the editor);
    switching back shows the simple controls' network as it was (its shape lives outside the widgets)."""
    if st.session_state[KEY + "free_layers"]:
        replace_stack(STACK_KEY, simple_layers())


def _on_problem_change() -> None:
    """A new problem type picks its first dataset and the usual loss."""
    st.session_state[KEY + "dataset"] = PROBLEMS[state("problem")][0]
    st.session_state[KEY + "loss"] = "auto"


def custom_points_task() -> str | None:
    """The task of this session's own point set (uploaded or clicked together), if it has one."""
    sha = st.session_state.get(KEY + "points_sha")
    if not sha:
        return None
    try:
        return points_info(sha).task
    except UploadError:
        return None


def _regenerate(drawn_seed: int) -> None:
    """The seed after the one the button was drawn with: a press Streamlit delivers twice moves it once."""
    st.session_state[KEY + "data_seed"] = drawn_seed + 1


#: The top strip's columns, relative: a slider needs less room than a drop-down's longest value ("Classification").
_ROW_WIDTHS = {"reg_rate": 0.85, "learning_rate": 0.9, "problem": 1.25, "optimizer": 1.2}


def hyperparameter_row(t: Translator) -> None:
    """The strip across the top: learning rate, activation, regularisation, rate, problem type, optimizer."""
    names = ("learning_rate", "activation", "regularization", "reg_rate", "problem", "optimizer")
    visible = [name for name in names if shown(name)]
    if not visible:
        return
    widths = [_ROW_WIDTHS.get(name, 1.0) for name in visible]  # the drop-downs show their whole value
    columns = dict(zip(visible, st.container(key=STRIP_KEY).columns(widths), strict=True))
    if "learning_rate" in columns:
        columns["learning_rate"].select_slider(
            t("learning_rate"),
            LEARNING_RATES,
            key=KEY + "learning_rate",
            disabled=locked("learning_rate"),
            format_func=lambda rate: f"{rate:g}",
            help=t("help_learning_rate"),
        )
    if "activation" in columns:
        columns["activation"].selectbox(
            t("activation"),
            HIDDEN_ACTIVATIONS,
            key=KEY + "activation",
            help=t("help_activation"),
            disabled=bool(state("free_layers")) or locked("activation"),  # the free editor sets one per layer
        )
    if "regularization" in columns:
        translated_choice(
            columns["regularization"].selectbox,
            t("regularization"),
            ("none", "l1", "l2"),
            key=KEY + "regularization",
            disabled=locked("regularization"),
            format_func=lambda kind: t(f"reg_{kind}"),
            help=t("help_regularization"),
        )
    if "reg_rate" in columns:
        columns["reg_rate"].select_slider(
            t("reg_rate"),
            REGULARIZATION_RATES,
            key=KEY + "reg_rate",
            disabled=locked("reg_rate"),
            format_func=lambda rate: f"{rate:g}",
            help=t("help_reg_rate"),
        )
    if "problem" in columns:
        translated_choice(
            columns["problem"].selectbox,
            t("problem"),
            tuple(PROBLEMS),
            key=KEY + "problem",
            disabled=locked("problem"),
            on_change=_on_problem_change,
            format_func=lambda problem: t(f"problem_{problem}"),
            help=t("help_problem"),
        )
    if "optimizer" in columns:
        translated_choice(
            columns["optimizer"].selectbox,
            t("optimizer"),
            OPTIMIZERS,
            key=KEY + "optimizer",
            disabled=locked("optimizer"),
            format_func=lambda name: t(f"optimizer_{name}"),
            help=t("help_optimizer"),
        )


@st.cache_data(show_spinner=False, max_entries=64)
def _thumbnail(name: str, task: str, noise: int, n_classes: int) -> str:
    """The dataset's picture as the page shows it (a PNG ``data:`` address)."""
    return png_data_url(dataset_thumbnail(name, task, noise, n_classes))


def data_panel(t: Translator) -> None:
    """Dataset picker with previews, noise, train share, points, regenerate, batch size."""
    st.subheader(t("data"))
    problem = state("problem")
    names = PROBLEMS[problem]
    if shown("dataset"):
        chosen = state("dataset")
        picture_choice(  # a click on a picture clicks the radio's option below it (captions would wrap)
            [_thumbnail(name, problem, state("noise"), state("n_classes")) for name in names],
            [t(f"dataset_{name}") for name in names],
            list(names),
            names.index(chosen) if chosen in names else None,
            radio_key=f"{KEY}dataset_{st.session_state.get('lang', DEFAULT_LANGUAGE)}",
            key=KEY + "dataset_pictures",
            disabled=locked("dataset"),
        )
        options = (*names, CUSTOM) if custom_points_task() == problem else names
        translated_choice(
            st.radio,
            t("dataset"),
            options,
            key=KEY + "dataset",
            disabled=locked("dataset"),
            horizontal=True,
            format_func=lambda name: t(f"dataset_{name}"),
            help=t("help_dataset"),
        )
    custom = kind_of(state("dataset")).takes_upload
    if problem == "multiclass" and not custom and shown("n_classes"):
        state("n_classes")
        st.slider(
            t("n_classes"),
            *WIDGET_RANGES["n_classes"],
            key=KEY + "n_classes",
            disabled=locked("n_classes"),
            help=t("help_n_classes"),
        )
    if not custom and shown("noise"):
        st.slider(
            t("noise"),
            *WIDGET_RANGES["noise"],
            step=5,
            key=KEY + "noise",
            disabled=locked("noise"),
            help=t("help_noise"),
        )
    if shown("train_share"):
        st.slider(
            t("train_share"),
            *WIDGET_RANGES["train_share"],
            step=10,
            key=KEY + "train_share",
            disabled=locked("train_share"),
            format="%d%%",
            help=t("help_train_share"),
        )
    if not custom and shown("n_points"):
        st.slider(
            t("n_points"),
            *WIDGET_RANGES["n_points"],
            step=100,
            key=KEY + "n_points",
            disabled=locked("n_points"),
            help=t("help_n_points"),
        )
    if shown("batch_size"):
        st.slider(
            t("batch_size"),
            *WIDGET_RANGES["batch_size"],
            key=KEY + "batch_size",
            disabled=locked("batch_size"),
            help=t("help_batch_size"),
        )
    if shown("regenerate"):
        st.button(
            t("regenerate"),
            key=KEY + "regenerate",
            disabled=locked("regenerate"),
            on_click=_regenerate,
            args=(state("data_seed"),),
            help=t("help_regenerate"),
        )


def network_panel(t: Translator) -> None:
    """Input features and the hidden layers (0 to 8, each 1 to 32 neurons)."""
    st.subheader(t("network"))
    if shown("features"):
        st.multiselect(
            t("features"),
            list(two_d.FEATURES),
            key=KEY + "features",
            disabled=locked("features"),
            format_func=two_d.FEATURE_LABELS.__getitem__,
            help=t("help_features"),
        )
    free = state("free_layers")
    if shown("free_layers"):
        free = st.toggle(
            t("free_layers"),
            key=KEY + "free_layers",
            disabled=locked("free_layers"),
            on_change=_on_free_layers_change,
            help=t("help_free_layers"),
        )
    if free:
        st.caption(t("free_layers_below"))
    elif shown("hidden_layers"):
        low, high = WIDGET_RANGES["n_hidden"]
        n_hidden = st.number_input(
            t("hidden_layers"),
            low,
            high,
            value=min(max(int(state("n_hidden")), low), high),
            key=network_widget_key("n_hidden"),
            help=t("help_hidden_layers"),
            disabled=locked("hidden_layers"),
        )
        st.session_state[_state_key("n_hidden")] = int(n_hidden)
        show_first_of_each([KEY + name for name in ("n_hidden", *(f"units_{i}" for i in range(int(n_hidden))))])
        for index in range(int(n_hidden)):
            name = f"units_{index}"
            units = st.slider(
                t("neurons_in_layer", n=index + 1),
                1,
                MAX_NEURONS,
                value=min(max(int(state(name)), 1), MAX_NEURONS),
                key=network_widget_key(name),
                help=t("help_neurons"),
                disabled=locked("hidden_layers"),
            )
            st.session_state[_state_key(name)] = int(units)
    if shown("loss"):
        translated_choice(
            st.selectbox,
            t("loss"),
            LOSSES[state("problem")],
            key=KEY + "loss",
            disabled=locked("loss"),
            format_func=lambda name: t(f"loss_{name}"),
            help=t("help_loss"),
        )
    if shown("training_options"):
        training_options(t)


def training_options(t: Translator) -> None:
    """Learning-rate schedule and stopping rules, folded away: TF Playground has neither."""
    with st.expander(t("training_options"), icon=":material/tune:"):
        schedule = translated_choice(
            st.selectbox,
            t("schedule"),
            SCHEDULES,
            key=KEY + "schedule",
            format_func=lambda name: t(f"schedule_{name}"),
            help=t("help_schedule"),
        )
        if schedule == "step":
            state("step_every"), state("step_factor")
            left, right = st.columns(2)
            left.number_input(
                t("step_every"), *WIDGET_RANGES["step_every"], key=KEY + "step_every", help=t("help_step_every")
            )
            right.select_slider(t("step_factor"), STEP_FACTORS, key=KEY + "step_factor", help=t("help_step_factor"))
        state("stop_at_epochs"), state("epochs")
        st.toggle(t("stop_at_epochs"), key=KEY + "stop_at_epochs", help=t("help_stop_at_epochs"))
        if schedule == "cosine" or state("stop_at_epochs"):
            st.number_input(
                t("epochs_limit"), *WIDGET_RANGES["epochs"], key=KEY + "epochs", help=t("help_epochs_limit")
            )
        state("target_loss")
        st.number_input(
            t("target_loss"),
            *WIDGET_RANGES["target_loss"],
            step=0.01,
            format="%.4f",
            key=KEY + "target_loss",
            help=t("help_target_loss"),
        )


def view_options(t: Translator) -> tuple[bool, bool]:
    """Show test data and discretise the output; both travel in the link (``?view=test,discrete``)."""
    if shown("view_options"):
        left, right = st.columns(2)
        left.checkbox(t("show_test"), key=KEY + "show_test", help=t("help_show_test"))
        right.checkbox(t("discretize"), key=KEY + "discretize", help=t("help_discretize"))
    show_test, discretize = bool(state("show_test")), bool(state("discretize"))
    return show_test, discretize


def write_link(config: RunConfig) -> None:
    """Keep the address bar a link to exactly this setup: config, view options (the hidden controls stay)."""
    st.query_params["config"] = config.to_url_param()
    view = [name for name, on in (("test", state("show_test")), ("discrete", state("discretize"))) if on]
    if view:
        st.query_params["view"] = ",".join(view)
    elif "view" in st.query_params:
        del st.query_params["view"]


def free_layer_editor(t: Translator) -> None:
    """The layer-stack editor every page shares, when the user has switched to free layers (full width)."""
    if not state("free_layers"):
        return
    input_shape = (max(1, len(state("features"))),)
    output = output_layer(state("problem"), state("n_classes")).model_dump()
    layer_stack_editor(t, STACK_KEY, simple_layers(), partial(config_for_layers, t), input_shape, output_layer=output)


def current_config(t: Translator) -> RunConfig:
    """The RunConfig the widgets describe; ConfigError says in one readable sentence why they describe none."""
    if state("free_layers"):
        return config_for_layers(t, [dict(layer) for layer in st.session_state[f"{STACK_KEY}_state"].layers])
    return config_for_layers(t, simple_layers())


def config_for_layers(t: Translator, layers: list[dict]) -> RunConfig:
    """The page's data and training settings around a layer stack, validated (ConfigError when they do not fit)."""
    sections = config_sections(state)
    data, training = sections["data"], sections["training"]
    data["upload"] = st.session_state.get(KEY + "points_sha") if kind_of(data["dataset"]).takes_upload else None
    if training["loss"] not in LOSSES[state("problem")]:
        training["loss"] = "auto"  # a loss of another problem type
    raw = {"name": t(f"dataset_{data['dataset']}"), **sections, "model": {"layers": layers}}
    return RunConfig.from_dict(raw)


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
    if kind_of(config.data).page != "2d":
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
    try:
        shown = current_config(t)
    except ConfigError as error:
        st.session_state[KEY + "notice"] = t("link_adjusted", changes=str(error))
        return
    if changes := config_differences(config, shown):
        st.session_state[KEY + "notice"] = t("link_adjusted", changes=changes)


def config_differences(linked: RunConfig, shown: RunConfig, most: int = 3) -> str:
    """What the controls changed of a link's setup, as "training.batch_size 4096 → 100" (the first few)."""
    changes = [
        f"{path} {before} → {after}"
        for path, before, after in _differences(linked.model_dump(exclude={"name"}), shown.model_dump(exclude={"name"}))
    ]
    extra = len(changes) - most
    return "; ".join(changes[:most]) + (f"; +{extra}" if extra > 0 else "")


def _differences(before: object, after: object, path: str = "") -> list[tuple[str, object, object]]:
    """The leaves in which two dumped configs differ, with their dotted paths."""
    if isinstance(before, dict) and isinstance(after, dict):
        return [
            change
            for key in dict.fromkeys([*before, *after])
            for change in _differences(before.get(key), after.get(key), f"{path}.{key}" if path else key)
        ]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            change
            for i, (b, a) in enumerate(zip(before, after, strict=True))
            for change in _differences(b, a, f"{path}[{i}]")
        ]
    if before == after:
        return []
    if isinstance(before, list) and isinstance(after, list):
        return [(path, f"{len(before)} items", f"{len(after)} items")]
    return [(path, before, after)]


def link_notice() -> str | None:
    """The warning ``ensure_widgets_seeded`` left for this session, shown once."""
    return st.session_state.pop(KEY + "notice", None)
