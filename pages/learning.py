"""How it learns: one training step slowed down with every number, and optimisers racing down a loss surface."""

from playground.ui.common import language_picker
from playground.ui.learning.page import render

render(language_picker())
