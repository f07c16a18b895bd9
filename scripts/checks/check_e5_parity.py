"""Sift against Hugging Face on the real multilingual-e5-small folder that set-up converts
(.models/multilingual-e5-small; XLM-R Unigram tokenizer with the Precompiled normalizer).

1. Token ids and offsets: `sift tokenize` against `tokenizers` on the texts below plus the Chinese
   reviews of .data (the first --reviews lines of pos.txt and neg.txt).
2. Embeddings of texts both tokenize alike: `sift embed` (the folder's mean pooling + L2 normalization) against transformers'
   AutoModel last hidden state, mean-pooled over the attention mask and normalized, in fp32;
   every component within --tolerance (1e-4).
Prints the figures and exits 1 on any difference.
Usage: .venv/bin/python scripts/checks/check_e5_parity.py --sift .build/debug/sift [--reviews N]
"""
import argparse, json, pathlib, subprocess, sys, tempfile

import numpy as np
import torch
from tokenizers import Tokenizer
from transformers import AutoModel

FOLDER = ".models/multilingual-e5-small"
EDGE = [
    "query: how much protein should a female eat", "passage: The quick brown fox jumps over the lazy dog.",
    "这家餐厅的菜很好吃，服务也很周到。", "房间太小了，而且隔音很差，不会再住了！", "質量很差，用了兩天就壞了。",
    "Ｆｕｌｌｗｉｄｔｈ　ＡＳＣＩＩ　１２３，！？", "ﬁnancial ㎏ ½ Ⅻ ① ｶﾞｷﾞ", "cafe\u0301 naïve résumé ÉCOLE",
    "emoji 😀🎉 👍🏽 👨‍👩‍👧 🇫🇷 and symbols ©®™", "zero\u200bwidth soft\u00adhyphen no\u00a0break\u3000ideographic",
    "  leading and   repeated   spaces  ", "tabs\tand\nnew lines\r\nhere", "Mixed 中文 and English text 123.",
    "Der Zug nach Berlin hat zwanzig Minuten Verspätung.", "Президент подписал новый закон.", "الحكومة تعلن عن خطة",
    "東京で新しい美術館が開館しました。", "서울의 집값이 다시 오르고 있다.", "วันนี้อากาศดีมาก", "<s> </s> <mask> <unk> text",
    "x", "A very long sentence " + "that keeps going and going " * 40 + "until it ends.",
]


def run(cmd, stdin=None):
    r = subprocess.run(cmd, capture_output=True, text=True, input=stdin)
    if r.returncode != 0:
        sys.exit(f"e5_parity: {' '.join(cmd)} failed:\n{r.stderr}")
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sift", default=".build/debug/sift")
    ap.add_argument("--reviews", type=int, default=300, help="Chinese reviews to tokenize (0: none)")
    ap.add_argument("--embed", type=int, default=32, help="texts to embed")
    ap.add_argument("--tolerance", type=float, default=1e-4)
    a = ap.parse_args()
    if not pathlib.Path(FOLDER, "model.safetensors").exists():
        sys.exit(f"e5_parity: {FOLDER} is missing; run scripts/setup.sh")
    reviews = []
    for name in ("pos.txt", "neg.txt"):
        p = pathlib.Path(".data/chinese-reviews", name)
        if p.exists():
            reviews += [l.strip() for l in p.read_text(encoding="utf-8").splitlines() if l.strip()]
    texts = EDGE + reviews[: a.reviews]
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        src = pathlib.Path(tmp, "texts.jsonl")
        src.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts), encoding="utf-8")

        # 1. Tokenizer.
        hf = Tokenizer.from_file(f"{FOLDER}/tokenizer.json")
        hf.no_truncation()
        got = run([a.sift, "tokenize", FOLDER, "--input", str(src), "--text-column", "text", "--max-length", "100000"])
        mismatched, agreeing = 0, []
        for t, g in zip(texts, got):
            e = hf.encode(t)
            if g["input_ids"] == e.ids:
                agreeing.append(t)
            if g["input_ids"] != e.ids or [tuple(o) for o in g["offsets"]] != [tuple(o) for o in e.offsets]:
                mismatched += 1
                if mismatched <= 5:
                    print(f"e5_parity: tokenizer differs on {t!r}:\n  sift {g['tokens']}\n  hf   {e.tokens}")
        if len(got) != len(texts):
            print(f"e5_parity: sift tokenize gave {len(got)} encodings for {len(texts)} texts"); failed = True
        print(f"e5_parity: tokenizer: {len(texts) - mismatched}/{len(texts)} texts give Hugging Face's ids and offsets "
              f"({len(EDGE)} edge cases, {len(texts) - len(EDGE)} Chinese reviews)")
        failed |= mismatched > 0

        # 2. Embeddings of texts both tokenize alike (512-token limit: the long text is truncated by both).
        sample = agreeing[: a.embed]
        emb_src = pathlib.Path(tmp, "embed.jsonl")
        emb_src.write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in sample), encoding="utf-8")
        mine = np.array([r["embedding"] for r in run([a.sift, "embed", FOLDER, "--input", str(emb_src),
                                                      "--text-column", "text", "--batch-size", "16"])], dtype=np.float64)
    model = AutoModel.from_pretrained(FOLDER, dtype=torch.float32).eval()
    ref = []
    with torch.no_grad():
        for t in sample:
            e = hf.encode(t)
            ids = torch.tensor([e.ids if len(e.ids) <= 512 else e.ids[:511] + e.ids[-1:]])  # keeps </s>
            h = model(input_ids=ids, attention_mask=torch.ones_like(ids), token_type_ids=torch.zeros_like(ids)).last_hidden_state[0]
            v = h.mean(0)
            ref.append((v / v.norm()).double().numpy())
    ref = np.stack(ref)
    diff = np.abs(mine - ref).max()
    cos = (mine * ref).sum(1) / np.linalg.norm(mine, axis=1) / np.linalg.norm(ref, axis=1)
    print(f"e5_parity: embeddings of {len(sample)} texts: max |difference| {diff:.2e} (tolerance {a.tolerance:g}), "
          f"min cosine {cos.min():.8f}")
    failed |= not diff <= a.tolerance
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
