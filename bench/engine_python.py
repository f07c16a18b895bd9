#!/usr/bin/env python
"""The Python side of `sift bench engine`: the same texts and max length, embedded (mean pooling +
L2 norm) by the engines a Python user would reach for, each with --threads threads:
  ct2-int8, ct2-fp32      CTranslate2 Encoder on the model converted by TransformersConverter
  ort-int8, ort-fp32      ONNX Runtime on a torch.onnx export (int8: quantize_dynamic, per channel)
  torch-fp32, torch-bf16  PyTorch eager, inference_mode (bf16: torch.autocast("cpu"))
each at three batching strategies: batch 1, batch B in input order, and batch B length-sorted
(texts sorted by token count, then cut into batches; the sort itself is not timed).

Usage (bench/engine_compare.sh runs this for you; bench/reference_peers.sh installs CTranslate2):
  .venv/bin/python bench/engine_python.py --texts /tmp/texts.jsonl [--engines ct2-int8,ort-fp32]

Texts come from `sift bench engine --texts-out` (JSONL {"workload", "text"}). Tokenization is inside
the timing: the folder's fast tokenizer (tokenizer.json), each batch padded to its longest text and
truncated at --max-length. Each measurement runs one warm-up batch, then cycles the batches until
--seconds have passed and, for batched strategies, at least one pass over the texts.
Peak RSS is the whole process's, so it covers every engine of the run: pass one --engines per run
to compare footprints. The conversions, the export and the reference embeddings for the correctness
check run in a child process and do not count.
Prints a table and writes --json-out.
"""
import argparse, contextlib, functools, importlib.util, json, multiprocessing, os, resource, sys, tempfile, time
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata

import numpy as np

ENGINES = ("ct2-int8", "ct2-fp32", "ort-int8", "ort-fp32", "torch-fp32", "torch-bf16")
CHECK_TEXTS = 16


def load_texts(path):
    w = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            w.setdefault(o["workload"], []).append(o["text"])
    return w


def load_tokenizer(model, max_length):
    from tokenizers import Tokenizer
    tk = Tokenizer.from_file(os.path.join(model, "tokenizer.json"))
    # The file pads every text to a fixed 128; pad each batch to its longest text instead.
    pad = tk.padding or {}
    tk.enable_padding(pad_id=pad.get("pad_id", 0), pad_token=pad.get("pad_token", "[PAD]"))
    tk.enable_truncation(max_length)
    return tk


def tokenize(tk, texts):
    enc = tk.encode_batch(texts)
    return np.array([e.ids for e in enc], dtype=np.int64), np.array([e.attention_mask for e in enc], dtype=np.int64)


