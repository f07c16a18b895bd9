#!/usr/bin/env python
"""Shows that a folder written by `sift train` is a real Hugging Face model: transformers'
AutoModelForSequenceClassification + AutoTokenizer load it and give the same logits as
`sift predict --logits` (|a-b| <= 1e-4 + 1e-3*|b|; exit status 1 otherwise).

    .venv/bin/python scripts/checks/check_hf_load.py MODEL_DIR [--sift .build/release/sift] [--texts FILE]

Needs only torch (CPU) and transformers; see docs/training.md for the CI cost of that install.
"""
import argparse, json, pathlib, subprocess, sys, tempfile

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

DEFAULT_TEXTS = [
    "The central bank raised interest rates again this quarter.",
    "The striker scored twice in the second half.",
    "A new smartphone with a folding screen goes on sale next week.",
    "Parliament votes on the budget tomorrow.",
    "The film won three awards at the festival.",
    "short",
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("--sift", default=".build/release/sift")
    ap.add_argument("--texts")
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--architecture", default="BertForSequenceClassification",
                    help="the class config.json must name (DistilBert…, Roberta…, XLMRoberta…)")
    a = ap.parse_args()
    texts = pathlib.Path(a.texts).read_text(encoding="utf-8").splitlines() if a.texts else DEFAULT_TEXTS
    texts = [t for t in texts if t.strip()]

    model = AutoModelForSequenceClassification.from_pretrained(a.model_dir).eval()
    tok = AutoTokenizer.from_pretrained(a.model_dir)
    arch = model.config.architectures
    assert arch == [a.architecture], f"architectures is {arch}, expected {a.architecture}"
    assert type(model).__name__ == a.architecture, f"transformers built {type(model).__name__}"
    with torch.no_grad():
        enc = tok(texts, padding=True, truncation=True, max_length=a.max_length, return_tensors="pt")
        # DistilBERT takes no token types; single texts have type 0 everywhere for the others.
        ref = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).logits

    with tempfile.TemporaryDirectory() as d:
        inp = pathlib.Path(d) / "in.jsonl"
        inp.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
        out = subprocess.run([a.sift, "predict", a.model_dir, "-i", str(inp), "--logits", "--max-length", str(a.max_length)],
                             check=True, capture_output=True, text=True).stdout
    got = torch.tensor([json.loads(l)["logits"] for l in out.splitlines() if l.strip()])
    diff = (got - ref).abs()
    ok = bool((diff <= 1e-4 + 1e-3 * ref.abs()).all())
    print(f"{len(texts)} texts, labels {model.config.id2label}, problem_type {model.config.problem_type}")
    print(f"max |logit diff| sift vs transformers: {diff.max().item():.3g} -> {'OK' if ok else 'MISMATCH'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
