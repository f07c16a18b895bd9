#!/usr/bin/env bash
# Same-run comparison of the SetFit method: `sift bench fewshot` against real SetFit 1.2.0
# (bench/setfit_reference.py) on the same documents, one after the other on a quiet machine.
# Prints each side's accuracy and the ratio of wall-clock times (training, head, 425 test documents).
# Usage: bench/fewshot_compare.sh [SEEDS (default 1)] [SIFT (default .build-release/release/sift)]
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${1:-1}
SIFT=${2:-.build-release/release/sift}
PY=.venv-setfit/bin/python
[ -x "$PY" ] || { echo "fewshot_compare: $PY missing; see bench/setfit_reference.py for its install" >&2; exit 2; }
SPLITS=out/bench-fewshot-splits
"$SIFT" bench fewshot --splits-only --out "$SPLITS" --seeds "$SEEDS" --quiet
now() { date +%s.%N; }
t0=$(now)
"$SIFT" bench fewshot --seeds "$SEEDS" --out out/bench-fewshot-compare --quiet | grep -E "machine|SetFit|summary" || true
t1=$(now)
"$PY" bench/setfit_reference.py --splits "$SPLITS" --model .models/all-MiniLM-L6-v2 --seeds "$SEEDS" --max-length 128 \
  --threads 2 2>/dev/null | grep -E "^setfit-python|versions|over"
t2=$(now)
python3 - "$t0" "$t1" "$t2" <<'PY'
import sys
t0, t1, t2 = map(float, sys.argv[1:])
s, p = t1 - t0, t2 - t1
print(f"wall clock: sift bench fewshot {s:.0f} s (also runs the frozen baselines and zero-shot), "
      f"python SetFit {p:.0f} s; python / sift = {p / s:.2f}x")
PY
