"""Tables: the seed article's task, classic datasets or your own CSV; stack layers, train live, take it with you."""

from playground.ui.common import language_picker
from playground.ui.lessons.panel import lesson_frame
from playground.ui.tabular.page import render

t = language_picker()
lesson_frame(t, "tab")  # a lesson the link names opens; the open lesson's panel sits beside the page
render(t)
