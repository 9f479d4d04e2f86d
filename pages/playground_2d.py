"""The 2D playground: click a small network together, press Play, watch the boundary, the neurons and the loss."""

from playground.ui.common import language_picker
from playground.ui.playground_2d.page import render

render(language_picker())
