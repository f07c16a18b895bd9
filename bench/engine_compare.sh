#!/usr/bin/env bash
# Runs `sift bench engine` (release build: OpenBLAS fp32 and oneDNN fp32 / bf16 / int8) and
# bench/engine_python.py (CTranslate2 int8 / fp32, ONNX Runtime int8 / fp32, PyTorch fp32 / bf16
# autocast) on the same texts, one after the other, and prints each engine's best batching with
# tokenization included, the issue's ratios, batch-1 latency and peak RSS.
# Needs the Python stack (scripts/python-env.sh); bench/reference_peers.sh adds CTranslate2 and onnx.
# Usage: [SECONDS_PER=3] [TEXTS=1024] bench/engine_compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER=${SECONDS_PER:-3}
TEXTS=${TEXTS:-1024}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
bench/reference_peers.sh
swift build -c release --product sift >/dev/null
.build/release/sift bench engine --texts "$TEXTS" --seconds "$SECONDS_PER" --texts-out "$OUT/texts.jsonl" --json-out "$OUT/sift.json"
echo
.venv/bin/python bench/engine_python.py --texts "$OUT/texts.jsonl" --seconds "$SECONDS_PER" --json-out "$OUT/python.json" 2>/dev/null
echo
.venv/bin/python - "$OUT/sift.json" "$OUT/python.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); p = json.load(open(sys.argv[2]))
print(f"machine: {s['machine']}; oneDNN {s['onednn']} ISA {s['isa']}")
print(f"peers: {', '.join(f'{k} {v}' for k, v in p['versions'].items())}; load average {p['load_average']}")
best, b1 = {}, {}
for r in s["results"]:  # Sift, tokenization folded in
    e, w = "sift-" + r["backend"], r["workload"]
    best[w, e] = max(best.get((w, e), 0), r["texts_per_s_with_tokenization"])
    if r["batch_size"] == 1: b1[w, e] = r["batch1_ms_p50"]
for r in p["results"]:  # peers, tokenization inside their timing
    w, e = r["workload"], r["engine"]
    best[w, e] = max(best.get((w, e), 0), r["texts_per_s"])
for w, lat in p["latency_ms"].items():
    for e, v in lat.items(): b1[w, e] = v["median"]
engines = sorted({e for _, e in best}, key=lambda e: (not e.startswith("sift"), e))
for w in sorted({w for w, _ in best}):
    print(f"\n{w}: best batching per engine, texts/s with tokenization; batch-1 median ms")
    for e in engines:
        if (w, e) in best: print(f"  {e:14s} {best[w, e]:8.1f}   {b1.get((w, e), 0):7.2f}")
    g = lambda e: best.get((w, e), 0)
    fp32_peer = max(("ct2-fp32", "ort-fp32", "torch-fp32"), key=g)
    def ratio(a, b): return f"{a / b:.2f}x" if b else "n/a"
    print(f"  sift int8 / ct2-int8 best:          {ratio(g('sift-int8'), g('ct2-int8'))}   (goal 2x)")
    print(f"  sift fp32 / best fp32 peer ({fp32_peer}): {ratio(g('sift-fp32'), g(fp32_peer))}   (goal 1.5x)")
    print(f"  sift best / ct2-int8 best:          {ratio(max(g(e) for e in engines if e.startswith('sift')), g('ct2-int8'))}")
    print(f"  batch-1 latency ct2-int8 / sift int8: {ratio(b1.get((w, 'ct2-int8'), 0), b1.get((w, 'sift-int8'), 1e9))}   (goal 1.5x)")
print(f"\npeak RSS: sift {s['peak_rss_bytes'] / 1e6:.0f} MB (all four backends), python {p['peak_rss_bytes'] / 1e6:.0f} MB (all six engines)")
PY
