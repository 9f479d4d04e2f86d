"""The shape of the code, checked: imports run downhill, browser code lives in real files, the loop stays small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[1] / "playground"


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function (a hidden import is still a dependency)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize(("package", "forbidden"), [("export", "playground.train"), ("train", "playground.export")])
def test_export_and_train_never_import_each_other(package: str, forbidden: str) -> None:
    offenders = sorted(
        f"{path.relative_to(ENGINE)} imports {module}"
        for path in (ENGINE / package).rglob("*.py")
        for module in _imported_modules(path)
        if module == forbidden or module.startswith(forbidden + ".")
    )
    assert offenders == []


def test_the_training_loop_stays_small() -> None:
    """The probes live in train/probes; the trainer keeps the loop, loss, metrics and schedule."""
    lines = len((ENGINE / "train" / "trainer.py").read_text(encoding="utf-8").splitlines())
    assert lines < 450


def test_no_python_module_holds_javascript_or_css_in_a_long_string() -> None:
    """Browser code belongs in playground/ui/web, where it is linted and tested; a docstring may be long."""
    markers = ("=>", "function ", "const ", "let ", "px;", "rgba(", "{ ")
    offenders = []
    for path in (Path(__file__).resolve().parents[1] / "playground").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            long_text = isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.count("\n") > 20
            if long_text and sum(marker in node.value for marker in markers) >= 2:
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
