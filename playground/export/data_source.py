"""The data part of an exported script: the playground's own generator functions, copied as source.

Copying the exact source (with ``inspect``) rather than rewriting the generators keeps the exported data
identical to the playground's for the same seed, and keeps the script free of any ``playground`` import. Only the
few lines that call the generators are written here; the tests check them against ``load_dataset``.
"""

from __future__ import annotations

import ast
import base64
import dis
import inspect
import sys
import textwrap
import zlib
from collections.abc import Callable
from types import CodeType
from typing import NamedTuple

import numpy as np

from playground.config import DataConfig, RunConfig
from playground.data import images, points, registry, sequences, series_upload, tabular, two_d, upload
from playground.data.registry import CUSTOM, DATASETS, IMAGE_UPLOAD, SERIES_UPLOAD, TEXT
from playground.export import ExportError
from playground.export.source import python_literal

#: Datasets whose data lives on this computer only (a user's upload, the shipped text): it travels packed inside
#: the script.
_PACKED_SETS = (CUSTOM, IMAGE_UPLOAD, SERIES_UPLOAD, TEXT)

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
    data = config.data
    family = DATASETS[data.dataset].family
    if family not in _FAMILIES:
        raise ExportError(f"data.dataset: {data.dataset} cannot be written into a script yet")
    functions, settings, body = _FAMILIES[family](data, config.task)
    imports = ["import numpy as np"]
    if family == "upload" or data.dataset in _PACKED_SETS:  # the data travels packed inside the script
        imports = ["import base64", "import zlib", *imports]
    parts = [_settings_source(settings)]
    if family == "2d":
        parts.append(_features_source(data.features))
    parts += _bundle(functions, imports, provided={"FEATURES"})
    if family == "image":
        parts.append(_LOAD_IMAGES + body)
        body = _IMAGES_TO_DATA
    parts.append(
        "def load_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:\n"
        '    """Inputs and labels for training and testing, made exactly as the playground makes them."""\n' + body
    )
    return DataSource(imports, "\n\n".join(part.strip("\n") + "\n" for part in parts))


# Families: what to copy, which settings, and the lines of load_data ----------------------------


def _two_d(data: DataConfig, task: str) -> tuple[list[Callable], dict[str, object], str]:
    if data.dataset == CUSTOM:
        return _custom_points(data)
    generator = {**two_d._BINARY_AND_REGRESSION, **two_d._MULTICLASS}[data.dataset]
    settings: dict[str, object] = {"N_POINTS": data.n_points, "NOISE": data.noise}
    classes = ""
    if task == "multiclass":
        settings["N_CLASSES"] = data.n_classes
        classes = ", N_CLASSES"
    settings.update(TRAIN_SHARE=data.train_share, DATA_SEED=data.seed, FEATURE_NAMES=list(data.features))
    body = f"""\
    rng = np.random.default_rng(DATA_SEED)
    points, labels = {generator.__name__}(rng, N_POINTS, NOISE / 100.0{classes})
    order = rng.permutation(N_POINTS)  # shuffled, so that any prefix mixes the classes
    points, labels = points[order].astype(np.float32), labels[order]
    inputs = feature_matrix(points, FEATURE_NAMES)
    train, test = train_test_split_indices(len(labels), TRAIN_SHARE, DATA_SEED)
    return inputs[train], labels[train], inputs[test], labels[test]
"""
    return [generator, two_d.feature_matrix, two_d.train_test_split_indices], settings, body


def _generated_table(data: DataConfig, task: str) -> tuple[list[Callable], dict[str, object], str]:
    settings = {"N_POINTS": data.n_points, "N_FEATURES": data.n_features, "TRAIN_SHARE": data.train_share}
    settings["DATA_SEED"] = data.seed
    body = """\
    inputs, labels = make_seed_ffn(N_POINTS, N_FEATURES, DATA_SEED)
    train, test = train_test_split_indices(len(labels), TRAIN_SHARE, DATA_SEED)
    return inputs[train], labels[train], inputs[test], labels[test]
"""
    return [tabular.make_seed_ffn, two_d.train_test_split_indices], settings, body


def _split_and_standardize(task: str) -> str:
    """The end of ``load_data`` for tables: split, then scale with the training rows' statistics, as
    ``load_dataset`` does (targets too for regression)."""
    lines = """\
    train, test = train_test_split_indices(len(labels), TRAIN_SHARE, DATA_SEED)
    x_train, x_test = standardize(inputs[train], inputs[test])  # with the training rows' statistics only
    y_train, y_test = labels[train], labels[test]
"""
    if task == "regression":
        lines += "    y_train, y_test = (column.ravel() for column in standardize(y_train[:, None], y_test[:, None]))\n"
    return lines + "    return x_train, y_train, x_test, y_test\n"


