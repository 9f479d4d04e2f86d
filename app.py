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

from playground.i18n import DEFAULT_LANGUAGE, LANGUAGES, translator
from playground.limits import limits
from playground.ui.frame_routes import enable_tcp_nodelay, frame_routes


def _inside_script_run() -> bool:
    return get_script_run_ctx(suppress_warning=True) is not None


def _disable_pages_directory_mode() -> None:
    """Keep Streamlit from treating ``pages/`` as an old-style (v1) multipage folder.

    Streamlit decides once per process, when the first session starts, that a ``pages/`` folder next to
    the main script means v1 multipage mode, and only leaves it when ``st.navigation`` runs. In v1 mode a
    deep link such as ``/playground_2d`` runs that page directly, without this script, so until someone
    opens ``/`` every session gets the auto-generated sidebar (with an extra "app" page) instead of
    ``navigation()``. Deciding "no" up front avoids that; renaming the folder would too.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a future Streamlit without the v1 mode
        return
    if hasattr(PagesManager, "uses_pages_directory"):
        PagesManager.uses_pages_directory = False


def navigation() -> None:
    """The multipage navigation, run on every rerun of every session, in the session's language."""
    language = st.session_state.get("lang") or st.query_params.get("lang", DEFAULT_LANGUAGE)
    t = translator(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    st.set_page_config(page_title=t("app_title"), page_icon=":material/hub:", layout="wide")
    pages = [
        st.Page("pages/home.py", title=t("nav_home"), icon=":material/home:", default=True),
        st.Page("pages/lessons.py", title=t("nav_lessons"), icon=":material/play_lesson:", url_path="lessons"),
        st.Page("pages/playground_2d.py", title=t("nav_2d"), icon=":material/scatter_plot:", url_path="playground_2d"),
        st.Page("pages/tabular.py", title=t("nav_tabular"), icon=":material/table_chart:", url_path="tabular"),
        st.Page("pages/convolutions.py", title=t("nav_cnn"), icon=":material/grid_on:", url_path="convolutions"),
        st.Page("pages/sequences.py", title=t("nav_seq"), icon=":material/timeline:", url_path="sequences"),
        st.Page("pages/learning.py", title=t("nav_learn"), icon=":material/school:", url_path="learning"),
        st.Page("pages/why.py", title=t("nav_why"), icon=":material/insights:", url_path="why"),
    ]
    page = st.navigation(pages)
    from playground.ui.presenter import presenter_mode  # here: only page runs need it, not the server
    from playground.ui.stage import page_styles
    presenter_mode(t)  # every page, on every full run: projector styles and the way out of them
    page_styles()  # every page: the stage's layout, contrast and touch targets
    page.run()


if _inside_script_run():
    navigation()
else:
    enable_tcp_nodelay()  # without it every kept-alive request waits ~40 ms (see its docstring)
    # The server refuses a bigger upload while it streams in, before it is held in memory; each uploader says its
    # own limit too (a checkpoint's may be larger, to hold the largest network's weights).
    st.config.set_option("server.maxUploadSize", limits().max_checkpoint_mb)
    _disable_pages_directory_mode()
    from playground.train.worker_template import warm_up
    from playground.ui.server_start import freeze_libraries

    warm_up()  # the workers' template imports PyTorch now, not when the first student presses Play
    freeze_libraries()
    app = st.App(__file__, routes=frame_routes())

    if __name__ == "__main__":
        app.run()
