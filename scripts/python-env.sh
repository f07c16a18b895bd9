#!/usr/bin/env bash
# The Python reference stack, for regenerating fixtures and for benchmarks only
# (tests and CI never need it: fixtures are committed). Installs into .venv/.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q \
  torch==2.15.0 transformers==5.23.0 tokenizers==0.23.3 safetensors==0.8.0 \
  onnxruntime==1.32.0 onnx==1.23.2 scikit-learn==1.9.1 peft==0.21.2 numpy
echo "python-env: .venv ready ($(.venv/bin/python -c 'import torch,transformers,tokenizers;print("torch",torch.__version__,"transformers",transformers.__version__,"tokenizers",tokenizers.__version__)'))"
