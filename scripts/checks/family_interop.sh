#!/usr/bin/env bash
# CI's proof that `sift train` writes DistilBERT, RoBERTa and XLM-R folders transformers loads:
# fine-tunes each tiny bare base of Tests/Fixtures/families (scripts/fixtures/make_family_fixtures.py;
# a WordPiece tokenizer whose [PAD] is id 1, RoBERTa's padding_idx) with the given sift binary, then
# has AutoModelForSequenceClassification load the folder as the family's class and reproduce
# `sift predict --logits` (scripts/checks/check_hf_load.py). Modes: full fine-tuning for each
# family, multi-label for XLM-R, head-only for RoBERTa and DistilBERT (their heads own a dense
# layer), --mode freeze for XLM-R; and RoBERTa with its own kind of tokenizer, byte-level BPE
# (families/roberta-bpe: tokenizer.json only), which transformers' AutoTokenizer must read as sift does.
# Needs .venv from scripts/python-env.sh.
# Usage: scripts/checks/family_interop.sh [SIFT_BINARY]   (default .build/debug/sift)
set -euo pipefail
cd "$(dirname "$0")/../.."
SIFT=${1:-.build/debug/sift}
PY=.venv/bin/python
[ -x "$SIFT" ] || { echo "family_interop: $SIFT is not an executable sift (build first: swift build)" >&2; exit 2; }
[ -x "$PY" ] || { echo "family_interop: $PY is missing; run scripts/python-env.sh" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

"$PY" - "$WORK" <<'PY'
import json, random, sys, pathlib
out = pathlib.Path(sys.argv[1])
words = ["the", "city", "and", "state", "he", "said", "that", "we", "know", "of", "to", "in", "it", "was"]
rng = random.Random(13)
single, multi, texts = ["text,label"], [], []
for i in range(48):
    t = " ".join(rng.choice(words) for _ in range(rng.randint(3, 12)))
    single.append(f'"{t}",{["place", "talk", "other"][i % 3]}')
    tags = [l for l, on in (("a", i % 2 == 0), ("b", i % 3 == 0)) if on] or ["c"]
    multi.append(json.dumps({"text": t, "labels": tags}))
    texts.append(t)
texts += ["Unknown words like zebra and quasar", "THE CITY, and the state!", "x", " ".join(words * 4)]
(out / "single.csv").write_text("\n".join(single) + "\n", encoding="utf-8")
(out / "multi.jsonl").write_text("\n".join(multi) + "\n", encoding="utf-8")
(out / "texts.txt").write_text("\n".join(texts) + "\n", encoding="utf-8")
PY

status=0 n=0
run() {  # family class name, extra sift train arguments...
  local family=$1 cls=$2; shift 2
  n=$((n + 1)); local name="$family-$n"
  echo "family_interop: $family $*"
  "$SIFT" train --base "Tests/Fixtures/families/$family/base" --out "$WORK/$name" --epochs 2 --batch-size 8 \
    --learning-rate 1e-3 --max-length 32 --eval-split 0.2 --quiet "$@"
  "$PY" scripts/checks/check_hf_load.py "$WORK/$name" --sift "$SIFT" --texts "$WORK/texts.txt" --max-length 32 \
    --architecture "${cls}ForSequenceClassification" || status=1
}
run distilbert DistilBert --train "$WORK/single.csv"
run distilbert DistilBert --train "$WORK/single.csv" --mode head-only
run roberta Roberta --train "$WORK/single.csv"
run roberta Roberta --train "$WORK/single.csv" --mode head-only
run roberta-bpe Roberta --train "$WORK/single.csv"
run xlm-roberta XLMRoberta --train "$WORK/single.csv" --mode freeze --freeze-layers 1
run xlm-roberta XLMRoberta --train "$WORK/multi.jsonl" --label-column labels --multi-label
exit $status
