#!/usr/bin/env python
"""Shows that an adapter folder written by `sift train --mode lora` is a real PEFT adapter: PEFT's
PeftModel.from_pretrained over the base (built with the adapter's config.json, for its labels)
gives the logits of `sift predict ADAPTER --logits`, and transformers loads the folder `sift merge`
wrote as a plain model with the same logits (|a-b| <= 1e-4 + 1e-3*|b|; exit status 1 otherwise).

    .venv/bin/python scripts/checks/check_lora_load.py ADAPTER_DIR MERGED_DIR --sift SIFT --texts FILE
"""
import argparse, json, pathlib, subprocess, sys, tempfile

import torch
from peft import PeftModel
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer


def sift_logits(sift, model_dir, texts, max_length):
    with tempfile.TemporaryDirectory() as d:
        inp = pathlib.Path(d) / "in.jsonl"
        inp.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
        out = subprocess.run([sift, "predict", model_dir, "-i", str(inp), "--logits", "--max-length", str(max_length)],
                             check=True, capture_output=True, text=True).stdout
    return torch.tensor([json.loads(l)["logits"] for l in out.splitlines() if l.strip()])


def compare(what, got, ref):
    diff = (got - ref).abs()
    ok = bool((diff <= 1e-4 + 1e-3 * ref.abs()).all())
    print(f"{what}: max |logit diff| {diff.max().item():.3g} -> {'OK' if ok else 'MISMATCH'}")
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("adapter_dir")
    ap.add_argument("merged_dir")
    ap.add_argument("--sift", default=".build/debug/sift")
    ap.add_argument("--texts", required=True)
    ap.add_argument("--max-length", type=int, default=128)
    a = ap.parse_args()
    texts = [t for t in pathlib.Path(a.texts).read_text(encoding="utf-8").splitlines() if t.strip()]
    adapter_cfg = json.loads((pathlib.Path(a.adapter_dir) / "adapter_config.json").read_text())
    base_dir = adapter_cfg["base_model_name_or_path"]
    config = AutoConfig.from_pretrained(a.adapter_dir)
    base = AutoModelForSequenceClassification.from_pretrained(base_dir, config=config)
    model = PeftModel.from_pretrained(base, a.adapter_dir).eval()
    tok = AutoTokenizer.from_pretrained(a.adapter_dir)
    print(f"PEFT loaded {a.adapter_dir} over {base_dir}: r {adapter_cfg['r']}, targets {adapter_cfg['target_modules']}, "
          f"modules_to_save {adapter_cfg['modules_to_save']}, labels {config.id2label}")
    with torch.no_grad():
        enc = tok(texts, padding=True, truncation=True, max_length=a.max_length, return_tensors="pt")
        ref = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).logits
        merged = AutoModelForSequenceClassification.from_pretrained(a.merged_dir).eval()
        ref_merged = merged(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).logits
    ok = compare(f"{len(texts)} texts, sift predict ADAPTER vs PEFT", sift_logits(a.sift, a.adapter_dir, texts, a.max_length), ref)
    ok &= compare("transformers on sift merge's folder vs PEFT", ref_merged, ref)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
