#!/usr/bin/env bash
# Install (first run) and run the test suite: the real model, the real FAISS index, the real notices.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/ruff check assistant tests app.py
.venv/bin/python -m pytest -q "$@"