def _bundled_table(data: DataConfig, task: str) -> tuple[list[Callable], dict[str, object], str]:
    settings = {"DATASET": data.dataset, "TRAIN_SHARE": data.train_share, "DATA_SEED": data.seed}
    body = """\
    inputs, labels, _ = load_sklearn_table(DATASET)
"""
    body += _split_and_standardize(task)
    functions = [tabular.load_sklearn_table, tabular.standardize, two_d.train_test_split_indices]
    return functions, settings, body


#: An uploaded table travels inside the script; beyond this many compressed bytes the script would be unwieldy.
MAX_EMBEDDED_BYTES = 8_000_000


def _uploaded_table(data: DataConfig, task: str) -> tuple[list[Callable], dict[str, object], str]:
    """The user's table, as the playground encoded it (one-hot categories included), packed into the script:
    the CSV lives on the uploader's computer only, and the script must run anywhere."""
    table = upload.load_upload(data.upload or "")
    packed = {name: _packed(array) for name, array in (("INPUTS", table.inputs), ("LABELS", table.labels))}
    if sum(map(len, packed.values())) > MAX_EMBEDDED_BYTES:
        raise ExportError(
            f"data.upload: the table is too large to write into a script ({len(table.labels):,} rows of "
            f"{table.inputs.shape[1]} columns); export a checkpoint instead"
        )
    settings: dict[str, object] = {
        "FEATURE_NAMES": list(table.feature_names),
        "ROWS": len(table.labels),
        "LABEL_DTYPE": str(table.labels.dtype),
        "TRAIN_SHARE": data.train_share,
        "DATA_SEED": data.seed,
        **{f"PACKED_{name}": value for name, value in packed.items()},
    }
    body = """    unpack = lambda text, dtype: np.frombuffer(zlib.decompress(base64.b64decode(text)), dtype=dtype)
    inputs = unpack(PACKED_INPUTS, np.float32).reshape(ROWS, len(FEATURE_NAMES))
    labels = unpack(PACKED_LABELS, LABEL_DTYPE)
"""
    body += _split_and_standardize(task)
    return [tabular.standardize, two_d.train_test_split_indices], settings, body


def _custom_points(data: DataConfig) -> tuple[list[Callable], dict[str, object], str]:
    """The user's own 2D points (uploaded or drawn), packed into the script like an uploaded table; features and
    split as for the generated sets."""
    try:
        point_set = points.load_points(data.upload or "")
    except upload.UploadError as error:
        raise ExportError(f"data.upload: {error}") from None
    settings: dict[str, object] = {
        "N_POINTS": len(point_set),
        "LABEL_DTYPE": str(point_set.labels.dtype),
        "TRAIN_SHARE": data.train_share,
        "DATA_SEED": data.seed,
        "FEATURE_NAMES": list(data.features),
        "PACKED_POINTS": _packed(point_set.points),
        "PACKED_LABELS": _packed(point_set.labels),
    }
    body = """    unpack = lambda text, dtype: np.frombuffer(zlib.decompress(base64.b64decode(text)), dtype=dtype)
    points = unpack(PACKED_POINTS, np.float32).reshape(N_POINTS, 2)
    labels = unpack(PACKED_LABELS, LABEL_DTYPE)
    inputs = feature_matrix(points, FEATURE_NAMES)
    train, test = train_test_split_indices(len(labels), TRAIN_SHARE, DATA_SEED)
    return inputs[train], labels[train], inputs[test], labels[test]
"""
    return [two_d.feature_matrix, two_d.train_test_split_indices], settings, body


def _images(data: DataConfig, task: str) -> tuple[list[Callable], dict[str, object], str]:
    """The body of ``load_images``: all images and labels as ``registry.image_arrays`` makes them, then the split,
    normalisation and channel axis of ``registry._load_images``."""
    if data.dataset == IMAGE_UPLOAD:
        return _uploaded_images(data)
    settings: dict[str, object] = {"N_IMAGES": data.n_points}
    if data.dataset == "shapes":
        settings["NOISE"] = data.noise
        functions: list[Callable] = [images.make_shapes]
        body = "    pixels, labels = make_shapes(N_IMAGES, NOISE, DATA_SEED)\n"
    else:
        loader = images.load_mnist_images if data.dataset == "mnist" else images.load_digits_images
        functions = [loader]
        body = f"""\
    pixels, labels = {loader.__name__}()
    keep = np.random.default_rng(DATA_SEED).permutation(len(labels))[:N_IMAGES]  # shuffled, then cut to N_IMAGES
    pixels, labels = pixels[keep], labels[keep]
"""
    settings.update(TRAIN_SHARE=data.train_share, DATA_SEED=data.seed, NORMALIZE=data.normalize)
    return [*functions, two_d.train_test_split_indices, images.normalisation], settings, body + _LOAD_IMAGES_END


