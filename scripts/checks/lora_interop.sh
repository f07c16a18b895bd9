#!/usr/bin/env bash
# CI's proof that `sift train --mode lora` writes a PEFT adapter: trains the tiny committed base
# with adapters on every encoder linear (a few steps), folds it with `sift merge`, then has Python
# PEFT load the adapter over the base and transformers load the merged folder, each giving the
# logits of `sift predict` (scripts/checks/check_lora_load.py). Reading PEFT-written adapters is
# covered by Tests/SiftTrainTests/LoRATests.swift. Needs .venv from scripts/python-env.sh.
# Usage: scripts/checks/lora_interop.sh [SIFT_BINARY]   (default .build/debug/sift)
set -euo pipefail
cd "$(dirname "$0")/../.."
SIFT=${1:-.build/debug/sift}
PY=.venv/bin/python
[ -x "$SIFT" ] || { echo "lora_interop: $SIFT is not an executable sift (build first: swift build)" >&2; exit 2; }
[ -x "$PY" ] || { echo "lora_interop: $PY is missing; run scripts/python-env.sh" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
BASE=Tests/Fixtures/train/tiny-base

"$PY" - "$WORK" <<'PY'
import random, sys, pathlib
out = pathlib.Path(sys.argv[1])
words = ["the", "city", "and", "state", "he", "said", "that", "we", "know", "of", "to", "in", "it", "was"]
rng = random.Random(5)
rows, texts = ["text,label"], []
for i in range(60):
    t = " ".join(rng.choice(words) for _ in range(rng.randint(3, 12)))
    rows.append(f'"{t}",{["place", "talk", "other"][i % 3]}')
    texts.append(t)
texts += ["Unknown words like zebra and quasar", "THE CITY, and the state!", "x"]
(out / "train.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
(out / "texts.txt").write_text("\n".join(texts) + "\n", encoding="utf-8")
# The base without its pooler (as many sentence-transformers folders come): Sift trains a fresh one
# and saves it in modules_to_save, which PEFT must load too.
import shutil
from safetensors.torch import load_file, save_file
bare = out / "base-no-pooler"
shutil.copytree("Tests/Fixtures/train/tiny-base", bare)
weights = load_file(bare / "model.safetensors")
save_file({k: v for k, v in weights.items() if "pooler" not in k}, bare / "model.safetensors", metadata={"format": "pt"})
PY

"$SIFT" train --train "$WORK/train.csv" --out "$WORK/adapter" --base "$BASE" --mode lora --lora-r 4 --lora-alpha 8 \
  --lora-targets query,key,value,attention.output.dense,intermediate.dense,output.dense \
  --epochs 2 --batch-size 8 --learning-rate 1e-2 --max-length 32 --eval-split 0.2 --quiet
"$SIFT" merge "$WORK/adapter" --out "$WORK/merged"
status=0
echo "lora_interop: adapters on every encoder linear"
"$PY" scripts/checks/check_lora_load.py "$WORK/adapter" "$WORK/merged" --sift "$SIFT" --texts "$WORK/texts.txt" --max-length 32 || status=1
echo "lora_interop: default targets over a base without a pooler"
"$SIFT" train --train "$WORK/train.csv" --out "$WORK/adapter2" --base "$WORK/base-no-pooler" --mode lora \
  --epochs 1 --batch-size 8 --learning-rate 1e-2 --max-length 32 --eval-split 0.2 --quiet
grep -q '"pooler"' "$WORK/adapter2/adapter_config.json" || { echo "lora_interop: modules_to_save lacks the trained pooler" >&2; status=1; }
"$SIFT" merge "$WORK/adapter2" --out "$WORK/merged2"
"$PY" scripts/checks/check_lora_load.py "$WORK/adapter2" "$WORK/merged2" --sift "$SIFT" --texts "$WORK/texts.txt" --max-length 32 || status=1
exit $status
