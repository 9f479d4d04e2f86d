#!/usr/bin/env bash
# Install everything the test suite needs (first run only) and run it: ruff, eslint and node's tests of the
# browser code (playground/ui/web, tests/js), then pytest.
#
#   bash scripts/test.sh                      # the whole suite, browser tests included
#   bash scripts/test.sh tests/browser -x     # arguments go to pytest
#
# Needs Python 3.10+ and, for the browser tests, Debian's chromium at /usr/bin/chromium, which this script
# installs with apt-get when it is missing (as root, or through sudo), and node with npm (Debian's nodejs and
# npm when missing; eslint comes from the npm registry). The browser tests never skip: without a browser they
# fail.
set -euo pipefail

# shellcheck source=scripts/start.sh
source "$(dirname "${BASH_SOURCE[0]}")/start.sh"   # set-up functions only; sourcing starts no server

prepare_browser_tools
prepare_js_tools

say "ruff check ."
"$VENV/bin/ruff" check .

say "eslint ."
node_modules/.bin/eslint .

say "node --test tests/js"
node --test --test-reporter=dot tests/js/*.test.js

say "pytest $*"
exec "$VENV/bin/python" -m pytest "$@"
