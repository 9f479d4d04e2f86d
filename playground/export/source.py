"""Small pieces shared by the code exporters: titles, literals, prose and section rules of generated files."""

from __future__ import annotations

import json
import textwrap

from playground.config import RunConfig


def script_title(config: RunConfig) -> str:
    """The config's name, made safe for the first line of a generated docstring."""
    name = " ".join((config.name or f"A network on {config.data.dataset}").split())
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
    return lines
