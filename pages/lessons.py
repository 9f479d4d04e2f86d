"""Lessons: guided lessons by topic, each opening a page with its setup and a panel of steps, a live check and a
quiz; a lesson file of one's own opens here too."""

from playground.ui.common import language_picker
from playground.ui.lessons.page import render

render(language_picker())
