#!/usr/bin/env bash
# Build the one-folder PyInstaller bundle: dist/socketscope/ (Linux; on macOS also
# dist/SocketScope.app). Expects the venv that scripts/setup.sh makes (the `package` extra brings
# PyInstaller); `make package` runs the set-up first.
#   packaging/build-bundle.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export VENV="${VENV:-.venv}"
py="$VENV/bin/python"

# 1. translations: the lead's script compiles resources/i18n/*.ts to .qm (gitignored) next to them
if [ -f scripts/build_translations.sh ]; then
    bash scripts/build_translations.sh
else
    echo "build-bundle: no scripts/build_translations.sh; bundling resources/ as it is"
fi

# 2. icons for the installers, rendered from the SVG with Qt
QT_QPA_PLATFORM=offscreen "$py" packaging/make_icons.py build/icons

# 3. the bundle (resources/** and the scenarios' .py sources go in as data: see the spec)
rm -rf dist/socketscope dist/SocketScope.app
"$py" -m PyInstaller --noconfirm --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/socketscope.spec
# the README quotes this line: measure, do not guess
echo "build-bundle: dist/socketscope is $(($(du -sk dist/socketscope | cut -f1) / 1024)) MB" \
    "($(find dist/socketscope -type f | wc -l) files)"
