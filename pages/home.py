"""Home: what the playground is and what each page teaches."""

from playground.ui.common import language_picker
from playground.ui.home import render

render(language_picker())
