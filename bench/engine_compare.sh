#!/usr/bin/env bash
# Runs `sift bench engine` (release build) and bench/engine_python.py on the same texts and prints
# Sift / ONNX Runtime and Sift / PyTorch ratios per workload and batch size, plus the headline:
# Sift's best batch size against ONNX Runtime's best.
# Needs the Python stack (scripts/python-env.sh) plus `onnx` for the export (installed here if missing).
# Usage: bench/engine_compare.sh [--seconds S] [--texts N]   (extra args go to both sides)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER=${SECONDS_PER:-3}
TEXTS=${TEXTS:-1024}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
.venv/bin/python -c "import onnx" 2>/dev/null || .venv/bin/pip install -q onnx
swift build -c release --product sift >/dev/null
.build/release/sift bench engine --texts "$TEXTS" --seconds "$SECONDS_PER" --texts-out "$OUT/texts.jsonl" --json-out "$OUT/sift.json"
echo
.venv/bin/python bench/engine_python.py --texts "$OUT/texts.jsonl" --seconds "$SECONDS_PER" --json-out "$OUT/python.json" 2>/dev/null
echo
.venv/bin/python - "$OUT/sift.json" "$OUT/python.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); p = json.load(open(sys.argv[2]))
py = {(r["workload"], r["engine"], r["batch_size"]): r["texts_per_s"] for r in p["results"]}
print("ratios (texts/s, higher is better for Sift)")
print("  workload   batch   sift  onnxrt   torch  sift/ort  sift/torch")
best = {}
for r in s["results"]:
    w, b, t = r["workload"], r["batch_size"], r["texts_per_s"]
    o, q = py.get((w, "onnxruntime", b)), py.get((w, "torch", b))
    print(f"  {w:9s} {b:6d} {t:6.1f} {o or 0:7.1f} {q or 0:7.1f} {t / o if o else 0:9.2f} {t / q if q else 0:11.2f}")
    bw = best.setdefault(w, {"sift": 0, "ort": 0})
    bw["sift"] = max(bw["sift"], t); bw["ort"] = max(bw["ort"], o or 0)
for w, b in best.items():
    print(f"headline {w}: sift best {b['sift']:.1f} texts/s vs onnxruntime best {b['ort']:.1f} -> {b['sift'] / b['ort']:.2f}x")
print(f"peak RSS: sift {s['peak_rss_bytes'] / 1e6:.0f} MB, python {p['peak_rss_bytes'] / 1e6:.0f} MB")
PY
