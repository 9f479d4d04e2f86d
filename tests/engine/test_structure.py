"""The shape of the code, checked: imports run downhill, browser code lives in real files, the loop stays small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests import ROOT

ENGINE = ROOT / "playground"


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


#: The modules and packages that draw one page each: they share pieces through the other ui modules, never each
#: other.
PAGE_MODULES = (
    "playground.ui.convolutions",
    "playground.ui.home",
    "playground.ui.learning",
    "playground.ui.playground_2d",
    "playground.ui.sequences",
    "playground.ui.tabular",
)


def test_imports_run_downhill_from_pages_to_ui_to_the_engine() -> None:
    """pages -> ui -> engine: the engine never imports the ui (nor Streamlit), the ui never imports a page, and a
    page module never imports another."""
    root = ENGINE.parent
    offenders = []
    for path in [*ENGINE.rglob("*.py"), *(root / "pages").glob("*.py")]:
        module = ".".join(path.relative_to(root).with_suffix("").parts)
        engine = not module.startswith(("playground.ui.", "pages."))
        for imported in _imported_modules(path):
            top = imported.split(".")[0]
            upward = engine and (top == "streamlit" or imported.startswith("playground.ui"))
            page = next((name for name in PAGE_MODULES if imported == name or imported.startswith(name + ".")), None)
            sideways = page is not None and not module.startswith((page, "pages."))
            if upward or sideways or top == "pages":
                offenders.append(f"{module} imports {imported}")
    assert offenders == []


def test_pages_are_stubs_that_call_their_ui_package() -> None:
    """A page's logic lives in playground/ui, where it can be imported and tested; pages/ only picks the language
    and calls ``render``."""
    for path in sorted((ENGINE.parent / "pages").glob("*.py")):
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        assert lines[-1] == "render(language_picker())", path.name
        assert len(lines) <= 6, path.name


def test_the_training_loop_stays_small() -> None:
    """The probes live in train/probes; the trainer keeps the loop, loss, metrics and schedule."""
    lines = len((ENGINE / "train" / "trainer.py").read_text(encoding="utf-8").splitlines())
    assert lines < 450


def test_no_module_is_longer_than_600_lines() -> None:
    """A longer module does several jobs; split it by job (as the sequences page, the worker and image uploads)."""
    lengths = {path: len(path.read_text(encoding="utf-8").splitlines()) for path in ENGINE.rglob("*.py")}
    assert {str(path.relative_to(ENGINE)): lines for path, lines in lengths.items() if lines > 600} == {}


def test_no_python_module_holds_javascript_or_css_in_a_long_string() -> None:
    """Browser code belongs in playground/ui/web, where it is linted and tested; a docstring may be long."""
    markers = ("=>", "function ", "const ", "let ", "px;", "rgba(", "{ ")
    offenders = []
    for path in ENGINE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            long_text = isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.count("\n") > 20
            if long_text and sum(marker in node.value for marker in markers) >= 2:
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def _dataset_ids() -> set[str]:
    """The dataset ids, less those that are also an input family of the layer editor ("text")."""
    from playground.data.registry import DATASETS

    return set(DATASETS) - {kind.input_family for kind in DATASETS.values()}


def _names_a_dataset(node: ast.expr, ids: set[str]) -> bool:
    """A dataset id written out, or a ``.dataset`` / ``dataset`` value."""
    if isinstance(node, ast.Constant):
        return node.value in ids
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_names_a_dataset(element, ids) for element in node.elts)
    if isinstance(node, ast.Attribute):
        return node.attr == "dataset"
    return isinstance(node, ast.Name) and node.id == "dataset"


def test_only_the_data_package_compares_dataset_ids() -> None:
    """Outside ``playground/data`` code asks the dataset's kind (``registry.kind_of``) what it needs to know; a
    comparison with an id or a family would be one more place to touch for every new dataset."""
    ids = _dataset_ids()
    offenders = []
    for path in ENGINE.rglob("*.py"):
        if path.is_relative_to(ENGINE / "data"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and not all(isinstance(op, ast.Is | ast.IsNot) for op in node.ops):
                operands = [node.left, *node.comparators]
                if any(_names_a_dataset(operand, ids) for operand in operands):
                    offenders.append(f"{path.relative_to(ENGINE)}:{node.lineno}: {ast.unparse(node)}")
    assert offenders == []


def test_the_data_package_does_not_import_the_config() -> None:
    """``config.py`` imports ``data/`` (to validate a DataConfig); the other way round would be a cycle. The kinds
    read a DataConfig through the ``DataSettings`` protocol instead."""
    offenders = sorted(
        f"{path.relative_to(ENGINE)} imports {module}"
        for path in (ENGINE / "data").rglob("*.py")
        for module in _imported_modules(path)
        if module == "playground.config" or module.startswith("playground.config.")
    )
    assert offenders == []
