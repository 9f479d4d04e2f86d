#!/usr/bin/env bash
# Install everything the test suite needs (first run only) and run it: ruff, then pytest.
#
#   bash scripts/test.sh                      # the whole suite, browser tests included
#   bash scripts/test.sh tests/browser -x     # arguments go to pytest
#
# Needs Python 3.10+ and, for the browser tests, Debian's chromium at /usr/bin/chromium, which this script
# installs with apt-get when it is missing (as root, or through sudo). The browser tests never skip: without
# a browser they fail.
set -euo pipefail

# shellcheck source=scripts/start.sh
source "$(dirname "${BASH_SOURCE[0]}")/start.sh"   # set-up functions only; sourcing starts no server

CHROMIUM=/usr/bin/chromium

cd "$REPO_ROOT"
lock_setup
ensure_venv
ensure_installed ".[test]" test
unlock_setup

# The browser tests need Chromium. A CJK font is only cosmetic: it lets the Chinese UI (and the "语言" in
# the sidebar of the README screenshot) render as text instead of boxes.
has_cjk_font() { command -v fc-list >/dev/null 2>&1 && [[ -n "$(fc-list :lang=zh 2>/dev/null)" ]]; }
if [[ ! -x "$CHROMIUM" ]]; then
    say "$CHROMIUM is missing; the browser tests need it"
    packages=(chromium)
    has_cjk_font || packages+=(fonts-wqy-microhei)
    apt_install "${packages[@]}"
    [[ -x "$CHROMIUM" ]] || die "$CHROMIUM is still missing after apt-get install chromium"
elif ! has_cjk_font; then
    (apt_install fonts-wqy-microhei) || say "warning: no CJK font; Chinese text will render as boxes"
fi

say "ruff check ."
"$VENV/bin/ruff" check .

say "pytest $*"
exec "$VENV/bin/python" -m pytest "$@"
