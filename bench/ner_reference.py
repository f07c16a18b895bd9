#!/usr/bin/env python
"""The Python side of `bench/ner_compare.sh`: transformers' token-classification fine-tuning
(examples/pytorch/token-classification/run_ner.py semantics) on the same CoNLL files and
settings as `sift train --task token-classification`, scored with seqeval.

Labels on each word's first sub-token (-100 elsewhere), BertForTokenClassification from BASE,
AdamW (lr, weight decay 0.01 off biases/LayerNorm), linear decay after warm-up, gradient clipping
at 1.0, batches of BATCH sentences padded to their longest; after each epoch the validation split
is tagged and scored (seqeval micro F1, default mode); the best epoch's weights tag the test split
once. Prints one JSON object.

    python bench/ner_reference.py BASE DATA_DIR EPOCHS BATCH LR MAX_LENGTH THREADS SEED

Needs the .venv of scripts/python-env.sh plus `.venv/bin/pip install --no-deps seqeval==1.2.2`.
"""
import json, math, pathlib, random, sys, time

import torch
from seqeval.metrics import classification_report, f1_score
from transformers import AutoTokenizer, BertForTokenClassification

base, data_dir = sys.argv[1], pathlib.Path(sys.argv[2])
epochs, batch, lr, max_length, threads, seed = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
torch.set_num_threads(threads)
torch.manual_seed(seed)
random.seed(seed)


def read(path):
    out, words, tags = [], [], []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line:
            if words: out.append((words, tags)); words, tags = [], []
            continue
        w, t = line.split("\t")
        words.append(w); tags.append(t)
    if words: out.append((words, tags))
    return out


train, val, test = (read(data_dir / f"{n}.conll") for n in ("train", "validation", "test"))
types = sorted({t[2:] for _, ts in train for t in ts if t != "O"})
labels = ["O"] + [f"{p}-{t}" for t in types for p in "BI"]
label2id = {l: i for i, l in enumerate(labels)}
tok = AutoTokenizer.from_pretrained(base)


def encode(sents):
    enc = tok([w for w, _ in sents], is_split_into_words=True, truncation=True, max_length=max_length)
    rows = []
    for i, (words, tags) in enumerate(sents):
        wid = enc.word_ids(i)
        lab, prev = [], None
        for w in wid:
            lab.append(-100 if w is None or w == prev else label2id[tags[w]])
            prev = w
        rows.append((enc["input_ids"][i], lab, wid))
    return rows


tr, va, te = encode(train), encode(val), encode(test)
model = BertForTokenClassification.from_pretrained(base, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id=label2id)
no_decay = [p for n, p in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
decay = [p for n, p in model.named_parameters() if not (n.endswith("bias") or "LayerNorm" in n)]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}], lr=lr)
steps_per_epoch = math.ceil(len(tr) / batch)
total = steps_per_epoch * epochs
warm = math.ceil(0.06 * total)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: s / max(1, warm) if s < warm else max(0.0, (total - s) / max(1, total - warm)))


def pad(rows):
    T = max(len(r[0]) for r in rows)
    ids = torch.zeros(len(rows), T, dtype=torch.long)
    mask = torch.zeros(len(rows), T, dtype=torch.long)
    lab = torch.full((len(rows), T), -100, dtype=torch.long)
    for i, (x, y, _) in enumerate(rows):
        ids[i, :len(x)] = torch.tensor(x); mask[i, :len(x)] = 1; lab[i, :len(y)] = torch.tensor(y)
    return ids, mask, lab


def tag(rows, sents):
    model.eval()
    pred = []
    with torch.no_grad():
        for s in range(0, len(rows), 64):
            chunk = rows[s:s + 64]
            ids, mask, _ = pad(chunk)
            logits = model(input_ids=ids, attention_mask=mask).logits.argmax(-1)
            for j, (_, _, wid) in enumerate(chunk):
                n = len(sents[s + j][0])
                p, prev = ["O"] * n, None
                for t, w in enumerate(wid):
                    if w is not None and w != prev: p[w] = labels[int(logits[j, t])]
                    prev = w
                pred.append(p)
    model.train()
    return pred


history, best, best_state = [], -1.0, None
started = time.perf_counter()
model.train()
for epoch in range(epochs):
    order = list(range(len(tr)))
    random.shuffle(order)
    for s in range(0, len(order), batch):
        ids, mask, lab = pad([tr[i] for i in order[s:s + batch]])
        loss = model(input_ids=ids, attention_mask=mask, labels=lab).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step(); sched.step(); opt.zero_grad()
    f1 = f1_score([t for _, t in val], tag(va, val))
    history.append({"epoch": epoch + 1, "validation_micro_f1": f1})
    if f1 > best:
        best, best_state = f1, {k: v.clone() for k, v in model.state_dict().items()}
seconds = time.perf_counter() - started
model.load_state_dict(best_state)
gold = [t for _, t in test]
pred = tag(te, test)
report = classification_report(gold, pred, output_dict=True)
print(json.dumps({"stack": f"transformers {__import__('transformers').__version__}, torch {torch.__version__}, seqeval",
                  "threads": threads, "train_sentences": len(tr), "epochs": history, "train_seconds": seconds,
                  "test_micro_f1": report["micro avg"]["f1-score"], "test_macro_f1": report["macro avg"]["f1-score"],
                  "test_precision": report["micro avg"]["precision"], "test_recall": report["micro avg"]["recall"]}))
