#!/usr/bin/env python
"""PyTorch eager side of `sift bench train`: fine-tunes BertForSequenceClassification from MODEL
on the token ids in IDS_JSONL (one {"ids": [...], "label": k} per line, written by Sift so both
see the same tokens), AdamW lr 5e-5, padded batches with attention masks as transformers'
Trainer feeds them, one untimed warm-up step, then STEPS timed steps. Prints JSON.

    python bench/train_torch.py MODEL IDS_JSONL BATCH STEPS THREADS NUM_LABELS
"""
import json, sys, time
import torch
from transformers import BertForSequenceClassification

model_dir, path, batch, steps, threads, num_labels = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:7])
torch.set_num_threads(threads)
torch.manual_seed(0)
rows = [json.loads(l) for l in open(path)]
model = BertForSequenceClassification.from_pretrained(model_dir, num_labels=num_labels)
model.train()
opt = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.01)


def step(chunk):
    T = max(len(r["ids"]) for r in chunk)
    ids = torch.zeros(len(chunk), T, dtype=torch.long)
    mask = torch.zeros(len(chunk), T, dtype=torch.long)
    for i, r in enumerate(chunk):
        ids[i, :len(r["ids"])] = torch.tensor(r["ids"])
        mask[i, :len(r["ids"])] = 1
    loss = model(input_ids=ids, attention_mask=mask, labels=torch.tensor([r["label"] for r in chunk])).loss
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    opt.zero_grad()


step(rows[:batch])
t0 = time.perf_counter()
for s in range(1, steps + 1):
    step(rows[s * batch:(s + 1) * batch])
dt = time.perf_counter() - t0
print(json.dumps({"examples_per_s": steps * batch / dt, "seconds": dt, "torch": torch.__version__}))
