"""The server freezes its libraries' objects as it starts, so Python's full collections skip them."""

import json
import subprocess
import sys
import textwrap


def test_the_libraries_objects_are_frozen_and_a_full_collection_scans_few_objects():
    script = textwrap.dedent("""
        import gc, json
        from playground.ui.server_start import freeze_libraries
        freeze_libraries()
        import playground.ui.playground_2d.page  # what a page run imports after the start
        print(json.dumps({"frozen": gc.get_freeze_count(), "scanned": len(gc.get_objects())}))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout.splitlines()[-1])
    assert counts["frozen"] > 100_000, counts  # torch alone brings more than that
    assert counts["scanned"] < counts["frozen"] / 5, counts
