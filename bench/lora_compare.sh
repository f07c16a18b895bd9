#!/usr/bin/env bash
# LoRA against full fine-tuning (issue #12 item 3): all-MiniLM-L6-v2 on the BBC split
# (scripts/data/make_splits.py bbc), 3 epochs each, the epoch selected on a 10% validation split of
# train and the test split scored once. Sift full (lr 5e-5) and Sift LoRA (r 8, alpha 16, dropout
# 0.05; query,value and then every encoder linear, lr LR), then PEFT with the first LoRA recipe on
# the same split files (bench/finetune_reference.py: test figures printed per epoch, for scale).
# Prints trained-parameter shares, test figures and wall clock per run.
#   [LORA_ONLY=1] bench/lora_compare.sh [LR=5e-4] [--no-python]   (needs scripts/setup.sh, swift build -c release, .venv)
set -euo pipefail
cd "$(dirname "$0")/.."
LR=${1:-5e-4}
SPLIT=.build/bbc-split
[ -f "$SPLIT/train.csv" ] || .venv/bin/python scripts/data/make_splits.py bbc
SIFT=.build/release/sift
BASE=.models/all-MiniLM-L6-v2
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
$SIFT info | grep -iE "backend|blas|threads" || true
run() {
  local name=$1; shift
  local out; out=$(mktemp -d)
  local start; start=$(date +%s)
  $SIFT train --train "$SPLIT/train.csv" --validation-split 0.1 --test "$SPLIT/test.csv" --base "$BASE" --out "$out" \
    --epochs 3 --quiet "$@" >/dev/null 2>"$out.log"
  local share; share=$(grep -o "training [0-9]* of [0-9]* parameters ([0-9.]*%)" "$out.log" || echo "training every parameter")
  python3 -c "import json,sys; t=json.load(open(sys.argv[1])); print(f'{sys.argv[2]:22s} epoch {t[\"epoch\"]}  test accuracy {t[\"accuracy\"]:.4f}  macro-F1 {t[\"macro_f1\"]:.4f}  {sys.argv[3]} s  ({sys.argv[4]})')" \
    "$out/test_metrics.json" "$name" "$(( $(date +%s) - start ))" "$share"
  du -sh --exclude=checkpoint "$out" | awk '{print "  output folder: " $1}'
  rm -rf "$out" "$out.log"
}
[ -n "${LORA_ONLY:-}" ] || run "sift full" --learning-rate 5e-5
run "sift lora q,v"        --mode lora --learning-rate "$LR"
run "sift lora all linear" --mode lora --learning-rate "$LR" \
  --lora-targets query,key,value,attention.output.dense,intermediate.dense,output.dense
if [ "${2:-}" != "--no-python" ]; then
  start=$(date +%s)
  echo "peft lora q,v (test figures per epoch; for scale):"
  .venv/bin/python bench/finetune_reference.py "$SPLIT/train.csv" "$SPLIT/test.csv" --base "$BASE" --lr "$LR" --lora-r 8 2>/dev/null
  echo "  $(( $(date +%s) - start )) s"
fi
