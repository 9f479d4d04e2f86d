"""Convolutions: build and train CNNs on images, watch filters and feature maps live, draw your own digit."""

from playground.ui.common import language_picker
from playground.ui.convolutions.page import render

render(language_picker())
