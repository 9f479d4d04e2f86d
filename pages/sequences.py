"""Sequences: build and train recurrent networks (RNN, LSTM, GRU) on sequences and text, and watch them remember."""

from playground.ui.common import language_picker
from playground.ui.sequences.page import render

render(language_picker())
