#!/usr/bin/env python
"""The Python reference for `sift train`'s quality figures: fine-tunes a BERT folder with PyTorch +
transformers on the same split files, with the recipe of ../shared/DATA.md's reference (AdamW
lr 5e-5, weight decay 0.01 except biases and LayerNorm weights as transformers' Trainer does,
batch 32, max length 128, 3 epochs, linear decay after 6% warm-up, gradient clipping 1.0,
dropout from config.json), and prints held-out accuracy and macro-F1 after each epoch.
With --lora-r, PEFT LoRA instead (LoraConfig SEQ_CLS: r, --lora-alpha, --lora-dropout, --lora-targets;
the classifier in modules_to_save), usually with a larger --lr.

    .venv/bin/python bench/finetune_reference.py TRAIN_CSV TEST_CSV [--base .models/all-MiniLM-L6-v2] [--seed 42]
        [--lr 5e-5] [--lora-r 8 --lora-alpha 16 --lora-dropout 0.05 --lora-targets query,value]
"""
import argparse, csv, json, math, random, time
import torch
from sklearn.metrics import accuracy_score, f1_score
from transformers import AutoTokenizer, BertForSequenceClassification, get_linear_schedule_with_warmup


def read(path):
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("train"); ap.add_argument("test")
    ap.add_argument("--base", default=".models/all-MiniLM-L6-v2")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--lora-r", type=int)
    ap.add_argument("--lora-alpha", type=float, default=16)
    ap.add_argument("--lora-dropout", type=float, default=0.05)
    ap.add_argument("--lora-targets", default="query,value")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    random.seed(a.seed); torch.manual_seed(a.seed)
    tr_x, tr_y = read(a.train); te_x, te_y = read(a.test)
    labels = sorted(set(tr_y))
    idx = {l: i for i, l in enumerate(labels)}
    tok = AutoTokenizer.from_pretrained(a.base)
    model = BertForSequenceClassification.from_pretrained(
        a.base, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id=idx)
    versions = {"torch": torch.__version__, "transformers": __import__("transformers").__version__}
    if a.lora_r:
        import peft
        cfg = peft.LoraConfig(task_type=peft.TaskType.SEQ_CLS, r=a.lora_r, lora_alpha=a.lora_alpha,
                              lora_dropout=a.lora_dropout, target_modules=a.lora_targets.split(","))
        model = peft.get_peft_model(model, cfg)
        versions["peft"] = peft.__version__
        trained = sum(p.numel() for p in model.parameters() if p.requires_grad)
        total = sum(p.numel() for n, p in model.named_parameters() if "original_module" not in n)
        print(json.dumps({"trained_parameters": trained, "total_parameters": total}), flush=True)
    enc = lambda xs: tok(xs, truncation=True, max_length=128)["input_ids"]
    tr_ids, te_ids = enc(tr_x), enc(te_x)
    params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    decay = [p for n, p in params if not (n.endswith("bias") or "LayerNorm" in n)]
    no_decay = [p for n, p in params if n.endswith("bias") or "LayerNorm" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}], lr=a.lr)
    steps = math.ceil(len(tr_ids) / 32) * a.epochs
    sched = get_linear_schedule_with_warmup(opt, math.ceil(0.06 * steps), steps)

    def batch(ids):
        T = max(len(s) for s in ids)
        x = torch.zeros(len(ids), T, dtype=torch.long); m = torch.zeros(len(ids), T, dtype=torch.long)
        for i, s in enumerate(ids):
            x[i, :len(s)] = torch.tensor(s); m[i, :len(s)] = 1
        return x, m

    t0 = time.time()
    for epoch in range(1, a.epochs + 1):
        model.train()
        order = list(range(len(tr_ids))); random.shuffle(order)
        for s in range(0, len(order), 32):
            chunk = order[s:s + 32]
            x, m = batch([tr_ids[i] for i in chunk])
            loss = model(input_ids=x, attention_mask=m, labels=torch.tensor([idx[tr_y[i]] for i in chunk])).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for _, p in params], 1.0)
            opt.step(); sched.step(); opt.zero_grad()
        model.eval()
        pred = []
        with torch.no_grad():
            for s in range(0, len(te_ids), 64):
                x, m = batch(te_ids[s:s + 64])
                pred += model(input_ids=x, attention_mask=m).logits.argmax(-1).tolist()
        gold = [idx[y] for y in te_y]
        print(json.dumps({"epoch": epoch, "accuracy": accuracy_score(gold, pred),
                          "macro_f1": f1_score(gold, pred, average="macro"), "seconds": round(time.time() - t0, 1)}), flush=True)
    print(json.dumps(versions))


if __name__ == "__main__":
    main()
