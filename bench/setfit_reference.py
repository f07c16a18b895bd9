#!/usr/bin/env python
"""The Python reference for Sift's SetFit few-shot figures: runs the real SetFit library
(`setfit.SetFitModel` + `setfit.Trainer`, default LogisticRegression head) on exactly the split
files that `sift bench fewshot --splits-only --out DIR` writes (DIR/test.jsonl and
DIR/seed-N/fewshot.jsonl, lines {"label": ..., "text": ...}), and prints held-out accuracy and
macro-F1 per seed, the mean and sample standard deviation over seeds, timings and versions.

    .venv-setfit/bin/python bench/setfit_reference.py --splits out/bench-fewshot-splits \
        --model .models/all-MiniLM-L6-v2 [--seeds 1,2,3,4,5] [--max-length 128] [--threads 2] \
        [--json OUT.json]

Smoke-test flags (not for reported figures): --max-steps N stops body training after N
optimizer steps (SetFit then samples only N*16 pairs); --test-limit N scores only the first N
test documents.

The recipe is SetFit 1.2.0's TrainingArguments defaults (body: batch 16, 1 epoch, lr 2e-5,
CosineSimilarityLoss, oversampling pairs, warm-up 0.1, weight decay 0.01; head: sklearn
LogisticRegression()), with seed = the split's seed, no evaluation, no reporting/logging to
files and no checkpoints. Labels map to ints by sorted name.

max_length: with a LogisticRegression head SetFit 1.2.0 passes `args.max_length` only to
`SetFitModel.fit`, which uses it for differentiable heads alone; body training (Sentence
Transformers' trainer) and `encode`/`predict` truncate at `model_body.max_seq_length` (the
folder's 256 for all-MiniLM-L6-v2). So this script sets `model_body.max_seq_length` to
--max-length as well (and passes it as TrainingArguments.max_length), and checks the truncation.

It needs SetFit's dependency stack (sentence-transformers, datasets, accelerate, ...), kept out
of the reference .venv in a venv of its own:

    python3 -m venv .venv-setfit
    .venv-setfit/bin/pip install torch==2.15.0 transformers==5.23.0 tokenizers==0.23.3 \
        safetensors==0.8.0 huggingface_hub==2.4.0 scikit-learn==1.9.1 numpy==2.4.6 scipy==1.17.1 \
        setfit==1.2.0 "sentence-transformers[train]==6.2.0" datasets evaluate pandas accelerate
"""
import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--splits", default="out/bench-fewshot-splits",
                    help="folder with test.jsonl and seed-N/fewshot.jsonl")
    ap.add_argument("--model", default=".models/all-MiniLM-L6-v2", help="sentence-transformers folder")
    ap.add_argument("--seeds", default="1,2,3,4,5", help="comma-separated seeds (seed-N folders)")
    ap.add_argument("--max-length", type=int, default=128, help="token limit for the body (train and predict)")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (and OMP/MKL threads)")
    ap.add_argument("--json", default=None, help="also write the results as JSON here")
    ap.add_argument("--max-steps", type=int, default=-1,
                    help="SMOKE TESTS ONLY: TrainingArguments.max_steps (-1 = SetFit's default, full epoch)")
    ap.add_argument("--test-limit", type=int, default=0,
                    help="SMOKE TESTS ONLY: score only the first N test documents (0 = all)")
    return ap.parse_args()