def _uploaded_images(data: DataConfig) -> tuple[list[Callable], dict[str, object], str]:
    """The user's own images, packed into the script as the playground stores them (bytes: round(x * 255))."""
    from playground.data import image_upload

    try:
        stored = image_upload.load_image_set(data.upload or "")
    except upload.UploadError as error:
        raise ExportError(f"data.upload: {error}") from None
    count, side = stored.images.shape[:2]
    pixels = np.round(stored.images * np.float32(255)).astype(np.uint8)
    packed = {"PIXELS": _packed(pixels), "LABELS": _packed(stored.labels.astype(np.int64))}
    if sum(map(len, packed.values())) > MAX_EMBEDDED_BYTES:
        raise ExportError(
            f"data.upload: the images are too many to write into a script ({count:,} of {side}x{side} pixels); "
            "export a checkpoint instead"
        )
    settings: dict[str, object] = {
        "CLASS_NAMES": list(stored.class_names),
        "N_IMAGES": count,
        "SIDE": side,
        "TRAIN_SHARE": data.train_share,
        "DATA_SEED": data.seed,
        "NORMALIZE": data.normalize,
        **{f"PACKED_{name}": value for name, value in packed.items()},
    }
    body = """\
    unpack = lambda text, dtype: np.frombuffer(zlib.decompress(base64.b64decode(text)), dtype=dtype)
    pixels = unpack(PACKED_PIXELS, np.uint8).reshape(N_IMAGES, SIDE, SIDE).astype(np.float32) / np.float32(255)
    labels = unpack(PACKED_LABELS, np.int64)
"""
    return [two_d.train_test_split_indices, images.normalisation], settings, body + _LOAD_IMAGES_END


_LOAD_IMAGES = '''\
def load_images() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, tuple[float, float]]:
    """Images (n, 1 channel, height, width) and labels for training and testing, made exactly as the playground
    makes them, and the (mean, std) the pixels were normalised with: pixel = input * std + mean."""
'''

_LOAD_IMAGES_END = """\
    train, test = train_test_split_indices(len(labels), TRAIN_SHARE, DATA_SEED)
    mean, std = normalisation(pixels[train], NORMALIZE)  # from the training images only
    inputs = ((pixels[:, None] - mean) / std).astype(np.float32)  # one grey channel: (n, 1, side, side)
    return inputs[train], labels[train], inputs[test], labels[test], (mean, std)
"""

_IMAGES_TO_DATA = """\
    x_train, y_train, x_test, y_test, _ = load_images()
    return x_train, y_train, x_test, y_test
"""


def _sequences(data: DataConfig, task: str) -> tuple[list[Callable], dict[str, object], str]:
    """Generated sequences, split like ``registry._load_sequences``: independent samples (seed sequences, adding)
    at random, the windows of one series (sine, an upload) in time."""
    if data.dataset == SERIES_UPLOAD:
        return _uploaded_series(data)
    if data.dataset == "sine":
        settings: dict[str, object] = {"N_POINTS": data.n_points, "STEPS": data.steps, "FREQUENCY": data.frequency}
        settings.update(NOISE=data.noise, TRAIN_SHARE=data.train_share, DATA_SEED=data.seed)
        settings["MAX_WINDOWS"] = registry.MAX_SERIES_WINDOWS  # the most windows cut from the series
        body = """\
    series = make_sine_series(N_POINTS + STEPS, FREQUENCY, NOISE, DATA_SEED)[:, None]
    # in time: the test windows come after the training ones
    stride, _, n_train = series_split(len(series), STEPS, TRAIN_SHARE, MAX_WINDOWS)
    inputs, targets = sliding_windows(series, STEPS, 0, stride)  # STEPS values, then the next one to predict
    return inputs[:n_train], targets[:n_train], inputs[n_train:], targets[n_train:]
"""
        functions = [sequences.make_sine_series, sequences.series_split, sequences.sliding_windows]
        return functions, settings, body
    settings = {"N_POINTS": data.n_points, "STEPS": data.steps}
    if data.dataset == "seed_sequences":
        settings["N_FEATURES"] = data.n_features
        generator, arguments = sequences.make_seed_sequences, "N_POINTS, STEPS, N_FEATURES, DATA_SEED"
    else:
        generator, arguments = sequences.make_adding, "N_POINTS, STEPS, DATA_SEED"
    settings.update(TRAIN_SHARE=data.train_share, DATA_SEED=data.seed)
    body = f"""\
    inputs, targets = {generator.__name__}({arguments})
    train, test = train_test_split_indices(len(targets), TRAIN_SHARE, DATA_SEED)  # independent samples: at random
    return inputs[train], targets[train], inputs[test], targets[test]
"""
    return [generator, two_d.train_test_split_indices], settings, body


