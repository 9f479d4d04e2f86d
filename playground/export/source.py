"""Small pieces shared by the code exporters: titles, literals, prose and section rules of generated files."""

from __future__ import annotations

import json
import textwrap

from playground.config import RunConfig
from playground.data.registry import kind_of


def script_title(config: RunConfig) -> str:
    """The config's name (or what it trains on), made safe for the first line of a generated docstring."""
    name = " ".join((config.name or f"A network on {kind_of(config.data.dataset).described_as}").split())
    return name.replace("\\", "/").replace('"', "'")


def python_literal(value: object) -> str:
    """A value as Python source, strings double-quoted as in the rest of a generated file."""
    if isinstance(value, str) or (isinstance(value, list) and all(isinstance(item, str) for item in value)):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def requirements_sentence(packages: list[str]) -> str:
    """["torch", "numpy", "scikit-learn"] -> "torch, numpy and scikit-learn"."""
    return ", ".join(packages[:-1]) + f" and {packages[-1]}" if len(packages) > 1 else packages[0]


def paragraph(text: str) -> str:
    """Prose for a generated docstring, wrapped as the rest of the file."""
    return textwrap.fill(text, width=110)


def section(title: str) -> str:
    """A comment line that heads a part of a generated file."""
    return f"# {title} ".ljust(110, "-") + "\n"


def has_penalty(config: RunConfig) -> bool:
    """Whether training adds a weight penalty, as ``Trainer.penalty`` decides it."""
    return config.training.regularization != "none" and config.training.reg_rate > 0


def augmentation_settings(config: RunConfig) -> list[str]:
    """The augmentation constants of a generated program (none when it does not augment)."""
    if not config.augments:
        return []
    data = config.data
    return [
        f"AUGMENT_SHIFT = {data.augment_shift}  # training images move up to this many pixels",
        f"AUGMENT_ROTATE = {data.augment_rotate}  # and turn up to this many degrees",
        f"AUGMENT_NOISE = {data.augment_noise}  # and get noise of this many percent of the ink range",
    ]


def training_settings(config: RunConfig) -> list[str]:
    """The constants at the top of a generated program, one assignment each."""
    training = config.training
    lines = [
        f"EPOCHS = {training.epochs}",
        f"BATCH_SIZE = {training.batch_size}",
        f"LEARNING_RATE = {training.learning_rate!r}",
    ]
    if has_penalty(config):
        lines.append(f"REG_RATE = {training.reg_rate!r}  # strength of the {training.regularization.upper()} penalty")
    lines.append(f"TRAINING_SEED = {training.seed}  # initial weights and batch order")
    if training.schedule == "step":
        lines.append(f"STEP_EVERY = {training.step_every}  # epochs between two decays of the learning rate")
        lines.append(f"STEP_FACTOR = {training.step_factor!r}  # the learning rate is multiplied by this at each decay")
    if training.target_test_loss is not None:
        lines.append(
            f"TARGET_TEST_LOSS = {training.target_test_loss!r}  # training stops once the test loss is this low"
        )
    if training.patience is not None:
        lines.append(f"PATIENCE = {training.patience}  # early stopping: epochs without a lower test loss")
    return lines


_SCHEDULES = {
    "step": (
        "Step decay: the rate shrinks by STEP_FACTOR every STEP_EVERY epochs.",
        "LEARNING_RATE * STEP_FACTOR ** (epoch // STEP_EVERY)",
    ),
    "cosine": (
        "Cosine decay from LEARNING_RATE to 0 over EPOCHS epochs.",
        "LEARNING_RATE * 0.5 * (1 + math.cos(math.pi * min(epoch, EPOCHS) / EPOCHS))",
    ),
}


def schedule_imports(config: RunConfig) -> set[str]:
    """Imports the learning-rate function needs."""
    return {"import math"} if config.training.schedule == "cosine" else set()


def schedule_source(config: RunConfig) -> str:
    """``learning_rate_for(epoch)``, the playground's schedule (epoch 0 is the first), followed by two blank lines
    so it can precede the code that calls it; "" for a constant rate."""
    if config.training.schedule == "constant":
        return ""
    why, formula = _SCHEDULES[config.training.schedule]
    return f'def learning_rate_for(epoch: int) -> float:\n    """{why}"""\n    return {formula}\n\n\n'
