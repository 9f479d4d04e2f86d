"""The remedies for overfitting as changes of a setup: dropout after every hidden layer, an L2 penalty, early
stopping and (for images) augmentation; and the data changes that provoke it (fewer points, label noise).

The "Why deep learning" page applies them to its live network, so the gap between the training and the test loss
can be watched opening and closing.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.config import RunConfig
from playground.data.registry import kind_of

#: Layers a dropout layer may follow: the hidden layers that hold neurons (a dense or a recurrent layer).
DROPOUT_AFTER = ("dense", "rnn", "lstm", "gru")
#: Augmentation the toggle turns on: shift up to 2 pixels, turn up to 10 degrees.
AUGMENT_SHIFT, AUGMENT_ROTATE = 2, 10


@dataclass(frozen=True)
class Remedies:
    """What the page's toggles ask for; zero or None is off."""

    dropout: float = 0.0
    l2: float = 0.0
    patience: int | None = None
    augment: bool = False


def can_drop_out(config: RunConfig) -> bool:
    """Whether the stack has a hidden layer of neurons that dropout could follow."""
    layers = config.model.layers
    return any(layer.kind in DROPOUT_AFTER for layer in layers[:-1])


def can_augment(config: RunConfig) -> bool:
    return "augment_shift" in kind_of(config.data).settings


def with_remedies(config: RunConfig, remedies: Remedies) -> RunConfig:
    """The setup with the remedies on (a dropout layer already following a hidden layer is kept, not doubled).
    Raises ConfigError, as any setup would, if the result cannot run."""
    raw = config.model_dump()
    if remedies.dropout > 0:
        layers = raw["model"]["layers"]
        changed = []
        for index, layer in enumerate(layers):
            changed.append(layer)
            hidden = index < len(layers) - 1
            followed = hidden and layers[index + 1]["kind"] == "dropout"
            if hidden and layer["kind"] in DROPOUT_AFTER and not followed:
                changed.append({"kind": "dropout", "rate": remedies.dropout})
        raw["model"]["layers"] = changed
    if remedies.l2 > 0:
        raw["training"].update(regularization="l2", reg_rate=remedies.l2)
    if remedies.patience is not None:
        raw["training"]["patience"] = remedies.patience
    if remedies.augment and can_augment(config):
        raw["data"].update(augment_shift=AUGMENT_SHIFT, augment_rotate=AUGMENT_ROTATE)
    return RunConfig.from_dict(raw)
