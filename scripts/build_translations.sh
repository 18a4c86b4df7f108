#!/usr/bin/env bash
# Compile the interface translations (.ts, the sources translators edit) into the .qm files the
# app loads. Run by scripts/setup.sh and by packaging; the .qm files are build output, not committed.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${VENV:-.venv}"
lrelease="$venv/bin/pyside6-lrelease"
[ -x "$lrelease" ] || lrelease="$(command -v pyside6-lrelease)"
for ts in app/socketscope/resources/i18n/*.ts; do
    "$lrelease" -silent "$ts" -qm "${ts%.ts}.qm"
done
