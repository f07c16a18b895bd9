#!/usr/bin/env python
"""PyTorch peer for `sift pretrain`: BertForMaskedLM + DataCollatorForLanguageModeling on the same
texts, AdamW, fp32 eager, 2 threads, length-sorted batches as Sift buckets them; prints tokens/s
over STEPS steps (after 2 warm-up steps).
Usage: bench/mlm_torch.py MODEL TEXTS.txt [MAX_LENGTH] [BATCH] [STEPS]"""
import sys, time
import torch, transformers
from transformers import AutoTokenizer, BertForMaskedLM, DataCollatorForLanguageModeling

model_dir, texts_path = sys.argv[1], sys.argv[2]
max_length, batch, steps = (int(x) for x in (sys.argv[3:6] + ["64", "32", "20"][len(sys.argv[3:6]):]))
torch.set_num_threads(2)
tok = AutoTokenizer.from_pretrained(model_dir)
model = BertForMaskedLM.from_pretrained(model_dir)
model.train()
texts = [t for t in open(texts_path, encoding="utf-8").read().split("\n") if t.strip()]
enc = [tok(t, truncation=True, max_length=max_length)["input_ids"] for t in texts]
enc.sort(key=len)
collator = DataCollatorForLanguageModeling(tok, mlm_probability=0.15, seed=1)
opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
batches = [enc[i:i + batch] for i in range(0, len(enc), batch)]
batches = batches[::max(1, len(batches) // (steps + 2))][: steps + 2]
tokens, start = 0, None
for i, b in enumerate(batches):
    if i == 2:
        start, tokens = time.perf_counter(), 0
    x = collator([{"input_ids": e} for e in b])
    loss = model(**x).loss
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step(); opt.zero_grad()
    tokens += sum(len(e) for e in b)
seconds = time.perf_counter() - start
print(f"pytorch {torch.__version__} (transformers {transformers.__version__}) fp32 eager, 2 threads: "
      f"{tokens / seconds:.0f} tokens/s over {len(batches) - 2} steps of batch {batch}")
