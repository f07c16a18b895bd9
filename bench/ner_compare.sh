#!/usr/bin/env bash
# Same-run comparison of token-classification fine-tuning: `sift train --task token-classification`
# against transformers + PyTorch (bench/ner_reference.py, run_ner.py semantics, seqeval) on the
# same synthetic CoNLL splits (bench/ner_synthetic.py: the test split's names are all unseen),
# the same base (all-MiniLM-L6-v2), settings and threads, one after the other on a quiet machine.
# Prints each side's validation and test entity F1 and the ratio of training wall-clock times.
# Usage: bench/ner_compare.sh [EPOCHS (default 3)] [SIFT (default .build-release/release/sift)]
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${1:-3}
SIFT=${2:-.build-release/release/sift}
PY=.venv/bin/python
BASE=.models/all-MiniLM-L6-v2
DATA=out/bench-ner-data
python3 bench/ner_synthetic.py "$DATA" >/dev/null
now() { date +%s.%N; }
t0=$(now)
"$SIFT" train --task token-classification --base "$BASE" --train "$DATA/train.conll" --validation "$DATA/validation.conll" \
  --test "$DATA/test.conll" --out out/bench-ner-sift --epochs "$EPOCHS" --batch-size 32 --learning-rate 5e-5 --max-length 128 \
  --seed 42 --quiet 2>&1 | grep -E "machine:|^epoch|test set|^test" | sed 's/^/sift: /'
t1=$(now)
"$PY" bench/ner_reference.py "$BASE" "$DATA" "$EPOCHS" 32 5e-5 128 2 42 2>/dev/null | sed 's/^/python: /'
t2=$(now)
python3 - "$t0" "$t1" "$t2" <<'PY'
import sys
t0, t1, t2 = map(float, sys.argv[1:])
s, p = t1 - t0, t2 - t1
print(f"wall clock (whole commands: load, train with a validation pass per epoch, test once): "
      f"sift {s:.0f} s, python {p:.0f} s; python / sift = {p / s:.2f}x")
PY
