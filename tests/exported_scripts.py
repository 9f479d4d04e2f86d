"""Running the scripts the exporters write: import one, list what it imports, run several in one clean interpreter
(no playground importable), and check that they train as the trainer does."""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

from playground.cli import _format_row
from playground.config import RunConfig
from playground.export.pytorch_script import pytorch_script
from playground.train.trainer import Trainer


def with_training(config: RunConfig, **training) -> RunConfig:
    return RunConfig.from_dict({**config.model_dump(), "training": {**config.training.model_dump(), **training}})


def import_script(source: str, path: Path) -> ModuleType:
    """Import generated code as a module (its ``main`` guarded by ``__name__``), to call its functions."""
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def imported_modules(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules.add(node.module.split(".")[0])
    return modules


def epoch_numbers(lines: list[str]) -> list[list[float]]:
    return [[float(number) for number in re.findall(r"-?\d+\.\d+|\d+", line)] for line in lines]


#: Runs each script given on its command line, in a fresh namespace, in an interpreter where ``import playground``
#: fails (-I ignores PYTHONPATH and the user's site, but the editable install would still find the package).
STANDALONE_RUNNER = """
import runpy, sys, traceback
sys.modules["playground"] = None
for path in sys.argv[1:]:
    print("=== " + path, flush=True)
    try:
        runpy.run_path(path, run_name="__main__")
    except BaseException:
        traceback.print_exc(file=sys.stdout)
"""


def run_standalone(configs: dict[str, RunConfig], folder: Path) -> dict[str, list[str]]:
    """Each config's PyTorch script written to ``folder`` and run in one clean interpreter (one torch import for
    all): the lines each printed, by name."""
    paths = []
    for name, config in configs.items():
        paths.append(folder / f"{name}.py")
        paths[-1].write_text(pytorch_script(config), encoding="utf-8")
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-I", "-c", STANDALONE_RUNNER, *map(str, paths)],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    runs = result.stdout.split("=== ")[1:]
    return {Path(run.splitlines()[0]).stem: run.strip().splitlines()[1:] for run in runs}


def assert_trains_as_the_trainer(config: RunConfig, lines: list[str]) -> list[str]:
    """A script printed one line per epoch of ``config`` with the Trainer's numbers; the Trainer's lines."""
    assert len(lines) == config.training.epochs and all(line.startswith("epoch") for line in lines), "\n".join(lines)
    trainer = Trainer(config)
    expected = [_format_row(trainer.train_epoch()) for _ in range(config.training.epochs)]
    np.testing.assert_allclose(epoch_numbers(lines), epoch_numbers(expected), atol=2e-4)
    return expected
