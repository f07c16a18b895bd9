#!/usr/bin/env python
"""The Python side of `sift bench engine`: the same texts, the same batch sizes, the same
max length, embedded by PyTorch eager fp32 and by ONNX Runtime fp32, each with 2 threads.

Usage (bench/engine_compare.sh runs this for you):
  .venv/bin/python bench/engine_python.py --texts /tmp/texts.jsonl [--model .models/all-MiniLM-L6-v2]

Texts come from `sift bench engine --texts-out`. Tokenization is done before timing (as on the
Swift side); each batch is padded to its longest text (dynamic padding, what a careful user does).
Batches are cycled in input order until --seconds have passed, like the Swift side.
Prints a table and writes --json-out.
"""
import argparse, json, os, resource, sys, tempfile, time

# Reproducible thread counts for every library before they load.
os.environ.setdefault("OMP_NUM_THREADS", "2")
import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer


def load_texts(path):
    w = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            w.setdefault(o["workload"], []).append(o["text"])
    return w


def batches(tok, texts, bs, max_length):
    out = []
    for i in range(0, len(texts), bs):
        e = tok(texts[i:i + bs], padding=True, truncation=True, max_length=max_length, return_tensors="np")
        out.append((e["input_ids"].astype(np.int64), e["attention_mask"].astype(np.int64)))
    return out


def mean_pool(h, mask):
    m = mask[..., None].astype(np.float32)
    e = (h * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
    return e / np.clip(np.linalg.norm(e, axis=1, keepdims=True), 1e-12, None)


def timed(run, bl, seconds, min_texts=64):
    run(bl[0])  # warm-up
    texts, i, t0 = 0, 0, time.perf_counter()
    while True:
        b = bl[i % len(bl)]
        run(b)
        texts += b[0].shape[0]
        i += 1
        el = time.perf_counter() - t0
        if el >= seconds and texts >= min_texts:
            return texts / el


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--texts", required=True)
    ap.add_argument("--model", default=".models/all-MiniLM-L6-v2")
    ap.add_argument("--batch-sizes", default="1,8,32")
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--engines", default="torch,onnxruntime")
    ap.add_argument("--json-out")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_grad_enabled(False)
    sizes = [int(s) for s in a.batch_sizes.split(",")]
    tok = AutoTokenizer.from_pretrained(a.model)
    model = AutoModel.from_pretrained(a.model, attn_implementation="eager").eval()
    workloads = load_texts(a.texts)
    engines = {}
    if "torch" in a.engines:
        def torch_run(b):
            h = model(input_ids=torch.from_numpy(b[0]), attention_mask=torch.from_numpy(b[1])).last_hidden_state
            return mean_pool(h.numpy(), b[1])
        engines["torch"] = torch_run
    if "onnxruntime" in a.engines:
        import onnxruntime as ort
        path = os.path.join(tempfile.gettempdir(), "sift-bench-minilm.onnx")

        class W(torch.nn.Module):
            def __init__(s, m): super().__init__(); s.m = m
            def forward(s, ids, mask): return s.m(input_ids=ids, attention_mask=mask).last_hidden_state
        # Export with a padded example: with an all-ones mask the tracer would bake in "no mask".
        ids = torch.ones(2, 8, dtype=torch.long)
        mask = torch.tensor([[1] * 8, [1] * 5 + [0] * 3])
        # A separate copy: tracing leaves the eager model in a state that changes its outputs.
        export_model = AutoModel.from_pretrained(a.model, attn_implementation="eager").eval()
        torch.onnx.export(W(export_model), (ids, mask), path, input_names=["input_ids", "attention_mask"], output_names=["h"],
                          dynamic_axes={"input_ids": {0: "b", 1: "t"}, "attention_mask": {0: "b", 1: "t"}, "h": {0: "b", 1: "t"}},
                          opset_version=17, dynamo=False)
        so = ort.SessionOptions()
        so.intra_op_num_threads = a.threads
        so.inter_op_num_threads = 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])

        def ort_run(b):
            return mean_pool(sess.run(["h"], {"input_ids": b[0], "attention_mask": b[1]})[0], b[1])
        engines["onnxruntime"] = ort_run
        # The exported graph must agree with eager PyTorch before its speed means anything.
        b = batches(tok, workloads[next(iter(workloads))][:8], 8, a.max_length)[0]
        diff = float(np.abs(ort_run(b) - engines.get("torch", ort_run)(b)).max()) if "torch" in engines else 0.0
        print(f"onnxruntime {ort.__version__}: max |diff| vs torch on 8 texts = {diff:.2e}")
    print(f"python engines: torch {torch.__version__}, {a.threads} threads, max_length {a.max_length}")
    results = []
    for name, texts in workloads.items():
        print(f"\n{name}: {len(texts)} texts")
        print("  engine        batch  texts/s")
        for bs in sizes:
            bl = batches(tok, texts, bs, a.max_length)
            for en, run in engines.items():
                tps = timed(run, bl, a.seconds)
                print(f"  {en:12s}  {bs:5d}  {tps:7.1f}")
                results.append({"workload": name, "engine": en, "batch_size": bs, "texts_per_s": tps})
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"\npeak RSS (python process, all engines): {rss / 1e6:.1f} MB")
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump({"results": results, "peak_rss_bytes": rss}, f, indent=1)


if __name__ == "__main__":
    main()
