"""Points on a plane: the generated 2D sets (TensorFlow Playground's and two multiclass ones) and a user's own."""

from __future__ import annotations

from playground.data import points, two_d
from playground.data.kinds.base import (
    UNPACK_LINE,
    Dataset,
    DatasetKind,
    DataSettings,
    ScriptData,
    UploadKind,
    packed,
)

#: Points a generated 2D set may have.
MAX_2D_POINTS = 5_000


class GeneratedPoints(DatasetKind):
    """A 2D set made by a generator of ``two_d`` from the count, noise, seed (and classes for multiclass sets)."""

    page = "2d"

    def __init__(self, name: str, task: str, max_points: int) -> None:
        super().__init__(name, task, max_points)
        self.settings = frozenset({"n_points", "noise", "features", *(("n_classes",) if task == "multiclass" else ())})

    def input_shape(self, data: DataSettings) -> tuple[int, ...]:
        return (len(data.features),)

    def check(self, data: DataSettings) -> None:
        super().check(data)
        if self.static_task == "multiclass" and not two_d.MIN_CLASSES <= data.n_classes <= two_d.MAX_CLASSES:
            raise ValueError(
                f"n_classes: {self.name} has {two_d.MIN_CLASSES} to {two_d.MAX_CLASSES} classes, not {data.n_classes}"
            )

    def load(self, data: DataSettings) -> Dataset:
        plane, labels = two_d.generate_2d(self.name, data.n_points, data.noise, data.seed, n_classes=data.n_classes)
        train, test = two_d.train_test_split_indices(len(labels), data.train_share, data.seed)
        inputs = two_d.feature_matrix(plane, data.features)
        task = self.static_task
        return Dataset(
            x_train=inputs[train],
            y_train=labels[train],
            x_test=inputs[test],
            y_test=labels[test],
            task=task,
            n_classes=data.n_classes if task == "multiclass" else (2 if task == "binary" else 1),
            feature_names=list(data.features),
            points_train=plane[train],
            points_test=plane[test],
        )

    def test_count(self, data: DataSettings) -> int:
        return len(two_d.train_test_split_indices(data.n_points, data.train_share, data.seed)[1])

    def script(self, data: DataSettings, task: str) -> ScriptData:
        generator = two_d.generator_of(self.name)
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
        return ScriptData([generator, two_d.feature_matrix, two_d.train_test_split_indices], settings, body)


class OwnPoints(UploadKind):
    """A user's 2D point set (uploaded or drawn), stored by hash; its task and classes come from its labels. The
    features and the split are those of the generated sets; the count and noise do not apply."""

    page = "2d"
    settings = frozenset({"features"})
    missing_upload = "a custom point set needs the sha256 of its points"
    uploaded = "your own points"

    def check_upload(self, data: DataSettings) -> None:
        points.points_info(self.sha(data))

    def _info(self, data: DataSettings) -> points.PointsInfo:
        return points.points_info(self.sha(data))

    def task(self, data: DataSettings) -> str:
        return self._info(data).task

    def input_shape(self, data: DataSettings) -> tuple[int, ...]:
        return (len(data.features),)

    def classes(self, data: DataSettings) -> int:
        return self._info(data).n_classes

    def class_names(self, data: DataSettings) -> list[str]:
        return list(self._info(data).class_names)

    def load(self, data: DataSettings) -> Dataset:
        point_set = points.load_points(self.sha(data))
        inputs = two_d.feature_matrix(point_set.points, data.features)
        train, test = two_d.train_test_split_indices(len(point_set), data.train_share, data.seed)
        return Dataset(
            x_train=inputs[train],
            y_train=point_set.labels[train],
            x_test=inputs[test],
            y_test=point_set.labels[test],
            task=point_set.task,
            n_classes=point_set.n_classes,
            feature_names=list(data.features),
            points_train=point_set.points[train],
            points_test=point_set.points[test],
        )

    def test_count(self, data: DataSettings) -> int:
        return len(two_d.train_test_split_indices(self._info(data).n_points, data.train_share, data.seed)[1])

    def script(self, data: DataSettings, task: str) -> ScriptData:
        """The points travel packed inside the script like an uploaded table; features and split as for the
        generated sets."""
        point_set = points.load_points(self.sha(data))
        settings: dict[str, object] = {
            "N_POINTS": len(point_set),
            "LABEL_DTYPE": str(point_set.labels.dtype),
            "TRAIN_SHARE": data.train_share,
            "DATA_SEED": data.seed,
            "FEATURE_NAMES": list(data.features),
            "PACKED_POINTS": packed(point_set.points),
            "PACKED_LABELS": packed(point_set.labels),
        }
        body = (
            UNPACK_LINE
            + """\
    points = unpack(PACKED_POINTS, np.float32).reshape(N_POINTS, 2)
    labels = unpack(PACKED_LABELS, LABEL_DTYPE)
    inputs = feature_matrix(points, FEATURE_NAMES)
    train, test = train_test_split_indices(len(labels), TRAIN_SHARE, DATA_SEED)
    return inputs[train], labels[train], inputs[test], labels[test]
"""
        )
        return ScriptData([two_d.feature_matrix, two_d.train_test_split_indices], settings, body)
