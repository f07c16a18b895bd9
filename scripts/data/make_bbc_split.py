#!/usr/bin/env python
"""BBC news split for the fine-tuning quality run (docs/training.md), as ../shared/DATA.md
describes the reference figures: whitespace-collapsed exact duplicates removed, then a
stratified 80/20 split with a fixed seed. Files are read as UTF-8 when valid, else Latin-1.

    .venv/bin/python scripts/data/make_bbc_split.py [.data/bbc] [.build/bbc-split]
writes OUT/train.csv and OUT/test.csv (columns text,label; UTF-8).
"""
import csv, pathlib, re, sys
from sklearn.model_selection import train_test_split

src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".data/bbc")
out = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else ".build/bbc-split")
texts, labels, seen = [], [], set()
for label_dir in sorted(p for p in src.iterdir() if p.is_dir()):
    for f in sorted(label_dir.glob("*.txt")):
        raw = f.read_bytes()
        try:
            t = raw.decode("utf-8")
        except UnicodeDecodeError:
            t = raw.decode("latin-1")
        t = t.strip()
        key = re.sub(r"\s+", " ", t)
        if key in seen:
            continue
        seen.add(key)
        texts.append(t)
        labels.append(label_dir.name)
tr_x, te_x, tr_y, te_y = train_test_split(texts, labels, test_size=0.2, stratify=labels, random_state=42)
out.mkdir(parents=True, exist_ok=True)
for name, xs, ys in (("train", tr_x, tr_y), ("test", te_x, te_y)):
    with open(out / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerows(zip(xs, ys))
print(f"{len(texts)} unique documents -> train {len(tr_x)}, test {len(te_x)} in {out}")
