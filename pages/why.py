"""Why deep learning: the network against classic machine learning, learning curves over the amount of data, and
overfitting made visible."""

from playground.ui.common import language_picker
from playground.ui.lessons.panel import lesson_frame
from playground.ui.why.page import render

t = language_picker()
lesson_frame(t, "why")  # a lesson the link names opens; the open lesson's panel sits beside the page
render(t)