def mean_pool(h, mask):
    m = mask[..., None].astype(np.float32)
    e = (h * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
    return e / np.clip(np.linalg.norm(e, axis=1, keepdims=True), 1e-12, None)


def torch_model(model, attn, threads):
    import torch
    from transformers import AutoModel
    torch.set_num_threads(threads)
    return AutoModel.from_pretrained(model, attn_implementation=attn).eval()


# Both torch engines of a run share one copy of the weights.
shared_torch_model = functools.lru_cache(torch_model)


def torch_embed(m, ids, mask, bf16):
    import torch
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else contextlib.nullcontext():
        h = m(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).last_hidden_state
    return mean_pool(h.float().numpy(), mask)


def prepare(model, engines, out, check, max_length, threads, attn):
    """In a spawned child: builds the converted and exported models under `out` and returns the
    torch fp32 reference embeddings of the check batches, and whether tokenizer.json tokenizes them
    exactly as transformers' AutoTokenizer does."""
    import torch
    from transformers import AutoTokenizer
    tk, hf = load_tokenizer(model, max_length), AutoTokenizer.from_pretrained(model)
    batches = [tokenize(tk, texts) for texts in check]
    same = all(hf(t, padding=True, truncation=True, max_length=max_length)["input_ids"] == ids.tolist()
               for t, (ids, _) in zip(check, batches))
    ref = torch_model(model, attn, threads)
    refs = [torch_embed(ref, ids, mask, False) for ids, mask in batches]
    for name in engines:
        if name.startswith("ct2-"):
            from ctranslate2.converters import TransformersConverter
            TransformersConverter(model).convert(os.path.join(out, name), quantization={"ct2-int8": "int8", "ct2-fp32": "float32"}[name])
    if any(n.startswith("ort-") for n in engines):
        fp32 = os.path.join(out, "model.onnx")

        class W(torch.nn.Module):
            def __init__(s, m): super().__init__(); s.m = m
            def forward(s, ids, mask): return s.m(input_ids=ids, attention_mask=mask).last_hidden_state
        # Export with a padded example: with an all-ones mask the tracer would bake in "no mask".
        ids = torch.ones(2, 8, dtype=torch.long)
        mask = torch.tensor([[1] * 8, [1] * 5 + [0] * 3])
        # A separate copy with eager attention: tracing leaves a model in a state that changes its outputs.
        torch.onnx.export(W(torch_model(model, "eager", threads)), (ids, mask), fp32, input_names=["input_ids", "attention_mask"],
                          output_names=["h"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": {0: "b", 1: "t"}, "attention_mask": {0: "b", 1: "t"}, "h": {0: "b", 1: "t"}})
        if "ort-int8" in engines:
            from onnxruntime.quantization import QuantType, quantize_dynamic
            quantize_dynamic(fp32, os.path.join(out, "model-int8.onnx"), per_channel=True, weight_type=QuantType.QInt8)
    return refs, same


def build(name, a, tk, out):
    """Returns run(texts) -> normalized embeddings, tokenization included."""
    if name.startswith("ct2-"):
        import ctranslate2
        enc = ctranslate2.Encoder(os.path.join(out, name), device="cpu", compute_type=name[4:].replace("fp32", "float32"),
                                  intra_threads=a.threads, inter_threads=1)

        def run(texts):
            ids, mask = tokenize(tk, texts)
            # CTranslate2 masks by sequence length, so it takes the ids without their padding.
            rows = [r[:n] for r, n in zip(ids.tolist(), mask.sum(1).tolist())]
            return mean_pool(np.asarray(enc.forward_batch(rows).last_hidden_state), mask)
        return run
    if name.startswith("ort-"):
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = a.threads
        so.inter_op_num_threads = 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sess = ort.InferenceSession(os.path.join(out, "model-int8.onnx" if name == "ort-int8" else "model.onnx"), so,
                                    providers=["CPUExecutionProvider"])

        def run(texts):
            ids, mask = tokenize(tk, texts)
            return mean_pool(sess.run(["h"], {"input_ids": ids, "attention_mask": mask})[0], mask)
        return run
    m = shared_torch_model(a.model, a.attn, a.threads)
    bf16 = name == "torch-bf16"
    return lambda texts: torch_embed(m, *tokenize(tk, texts), bf16)



def timed(run, batches, seconds, min_texts):
    """texts/s over the whole loop, and the seconds of each call."""
    run(batches[0])  # warm-up
    calls, texts, i, t0 = [], 0, 0, time.perf_counter()
    while True:
        b = batches[i % len(batches)]
        s = time.perf_counter()
        run(b)
        calls.append(time.perf_counter() - s)
        texts += len(b)
        i += 1
        el = time.perf_counter() - t0
        if el >= seconds and texts >= min_texts:
            return texts / el, calls


def cpu_info():
    name, flags = "unknown", []
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k.strip() == "model name" and name == "unknown":
                name = v.strip()
            elif k.strip() == "flags" and not flags:
                # The instruction sets that decide int8 and bf16 speed.
                want = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8")
                flags = [x for x in want if x in v.split()]
    return name, flags


def versions():
    v = {"python": sys.version.split()[0]}
    for p in ("numpy", "tokenizers", "transformers", "torch", "onnxruntime", "onnx", "ctranslate2"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            v[p] = metadata.version(p)
    return v


def main():
    ap = argparse.ArgumentParser(description="Python engines on `sift bench engine` texts.")
    ap.add_argument("--texts", required=True)
    ap.add_argument("--model", default=".models/all-MiniLM-L6-v2")
    ap.add_argument("--engines", default=",".join(ENGINES), help="comma-separated subset of " + ",".join(ENGINES))
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--attn", default="sdpa", help="attn_implementation of the torch engines (transformers' default: sdpa)")
    ap.add_argument("--json-out")
    a = ap.parse_args()
    engines = [e for e in a.engines.split(",") if e]
    if bad := [e for e in engines if e not in ENGINES]:
        ap.error(f"unknown engines {bad}; choose from {','.join(ENGINES)}")
    missing = [m for e, m in (("ct2", "ctranslate2"), ("ort", "onnxruntime"), ("ort", "onnx"))
               if any(n.startswith(e) for n in engines) and importlib.util.find_spec(m) is None]
    if missing:
        sys.exit(f"engine_python: {', '.join(missing)} missing from this Python; run bench/reference_peers.sh")
    # Pools sized before they start: OpenMP (torch, CTranslate2) and rayon (tokenizers' encode_batch);
    # spawned children inherit these.
    os.environ["OMP_NUM_THREADS"] = os.environ["RAYON_NUM_THREADS"] = str(a.threads)
    workloads = load_texts(a.texts)
    tk = load_tokenizer(a.model, a.max_length)
    cpu, flags = cpu_info()
    ver = versions()
    print(f"engine_python: {os.path.basename(os.path.normpath(a.model))}, {a.threads} threads, max_length {a.max_length}, "
          f"batch {a.batch_size}, {a.seconds:g} s per measurement")
    print(f"cpu: {cpu} ({' '.join(flags) or 'no avx2'})")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in ver.items()))
    # Other jobs on the machine skew every figure (torch's batch 1 most): say how busy it was.
    load = [os.getloadavg()[0]]
    print(f"load average: {load[0]:.2f}")

    with tempfile.TemporaryDirectory(prefix="sift-engine-") as out:
        check = [texts[:CHECK_TEXTS] for texts in workloads.values()]
        # Spawned, not forked: torch and the converters never enter this process unless a torch engine runs.
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            refs, same = pool.submit(prepare, a.model, engines, out, check, a.max_length, a.threads, a.attn).result()
        print(f"tokenizer.json tokenizes the check texts as transformers' AutoTokenizer does: {'yes' if same else 'NO'}")
        runs = {e: build(e, a, tk, out) for e in engines}
        print(f"min cosine vs torch-fp32, first {CHECK_TEXTS} texts of each workload:")
        min_cos = {}
        for e, run in runs.items():
            min_cos[e] = min(float((run(t) * r).sum(1).min()) for t, r in zip(check, refs))
            print(f"  {e:10s}  {min_cos[e]:.6f}")

        strategies = [("batch1", 1, False), (f"batch{a.batch_size}", a.batch_size, False),
                      (f"batch{a.batch_size}-sorted", a.batch_size, True)]
        results, latency, best = [], {}, {}
        for w, texts in workloads.items():
            lengths = [sum(e.attention_mask) for e in tk.encode_batch(texts)]  # token counts, for the sort
            print(f"\n{w}: {len(texts)} texts, mean {np.mean(lengths):.1f} tokens, max {max(lengths)}")
            print("  engine      " + "".join(f"{s:>16s}" for s, _, _ in strategies) + "  best              b1 median ms  b1 p90 ms")
            tps = {}
            for s, bs, by_length in strategies:
                order = sorted(range(len(texts)), key=lengths.__getitem__) if by_length else range(len(texts))
                ordered = [texts[i] for i in order]
                batches = [ordered[i:i + bs] for i in range(0, len(ordered), bs)]
                # Engines take turns within a strategy, so drift in machine load hits them alike.
                for e, run in runs.items():
                    r, calls = timed(run, batches, a.seconds, min_texts=20 if bs == 1 else len(texts))
                    tps[e, s] = r
                    results.append({"workload": w, "engine": e, "strategy": s, "batch_size": bs, "texts_per_s": r})
                    if bs == 1:
                        ms = np.array(calls) * 1e3
                        latency.setdefault(w, {})[e] = {"median": float(np.median(ms)), "p90": float(np.percentile(ms, 90))}
            for e in runs:
                b = max((s for s, _, _ in strategies), key=lambda s: tps[e, s])
                best.setdefault(w, {})[e] = b
                lat = latency[w][e]
                print(f"  {e:10s}  " + "".join(f"{tps[e, s]:16.1f}" for s, _, _ in strategies)
                      + f"  {b:16s}  {lat['median']:12.2f}  {lat['p90']:9.2f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    load.append(os.getloadavg()[0])
    print(f"\npeak RSS (this process, engines {','.join(engines)}): {rss / 1e6:.1f} MB; load average at the end: {load[1]:.2f}")
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump({"results": results, "best": best, "latency_ms": latency, "min_cosine": min_cos, "peak_rss_bytes": rss, "versions": ver,
                       "cpu": cpu, "cpu_flags": flags, "threads": a.threads, "max_length": a.max_length,
                       "load_average": load}, f, indent=1)


if __name__ == "__main__":
    main()
