#!/usr/bin/env bash
# CI's proof that `sift vocab extend` writes a Hugging Face folder: extends all-MiniLM-L6-v2 (from
# scripts/setup.sh) with the words of 3,000 Chinese reviews and a few English clinical notes that
# it lacks or splits apart, plus a --tokens list of clinical terms (added tokens), then has transformers load the result: same ids as `sift tokenize`,
# old embedding rows unchanged, new rows the mean of the base's pieces, same embeddings as
# `sift embed` (scripts/checks/check_vocab_load.py). Needs .venv (scripts/python-env.sh).
# Usage: scripts/checks/vocab_interop.sh [SIFT_BINARY]   (default .build/debug/sift)
set -euo pipefail
cd "$(dirname "$0")/../.."
SIFT=${1:-.build/debug/sift}
PY=.venv/bin/python
BASE=.models/all-MiniLM-L6-v2
[ -x "$SIFT" ] || { echo "vocab_interop: $SIFT is not an executable sift (build first: swift build)" >&2; exit 2; }
[ -x "$PY" ] || { echo "vocab_interop: $PY is missing; run scripts/python-env.sh" >&2; exit 2; }
[ -f "$BASE/config.json" ] && [ -f .data/chinese-reviews/neg.txt ] || { echo "vocab_interop: run scripts/setup.sh first (model and data)" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
head -n 1500 .data/chinese-reviews/neg.txt > "$WORK/corpus.txt"
head -n 1500 .data/chinese-reviews/pos.txt >> "$WORK/corpus.txt"
for i in 1 2 3 4 5 6; do
  echo "Pt NPO after midnight; acetaminophen 500 mg q.d., CXR shows cardiomegaly; COVID-19 negative; tachycardia resolved." >> "$WORK/corpus.txt"
done
# The user's own terms (added tokens, as add_tokens adds them), one with flags and one special.
printf '%s\n' "COVID-19" "q.d." "NPO" "CXR" "b.i.d." "the" '{"content": "Pt", "single_word": true}' \
  '{"content": "[NOTE]", "special": true}' > "$WORK/tokens.txt"
"$SIFT" vocab extend "$BASE" --corpus "$WORK/corpus.txt" --tokens "$WORK/tokens.txt" --out "$WORK/extended" --min-count 3
{ sed -n '1490,1530p' "$WORK/corpus.txt"; tail -n 1 "$WORK/corpus.txt"; echo "THE CITY and 东京, with acetaminophen";
  echo "[NOTE] pt NPO; covid-19 b.i.d. and Q.D.; CXR clear; apt Pt. post-COVID-19"; } > "$WORK/texts.txt"
"$PY" scripts/checks/check_vocab_load.py "$BASE" "$WORK/extended" --sift "$SIFT" --texts "$WORK/texts.txt"
