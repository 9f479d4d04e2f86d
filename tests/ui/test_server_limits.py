"""The server itself holds the upload budget: Streamlit refuses a bigger file while it streams in (the bigger of
the file and the checkpoint budgets; each uploader then holds its own)."""

import os
import subprocess
import sys

from tests import ROOT


def server_upload_limit(**variables: str) -> int:
    code = "import app, streamlit as st; print(st.config.get_option('server.maxUploadSize'))"
    env = {**os.environ, **{f"PLAYGROUND_{name.upper()}": value for name, value in variables.items()}}
    shown = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr[-2000:]
    return int(shown.stdout.strip().splitlines()[-1])


def test_the_server_refuses_uploads_over_the_budget_before_holding_them():
    assert server_upload_limit(max_upload_mb="200") == 200
    # Checkpoints may be bigger than other files: the largest network's float32 weights and 32 MB beside them.
    assert server_upload_limit(max_upload_mb="5", max_params="25000000") == 96 + 32
