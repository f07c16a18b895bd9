#!/usr/bin/env python
"""Loads a `sift pretrain` folder as BertForMaskedLM and compares the fill-mask pipeline with
`sift fill-mask --json` (same tokens, strings and sequences; scores within 1e-5)."""
import argparse, json, sys
import transformers
from transformers import BertForMaskedLM, pipeline

ap = argparse.ArgumentParser()
ap.add_argument("model")
ap.add_argument("--texts", required=True)
ap.add_argument("--sift-output", required=True)
a = ap.parse_args()

model, info = BertForMaskedLM.from_pretrained(a.model, output_loading_info=True)
missing, unexpected = list(info["missing_keys"]), list(info["unexpected_keys"])
problems = []
if missing:
    problems.append(f"missing tensors: {missing}")
if any(not k.startswith("bert.pooler.") for k in unexpected):
    problems.append(f"unexpected tensors: {unexpected}")
if model.config.architectures != ["BertForMaskedLM"]:
    problems.append(f"architectures {model.config.architectures}")
fill = pipeline("fill-mask", model=model, tokenizer=a.model, top_k=5, device="cpu")
texts = [t for t in open(a.texts, encoding="utf-8").read().split("\n") if t]
sift = [json.loads(l) for l in open(a.sift_output, encoding="utf-8")]
worst = 0.0
for text, got in zip(texts, sift, strict=True):
    want = fill(text)
    want = want if isinstance(want[0], list) else [want]
    for g, w in zip(got, want, strict=True):
        for x, y in zip(g, w, strict=True):
            for k in ["token", "token_str", "sequence"]:
                if x[k] != y[k]:
                    problems.append(f"{text!r}: {k} {x[k]!r} vs transformers {y[k]!r}")
            worst = max(worst, abs(x["score"] - y["score"]))
if worst > 1e-5:
    problems.append(f"scores differ by {worst}")
print(f"mlm_interop: transformers {transformers.__version__} loads BertForMaskedLM (extra: {unexpected or 'none'}); "
      f"fill-mask top 5 of {len(texts)} texts equal, max score difference {worst:.2e}")
if problems:
    print("mlm_interop FAILED:\n  " + "\n  ".join(problems), file=sys.stderr)
    sys.exit(1)
