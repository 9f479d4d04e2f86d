"""Sequences: build and train recurrent networks (RNN, LSTM, GRU) on sequences and text, and watch them remember."""

from playground.ui.common import language_picker
from playground.ui.lessons.panel import lesson_frame
from playground.ui.sequences.page import render

t = language_picker()
lesson_frame(t, "seq")  # a lesson the link names opens; the open lesson's panel sits beside the page
render(t)
