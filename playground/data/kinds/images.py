"""Pictures, channels x height x width: the sets that ship offline (MNIST's digits, scikit-learn's 8x8 digits),
the generated shapes, and a user's own images. Each is split by the settings' share and seed and normalised as
they ask, with one grey channel."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from playground.data import images, two_d
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

#: The end of ``load_images`` for every image kind: the split, normalisation and channel axis of ``load``.
LOAD_IMAGES_END = """\
    train, test = train_test_split_indices(len(labels), TRAIN_SHARE, DATA_SEED)
    mean, std = normalisation(pixels[train], NORMALIZE)  # from the training images only
    inputs = ((pixels[:, None] - mean) / std).astype(np.float32)  # one grey channel: (n, 1, side, side)
    return inputs[train], labels[train], inputs[test], labels[test], (mean, std)
"""
#: The settings every image kind reads.
IMAGE_SETTINGS = frozenset({"normalize", "augment_shift", "augment_rotate", "augment_noise"})


class _Images(DatasetKind):
    page = "cnn"
    input_family = "image"
    #: How much of the image a drawn digit should fill to look like the set's (MNIST's 20 of 28 by default).
    drawing_fill: float = images.MNIST_FILL

    def side(self, data: DataSettings) -> int:
        raise NotImplementedError

    def input_shape(self, data: DataSettings) -> tuple[int, ...]:
        side = self.side(data)
        return (1, side, side)

    def arrays(self, data: DataSettings) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """All images (n, side, side) in [0, 1] and their labels, before the split, and the class names."""
        raise NotImplementedError

    def count(self, data: DataSettings) -> int:
        """How many images the settings make, before the split."""
        raise NotImplementedError

    def load(self, data: DataSettings) -> Dataset:
        pixels, labels, names = self.arrays(data)
        train, test = two_d.train_test_split_indices(len(labels), data.train_share, data.seed)
        mean, std = images.normalisation(pixels[train], data.normalize)
        inputs = ((pixels[:, None] - mean) / std).astype(np.float32)
        return Dataset(
            x_train=inputs[train],
            y_train=labels[train],
            x_test=inputs[test],
            y_test=labels[test],
            task="multiclass",
            n_classes=len(names),
            feature_names=[],
            class_names=names,
            image_norm=(mean, std),
        )

    def test_count(self, data: DataSettings) -> int:
        return len(two_d.train_test_split_indices(self.count(data), data.train_share, data.seed)[1])


class ShippedImages(_Images):
    """A set that ships inside a package: shuffled by the data seed and cut to ``n_points`` (MNIST's file is
    sorted by class)."""

    settings = IMAGE_SETTINGS | {"n_points"}

    def __init__(
        self,
        name: str,
        count: int,
        side: int,
        classes: int,
        loader: Callable[[], tuple[np.ndarray, np.ndarray]],
        drawing_fill: float = images.MNIST_FILL,
        preset: str | None = None,
    ) -> None:
        super().__init__(name, "multiclass", count, preset)
        self._side, self._classes, self.loader, self.drawing_fill = side, classes, loader, drawing_fill

    def side(self, data: DataSettings) -> int:
        return self._side

    def classes(self, data: DataSettings) -> int:
        return self._classes

    def count(self, data: DataSettings) -> int:
        return min(data.n_points, self.max_points)

    def arrays(self, data: DataSettings) -> tuple[np.ndarray, np.ndarray, list[str]]:
        pixels, labels = self.loader()
        keep = np.random.default_rng(data.seed).permutation(len(labels))[: data.n_points]
        return pixels[keep], labels[keep], self.class_names(data)

    def script(self, data: DataSettings, task: str) -> ScriptData:
        body = f"""\
    pixels, labels = {self.loader.__name__}()
    keep = np.random.default_rng(DATA_SEED).permutation(len(labels))[:N_IMAGES]  # shuffled, then cut to N_IMAGES
    pixels, labels = pixels[keep], labels[keep]
