#!/usr/bin/env bash
# Speed figures of the playground, from one run (about twenty minutes), printed with their targets:
#
#   1. the Trainer's throughput against a plain PyTorch loop on the same model, data and batch size (the seed
#      article's feed-forward network, two 2D setups, its CNN and its LSTM);
#   2. complete redraws per second of the live view in Chromium while training;
#   3. training epochs per second with the page open against without;
#   4. time from a click (Pause, Play, a learning-rate change) to its visible effect;
#   4b. the same for the network view of 8 hidden layers of 32 neurons;
#   5. the convolutions, sequences and tables pages: how often their live pictures change on screen and the seed
#      CNN's, LSTM's and feed-forward network's training speed with the page open;
#   6-7. frames of the largest network a link may carry, the biggest upload of each kind;
#   8-9. the "How it learns" page: loss maps, races and one explained step; the race's painted frames a second;
#   10. the classic models of the comparison with the network, on the 5,000 MNIST digits;
#   11-12. what one more session's training worker costs (memory, time to ready), and a class of 10, 20 and 30
#      simulated students training on this server at once (memory, redraws, Pause, errors).
#
#   bash scripts/bench.sh
#
# Installs what it needs first, as scripts/test.sh does (prepare_browser_tools in scripts/start.sh: .venv with
# ".[test]" for Playwright, and Debian's chromium when it is missing). Starts its own server on a free port and
# stops it, with all its children, at the end. Prints figures and asserts nothing: timings belong in a
# benchmark, not in the tests.
set -euo pipefail

# shellcheck source=scripts/start.sh
source "$(dirname "${BASH_SOURCE[0]}")/start.sh"   # set-up functions only; sourcing starts no server

prepare_browser_tools

say "benchmarking (about twenty minutes; the figures follow)"
echo "== 1. Trainer throughput =="
"$VENV/bin/python" benchmarks/trainer_vs_plain_loop.py seed-ffn spiral plane seed-cnn seed-lstm
echo
echo "== 2-4. Live view in the browser =="
"$VENV/bin/python" benchmarks/live_view.py
echo
echo "== 4b. The network view of 8 hidden layers of 32 neurons =="
"$VENV/bin/python" benchmarks/live_view.py --runs network --network-units 32
echo
echo "== 5. The convolutions, sequences and tables pages =="
"$VENV/bin/python" benchmarks/live_view.py --runs conv --view-seconds 10
"$VENV/bin/python" benchmarks/live_view.py --runs seq --view-seconds 10
"$VENV/bin/python" benchmarks/live_view.py --runs tab --view-seconds 10
echo
echo "== 5b. The live views of the two lesson pages =="
"$VENV/bin/python" benchmarks/live_view.py --runs learn
"$VENV/bin/python" benchmarks/live_view.py --runs why
echo
echo "== 6. Frames of the largest network a link may carry =="
"$VENV/bin/python" benchmarks/network_frames.py
echo
echo "== 7. The biggest upload of each kind =="
"$VENV/bin/python" benchmarks/upload_limits.py
echo
echo "== 8. How it learns: loss maps, races, one explained step =="
"$VENV/bin/python" benchmarks/learning.py
echo
echo "== 9. How it learns: the race's painted frames a second in the browser =="
"$VENV/bin/python" benchmarks/race_animation.py
echo
echo "== 10. Why deep learning: the classic models on the 5,000 MNIST digits =="
"$VENV/bin/python" benchmarks/baselines.py
echo
echo "== 11. Light workers: what one more session's worker costs =="
"$VENV/bin/python" benchmarks/light_workers.py
echo
echo "== 12. A class of 10, 20 and 30 students on this server (about 10 minutes) =="
exec "$VENV/bin/python" benchmarks/class_load.py
