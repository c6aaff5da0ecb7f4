#!/usr/bin/env bash
# Freezes the app into a one-folder bundle with PyInstaller: dist/MinionsDesktop/.
# Run from the repository root after `make run` or `make test` created .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pip install --quiet 'pyinstaller>=6.10'
.venv/bin/pyinstaller --noconfirm --clean packaging/minions-desktop.spec
echo "Built dist/MinionsDesktop/ (start it with dist/MinionsDesktop/MinionsDesktop)"
