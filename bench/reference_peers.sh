#!/usr/bin/env bash
# Installs the peer engines bench/engine_python.py compares against that scripts/python-env.sh
# does not: CTranslate2 (pinned, so figures are comparable across runs) and onnx (for the export).
# Idempotent: does nothing when the pinned versions are already in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
CT2=4.8.5
ONNX=1.23.2
[ -x .venv/bin/python ] || { echo "reference_peers: no .venv; run scripts/python-env.sh first" >&2; exit 2; }
have() { .venv/bin/python -c "import importlib.metadata as m, sys; sys.exit(m.version('$1') != '$2')" 2>/dev/null; }
need=()
have ctranslate2 "$CT2" || need+=("ctranslate2==$CT2")
have onnx "$ONNX" || need+=("onnx==$ONNX")
[ ${#need[@]} -eq 0 ] || .venv/bin/pip install -q "${need[@]}"
