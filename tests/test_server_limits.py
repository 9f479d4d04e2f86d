"""The server itself holds the upload budget: Streamlit refuses a bigger file while it streams in."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_server_refuses_uploads_over_the_budget_before_holding_them():
    code = "import app, streamlit as st; print(st.config.get_option('server.maxUploadSize'))"
    env = {**os.environ, "PLAYGROUND_MAX_UPLOAD_MB": "5"}
    shown = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert shown.stdout.strip().splitlines()[-1] == "5"
