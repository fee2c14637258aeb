#!/usr/bin/env bash
# Create .venv and install the project with the CPU build of torch (idempotent; fast when done).
# Elsewhere, for a GPU: install the torch build you want first, then `pip install -e '.[app,test]'`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.installed-$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install -q --upgrade pip >/dev/null 2>&1 || true
  # The CPU wheel of torch; an unpinned torch would pull a multi-GB CUDA build.
  .venv/bin/python -c "import torch" 2>/dev/null || .venv/bin/pip install -q "torch==2.13.0" \
    || .venv/bin/pip install -q torch --index-url https://download.pytorch.org/whl/cpu
  .venv/bin/pip install -q -e ".[app,test]"
  touch "$stamp"
fi
