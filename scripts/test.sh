#!/usr/bin/env bash
# The README's test command: installs what is missing, then builds and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# The report test renders HTML in a real headless browser.
if ! command -v chromium >/dev/null 2>&1; then
  echo "test: installing chromium (for the report screenshot test)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
# Python transformers and PEFT, for the checks that they load what `sift train` writes (scripts/checks/*_interop.sh).
./scripts/python-env.sh
swift build --build-tests
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
swift test --skip-build "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One plain summary line at the end (Swift Testing's count; XCTest reports 0 since Sift uses Swift Testing).
summary=$(grep -E "Test run with [0-9]+ tests?" "$log" | tail -1 || true)
total=$(echo "$summary" | sed -E 's/.*Test run with ([0-9]+) tests?.*/\1/')
failed=$(grep -cE "^✘ Test .* failed after" "$log" || true)
# Each interop check counts as one more test.
echo "test: Hugging Face interop (transformers loads sift train's output, same logits)"
if ./scripts/checks/hf_interop.sh .build/debug/sift; then interop=0; else interop=1; status=1; fi
echo "test: family interop (DistilBERT, RoBERTa, XLM-R folders from sift train load in transformers, same logits)"
if ./scripts/checks/family_interop.sh .build/debug/sift; then families=0; else families=1; status=1; fi
echo "test: LoRA interop (PEFT loads sift train --mode lora's adapter, transformers sift merge's folder, same logits)"
if ./scripts/checks/lora_interop.sh .build/debug/sift; then lora=0; else lora=1; status=1; fi
echo "test: vocabulary interop (transformers loads sift vocab extend's folder: same ids, mean-initialized rows, same embeddings)"
if ./scripts/checks/vocab_interop.sh .build/debug/sift; then vocab=0; else vocab=1; status=1; fi
echo "test: masked-LM interop (transformers loads sift pretrain's BertForMaskedLM folder; fill-mask pipeline equals sift fill-mask)"
if ./scripts/checks/mlm_interop.sh .build/debug/sift; then mlm=0; else mlm=1; status=1; fi
echo "test: e5 parity (the real multilingual-e5-small: tokenizer and embeddings against Hugging Face)"
if ./scripts/checks/e5_parity.sh .build/debug/sift; then e5=0; else e5=1; status=1; fi
if [ -n "$total" ]; then
  echo "tests: $((total + 6 - failed - interop - families - lora - vocab - mlm - e5)) passed, $((failed + interop + families + lora + vocab + mlm + e5)) failed"
fi
exit "$status"
