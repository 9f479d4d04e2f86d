"""Entry point of the playground: ``streamlit run app.py`` (or ``python app.py``).

One file plays two roles:

* Imported as a module (``streamlit run`` finds ``app = st.App(...)`` below and hands ``app:app`` to
  uvicorn), it builds the server: the Streamlit pages plus the live-frame routes of
  ``playground.ui.frames`` that the live training view polls.
* Executed by the Streamlit runtime as the main script of every session run, it only builds the
  navigation over the pages in ``pages/``.

The routes and the pages share one frame registry: both import ``playground.ui.frames`` in this process,
and the registry itself lives outside that module so it survives Streamlit reloading changed modules.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from playground.ui.frames import frame_routes


def _inside_script_run() -> bool:
    return get_script_run_ctx(suppress_warning=True) is not None


def navigation() -> None:
    """The multipage navigation, run on every rerun of every session."""
    pages = [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("pages/playground_2d.py", title="2D playground", icon=":material/scatter_plot:"),
    ]
    st.navigation(pages).run()


if _inside_script_run():
    navigation()
else:
    app = st.App(__file__, routes=frame_routes())

    if __name__ == "__main__":
        app.run()
