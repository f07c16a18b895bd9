#!/usr/bin/env python3
"""Python baselines for `sift bench data`: CSV reading (csv module, C-accelerated), regex PII
redaction with the same checks as Sift's (Luhn, ID checksum, IBAN mod-97), and scikit-learn
metrics. Prints one JSON object. Usage: data_py.py CSV_FILE METRICS_JSON REPEATS"""
import csv
import json
import re
import sys
import time

import numpy as np
import sklearn
from sklearn import metrics as M

path, metrics_path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
out = {"python": sys.version.split()[0], "sklearn": sklearn.__version__}


def best(fn):
    t = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter(); r = fn(); t = min(t, time.perf_counter() - t0)
    return t, r


# 1. CSV: rows with the text and label columns selected by name.
def read_csv():
    n = chars = 0
    with open(path, newline="", encoding="utf-8") as fh:
        rd = csv.reader(fh)
        header = next(rd)
        ti, li = header.index("text"), header.index("label")
        for row in rd:
            if len(row) != len(header):
                raise ValueError("ragged row")
            n += 1; chars += len(row[ti]); _ = row[li]
    return n


t, n = best(read_csv)
out["csv_rows"] = n; out["csv_seconds"] = t

# 2. Redaction over the same texts.
with open(path, newline="", encoding="utf-8") as fh:
    rd = csv.reader(fh); next(rd); texts = [r[0] for r in rd]


def luhn(d):
    s = 0
    for i, c in enumerate(reversed(d)):
        v = int(c)
        if i % 2: v = v * 2 - 9 if v > 4 else v * 2
        s += v
    return s % 10 == 0


W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def cn_ok(s):
    return "10X98765432"[sum(int(a) * b for a, b in zip(s[:17], W)) % 11] == s[17].upper()


def iban_ok(s):
    s = s.replace(" ", ""); r = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in r)) % 97 == 1


PATTERNS = [
    ("EMAIL", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), None),
    ("IBAN", re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,4})?\b"), iban_ok),
    ("CN_ID", re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"), cn_ok),
    ("CARD", re.compile(r"(?<![0-9A-Za-z+])(?:\d{13,19}|\d{4}(?:[ -]\d{3,6}){2,4})(?![0-9A-Za-z])"), lambda m: luhn(re.sub(r"\D", "", m))),
    ("SSN", re.compile(r"(?<![0-9A-Za-z])(?!000|666|9\d\d)\d{3}[- ](?!00)\d{2}[- ](?!0000)\d{4}(?![0-9A-Za-z])"), None),
    ("PHONE", re.compile(r"(?<![0-9A-Za-z])(?:(?:\+?86|0086)[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)|\+\d[\d ().-]{7,18}\d"), None),
    ("IP", re.compile(r"(?<![0-9.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![0-9.])"), None),
]


def redact_all():
    found = 0
    for t in texts:
        for kind, rx, check in PATTERNS:
            def sub(m, kind=kind, check=check):
                nonlocal found
                if check is None or check(m.group(0)):
                    found += 1
                    return f"[{kind}]"
                return m.group(0)
            t = rx.sub(sub, t)
    return found


t, found = best(redact_all)
out["redact_seconds"] = t; out["redact_found"] = found
out["redact_bytes"] = sum(len(x.encode()) for x in texts)

# 3. Metrics on the same predictions Sift scores.
d = json.load(open(metrics_path))
y, P = np.array(d["y"]), np.array(d["p"])
k = P.shape[1]


def all_metrics():
    labels = list(range(k))
    pred = P.argmax(1)
    r = {"acc": M.accuracy_score(y, pred)}
    r["prf"] = M.precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    for avg in ["micro", "macro", "weighted"]:
        r[avg] = M.precision_recall_fscore_support(y, pred, labels=labels, average=avg, zero_division=0)
    r["cm"] = M.confusion_matrix(y, pred, labels=labels)
    r["auc"] = [M.roc_auc_score(y == c, P[:, c]) for c in labels]
    r["ap"] = [M.average_precision_score(y == c, P[:, c]) for c in labels]
    r["ll"] = M.log_loss(y, P, labels=labels)
    r["brier"] = M.brier_score_loss(y, P, labels=labels)
    return r


t, r = best(all_metrics)
out["metrics_seconds"] = t; out["metrics_n"] = int(len(y)); out["macro_auc"] = float(np.mean(r["auc"]))
print(json.dumps(out))
