#!/usr/bin/env bash
# Same-run speed comparison of two sift binaries (e.g. the last landed build against this one),
# alternating A B A B so drift hits both: engine (embeddings/s), training (examples/s) and serving
# (requests/s). Usage: bench/ab_compare.sh OLD_SIFT NEW_SIFT [ROUNDS]. Needs scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:?usage: bench/ab_compare.sh OLD_SIFT NEW_SIFT [ROUNDS]}; new=${2:?usage: bench/ab_compare.sh OLD_SIFT NEW_SIFT [ROUNDS]}
rounds=${3:-2}
for b in "$old" "$new"; do [ -x "$b" ] || { echo "ab_compare: $b is not an executable" >&2; exit 2; }; done
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|avx512f|avx512_vnni|avx512_bf16|amx_bf16|amx_int8)$' | tr '\n' ' ')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
echo "A = $old"; echo "B = $new"
for r in $(seq 1 "$rounds"); do
  for side in A B; do
    bin=$old; [ "$side" = B ] && bin=$new
    echo "== round $r $side: bench engine"
    "$bin" bench engine --seconds 2 | grep -vE "^ *$"
    echo "== round $r $side: bench train (Sift only)"
    "$bin" bench train --python "" --steps 4 | grep -iE "examples/s"
    echo "== round $r $side: bench serve"
    "$bin" bench serve --seconds 3 --clients 1,16 --batching on | grep -vE "^ *$"
  done
done
