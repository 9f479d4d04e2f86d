"""Home: what the playground is and what each page teaches."""

from playground.ui.common import language_picker
from playground.ui.home import render
from playground.ui.lessons.panel import lesson_frame

t = language_picker()
lesson_frame(t, None)  # a lesson the link names opens; the open lesson's panel sits beside the page
render(t)