a = parse_args()
# Before torch/numpy load: no hub access, bounded threads, no tokenizer thread pool.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["WANDB_DISABLED"] = "true"
os.environ["CUDA_VISIBLE_DEVICES"] = ""  # the reference is a CPU run
for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[var] = str(a.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(a.threads)

import datasets  # noqa: E402
import sentence_transformers  # noqa: E402
import setfit  # noqa: E402
import sklearn  # noqa: E402
import tokenizers  # noqa: E402
import transformers  # noqa: E402
from datasets import Dataset  # noqa: E402
from setfit import SetFitModel, Trainer, TrainingArguments  # noqa: E402
from setfit.sampler import ContrastiveDataset  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402

datasets.disable_progress_bars()


def read_jsonl(path):
    texts, labels = [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                texts.append(row["text"])
                labels.append(row["label"])
    return texts, labels


def versions():
    import accelerate
    import huggingface_hub
    return {
        "python": platform.python_version(),
        "setfit": setfit.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "tokenizers": tokenizers.__version__,
        "datasets": datasets.__version__,
        "accelerate": accelerate.__version__,
        "huggingface_hub": huggingface_hub.__version__,
        "scikit_learn": sklearn.__version__,
        "numpy": np.__version__,
    }


def token_lengths(body, texts):
    """Token counts the body really feeds the transformer for these texts (after truncation)."""
    fn = getattr(body, "preprocess", None) or body.tokenize
    feats = fn(texts)
    return feats["attention_mask"].sum(dim=1).tolist()


def run_seed(seed, test_x, test_y, labels):
    train_x, train_y_names = read_jsonl(os.path.join(a.splits, f"seed-{seed}", "fewshot.jsonl"))
    unknown = sorted(set(train_y_names) - set(labels))
    if unknown:
        sys.exit(f"seed-{seed}: labels not in test set: {unknown}")
    idx = {name: i for i, name in enumerate(labels)}
    train_y = [idx[n] for n in train_y_names]
    train_ds = Dataset.from_dict({"text": train_x, "label": train_y})

    with tempfile.TemporaryDirectory(prefix="setfit-ref-") as out_dir:
        args = TrainingArguments(
            output_dir=out_dir,
            seed=seed,
            max_length=a.max_length,
            max_steps=a.max_steps,
            # The rest are SetFit 1.2.0's defaults, spelled out:
            batch_size=(16, 2),
            num_epochs=(1, 16),
            body_learning_rate=(2e-5, 1e-5),
            sampling_strategy="oversampling",
            warmup_proportion=0.1,
            l2_weight=0.01,
            eval_strategy="no",
            save_strategy="no",
            report_to="none",
        )
        # Trainer(...) calls transformers' set_seed(args.seed) before anything random; load the model
        # after seeding as well so that (head) initialization is seeded the same way.
        transformers.set_seed(seed)
        model = SetFitModel.from_pretrained(a.model, device="cpu")
        model.model_body.max_seq_length = a.max_length
        trainer = Trainer(model=model, args=args, train_dataset=train_ds)

        t0 = time.perf_counter()
        trainer.train()
        train_s = time.perf_counter() - t0

        st = trainer.st_trainer
        pairs = len(st.train_dataset)
        steps = int(st.state.global_step)
        train_loss = next((h["train_loss"] for h in reversed(st.state.log_history) if "train_loss" in h), None)
        # Independent count of the pairs SetFit samples for the same data and settings.
        max_pairs = -1 if a.max_steps == -1 else a.max_steps * args.embedding_batch_size
        sampler_pairs = len(ContrastiveDataset(train_x, train_y, model.multi_target_strategy,
                                               args.num_iterations, args.sampling_strategy,
                                               max_pairs=max_pairs))

        body = trainer.model.model_body
        assert trainer.model is model and body.max_seq_length == a.max_length
        t0 = time.perf_counter()
        pred = trainer.model.predict(test_x, as_numpy=True, show_progress_bar=False)
        predict_s = time.perf_counter() - t0

    pred = [int(p) for p in pred]
    gold = [idx[n] for n in test_y]
    acc = accuracy_score(gold, pred)
    f1 = f1_score(gold, pred, average="macro", labels=list(range(len(labels))), zero_division=0)
    print(f"setfit-python seed {seed}: accuracy {acc:.4f}, macro-F1 {f1:.4f}, "
          f"train {train_s:.1f} s ({pairs} pairs), predict {predict_s:.1f} s", flush=True)
    print(f"  seed {seed}: {steps} body steps, mean body loss {train_loss}, "
          f"ContrastiveDataset pairs {sampler_pairs}", flush=True)
    return {
        "seed": seed, "accuracy": acc, "macro_f1": f1,
        "train_s": train_s, "predict_s": predict_s,
        "pairs": pairs, "pairs_contrastive_dataset": sampler_pairs, "steps": steps,
        "train_loss": train_loss,
        "train_docs": len(train_x), "test_docs": len(test_x),
    }


def mean_sd(xs):
    return statistics.mean(xs), (statistics.stdev(xs) if len(xs) > 1 else 0.0)


def main():
    seeds = [int(s) for s in a.seeds.split(",") if s.strip()]
    test_x, test_y = read_jsonl(os.path.join(a.splits, "test.jsonl"))
    labels = sorted(set(test_y))  # ints by sorted label name
    if a.test_limit > 0:
        test_x, test_y = test_x[:a.test_limit], test_y[:a.test_limit]

    ver = versions()
    print("versions: " + ", ".join(f"{k} {v}" for k, v in ver.items()))
    print(f"torch threads: {torch.get_num_threads()} (interop {torch.get_num_interop_threads()}), "
          f"max_length {a.max_length}, labels {labels}, test docs {len(test_x)}", flush=True)
    if a.max_steps != -1 or a.test_limit > 0:
        print(f"SMOKE TEST SETTINGS: max_steps {a.max_steps}, test_limit {a.test_limit} "
              "(figures are not comparable)")

    # Check that the body really truncates at --max-length (the folder says 256).
    probe = SetFitModel.from_pretrained(a.model, device="cpu")
    folder_max = probe.model_body.max_seq_length
    probe.model_body.max_seq_length = a.max_length
    longest = max(token_lengths(probe.model_body, test_x[:50]))
    print(f"max_seq_length: folder {folder_max}, set {probe.model_body.max_seq_length}; "
          f"longest tokenized probe text {longest} tokens", flush=True)
    assert longest <= a.max_length
    del probe

    runs = [run_seed(s, test_x, test_y, labels) for s in seeds]
    acc_m, acc_sd = mean_sd([r["accuracy"] for r in runs])
    f1_m, f1_sd = mean_sd([r["macro_f1"] for r in runs])
    tr_m, _ = mean_sd([r["train_s"] for r in runs])
    print(f"setfit-python over {len(runs)} seeds: accuracy {acc_m:.4f} ± {acc_sd:.4f}, "
          f"macro-F1 {f1_m:.4f} ± {f1_sd:.4f} (mean ± sample sd), mean train {tr_m:.1f} s")
    for r in runs:
        if r["pairs"] != r["pairs_contrastive_dataset"]:
            print(f"warning: seed {r['seed']}: trainer used {r['pairs']} pairs, "
                  f"ContrastiveDataset gives {r['pairs_contrastive_dataset']}")

    if a.json:
        result = {
            "method": "setfit-python",
            "versions": ver,
            "torch_threads": torch.get_num_threads(),
            "settings": {
                "splits": a.splits, "model": a.model, "seeds": seeds, "max_length": a.max_length,
                "threads": a.threads, "max_steps": a.max_steps, "test_limit": a.test_limit,
                "body_batch_size": 16, "body_epochs": 1, "body_lr": 2e-5,
                "sampling_strategy": "oversampling", "warmup_proportion": 0.1, "l2_weight": 0.01,
                "loss": "CosineSimilarityLoss", "head": "sklearn LogisticRegression()",
                "labels": labels, "folder_max_seq_length": folder_max,
            },
            "runs": runs,
            "summary": {"accuracy_mean": acc_m, "accuracy_sd": acc_sd,
                        "macro_f1_mean": f1_m, "macro_f1_sd": f1_sd, "train_s_mean": tr_m},
        }
        os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
        with open(a.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=2)
        print(f"wrote {a.json}")


if __name__ == "__main__":
    main()
