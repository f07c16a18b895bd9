#!/usr/bin/env python3
"""Hugging Face fast tokenizer (Rust) on the same corpus as `sift bench tokenize`.

Reads the texts (one JSON string per line) from argv[2], tokenizes them with argv[1]/tokenizer.json
without truncation or padding, and prints one JSON line per mode with tokens per second.
Threads: RAYON_NUM_THREADS=1 for one thread; unset for all cores (set by the caller).
"""
import json, os, sys, time
from tokenizers import Tokenizer
import tokenizers

model_dir, corpus, mode, repeats = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
texts = [json.loads(l) for l in open(corpus, encoding="utf-8")]
tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
tok.no_truncation(); tok.no_padding()
best = 0.0
for _ in range(repeats):
    t0 = time.perf_counter()
    encs = tok.encode_batch(texts)
    dt = time.perf_counter() - t0
    n = sum(len(e.ids) for e in encs)
    best = max(best, n / dt)
print(json.dumps({"impl": "huggingface-tokenizers", "version": tokenizers.__version__, "mode": mode,
                  "texts": len(texts), "tokens": n, "tokens_per_s": best}))
