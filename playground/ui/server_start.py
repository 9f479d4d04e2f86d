"""What the server does once as it starts, so that a busy classroom server stays responsive."""

from __future__ import annotations

import gc

#: The libraries the pages use whose objects live as long as the server: about 300,000 objects with torch.
LONG_LIVED_LIBRARIES = ("torch", "numpy", "pandas", "plotly.graph_objects", "sklearn.datasets", "streamlit")


def freeze_libraries() -> None:
    """Import the pages' big libraries now and exclude their objects from Python's garbage collector.

    Streamlit's collection after every script run is off (``runner.postScriptGC``), but Python's own full
    collections still run, and they scanned every object of torch and the other libraries: 150 ms on an idle
    server, and 160-600 ms measured on a server with 30 students training, time in which nothing else ran (the
    slowest Pause presses of a class waited through them). The libraries' module-level objects live until the server
    ends anyway; frozen, a full collection scans only what the sessions made (about 13,000 objects, 4 ms)."""
    for name in LONG_LIVED_LIBRARIES:
        __import__(name)
    gc.collect()
    gc.freeze()
