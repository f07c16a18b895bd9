#!/usr/bin/env python3
"""Synthetic CoNLL-style NER data for `bench/ner_compare.sh` (no NER corpus ships offline).

News-like sentences from templates, with PER / ORG / LOC / MISC mentions drawn from name lists.
The test split draws every name from lists disjoint from the training and validation splits, so
its entity F1 measures tagging unseen names from context and word shape, not memorized names.
Seeded and deterministic (Python's random, seed 13). Standard library only.

    python3 bench/ner_synthetic.py OUT_DIR      # writes train.conll, validation.conll, test.conll
"""
import pathlib, random, sys

FIRST = ["Angela", "Emmanuel", "Olaf", "Giorgia", "Pedro", "Ursula", "Mark", "Justin", "Jacinda", "Narendra",
         "Zoë", "Łukasz", "François", "Jürgen", "Søren", "Ana", "Mateo", "Chen", "Yuki", "Amara",
         "Kwame", "Fatima", "Ingrid", "Rafael", "Elena", "Dmitri", "Aisha", "Tomás", "Hana", "Oliver",
         "Sofia", "Liam", "Noor", "Mikael", "Priya", "Kenji", "Lucía", "Henrik", "Chloé", "Ravi"]
LAST = ["Merkel", "Macron", "Scholz", "Meloni", "Sánchez", "Leyen", "Rutte", "Trudeau", "Ardern", "Modi",
        "Müller", "Kowalski", "Dubois", "Schmidt", "Nielsen", "Silva", "García", "Wei", "Tanaka", "Okafor",
        "Mensah", "Haddad", "Larsen", "Costa", "Petrova", "Ivanov", "Khan", "Novák", "Sato", "Bennett",
        "Rossi", "Murphy", "Rahman", "Virtanen", "Sharma", "Watanabe", "Fernández", "Johansson", "Moreau", "Gupta"]
ORG = ["Siemens", "Deutsche Bank", "Airbus", "Reuters", "the European Central Bank", "Toyota", "Nestlé",
       "the United Nations", "Volkswagen", "Samsung Electronics", "the World Health Organization", "Alibaba",
       "BASF", "Unilever", "Maersk", "Philips", "Renault", "Ericsson", "Banco Santander", "Roche",
       "Novartis", "Shell", "Heineken", "Spotify", "the IMF", "Nokia", "Infosys", "Tata Motors", "Petrobras", "Sony"]
LOC = ["Paris", "Berlin", "München", "Kraków", "Tokyo", "Beijing", "São Paulo", "New Delhi", "Lagos", "Nairobi",
       "Brussels", "Madrid", "Rome", "Stockholm", "Oslo", "Helsinki", "Zürich", "Geneva", "Vienna", "Lisbon",
       "Warsaw", "Prague", "Istanbul", "Cairo", "Seoul", "Jakarta", "Mumbai", "Toronto", "Mexico City", "Buenos Aires"]
MISC = ["German", "French", "Japanese", "Brazilian", "Olympic", "Nobel", "Euro", "Christmas", "Ramadan", "World Cup",
        "Italian", "Spanish", "Korean", "Nigerian", "Canadian", "Dutch", "Swedish", "Indian", "Mexican", "Polish"]

TEMPLATES = [
    "{PER} visited {LOC} on Monday .",
    "{PER} , chief executive of {ORG} , said profits rose .",
    "Shares of {ORG} fell 3 percent in {LOC} trading .",
    "{ORG} will open a new plant near {LOC} next year .",
    "The {MISC} government named {PER} as its envoy to {LOC} .",
    "{PER} met {PER} in {LOC} to discuss trade .",
    "Analysts at {ORG} expect the {MISC} economy to grow .",
    "{PER} won the {MISC} prize for her work .",
    "Police in {LOC} said {PER} was arrested on Tuesday .",
    "{ORG} and {ORG} agreed to merge , the companies said .",
    "Fans in {LOC} celebrated the {MISC} victory .",
    "The report by {ORG} was published in {LOC} .",
    "{PER} told reporters in {LOC} that talks would continue .",
    "It rained all week and the market was quiet .",
    "Prices rose sharply after the announcement .",
    "{PER} joined {ORG} as chief financial officer .",
    "A {MISC} delegation arrived in {LOC} late on Sunday .",
    "{ORG} cut its forecast , citing weak demand in {LOC} .",
]


def split_names(items, rng):
    items = items[:]
    rng.shuffle(items)
    k = len(items) * 3 // 4
    return items[:k], items[k:]


def sentence(rng, names):
    words, tags = [], []
    for piece in rng.choice(TEMPLATES).split():
        if piece.startswith("{") and piece.endswith("}"):
            kind = piece[1:-1]
            if kind == "PER":
                mention = f"{rng.choice(names['FIRST'])} {rng.choice(names['LAST'])}".split()
            else:
                mention = rng.choice(names[kind]).split()
            # "the United Nations": a leading lower-case "the" is not part of the name.
            if mention[0] == "the":
                words.append("the"); tags.append("O"); mention = mention[1:]
            for i, w in enumerate(mention):
                words.append(w); tags.append(("B-" if i == 0 else "I-") + kind)
        else:
            words.append(piece); tags.append("O")
    return words, tags


def main():
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(13)
    seen, unseen = {}, {}
    for key, items in [("FIRST", FIRST), ("LAST", LAST), ("ORG", ORG), ("LOC", LOC), ("MISC", MISC)]:
        seen[key], unseen[key] = split_names(items, rng)
    for name, count, names in [("train", 2000, seen), ("validation", 300, seen), ("test", 600, unseen)]:
        with open(out / f"{name}.conll", "w", encoding="utf-8") as f:
            for _ in range(count):
                words, tags = sentence(rng, names)
                f.write("".join(f"{w}\t{t}\n" for w, t in zip(words, tags)) + "\n")
        print(f"{out / (name + '.conll')}: {count} sentences")


if __name__ == "__main__":
    main()
