#!/usr/bin/env python
"""Shows that a folder written by `sift train --task token-classification` is a Hugging Face
BertForTokenClassification: transformers loads it (AutoModelForTokenClassification +
AutoTokenizer) and its `token-classification` pipeline finds the same entities as `sift ner`
(labels, words, offsets; scores within 1e-4) for every aggregation strategy, and with a stride
on texts longer than the model's length. Exit status 1 on any difference.

    .venv/bin/python scripts/checks/check_ner_load.py MODEL_DIR --sift SIFT --texts FILE [--max-length N]
"""
import argparse, json, pathlib, subprocess, sys

from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("--sift", default=".build/debug/sift")
    ap.add_argument("--texts", required=True)
    ap.add_argument("--max-length", type=int, default=32)
    a = ap.parse_args()
    texts = [t for t in pathlib.Path(a.texts).read_text(encoding="utf-8").splitlines()]
    model = AutoModelForTokenClassification.from_pretrained(a.model_dir)
    tok = AutoTokenizer.from_pretrained(a.model_dir)
    tok.model_max_length = a.max_length
    nlp = pipeline("token-classification", model=model, tokenizer=tok)
    bad = 0
    for strategy in ["simple", "first", "average", "max"]:
        for stride in [None, 8]:
            args = [a.sift, "ner", a.model_dir, "--aggregation", strategy, "--max-length", str(a.max_length), "-i", a.texts]
            args += ["--truncate"] if stride is None else ["--stride", str(stride)]
            sift = [json.loads(l)["entities"] for l in subprocess.run(args, check=True, capture_output=True, text=True).stdout.splitlines()]
            kw = {"aggregation_strategy": strategy} | ({} if stride is None else {"stride": stride})
            for text, got in zip(texts, sift):
                want = nlp(text, **kw) if text else []
                same = len(got) == len(want) and all(
                    g["entity_group"] == w["entity_group"] and g["word"] == w["word"] and g["start"] == w["start"]
                    and g["end"] == w["end"] and abs(g["score"] - float(w["score"])) <= 1e-4 for g, w in zip(got, want))
                if not same:
                    bad += 1
                    print(f"check_ner_load: {strategy} stride {stride}: {text!r}\n  sift: {got}\n  transformers: {want}", file=sys.stderr)
    n = 8 * len(texts)
    print(f"check_ner_load: {n - bad}/{n} texts x settings give transformers' entities")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
