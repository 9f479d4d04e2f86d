"""Tables: the seed article's task, classic datasets or your own CSV; stack layers, train live, take it with you."""

from playground.ui.common import language_picker
from playground.ui.tabular.page import render

render(language_picker())
