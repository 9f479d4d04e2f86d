"""Rows of features with a label: the seed article's generated table, scikit-learn's bundled tables and a user's
uploaded CSV. Fixed and uploaded tables are standardised with the training rows' statistics (raw units such as cm
and mg differ by orders of magnitude; networks want z-scores), regression targets too."""

from __future__ import annotations

import numpy as np

from playground.data import tabular, two_d, upload
from playground.data.kinds.base import (
    MAX_EMBEDDED_BYTES,
    UNPACK_LINE,
    Dataset,
    DatasetKind,
    DataSettings,
    ScriptData,
    TooLargeForScript,
    UploadKind,
    packed,
)

#: Rows a generated or fixed table may have.
MAX_TABLE_ROWS = 20_000


def _standardised_split(
    inputs: np.ndarray, labels: np.ndarray, task: str, data: DataSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split by the settings' share and seed, then scale with the training rows' statistics only."""
    train, test = two_d.train_test_split_indices(len(labels), data.train_share, data.seed)
    x_train, x_test = tabular.standardize(inputs[train], inputs[test])
    y_train, y_test = labels[train], labels[test]
    if task == "regression":
        y_train, y_test = (column.ravel() for column in tabular.standardize(y_train[:, None], y_test[:, None]))
    return x_train, y_train, x_test, y_test


def _split_and_standardize_lines(task: str) -> str:
    """The end of ``load_data`` for fixed and uploaded tables: what ``_standardised_split`` does."""
    lines = """\
    train, test = train_test_split_indices(len(labels), TRAIN_SHARE, DATA_SEED)
    x_train, x_test = standardize(inputs[train], inputs[test])  # with the training rows' statistics only
    y_train, y_test = labels[train], labels[test]
"""
    if task == "regression":
        lines += "    y_train, y_test = (column.ravel() for column in standardize(y_train[:, None], y_test[:, None]))\n"
    return lines + "    return x_train, y_train, x_test, y_test\n"


class _Table(DatasetKind):
    page = "tab"


class GeneratedTable(_Table):
    """The seed article's feedforward task: ``n_points`` rows of ``n_features`` columns (already standardised)."""

    settings = frozenset({"n_points", "n_features"})

    def input_shape(self, data: DataSettings) -> tuple[int, ...]:
        return (data.n_features,)

    def load(self, data: DataSettings) -> Dataset:
        inputs, labels = tabular.make_seed_ffn(data.n_points, data.n_features, data.seed)
        train, test = two_d.train_test_split_indices(len(labels), data.train_share, data.seed)
        names = [f"f{i}" for i in range(data.n_features)]
        return Dataset(inputs[train], labels[train], inputs[test], labels[test], self.static_task, 2, names)

    def script(self, data: DataSettings, task: str) -> ScriptData:
        settings = {"N_POINTS": data.n_points, "N_FEATURES": data.n_features, "TRAIN_SHARE": data.train_share}
        settings["DATA_SEED"] = data.seed
        body = """\
    inputs, labels = make_seed_ffn(N_POINTS, N_FEATURES, DATA_SEED)
    train, test = train_test_split_indices(len(labels), TRAIN_SHARE, DATA_SEED)
    return inputs[train], labels[train], inputs[test], labels[test]
"""
        return ScriptData([tabular.make_seed_ffn, two_d.train_test_split_indices], settings, body)


class FixedTable(_Table):
    """One of scikit-learn's bundled tables, with its own rows, columns and classes."""

    standardised = True

    def __init__(self, name: str, task: str, classes: int, inputs: int) -> None:
        super().__init__(name, task, MAX_TABLE_ROWS)
        self._classes, self._inputs = classes, inputs

    def input_shape(self, data: DataSettings) -> tuple[int, ...]:
        return (self._inputs,)

    def classes(self, data: DataSettings) -> int:
        return self._classes if self.static_task == "multiclass" else data.n_classes

    def load(self, data: DataSettings) -> Dataset:
        inputs, labels, names = tabular.load_sklearn_table(self.name)
        task = self.static_task
        n_classes = self._classes if task == "multiclass" else (2 if task == "binary" else 1)
        return Dataset(*_standardised_split(inputs, labels, task, data), task, n_classes, names)

    def script(self, data: DataSettings, task: str) -> ScriptData:
        settings = {"DATASET": self.name, "TRAIN_SHARE": data.train_share, "DATA_SEED": data.seed}
        body = "    inputs, labels, _ = load_sklearn_table(DATASET)\n" + _split_and_standardize_lines(task)
        functions = [tabular.load_sklearn_table, tabular.standardize, two_d.train_test_split_indices]
        return ScriptData(functions, settings, body)


class UploadedTable(UploadKind, _Table):
    """A user's CSV, stored encoded (one-hot categories included); its task, classes and width come from the
    stored table. One-hot columns are scaled like any other (harmless, and it keeps every input at one scale)."""

    standardised = True
    missing_upload = "an uploaded dataset needs the sha256 of its table"
    uploaded = "an uploaded table"

    def _info(self, data: DataSettings) -> upload.UploadInfo:
        return upload.upload_info(self.sha(data))

    def check_upload(self, data: DataSettings) -> None:
        self._info(data)

    def task(self, data: DataSettings) -> str:
        return self._info(data).task

    def input_shape(self, data: DataSettings) -> tuple[int, ...]:
        return (self._info(data).n_inputs,)

    def classes(self, data: DataSettings) -> int:
        return self._info(data).n_classes

    def class_names(self, data: DataSettings) -> list[str]:
        return list(self._info(data).class_names)

    def load(self, data: DataSettings) -> Dataset:
        table = upload.load_upload(self.sha(data))
        task = table.task
        n_classes = len(table.class_names) if task == "multiclass" else (2 if task == "binary" else 1)
        arrays = _standardised_split(table.inputs, table.labels, task, data)
        return Dataset(*arrays, task, n_classes, list(table.feature_names))

    def script(self, data: DataSettings, task: str) -> ScriptData:
        """The table as the playground encoded it, packed into the script: the CSV lives on the uploader's
        computer only, and the script must run anywhere."""
        table = upload.load_upload(self.sha(data))
        arrays = {name: packed(array) for name, array in (("INPUTS", table.inputs), ("LABELS", table.labels))}
        if sum(map(len, arrays.values())) > MAX_EMBEDDED_BYTES:
            raise TooLargeForScript(
                f"data.upload: the table is too large to write into a script ({len(table.labels):,} rows of "
                f"{table.inputs.shape[1]} columns); export a checkpoint instead"
            )
        settings: dict[str, object] = {
            "FEATURE_NAMES": list(table.feature_names),
            "ROWS": len(table.labels),
            "LABEL_DTYPE": str(table.labels.dtype),
            "TRAIN_SHARE": data.train_share,
            "DATA_SEED": data.seed,
            **{f"PACKED_{name}": value for name, value in arrays.items()},
        }
        body = (
            UNPACK_LINE
            + """\
    inputs = unpack(PACKED_INPUTS, np.float32).reshape(ROWS, len(FEATURE_NAMES))
    labels = unpack(PACKED_LABELS, LABEL_DTYPE)
"""
        )
        body += _split_and_standardize_lines(task)
        return ScriptData([tabular.standardize, two_d.train_test_split_indices], settings, body)