"""
        settings: dict[str, object] = {"N_IMAGES": data.n_points}
        settings.update(TRAIN_SHARE=data.train_share, DATA_SEED=data.seed, NORMALIZE=data.normalize)
        functions = [self.loader, two_d.train_test_split_indices, images.normalisation]
        return ScriptData(functions, settings, body + LOAD_IMAGES_END)


class GeneratedShapes(_Images):
    """Outlined circles, squares and triangles and filled crosses, ``n_points`` of them with ``noise`` percent of
    pixel noise."""

    settings = IMAGE_SETTINGS | {"n_points", "noise"}

    def side(self, data: DataSettings) -> int:
        return images.SHAPE_SIDE

    def classes(self, data: DataSettings) -> int:
        return len(images.SHAPE_NAMES)

    def class_names(self, data: DataSettings) -> list[str]:
        return list(images.SHAPE_NAMES)

    def count(self, data: DataSettings) -> int:
        return data.n_points

    def arrays(self, data: DataSettings) -> tuple[np.ndarray, np.ndarray, list[str]]:
        pixels, labels = images.make_shapes(data.n_points, data.noise, data.seed)
        return pixels, labels, self.class_names(data)

    def script(self, data: DataSettings, task: str) -> ScriptData:
        settings: dict[str, object] = {"N_IMAGES": data.n_points, "NOISE": data.noise}
        settings.update(TRAIN_SHARE=data.train_share, DATA_SEED=data.seed, NORMALIZE=data.normalize)
        body = "    pixels, labels = make_shapes(N_IMAGES, NOISE, DATA_SEED)\n"
        functions = [images.make_shapes, two_d.train_test_split_indices, images.normalisation]
        return ScriptData(functions, settings, body + LOAD_IMAGES_END)


class UploadedImages(UploadKind, _Images):
    """A user's images (a CSV in MNIST's layout or a zip of class folders), stored as bytes (round(x * 255));
    count, side and classes come from the stored set."""

    settings = IMAGE_SETTINGS
    missing_upload = "an image upload needs the sha256 of its images"
    uploaded = "uploaded images"

    def _info(self, data: DataSettings):  # noqa: ANN202 - image_upload is imported late (it loads PIL)
        from playground.data import image_upload

        return image_upload.image_set_info(self.sha(data))

    def check_upload(self, data: DataSettings) -> None:
        self._info(data)

    def side(self, data: DataSettings) -> int:
        return self._info(data).side

    def classes(self, data: DataSettings) -> int:
        return self._info(data).n_classes

    def class_names(self, data: DataSettings) -> list[str]:
        return list(self._info(data).class_names)

    def count(self, data: DataSettings) -> int:
        return self._info(data).n_images

    def arrays(self, data: DataSettings) -> tuple[np.ndarray, np.ndarray, list[str]]:
        from playground.data import image_upload

        stored = image_upload.load_image_set(self.sha(data))
        return stored.images, stored.labels, list(stored.class_names)

    def script(self, data: DataSettings, task: str) -> ScriptData:
        """The images, packed into the script as the playground stores them."""
        from playground.data import image_upload

        stored = image_upload.load_image_set(self.sha(data))
        count, side = stored.images.shape[:2]
        pixels = np.round(stored.images * np.float32(255)).astype(np.uint8)
        arrays = {"PIXELS": packed(pixels), "LABELS": packed(stored.labels.astype(np.int64))}
        if sum(map(len, arrays.values())) > MAX_EMBEDDED_BYTES:
            raise TooLargeForScript(
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
            **{f"PACKED_{name}": value for name, value in arrays.items()},
        }
        body = (
            UNPACK_LINE
            + """\
    pixels = unpack(PACKED_PIXELS, np.uint8).reshape(N_IMAGES, SIDE, SIDE).astype(np.float32) / np.float32(255)
    labels = unpack(PACKED_LABELS, np.int64)
"""
        )
        functions = [two_d.train_test_split_indices, images.normalisation]
        return ScriptData(functions, settings, body + LOAD_IMAGES_END)
