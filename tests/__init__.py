"""The tests: engine/ (no Streamlit), ui/ (AppTest and the pages' own logic), browser/ (the real server in Chromium),
deploy/ (the recipes for serving from several servers),
js/ (node's tests of the browser modules); the helper modules beside them are shared by several."""

from pathlib import Path

#: The checkout's root folder.
ROOT = Path(__file__).resolve().parent.parent
