#!/usr/bin/env bash
# Continued pretraining on the Chinese reviews (issue #12, item 5's "+ pretraining" step), a probe
# sized to minutes: `sift vocab extend` mines the training split (never the test split), then
# `sift pretrain` runs one epoch over the first N training reviews (default 3000; max length 64,
# batch 32, lr 1e-4, whole-word masking) with 300 other training reviews held out, printing the
# held-out masked-token loss before and after and the token rate; the PyTorch peer
# (bench/mlm_torch.py) trains the same extended model on the same texts in the same run.
#   bench/pretrain_probe.sh [N]   (needs scripts/setup.sh, swift build -c release)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-3000}
SPLIT=.build/chinese-split
[ -f "$SPLIT/train.csv" ] || .venv/bin/python scripts/data/make_splits.py chinese
SIFT=.build/release/sift
BASE=.models/all-MiniLM-L6-v2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
$SIFT info | grep -iE "backend|features" || true
$SIFT vocab extend "$BASE" --corpus "$SPLIT/train.csv" --out "$WORK/ext" --min-count 3 2>/dev/null | grep -E "adding|vocabulary"
.venv/bin/python - "$SPLIT/train.csv" "$N" "$WORK" <<'PY'
import csv, sys
rows = [r["text"].replace("\n", " ") for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))]
n = int(sys.argv[2])
open(f"{sys.argv[3]}/corpus.txt", "w", encoding="utf-8").write("\n".join(rows[:n]) + "\n")
open(f"{sys.argv[3]}/held.txt", "w", encoding="utf-8").write("\n".join(rows[n:n + 300]) + "\n")
PY
start=$(date +%s)
$SIFT pretrain "$WORK/ext" --corpus "$WORK/corpus.txt" --validation "$WORK/held.txt" --out "$WORK/mlm" --epochs 1 \
  --max-length 64 --batch-size 32 --learning-rate 1e-4 --whole-word-mask --quiet 2>&1 | grep -E "before training|epoch 1/1|pretraining:"
echo "sift pretrain: $(( $(date +%s) - start )) s for $N reviews"
.venv/bin/python bench/mlm_torch.py "$WORK/ext" "$WORK/corpus.txt" 64 32 20
