#!/usr/bin/env python
"""Shows that a folder written by `sift vocab extend` is a Hugging Face model with the grown
vocabulary: transformers' AutoTokenizer gives the ids of `sift tokenize` on every text (and the
new entries their appended ids), AutoModel's embedding matrix has the new rows, each the mean of
the base's rows for the pieces the base tokenizer gave its word (or the mean of all rows for an
[UNK] word), and the model's mean-pooled outputs equal `sift embed`'s (exit status 1 otherwise).

    .venv/bin/python scripts/checks/check_vocab_load.py BASE_DIR EXTENDED_DIR --sift SIFT --texts FILE
"""
import argparse, json, pathlib, subprocess, sys

import torch
from transformers import AutoModel, AutoTokenizer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base_dir"); ap.add_argument("extended_dir")
    ap.add_argument("--sift", default=".build/debug/sift")
    ap.add_argument("--texts", required=True)
    a = ap.parse_args()
    texts = [t for t in pathlib.Path(a.texts).read_text(encoding="utf-8").splitlines() if t.strip()]
    base_tok = AutoTokenizer.from_pretrained(a.base_dir)
    tok = AutoTokenizer.from_pretrained(a.extended_dir)
    old, new = len(base_tok), len(tok)
    vocab = tok.get_vocab()
    added = sorted((i, t) for t, i in vocab.items() if i >= old)
    ok = new > old and [i for i, _ in added] == list(range(old, new))
    print(f"vocabulary {old} -> {new}: ids {old}..{new - 1} hold {[t for _, t in added[:8]]}...")

    out = subprocess.run([a.sift, "tokenize", a.extended_dir, "-i", a.texts], check=True, capture_output=True, text=True).stdout
    sift_ids = [json.loads(l)["input_ids"] for l in out.splitlines() if l.strip()]
    hf_ids = [tok(t)["input_ids"] for t in texts]
    same = sum(s == h for s, h in zip(sift_ids, hf_ids))
    ok &= same == len(texts) and len(sift_ids) == len(texts)
    uses_new = sum(any(i >= old for i in h) for h in hf_ids)
    print(f"ids: {same} of {len(texts)} texts equal to transformers ({uses_new} use new entries)")

    base = AutoModel.from_pretrained(a.base_dir).eval()
    model = AutoModel.from_pretrained(a.extended_dir).eval()
    E0, E = base.get_input_embeddings().weight, model.get_input_embeddings().weight
    ok &= tuple(E.shape) == (new, E0.shape[1]) and bool(torch.equal(E[:old], E0))
    worst = 0.0
    for i, t in added:
        pieces = [p for p in base_tok(t, add_special_tokens=False)["input_ids"] if p != base_tok.unk_token_id]
        want = E0[pieces].mean(0) if pieces else E0.mean(0)
        worst = max(worst, (E[i] - want).abs().max().item())
    ok &= worst < 1e-5
    print(f"embeddings: old rows unchanged, new rows = mean of the base's pieces (max |diff| {worst:.2g})")

    with torch.no_grad():
        enc = tok(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
        h = model(**enc).last_hidden_state
        m = enc["attention_mask"].unsqueeze(-1).float()
        ref = (h * m).sum(1) / m.sum(1)
        ref = torch.nn.functional.normalize(ref, dim=-1)
    out = subprocess.run([a.sift, "embed", a.extended_dir, "-i", a.texts, "--max-length", "128"],
                         check=True, capture_output=True, text=True).stdout
    got = torch.tensor([json.loads(l)["embedding"] for l in out.splitlines() if l.strip()])
    diff = (got - ref).abs().max().item() if got.shape == ref.shape else float("inf")
    ok &= diff < 1e-4
    print(f"sift embed vs transformers (mean pooling, normalized): max |diff| {diff:.3g} -> {'OK' if ok else 'MISMATCH'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
