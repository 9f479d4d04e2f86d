"""The data part of an exported script: the playground's own generator functions, copied as source.

Copying the exact source (with ``inspect``) rather than rewriting the generators keeps the exported data
identical to the playground's for the same seed, and keeps the script free of any ``playground`` import. Only the
few lines that call the generators are written here; the tests check them against ``load_dataset``.
"""

from __future__ import annotations

import ast
import dis
import inspect
import sys
import textwrap
from collections.abc import Callable
from types import CodeType
from typing import NamedTuple

import numpy as np

from playground.config import RunConfig
from playground.data import two_d
from playground.data.kinds.base import TooLargeForScript
from playground.data.registry import kind_of
from playground.data.upload import UploadError
from playground.export import ExportError
from playground.export.source import python_literal

#: Top-level modules and the packages that install them.
_PACKAGES = {
    "numpy": "numpy",
    "pandas": "pandas",
    "sklearn": "scikit-learn",
    "mlxtend": "mlxtend",
    "torch": "torch",
}


class DataSource(NamedTuple):
    """Import lines, then the code that defines ``load_data() -> (x_train, y_train, x_test, y_test)``.

    Images come as ``(n, 1, side, side)`` float32 arrays like ``load_dataset``'s (PyTorch's channels-first layout);
    their code also defines ``load_images()``, which returns the (mean, std) the pixels were normalised with too.
    Sequences come as ``(n, steps, features)`` float32 arrays, text as ``(n, steps)`` integer token numbers.
    """

    imports: list[str]
    code: str

    def packages(self) -> list[str]:
        """What the data code needs installed, found from its imports (some sit inside functions)."""
        modules = set()
        for node in ast.walk(ast.parse("\n".join([*self.imports, self.code]))):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules.add(node.module.split(".")[0])
        return [package for module, package in _PACKAGES.items() if module in modules]


def data_source(config: RunConfig) -> DataSource:
    """The data code of an exported script: what the dataset's kind says to copy and call, and the frame around
    it (the settings, the features of 2D points, ``load_images`` for images)."""
    data = config.data
    kind = kind_of(data)
    try:
        functions, settings, body = kind.script(data, config.task)
    except NotImplementedError:
        raise ExportError(f"data.dataset: {data.dataset} cannot be written into a script yet") from None
    except (TooLargeForScript, UploadError) as error:
        raise ExportError(str(error) if str(error).startswith("data.") else f"data.upload: {error}") from None
    imports = ["import numpy as np"]
    if kind.packed:  # the data lives on this computer only (an upload, the shipped text): it travels packed
        imports = ["import base64", "import zlib", *imports]
    parts = [_settings_source(settings)]
    if "features" in kind.settings:  # 2D points: the chosen features of two_d.FEATURES
        parts.append(_features_source(data.features))
    parts += _bundle(functions, imports, provided={"FEATURES"})
    if kind.images:
        parts.append(_LOAD_IMAGES + body)
        body = _IMAGES_TO_DATA
    parts.append(
        "def load_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:\n"
        '    """Inputs and labels for training and testing, made exactly as the playground makes them."""\n' + body
    )
    return DataSource(imports, "\n\n".join(part.strip("\n") + "\n" for part in parts))


_LOAD_IMAGES = '''\
def load_images() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[float, float]]:
    """Images (n, 1 channel, height, width) and labels for training and testing, made exactly as the playground
    makes them, and the (mean, std) the pixels were normalised with: pixel = input * std + mean."""
'''

_IMAGES_TO_DATA = """\
    x_train, y_train, x_test, y_test, _ = load_images()
    return x_train, y_train, x_test, y_test
"""


# Writing source ---------------------------------------------------------------------------------


def _settings_source(settings: dict[str, object]) -> str:
    return "\n".join(f"{name} = {python_literal(value)}" for name, value in settings.items())


def _features_source(features: list[str]) -> str:
    """The chosen entries of ``two_d.FEATURES``, each lambda copied from its line of source."""
    lines = [inspect.getsource(two_d.FEATURES[name]).strip() for name in features]
    return "FEATURES = {\n" + "".join(f"    {line}\n" for line in lines) + "}"


