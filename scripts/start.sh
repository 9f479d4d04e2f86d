#!/usr/bin/env bash
# Set up (first run only) and serve the playground on http://localhost:8501.
#
#   bash scripts/start.sh                        # http://localhost:8501
#   PORT=8600 bash scripts/start.sh              # another port
#   bash scripts/start.sh --server.port 8600     # extra arguments go to `streamlit run`
#
# Needs Python 3.10+ (set PYTHON=/path/to/python3 to pick one). The first run creates .venv and installs the
# pinned packages (a few minutes); later runs skip pip while constraints.txt and pyproject.toml are unchanged.
# pip reads its usual PIP_* variables, e.g. PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu for
# a CPU-only PyTorch, which is much smaller than the default wheel with CUDA libraries.
#
# scripts/test.sh and scripts/bench.sh source this file for the same set-up steps (prepare_browser_tools);
# sourced, it only defines the functions.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO_ROOT/.venv"

say() { printf '[playground] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# Run a command as root: directly when we are root, through sudo when it exists, else fail.
as_root() {
    if [[ "$(id -u)" == 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "'$*' needs root, and sudo is not installed; run it as root, then run this script again"
    fi
}

apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* by hand, then run this script again"
    say "installing Debian packages: $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

venv_ok() { "$VENV/bin/python" -m pip --version >/dev/null 2>&1; }

# Create .venv if it is missing or has no working pip (a half-made venv after a failed ensurepip).
ensure_venv() {
    venv_ok && return 0
    local python="${PYTHON:-python3}"
    command -v "$python" >/dev/null 2>&1 || die "$python not found; install Python 3.10 or newer"
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
        || die "$("$python" -V 2>&1) is too old; the playground needs Python 3.10 or newer"
    say "creating .venv with $("$python" -V 2>&1)"
    if ! "$python" -m venv "$VENV" >/dev/null 2>&1 || ! venv_ok; then
        # Debian ships venv's ensurepip in a separate package.
        say "python3 -m venv failed (Debian keeps ensurepip in python3-venv)"
        apt_install python3-venv
        "$python" -m venv "$VENV" || die "could not create $VENV"
        venv_ok || die "$VENV has no working pip"
    fi
}

# pip install -c constraints.txt -e "<target>" unless a stamp in .venv records the same inputs (Python,
# constraints.txt, pyproject.toml). Stamps are named after the target: "app" for ".", "test" for ".[test]";
# later stamp names are targets that include this one (".[test]" installs everything "." does).
ensure_installed() {
    local target="$1" name="$2" hash stamp
    shift 2
    hash="$(cd "$REPO_ROOT" && { "$VENV/bin/python" -V; cat constraints.txt pyproject.toml; } | sha256sum | cut -d' ' -f1)"
    for stamp in "$name" "$@"; do
        if [[ -f "$VENV/.installed-$stamp" && "$(cat "$VENV/.installed-$stamp")" == "$hash" ]]; then
            say "packages up to date ($target)"
            return 0
        fi
    done
    say "installing $target with pinned versions (the first run takes a few minutes)"
    rm -f "$VENV/.installed-$name"
    (cd "$REPO_ROOT" && "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        -c constraints.txt -e "$target")
    printf '%s\n' "$hash" >"$VENV/.installed-$name"
}

# One set-up at a time: a second start (or a test run) waits for the first one's pip to finish.
lock_setup() {
    mkdir -p "$VENV"
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$VENV/.setup.lock"
        flock 9
    fi
}

unlock_setup() {
    if command -v flock >/dev/null 2>&1; then
        exec 9>&-
    fi
}

# nginx's path (Debian keeps it in /usr/sbin, which a non-root PATH may lack), or nothing when it is not installed.
nginx_path() { command -v nginx 2>/dev/null || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; } || true; }

has_cjk_font() { command -v fc-list >/dev/null 2>&1 && [[ -n "$(fc-list :lang=zh 2>/dev/null)" ]]; }

# What the browser tests and the live-view benchmark need: .venv with ".[test]" (Playwright), Debian's chromium
# at /usr/bin/chromium, nginx (the test of scripts/serve-class.sh serves through it) and a CJK font. The font is
# only cosmetic: it lets the Chinese UI (and the "语言" in the sidebar of the README screenshot) render as text
# instead of boxes.
prepare_browser_tools() {
    local chromium=/usr/bin/chromium packages=()
    cd "$REPO_ROOT"
    lock_setup
    ensure_venv
    ensure_installed ".[test]" test
    unlock_setup
    [[ -x "$chromium" ]] || packages+=(chromium)
    [[ -n "$(nginx_path)" ]] || packages+=(nginx)
    if ((${#packages[@]})); then
        say "missing ${packages[*]}: the browser tests need them"
        has_cjk_font || packages+=(fonts-wqy-microhei)
        apt_install "${packages[@]}"
        [[ -x "$chromium" ]] || die "$chromium is still missing after apt-get install chromium"
        [[ -n "$(nginx_path)" ]] || die "nginx is still missing after apt-get install nginx"
    elif ! has_cjk_font; then
        (apt_install fonts-wqy-microhei) || say "warning: no CJK font; Chinese text will render as boxes"
    fi
}

# What the JavaScript lint and tests need (scripts/test.sh): node and npm (Debian's nodejs and npm when missing)
# and the pinned eslint of package-lock.json in node_modules, installed again only when the lock file changes.
prepare_js_tools() {
    local stamp="$REPO_ROOT/node_modules/.installed-lock" hash
    cd "$REPO_ROOT"
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        say "node or npm is missing; the JavaScript lint and tests need them"
        apt_install nodejs npm
    fi
    hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
    if [[ -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
        return 0
    fi
    say "installing the JavaScript lint tools (npm ci, pinned by package-lock.json)"
    npm ci --no-audit --no-fund --loglevel=error
    printf '%s\n' "$hash" >"$stamp"
}

main() {
    cd "$REPO_ROOT"
    lock_setup
    ensure_venv
    ensure_installed . app test
    unlock_setup
    say "starting the server; Streamlit prints its address when it is ready (Ctrl+C stops it)"
    exec "$VENV/bin/streamlit" run app.py --server.headless true --server.port "${PORT:-8501}" "$@"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi
