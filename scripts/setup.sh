#!/usr/bin/env bash
# Make a fresh Debian/Ubuntu machine ready to run or test SocketScope.
# Safe to run again: every step checks first and does nothing when already done.
#   scripts/setup.sh [offscreen|window]
# "offscreen" is enough for the tests; "window" adds what a real X11 window needs.
set -euo pipefail
cd "$(dirname "$0")/.."

want="${1:-offscreen}"
venv="${VENV:-.venv}"
python="${PYTHON:-python3}"

# --- system libraries Qt needs (list measured in shared/PACKAGING.md) ---------------------------
offscreen_pkgs="libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libglib2.0-0 libxkbcommon0 fonts-nanum"
window_pkgs="libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-render0 libxcb-shape0 libxcb-util1 libxcb-xkb1"
pkgs="$offscreen_pkgs"
[ "$want" = window ] && pkgs="$pkgs $window_pkgs"

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

if command -v dpkg-query >/dev/null 2>&1; then
    missing=""
    for p in $pkgs; do
        # Ubuntu 24.04 renamed some libraries with a t64 suffix; either name will do.
        installed "$p" || installed "${p}t64" || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        if [ "$(id -u)" = 0 ]; then
            echo "setup: installing Qt system libraries:$missing"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq
            resolved=""
            for p in $missing; do
                if apt-cache show "$p" >/dev/null 2>&1; then resolved="$resolved $p"
                else resolved="$resolved ${p}t64"; fi
            done
            # shellcheck disable=SC2086
            apt-get install -y -qq --no-install-recommends $resolved >/dev/null
        else
            echo "setup: Qt needs system libraries that are missing. Install them with:"
            echo "    sudo apt-get install --no-install-recommends$missing"
            echo "setup: continuing; the engine and terminal view work without them."
        fi
    fi
else
    echo "setup: not a Debian/Ubuntu system; make sure Qt's system libraries are installed (see README)."
fi

# --- virtual environment and the project --------------------------------------------------------
if [ ! -x "$venv/bin/python" ]; then
    echo "setup: creating $venv"
    "$python" -m venv "$venv"
fi
stamp="$venv/.socketscope-installed"
sum=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    echo "setup: installing socketscope, its test tools and PyInstaller (for make package) into $venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q -e ".[test,dev,package]"
    echo "$sum" > "$stamp"
fi

# --- interface translations: .ts sources compiled to .qm -----------------------------------------
VENV="$venv" bash scripts/build_translations.sh
