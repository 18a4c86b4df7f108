#!/usr/bin/env bash
# Make a fresh machine ready to run and test SocketScope: `make run` and `make test` call this.
# Safe to run again: every step checks first, does nothing (and prints nothing) when already done,
# and a half-made .venv from an earlier failed try is rebuilt, not trusted.
#   scripts/setup.sh
#   env: VENV=.venv  PYTHON=python3
# Prerequisites (README): Python 3.10+ with venv, and make. On Debian/Ubuntu, as root:
#   apt-get install --no-install-recommends make python3-venv
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${VENV:-.venv}"
python="${PYTHON:-python3}"

fail() {
    echo "setup: $*" >&2
    exit 1
}

# How to run a command as root on this machine: sudo where there is one, else su (a minimal Debian
# has no sudo); the line printed must work when pasted as it is.
as_root() {
    if [ "$(id -u)" = 0 ]; then
        echo "$*"
    elif command -v sudo >/dev/null 2>&1; then
        echo "sudo $*"
    else
        case "$*" in
            *\'*) echo "su -c \"$*\"" ;;
            *) echo "su -c '$*'" ;;
        esac
    fi
}

# --- Python and the virtual environment ----------------------------------------------------------
command -v "$python" >/dev/null 2>&1 \
    || fail "no $python. SocketScope needs Python 3.10 or newer; on Debian/Ubuntu: $(as_root apt-get install --no-install-recommends python3-venv)"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
    || fail "$("$python" --version 2>&1) is too old; SocketScope needs Python 3.10 or newer."

# A venv is trusted only if its python runs and has pip: a first try without python3-venv, an
# interrupted create or a removed system Python all leave a .venv that later steps would trust
# ("No module named pip").
venv_works() {
    [ -x "$venv/bin/python" ] && "$venv/bin/python" -m pip --version >/dev/null 2>&1
}
if [ -e "$venv" ] && ! venv_works; then
    echo "setup: $venv is half-made (no working python or pip); rebuilding it"
    rm -rf "$venv"
fi
if [ ! -e "$venv" ]; then
    echo "setup: creating $venv"
    if ! "$python" -m venv "$venv" >/dev/null 2>&1 || ! venv_works; then
        rm -rf "$venv"
        hint=""
        command -v dpkg-query >/dev/null 2>&1 \
            && hint=" On Debian/Ubuntu install python3-venv: $(as_root apt-get install --no-install-recommends python3-venv)"
        fail "$python -m venv could not make a virtual environment with pip.$hint"
    fi
fi

# The stamp is written only after a complete install, so an install that failed half-way (network,
# disk) is redone on the next run.
stamp="$venv/.socketscope-installed"
sum=$("$venv/bin/python" -c \
    'import hashlib; print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest())')
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    echo "setup: installing socketscope, its test tools and PyInstaller (for make package) into $venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q -e ".[test,dev,package]"
    echo "$sum" > "$stamp"
fi

# --- system libraries Qt needs --------------------------------------------------------------------
# Not a list kept by hand: ask the dynamic linker what the Qt binaries this app loads cannot find.
# Those are the Python modules it imports, the offscreen (tests, screenshots) and xcb (the window)
# platform plugins with their GL integrations, the SVG plugins and lrelease/lupdate (translations).
# `make test` checks the same set as `make run`, so after it the window opens too.
qt_binaries() {
    local pyside
    pyside=$("$venv/bin/python" -c \
        'import importlib.util as u; print(u.find_spec("PySide6").submodule_search_locations[0])')
    local f
    for f in QtCore.abi3.so QtGui.abi3.so QtWidgets.abi3.so QtSvg.abi3.so lrelease lupdate \
        Qt/plugins/platforms/libqoffscreen.so Qt/plugins/platforms/libqxcb.so \
        Qt/plugins/xcbglintegrations/libqxcb-glx-integration.so \
        Qt/plugins/xcbglintegrations/libqxcb-egl-integration.so \
        Qt/plugins/imageformats/libqsvg.so Qt/plugins/iconengines/libqsvgicon.so \
        Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so; do
        [ -e "$pyside/$f" ] && echo "$pyside/$f"
    done
}
missing_sonames() {
    [ "$(uname -s)" = Linux ] || return 0 # macOS and Windows wheels bring everything
    local f
    qt_binaries | while read -r f; do
        ldd "$f" 2>/dev/null | awk '$2 == "=>" && $3 == "not" { print $1 }'
    done | sort -u
}

