#!/usr/bin/env bash
# CI's proof that `sift pretrain` writes a BertForMaskedLM folder transformers reads: pretrains the
# tiny test base (no masked-LM head: Sift initializes one) on a small corpus, then has
# transformers load the output (no missing tensor; the base's pooler is the only extra) and its
# fill-mask pipeline give the same top 5 as `sift fill-mask --json` (scripts/checks/check_mlm_load.py).
# Needs .venv (scripts/python-env.sh).
# Usage: scripts/checks/mlm_interop.sh [SIFT_BINARY]   (default .build/debug/sift)
set -euo pipefail
cd "$(dirname "$0")/../.."
SIFT=${1:-.build/debug/sift}
PY=.venv/bin/python
BASE=Tests/Fixtures/train/tiny-base
[ -x "$SIFT" ] || { echo "mlm_interop: $SIFT is not an executable sift (build first: swift build)" >&2; exit 2; }
[ -x "$PY" ] || { echo "mlm_interop: $PY is missing; run scripts/python-env.sh" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for i in $(seq 1 12); do
  echo "the city was new and the school was made in the national state"
  echo "she had two years of music at the university, 城市很新"
  echo "he is the first man in the city and the team won the series at home"
done > "$WORK/corpus.txt"
"$SIFT" pretrain "$BASE" --corpus "$WORK/corpus.txt" --out "$WORK/mlm" --epochs 2 --batch-size 8 --max-length 32 \
  --learning-rate 1e-3 --whole-word-mask --validation-share 0.2 --quiet
printf '%s\n' "the [MASK] was new" "the school [MASK] made in the [MASK] state" "Two years at the [MASK]." > "$WORK/texts.txt"
mapfile -t TEXTS < "$WORK/texts.txt"
"$SIFT" fill-mask "$WORK/mlm" "${TEXTS[@]}" --json > "$WORK/sift.jsonl"
"$PY" scripts/checks/check_mlm_load.py "$WORK/mlm" --texts "$WORK/texts.txt" --sift-output "$WORK/sift.jsonl"
