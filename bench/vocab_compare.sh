#!/usr/bin/env bash
# Vocabulary extension on the Chinese reviews (issue #12, item 5's "vocabulary only" step):
# all-MiniLM-L6-v2's WordPiece vocabulary lacks most Chinese characters. `sift vocab extend` mines
# the training split only (never the test split), then `sift train` fine-tunes the extended model
# (EPOCHS, default 1; lr 5e-5, batch 32, max length 128; the epoch selected on a 10% validation
# split of train; the test split scored once). With --baseline, the same run from the plain model.
#   bench/vocab_compare.sh [EPOCHS] [--baseline]   (needs scripts/setup.sh, swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${1:-1}
SPLIT=.build/chinese-split
[ -f "$SPLIT/train.csv" ] || .venv/bin/python scripts/data/make_splits.py chinese
SIFT=.build/release/sift
BASE=.models/all-MiniLM-L6-v2
EXT=$(mktemp -d)/minilm-zh
trap 'rm -rf "$(dirname "$EXT")"' EXIT
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
$SIFT info | grep -iE "backend" || true
start=$(date +%s)
$SIFT vocab extend "$BASE" --corpus "$SPLIT/train.csv" --out "$EXT" --min-count 3 2>/dev/null
echo "vocab extend: $(( $(date +%s) - start )) s"
run() {
  local name=$1 base=$2
  local out; out=$(mktemp -d)
  local start; start=$(date +%s)
  $SIFT train --base "$base" --train "$SPLIT/train.csv" --test "$SPLIT/test.csv" --out "$out" --epochs "$EPOCHS" \
    --max-length 128 --batch-size 32 --learning-rate 5e-5 --seed 42 --quiet >/dev/null 2>"$out.log"
  grep -o "epoch [0-9]*/[0-9]*: .*" "$out.log" | sed 's/^/  /'
  python3 -c "import json,sys; t=json.load(open(sys.argv[1])); print(f'{sys.argv[2]:18s} test (scored once, epoch {t[\"epoch\"]}): accuracy {t[\"accuracy\"]:.4f}  macro-F1 {t[\"macro_f1\"]:.4f}  {sys.argv[3]} s')" \
    "$out/test_metrics.json" "$name" "$(( $(date +%s) - start ))"
  rm -rf "$out" "$out.log"
}
run "minilm + vocab" "$EXT"
[ "${2:-}" = "--baseline" ] && run "minilm as is" "$BASE"
exit 0
