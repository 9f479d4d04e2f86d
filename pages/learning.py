"""How it learns: one training step slowed down with every number, and optimisers racing down a loss surface."""

from playground.ui.common import language_picker
from playground.ui.learning.page import render
from playground.ui.lessons.panel import lesson_frame

t = language_picker()
lesson_frame(t, "learn")  # a lesson the link names opens; the open lesson's panel sits beside the page
render(t)
