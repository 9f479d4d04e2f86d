"""Convolutions: build and train CNNs on images, watch filters and feature maps live, draw your own digit."""

from playground.ui.common import language_picker
from playground.ui.convolutions.page import render
from playground.ui.lessons.panel import lesson_frame

t = language_picker()
lesson_frame(t, "cnn")  # a lesson the link names opens; the open lesson's panel sits beside the page
render(t)
