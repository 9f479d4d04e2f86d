"""The multiclass palette stays readable for colour-blind viewers and keeps the binary views' orange and blue."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from playground.viz.colors import CLASS_PALETTE, NEGATIVE, POSITIVE, hex_to_rgb

#: Machado, Oliveira and Fernandes (2009): full protanopia, deuteranopia and tritanopia on linear RGB.
DICHROMACY = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
    "normal vision": np.eye(3).tolist(),
}
#: The smallest CIELAB distance (delta E 1976) two classes may have as seen. The old palette's blue and purple
#: were 1.2 apart for protanopes, its green and red 7.3 for deuteranopes; Okabe and Ito's set keeps 17 or more.
MIN_DISTANCE = 15.0
_SRGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
_WHITE = np.array([0.95047, 1.0, 1.08883])


def _linear(color: str) -> np.ndarray:
    channel = np.array(hex_to_rgb(color)) / 255
    return np.where(channel <= 0.04045, channel / 12.92, ((channel + 0.055) / 1.055) ** 2.4)


def _lab(linear_rgb: np.ndarray) -> np.ndarray:
    xyz = _SRGB_TO_XYZ @ np.clip(linear_rgb, 0, 1) / _WHITE
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _seen(color: str, vision: str) -> np.ndarray:
    return _lab(np.array(DICHROMACY[vision]) @ _linear(color))


@pytest.mark.parametrize("vision", list(DICHROMACY))
def test_every_two_classes_stay_apart(vision: str) -> None:
    seen = {color: _seen(color, vision) for color in CLASS_PALETTE}
    for first, second in itertools.combinations(CLASS_PALETTE, 2):
        distance = float(np.linalg.norm(seen[first] - seen[second]))
        assert distance >= MIN_DISTANCE, f"{first} and {second} are {distance:.1f} apart with {vision}"


def test_classes_0_and_1_read_as_the_binary_orange_and_blue() -> None:
    assert len(set(CLASS_PALETTE)) == len(CLASS_PALETTE) == 5
    for class_color, binary in ((CLASS_PALETTE[0], NEGATIVE), (CLASS_PALETTE[1], POSITIVE)):
        assert np.linalg.norm(_seen(class_color, "normal vision") - _seen(binary, "normal vision")) < 20
    red, _, blue = hex_to_rgb(CLASS_PALETTE[0])
    assert red > blue + 100  # orange
    red, _, blue = hex_to_rgb(CLASS_PALETTE[1])
    assert blue > red + 100  # blue
