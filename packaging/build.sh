#!/usr/bin/env bash
# Freezes the app with PyInstaller, for the OS it runs on:
#   Linux  dist/MinionsDesktop/  (one folder: the app, and the CLI through a link named minions)
#   macOS  dist/Minions.app
# ./dev package runs this and then packaging/deb.py, which makes the .deb. Windows builds
# run packaging/minions-desktop-windows.spec directly: see docs/packaging.md.
# Needs .venv from ./dev package (or ./dev run / ./dev test), which installs PyInstaller.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${VENV:-.venv}/bin/python
"$PY" -c 'import PyInstaller' 2>/dev/null ||
  { echo "build.sh: PyInstaller is not in ${VENV:-.venv}; run ./dev package" >&2; exit 1; }
case "$(uname -s)" in
  Linux) spec=packaging/minions-desktop.spec ;;
  Darwin) spec=packaging/minions-desktop-macos.spec ;;
  *) echo "build.sh: on Windows, follow docs/packaging.md" >&2; exit 2 ;;
esac
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN "$spec"
