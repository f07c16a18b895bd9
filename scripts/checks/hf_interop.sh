#!/usr/bin/env bash
# CI's proof that what `sift train` writes is a Hugging Face model: trains the tiny committed base
# (single-label and multi-label, a few steps) with the given sift binary, then has Python
# transformers load each output folder and compare its logits with `sift predict --logits`
# (scripts/checks/check_hf_load.py); the same for a `--method setfit` folder, read as a
# sentence-transformers body plus its safetensors head (scripts/checks/check_setfit_load.py); and a
# `--task token-classification` folder, whose entities transformers' token-classification pipeline
# must find exactly as `sift ner` does (scripts/checks/check_ner_load.py).
# Needs .venv from scripts/python-env.sh.
# Usage: scripts/checks/hf_interop.sh [SIFT_BINARY]   (default .build/debug/sift)
set -euo pipefail
cd "$(dirname "$0")/../.."
SIFT=${1:-.build/debug/sift}
PY=.venv/bin/python
[ -x "$SIFT" ] || { echo "hf_interop: $SIFT is not an executable sift (build first: swift build)" >&2; exit 2; }
[ -x "$PY" ] || { echo "hf_interop: $PY is missing; run scripts/python-env.sh" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
BASE=Tests/Fixtures/train/tiny-base

# Texts built from the tiny base's vocabulary, plus words it lacks (they become [UNK] on both sides).
"$PY" - "$WORK" <<'PY'
import json, random, sys, pathlib
out = pathlib.Path(sys.argv[1])
words = ["the", "city", "and", "state", "he", "said", "that", "we", "know", "of", "to", "in", "it", "was"]
rng = random.Random(7)
single, multi, texts = ["text,label"], [], []
for i in range(60):
    t = " ".join(rng.choice(words) for _ in range(rng.randint(3, 12)))
    label = ["place", "talk", "other"][i % 3]
    single.append(f'"{t}",{label}')
    tags = [l for l, on in (("a", i % 2 == 0), ("b", i % 3 == 0)) if on] or ["c"]
    multi.append(json.dumps({"text": t, "labels": tags}))
    texts.append(t)
texts += ["Unknown words like zebra and quasar", "THE CITY, and the state!", "x"]
(out / "single.csv").write_text("\n".join(single) + "\n", encoding="utf-8")
(out / "multi.jsonl").write_text("\n".join(multi) + "\n", encoding="utf-8")
(out / "texts.txt").write_text("\n".join(texts) + "\n", encoding="utf-8")
PY

common=(--base "$BASE" --epochs 2 --batch-size 8 --learning-rate 1e-3 --max-length 32 --eval-split 0.2 --quiet)
"$SIFT" train --train "$WORK/single.csv" --out "$WORK/single" "${common[@]}"
"$SIFT" train --train "$WORK/multi.jsonl" --label-column labels --multi-label --out "$WORK/multi" "${common[@]}"
status=0
for m in single multi; do
  echo "hf_interop: $m-label model"
  "$PY" scripts/checks/check_hf_load.py "$WORK/$m" --sift "$SIFT" --texts "$WORK/texts.txt" --max-length 32 || status=1
done
echo "hf_interop: setfit model"
"$SIFT" train --method setfit --train "$WORK/single.csv" --out "$WORK/setfit" --base "$BASE" --examples-per-class 6 \
  --learning-rate 1e-3 --max-length 32 --quiet
"$PY" scripts/checks/check_setfit_load.py "$WORK/setfit" --sift "$SIFT" --texts "$WORK/texts.txt" --max-length 32 || status=1
echo "hf_interop: token-classification model"
NER_BASE=Tests/Fixtures/entities/tiny-ner
"$PY" - "$WORK" <<'PY'
import random, sys, pathlib
out = pathlib.Path(sys.argv[1])
rng = random.Random(11)
names = [("Angela Merkel", "PER"), ("Emmanuel Macron", "PER"), ("Paris", "LOC"), ("Berlin", "LOC"), ("Siemens AG", "ORG"), ("Airbus", "ORG")]
filler = ["visited", "met", "in", "with", "the", "on", "Monday", "said", "."]
rows, texts = [], []
for i in range(40):
    words = []
    for _ in range(rng.randint(3, 7)):
        if rng.random() < 0.4:
            name, kind = rng.choice(names)
            words += [(w, ("B-" if j == 0 else "I-") + kind) for j, w in enumerate(name.split())]
        else:
            words.append((rng.choice(filler), "O"))
    rows.append("".join(f"{w}\t{t}\n" for w, t in words))
    texts.append(" ".join(w for w, _ in words))
texts += ["Zoë Müller and Łukasz met in Kraków, Zürich and 東京 😀 on Monday; " * 3, "x", ""]
(out / "ner.conll").write_text("\n".join(rows), encoding="utf-8")
(out / "ner.txt").write_text("\n".join(texts) + "\n", encoding="utf-8")
PY
"$SIFT" train --task token-classification --base "$NER_BASE" --train "$WORK/ner.conll" --out "$WORK/ner" --epochs 2 \
  --batch-size 8 --learning-rate 1e-3 --max-length 32 --eval-split 0.2 --quiet
"$PY" scripts/checks/check_ner_load.py "$WORK/ner" --sift "$SIFT" --texts "$WORK/ner.txt" --max-length 32 || status=1
exit $status