def copied_functions(functions: list[Callable], imports: list[str]) -> str:
    """The source of playground functions and classes (and the helpers and constants they use) for a generated
    program; adds the import lines they need to ``imports``."""
    return "\n\n".join(part.strip("\n") + "\n" for part in _bundle(functions, imports, provided=set()))


def _bundle(functions: list[Callable], imports: list[str], provided: set[str]) -> list[str]:
    """The source of ``functions`` (or classes) and of the module-level helpers and constants they use, helpers
    first.

    Adds an import line for each module the code names; refuses anything it cannot copy faithfully.
    """
    parts: dict[str, str] = {}

    def visit(function: Callable) -> None:
        if function.__name__ in parts or function.__name__ in provided:
            return
        parts[function.__name__] = ""  # keeps a recursive helper from being visited twice
        namespace = vars(sys.modules[function.__module__])
        source = inspect.getsource(function)
        for name in _names_used(function, source):
            if name in parts or name in provided or name not in namespace:
                continue  # a builtin, an attribute, or already copied
            value = namespace[name]
            if inspect.ismodule(value):
                _add_import(imports, name, value.__name__)
            elif inspect.isfunction(value) or (inspect.isclass(value) and value.__module__.startswith("playground.")):
                visit(value)
            else:
                parts[name] = _constant_source(name, value)
        del parts[function.__name__]
        parts[function.__name__] = source

    for function in functions:
        visit(function)
    return list(parts.values())


def _names_used(item: Callable, source: str) -> list[str]:
    """Names a function's code looks up, and those its default arguments use (``side: int = SHAPE_SIDE``:
    evaluated where it is defined, so not among its code's names, yet the copy needs them too). For a class: its
    methods' names, and those of its bases and class-level values (``class RecurrentModule(nn.Module)``)."""
    definition = ast.parse(textwrap.dedent(source)).body[0]
    if not isinstance(definition, ast.ClassDef):
        assert isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef)
        return list(dict.fromkeys([*_global_names(item.__code__), *_default_names(definition)]))
    names = []
    for value in vars(item).values():
        function = getattr(value, "__func__", getattr(value, "fget", value))  # static, class methods, properties
        if inspect.isfunction(function):
            names += _global_names(function.__code__)
    header = [*definition.bases, *(keyword.value for keyword in definition.keywords), *definition.decorator_list]
    for statement in definition.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            names += _default_names(statement)
        elif isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
            header.append(statement.value)
    names += [node.id for expression in header for node in ast.walk(expression) if isinstance(node, ast.Name)]
    return list(dict.fromkeys(names))


def _global_names(code: CodeType) -> list[str]:
    """Global names a function's code looks up, including those of its lambdas and comprehensions (not the
    attribute names among ``co_names``: ``nn.LSTM`` must not copy the playground's own ``LSTM``)."""
    names = [
        instruction.argval
        for instruction in dis.get_instructions(code)
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME")
    ]
    for constant in code.co_consts:
        if isinstance(constant, CodeType):
            names += _global_names(constant)
    return names


def _default_names(definition: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """Names the default arguments of a function definition use."""
    defaults = [*definition.args.defaults, *(value for value in definition.args.kw_defaults if value is not None)]
    return [node.id for default in defaults for node in ast.walk(default) if isinstance(node, ast.Name)]


def _add_import(imports: list[str], alias: str, module: str) -> None:
    if module.split(".")[0] not in _PACKAGES:
        raise ExportError(f"the data code uses the module {module}, which an exported script may not import")
    parent, _, name = module.rpartition(".")
    if alias == module:
        line = f"import {module}"
    elif alias == name:  # torch.nn as nn
        line = f"from {parent} import {name}"
    else:
        line = f"import {module} as {alias}"
    if line not in imports:
        imports.append(line)


def _constant_source(name: str, value: object) -> str:
    if isinstance(value, np.ndarray):
        rows = "".join(f"    {row!r},\n" for row in value.tolist()) if value.ndim == 2 else None
        listed = f"[\n{rows}]" if rows else repr(value.tolist())
        return f"{name} = np.array({listed}, dtype=np.{value.dtype})"
    try:
        literal = ast.literal_eval(repr(value)) == value
    except (ValueError, SyntaxError):
        literal = False
    if not literal:
        raise ExportError(f"the data code uses {name}, which cannot be written into a script")
    return f"{name} = {value!r}"