def _uploaded_series(data: DataConfig) -> tuple[list[Callable], dict[str, object], str]:
    """The user's time series, packed into the script as the playground stores it; windows, split in time and
    standardisation as ``registry._load_sequences`` makes them."""
    try:
        stored = series_upload.load_series(data.upload or "")
    except upload.UploadError as error:
        raise ExportError(f"data.upload: {error}") from None
    packed = _packed(stored.values.astype(np.float32))
    if len(packed) > MAX_EMBEDDED_BYTES:
        raise ExportError(
            f"data.upload: the series is too long to write into a script ({len(stored.values):,} rows of "
            f"{len(stored.columns)} columns); export a checkpoint instead"
        )
    settings: dict[str, object] = {
        "SERIES_COLUMNS": list(stored.columns),
        "TARGET_COLUMN": stored.target_index,  # the column whose next value the network predicts
        "ROWS": len(stored.values),
        "STEPS": data.steps,
        "MAX_WINDOWS": registry.MAX_SERIES_WINDOWS,  # the most windows cut from the series
        "TRAIN_SHARE": data.train_share,
        "PACKED_VALUES": packed,
    }
    body = """\
    unpack = lambda text, dtype: np.frombuffer(zlib.decompress(base64.b64decode(text)), dtype=dtype)
    values = unpack(PACKED_VALUES, np.float32).reshape(ROWS, len(SERIES_COLUMNS))
    # in time: the test windows come after the training ones; beyond MAX_WINDOWS windows, evenly spaced ones
    stride, _, n_train = series_split(len(values), STEPS, TRAIN_SHARE, MAX_WINDOWS)
    values = standardise_series(values, STEPS, stride, n_train)  # measured in the user's units
    inputs, targets = sliding_windows(values, STEPS, TARGET_COLUMN, stride)  # STEPS rows, then the target's next
    return inputs[:n_train], targets[:n_train], inputs[n_train:], targets[n_train:]
"""
    return [sequences.series_split, sequences.standardise_series, sequences.sliding_windows], settings, body


def _text(data: DataConfig, task: str) -> tuple[list[Callable], dict[str, object], str]:
    """The shipped text travels packed inside the script (it is a file of the playground's); windows of its
    characters, the first part for training and the rest for testing, as ``registry._load_sequences`` cuts them."""
    settings: dict[str, object] = {
        "N_POINTS": data.n_points,
        "STEPS": data.steps,
        "TRAIN_SHARE": data.train_share,
        "DATA_SEED": data.seed,
        "PACKED_TEXT": _deflated(sequences.load_text().encode("utf-8")),
    }
    body = """\
    text = zlib.decompress(base64.b64decode(PACKED_TEXT)).decode("utf-8")
    vocabulary = text_vocabulary(text)  # the characters, in the order of their token numbers
    ids = encode_text(text, vocabulary)
    n_train = train_count(N_POINTS, TRAIN_SHARE)
    cut = round(len(ids) * TRAIN_SHARE / 100)  # training windows come from the text before this character
    x_train, y_train = make_text_windows(ids, STEPS, n_train, DATA_SEED, 0, cut)
    x_test, y_test = make_text_windows(ids, STEPS, N_POINTS - n_train, DATA_SEED + 1, cut)
    return x_train, y_train, x_test, y_test
"""
    functions = [sequences.text_vocabulary, sequences.encode_text, sequences.make_text_windows, sequences.train_count]
    return functions, settings, body


def _packed(array: np.ndarray) -> str:
    """An array's bytes, deflated and in base64: how user data travels inside a script."""
    return _deflated(np.ascontiguousarray(array).tobytes())


def _deflated(data: bytes) -> str:
    return base64.b64encode(zlib.compress(data, 9)).decode("ascii")


#: Keyed by ``DatasetSpec.family``; a new family of datasets adds one entry.
_FAMILIES: dict[str, Callable[[DataConfig, str], tuple[list[Callable], dict[str, object], str]]] = {
    "2d": _two_d,
    "tabular": _generated_table,
    "table": _bundled_table,
    "upload": _uploaded_table,
    "image": _images,
    "sequence": _sequences,
    "text": _text,
}


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
