#!/usr/bin/env bash
# Set everything up (a .venv with the app) and open the chat window on the bundled sample reports.
# Usage: ./start.sh [extra 'rag serve' options, e.g. --port 8080 --llm-url http://127.0.0.1:11434/v1 --llm-model qwen2.5]
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q '.[ui,ocr]'  # OCR also needs Debian's tesseract-ocr-vie (see README)
exec .venv/bin/rag serve --ingest samples "$@"
