#!/usr/bin/env python
"""Shows that a folder written by `sift train --method setfit` is what it says: a
sentence-transformers body that transformers loads (AutoModel + AutoTokenizer), pooled as its
modules.json / 1_Pooling/config.json say, with the logistic-regression head of
model_head.safetensors and the labels of config_setfit.json, giving the same logits as
`sift predict --logits` (|a-b| <= 1e-4 + 1e-3*|b|; exit status 1 otherwise).

    .venv/bin/python scripts/checks/check_setfit_load.py MODEL_DIR --sift SIFT --texts FILE [--max-length N]

Needs torch, transformers and safetensors (the reference stack), not sentence-transformers.
"""
import argparse, json, pathlib, subprocess, sys, tempfile

import torch
from safetensors import safe_open
from transformers import AutoModel, AutoTokenizer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("--sift", default=".build/release/sift")
    ap.add_argument("--texts", required=True)
    ap.add_argument("--max-length", type=int, default=128)
    a = ap.parse_args()
    d = pathlib.Path(a.model_dir)
    texts = [t for t in pathlib.Path(a.texts).read_text(encoding="utf-8").splitlines() if t.strip()]

    modules = json.loads((d / "modules.json").read_text())
    types = [m["type"] for m in modules]
    assert types[:2] == ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling"], types
    pool = json.loads((d / "1_Pooling/config.json").read_text())
    assert pool["pooling_mode_mean_tokens"] and not pool["pooling_mode_cls_token"], pool
    normalize = "sentence_transformers.models.Normalize" in types
    labels = json.loads((d / "config_setfit.json").read_text())["labels"]
    with safe_open(str(d / "model_head.safetensors"), "pt") as f:
        meta = f.metadata()
        W, b = f.get_tensor("weight").double(), f.get_tensor("bias").double()
    assert W.shape == (len(labels), pool["word_embedding_dimension"]), W.shape

    model = AutoModel.from_pretrained(str(d)).eval().double()
    tok = AutoTokenizer.from_pretrained(str(d))
    with torch.no_grad():
        enc = tok(texts, padding=True, truncation=True, max_length=a.max_length, return_tensors="pt")
        h = model(**enc).last_hidden_state
        m = enc["attention_mask"].unsqueeze(-1).double()
        e = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
        if normalize:
            e = torch.nn.functional.normalize(e, p=2, dim=1)
        ref = e @ W.T + b

    with tempfile.TemporaryDirectory() as t:
        inp = pathlib.Path(t) / "in.jsonl"
        inp.write_text("".join(json.dumps({"text": x}) + "\n" for x in texts), encoding="utf-8")
        out = subprocess.run([a.sift, "predict", str(d), "-i", str(inp), "--logits", "--max-length", str(a.max_length)],
                             check=True, capture_output=True, text=True).stdout
    got = torch.tensor([json.loads(l)["logits"] for l in out.splitlines() if l.strip()], dtype=torch.float64)
    diff = (got - ref).abs()
    ok = bool((diff <= 1e-4 + 1e-3 * ref.abs()).all())
    print(f"{len(texts)} texts, labels {labels}, head {meta}, normalize {normalize}")
    print(f"max |logit diff| sift vs transformers + head: {diff.max().item():.3g} -> {'OK' if ok else 'MISMATCH'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
