"""Take a run with you: a standalone PyTorch script, Keras code, ONNX, and checkpoints that load without pickle.

No Streamlit here, and no eager imports of the submodules: ``onnx`` and ``safetensors`` load only when an export
that needs them runs, so a training worker never pays for them.
"""

from __future__ import annotations

from playground.config import ConfigError


class ExportError(ConfigError):
    """A config that is valid but cannot be exported (say, a dataset that exists only in this browser session)."""