# Debian names a library's package after its soname (policy 8.1): libxcb-icccm.so.4 ->
# libxcb-icccm4, libpng16.so.16 -> libpng16-16, libgssapi_krb5.so.2 -> libgssapi-krb5-2. The few
# that do not follow it are listed. Debian 13 and Ubuntu 24.04 renamed some with a t64 suffix.
debian_package() {
    local so=$1 name ver pkg
    case "$so" in
        libglib-2.0.so.* | libgobject-2.0.so.* | libgio-2.0.so.* | libgthread-2.0.so.*)
            pkg=libglib2.0-0 ;;
        libGLdispatch.so.*) pkg=libglvnd0 ;;
        libz.so.*) pkg=zlib1g ;;
        libbrotli*.so.*) pkg=libbrotli1 ;;
        libdbus-1.so.*) pkg=libdbus-1-3 ;;
        *)
            name=${so%%.so.*}
            ver=${so#*.so.}
            ver=${ver%%.*}
            case "$name" in *[0-9]) name="$name-" ;; esac
            pkg=$(echo "$name$ver" | tr 'A-Z_' 'a-z-')
            ;;
    esac
    if ! apt-cache show "$pkg" >/dev/null 2>&1 && apt-cache show "${pkg}t64" >/dev/null 2>&1; then
        pkg="${pkg}t64"
    fi
    echo "$pkg"
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

sonames=$(missing_sonames)
if command -v dpkg-query >/dev/null 2>&1; then
    # fresh package lists, so that the names below are checked against what the mirror has
    if [ "$(id -u)" = 0 ] && { [ -n "$sonames" ] || ! installed fonts-nanum || ! installed gcc; }; then
        apt-get update -qq
    fi
    # The C lessons ("The notes' programs (C)") and `--program server.c` compile with the
    # system's cc on first use: gcc comes with the other packages. Not a must: without it the
    # window, the Python lessons and the tests of the rest all work, so a missing gcc is only
    # said, never a reason to stop.
    if ! installed gcc; then
        if [ "$(id -u)" = 0 ]; then
            echo "setup: installing gcc (the C lessons compile with it)"
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null \
                || echo "setup: gcc could not be installed; the C lessons will say so" >&2
        else
            echo "setup: the C lessons need gcc: $(as_root "apt-get install --no-install-recommends gcc libc6-dev")" >&2
        fi
    fi
    pkgs=""
    for so in $sonames; do pkgs="$pkgs $(debian_package "$so")"; done
    # Korean text: no library links to a font, so it is named here
    installed fonts-nanum || pkgs="$pkgs fonts-nanum"
    pkgs=$(echo "$pkgs" | tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ')
    pkgs=${pkgs% }
    if [ -n "$pkgs" ]; then
        line="apt-get install --no-install-recommends $pkgs"
        if [ "$(id -u)" = 0 ]; then
            echo "setup: installing what Qt needs from the system: $pkgs"
            export DEBIAN_FRONTEND=noninteractive
            # shellcheck disable=SC2086
            apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
            still=$(missing_sonames | tr '\n' ' ')
            [ -z "$still" ] || fail "Qt still cannot find $still after installing $pkgs"
        else
            # Stop here: without them neither the window, the tests nor the translations work.
            echo "setup: Qt needs system packages that are missing${sonames:+ (it cannot find $(echo $sonames))}." >&2
            echo "setup: install them as root, then run this again:" >&2
            echo "    $(as_root "$line")" >&2
            exit 1
        fi
    fi
elif [ -n "$sonames" ]; then
    list=$(echo "$sonames" | tr '\n' ' ')
    if command -v dnf >/dev/null 2>&1; then
        # dnf installs a library by its soname: 'libxcb-icccm.so.4()(64bit)'
        echo "setup: Qt needs system libraries that are missing. Install them as root, then run this again:" >&2
        echo "    $(as_root "dnf install $(echo "$sonames" | sed "s/.*/'&()(64bit)'/" | tr '\n' ' ')")" >&2
    fi
    fail "stopped: Qt cannot find $list(install the packages that provide them)"
fi

# --- interface translations: .ts sources compiled to .qm -----------------------------------------
VENV="$venv" bash scripts/build_translations.sh

# --- the app's bytecode, compiled once here and not at every start -------------------------------
# Where PYTHONDONTWRITEBYTECODE is set (some shells and CI images set it) Python never keeps what it
# compiles, and every start compiled the app's ~150 modules again before the window could paint
# (issue 11). Only what changed since is compiled; the .pyc files are not in git.
"$venv/bin/python" -m compileall -q -j 0 app >/dev/null || echo "setup: could not compile app/ ahead (it still runs)" >&2
