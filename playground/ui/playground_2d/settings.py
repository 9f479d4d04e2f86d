"""The 2D page's settings as one table: each control's session key, where its value lives in a RunConfig, how a
value crosses between the two, its range, its value while it is not drawn, and the ``?hide=`` name that hides it
(TensorFlow Playground's ``state.ts`` keeps such a list). Filling the widgets from a config and building the
config from the widgets both run over this table, so a new setting is one row here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from playground.config import LEARNING_RATES, REGULARIZATION_RATES, RunConfig

#: The step factors the page offers for step decay.
STEP_FACTORS = (0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9)


def _same(value: Any) -> Any:
    return value


def _nearest(choices: Sequence[float]) -> Callable[[float], float]:
    """A config's value as the closest choice a select slider offers."""
    return lambda value: min(choices, key=lambda choice: abs(choice - value))


@dataclass(frozen=True)
class Setting:
    """One control of the 2D page and the RunConfig field it stands for."""

    key: str  # the widget's session key, after the page's prefix
    section: str  # "data" or "training"
    field: str  # the field of that section
    to_widget: Callable[[Any], Any] = _same  # config value -> widget value (the nearest rate offered ...)
    to_config: Callable[[Any], Any] = _same  # widget value -> config value
    limits: tuple[float, float] | None = None  # a number widget's range; a link's value outside it is moved in
    fallback: Any = None  # the value while the widget is not drawn (Streamlit forgets it then); None: always drawn
    hide: str | None = None  # the ``?hide=`` name of the control, when a lesson link may hide it


SETTINGS: tuple[Setting, ...] = (
    Setting("dataset", "data", "dataset", hide="dataset"),
    Setting("noise", "data", "noise", limits=(0, 50), fallback=0, hide="noise"),  # not drawn for own points
    Setting("train_share", "data", "train_share", limits=(10, 90), hide="train_share"),
    Setting("n_points", "data", "n_points", limits=(100, 5000), fallback=500, hide="n_points"),
    Setting("n_classes", "data", "n_classes", limits=(3, 5), fallback=3, hide="n_classes"),
    Setting("data_seed", "data", "seed"),
    Setting("features", "data", "features", to_widget=list, hide="features"),
    Setting("learning_rate", "training", "learning_rate", to_widget=_nearest(LEARNING_RATES), hide="learning_rate"),
    Setting("regularization", "training", "regularization", hide="regularization"),
    Setting("reg_rate", "training", "reg_rate", to_widget=_nearest(REGULARIZATION_RATES), hide="reg_rate"),
    Setting("batch_size", "training", "batch_size", limits=(1, 100), hide="batch_size"),
    Setting("optimizer", "training", "optimizer", hide="optimizer"),
    Setting("loss", "training", "loss", hide="loss"),
    Setting("schedule", "training", "schedule", fallback="constant"),
    Setting("step_every", "training", "step_every", limits=(1, 100_000), fallback=50),
    Setting("step_factor", "training", "step_factor", to_widget=_nearest(STEP_FACTORS), fallback=0.5),
    Setting("stop_at_epochs", "training", "stop_at_epochs", fallback=False),
    Setting("epochs", "training", "epochs", limits=(1, 100_000), fallback=100),
    Setting(
        "target_loss",
        "training",
        "target_test_loss",
        to_widget=lambda loss: loss or 0.0,  # 0: no target
        to_config=lambda loss: loss or None,
        limits=(0.0, 10.0),
        fallback=0.0,
    ),
    # not on this page, but part of the setup a link or preset carries: kept so links round-trip
    Setting("train_seed", "training", "seed"),
)
SETTINGS_BY_KEY = {setting.key: setting for setting in SETTINGS}


def widget_values(config: RunConfig) -> dict[str, Any]:
    """The widget value of every setting of the table, read from ``config`` and moved into the widgets' ranges."""
    values = {}
    for setting in SETTINGS:
        value = setting.to_widget(getattr(getattr(config, setting.section), setting.field))
        if setting.limits is not None:
            low, high = setting.limits
            value = type(value)(min(max(value, low), high))
        values[setting.key] = value
    return values


def config_sections(value_of: Callable[[str], Any]) -> dict[str, dict[str, Any]]:
    """The data and training sections of a raw config, from each setting's widget value (``value_of(key)``)."""
    sections: dict[str, dict[str, Any]] = {"data": {}, "training": {}}
    for setting in SETTINGS:
        sections[setting.section][setting.field] = setting.to_config(value_of(setting.key))
    return sections
