#!/usr/bin/env bash
# Imbalanced data (issue #12 item 6): MiniLM fine-tuned on the skewed BBC split three ways —
# plain, --class-weights balanced, --oversample — each selecting its epoch by validation
# macro-F1 (20% of train), the test half scored once. Prints each run's test figures.
#   bench/imbalance_compare.sh [EPOCHS]      (needs scripts/setup.sh and swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${1:-5}
SPLIT=.build/skewed-split
[ -f "$SPLIT/train.csv" ] || python3 scripts/data/make_splits.py skewed
SIFT=.build/release/sift
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $($SIFT info 2>/dev/null | grep -m1 -i 'backend' || true)"
python3 -c "import csv,sys,collections as c; [print(f, len(r), 'rows:', dict(c.Counter(x['label'] for x in r).most_common())) for f in sys.argv[1:] for r in [list(csv.DictReader(open(f)))]]" "$SPLIT/train.csv" "$SPLIT/test.csv"
for variant in plain class-weights oversample; do
  case $variant in
    plain) extra=() ;;
    class-weights) extra=(--class-weights balanced) ;;
    oversample) extra=(--oversample) ;;
  esac
  out=$(mktemp -d)
  start=$(date +%s)
  $SIFT train --train "$SPLIT/train.csv" --validation-split 0.2 --test "$SPLIT/test.csv" \
    --base .models/all-MiniLM-L6-v2 --out "$out" --epochs "$EPOCHS" --metric macro-f1 --quiet "${extra[@]}" >/dev/null 2>"$out.log"
  python3 -c "import json,sys; t=json.load(open(sys.argv[1])); print(f'{sys.argv[2]:14s} epoch {t[\"epoch\"]}  accuracy {t[\"accuracy\"]:.4f}  macro-F1 {t[\"macro_f1\"]:.4f}  ({sys.argv[3]} s)')" \
    "$out/test_metrics.json" "$variant" "$(( $(date +%s) - start ))"
  rm -rf "$out" "$out.log"
done
