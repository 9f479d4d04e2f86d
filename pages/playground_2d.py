"""The 2D playground: click a small network together, press Play, watch the boundary, the neurons and the loss."""

from playground.ui.common import language_picker
from playground.ui.lessons.panel import lesson_frame
from playground.ui.playground_2d.page import render

t = language_picker()
lesson_frame(t, "2d")  # a lesson the link names opens; the open lesson's panel sits beside the page
render(t)
