#!/usr/bin/env bash
# CI's proof that Sift reads the real multilingual-e5-small folder (set-up converts it) as Hugging Face
# does: tokenizer ids and offsets against `tokenizers`, embeddings against transformers within 1e-4
# (scripts/checks/check_e5_parity.py). Needs .venv (scripts/python-env.sh) and scripts/setup.sh's model.
# Usage: scripts/checks/e5_parity.sh [SIFT_BINARY]   (default .build/debug/sift)
set -euo pipefail
cd "$(dirname "$0")/../.."
SIFT=${1:-.build/debug/sift}
PY=.venv/bin/python
[ -x "$SIFT" ] || { echo "e5_parity: $SIFT is not an executable sift (build first: swift build)" >&2; exit 2; }
[ -x "$PY" ] || { echo "e5_parity: $PY is missing; run scripts/python-env.sh" >&2; exit 2; }
exec "$PY" scripts/checks/check_e5_parity.py --sift "$SIFT"
