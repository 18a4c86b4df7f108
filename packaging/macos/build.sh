#!/usr/bin/env bash
# Build SocketScope.app and dist/SocketScope-<version>.dmg on macOS.
# WRITTEN, NOT RUN: the project's machines are Linux. On macOS 12+ with python3 (3.11+, e.g.
# from python.org or Homebrew) and the Xcode command line tools, from anywhere:
#
#   bash packaging/macos/build.sh
#
# Steps: a venv (.venv-mac) with the project and its `package` extra (PyInstaller), then
# packaging/build-bundle.sh (translations, icons incl. build/icons/socketscope.icns, PyInstaller
# with packaging/socketscope.spec, which makes dist/SocketScope.app on macOS), the app's
# --self-test offscreen, and a compressed .dmg holding the app and a link to /Applications.
# The app is ad-hoc signed by PyInstaller; set CODESIGN_IDENTITY="Developer ID Application: …"
# to sign it properly (notarizing is a separate `xcrun notarytool submit` step, not done here).
# Korean text needs no font from us: macOS ships Apple SD Gothic Neo, which Qt finds by itself.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(uname -s)" = Darwin ] || { echo "macos/build.sh: run this on macOS" >&2; exit 1; }

export VENV="${VENV:-.venv-mac}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[package]"

bash packaging/build-bundle.sh
app=dist/SocketScope.app
QT_QPA_PLATFORM=offscreen "$app/Contents/MacOS/socketscope" --self-test
if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    codesign --force --deep --options runtime --sign "$CODESIGN_IDENTITY" "$app"
fi

version=$("$VENV/bin/python" -c 'import socketscope; print(socketscope.__version__)')
stage=build/dmg
rm -rf "$stage"
mkdir -p "$stage"
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"
dmg="dist/SocketScope-$version.dmg"
rm -f "$dmg"
hdiutil create -volname "SocketScope $version" -srcfolder "$stage" -format UDZO -ov "$dmg"
echo "built $dmg"
