"""Lessons: guided lessons by topic, each opening a page with its setup and a panel of steps, a live check and a
quiz; a lesson file of one's own opens here too."""

from playground.ui.common import language_picker
from playground.ui.lessons.page import render
from playground.ui.lessons.panel import lesson_frame

t = language_picker()
lesson_frame(t, None)  # a lesson the link names opens; the open lesson's panel sits beside the page
render(t)
