"""Why deep learning: the network against classic machine learning, learning curves over the amount of data, and
overfitting made visible."""

from playground.ui.common import language_picker
from playground.ui.why.page import render

render(language_picker())
