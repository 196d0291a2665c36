"""Trains small BPE tokenizers with Hugging Face `tokenizers` (Rust) on the bundled Shakespeare text,
one per family of components the SDK implements (Metaspace / byte fallback like LLaMA-2, GPT-2
ByteLevel with its regex, Split behaviours, Digits, Punctuation, Whitespace, continuing-subword
prefix and end-of-word suffix, added-token lstrip/rstrip/single_word), and records their encodings
and decodings for TokenizerComponentsReferenceTest. Run from this folder: python3 make_component_reference.py"""
import json, random
from tokenizers import Tokenizer, AddedToken, Regex, models, normalizers, pre_tokenizers, decoders, trainers, processors

ROOT = "../../../../../examples/"
TEXT = open(ROOT + "data/tiny_shakespeare.txt", encoding="utf-8").read()
LINES = TEXT.split("\n")
POOL = [" ", "  ", "\t", "\n", "\u00a0", "'s", "e\u0301", "ﬁ", "1", "42", "½", "日本語", "😀", "<s>", "</s>",
        "<mask>", " <mask> ", "[SEP]  x", "cat", " cat ", "concat", "cat.", "hello", "World", "a-b--c",
        "x=1;y=22", "...", "don't", "  \n\n  ", "▁"]


def random_text(rng):
    parts = []
    for _ in range(rng.randrange(12)):
        k = rng.randrange(3)
        if k == 0:
            parts.append(rng.choice(POOL))
        elif k == 1:
            while True:
                cp = rng.randrange(0x3000 if rng.random() < 0.5 else 0x110000)
                if not 0xD800 <= cp <= 0xDFFF:
                    break
            parts.append(chr(cp))
        else:
            parts.append("".join(chr(rng.randrange(0x20, 0x7f)) for _ in range(rng.randrange(1, 8))))
    return "".join(parts)


def train(tok, vocab_size=400, special=(), **kw):
    tok.train_from_iterator([TEXT[i:i + 2000] for i in range(0, len(TEXT), 2000)],
                            trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(special),
                                                show_progress=False, **kw))
    return tok


def llama2():
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(" ", 1, 0)])
    byte_tokens = ["<0x%02X>" % b for b in range(256)]
    train(tok, 600, ["<unk>", "<s>", "</s>"] + byte_tokens)
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", tok.token_to_id("<s>"))])
    return tok


def metaspace():
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="first")
    train(tok, 400, ["<unk>"])
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, rstrip=False, normalized=False),
                            AddedToken("[SEP]", rstrip=True, normalized=False)])
    tok.add_tokens([AddedToken("cat", single_word=True, normalized=True)])
    tok.post_processor = processors.RobertaProcessing(("[SEP]", tok.token_to_id("[SEP]")),
                                                      ("<mask>", tok.token_to_id("<mask>")))
    return tok


def gpt2():
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    train(tok, 500, ["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.add_special_tokens([AddedToken("<s>", normalized=False), AddedToken("</s>", normalized=False)])
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", tok.token_to_id("<s>")),
                                                                             ("</s>", tok.token_to_id("</s>"))])])
    return tok


def splits():
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.normalizer = normalizers.Strip()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"\d+"), behavior="merged_with_previous"),
        pre_tokenizers.Split("-", behavior="contiguous"),
        pre_tokenizers.Split(Regex(r"[;=]"), behavior="merged_with_next"),
        pre_tokenizers.Punctuation(behavior="isolated"),
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.WhitespaceSplit()])
    return train(tok, 400, ["<unk>"])


def affixes():
    tok = Tokenizer(models.BPE(unk_token="<unk>", continuing_subword_prefix="##", end_of_word_suffix="</w>",
                               ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace(),
                                                 pre_tokenizers.Split(Regex(r"\w+"), behavior="removed", invert=True)])
    return train(tok, 500, ["<unk>"], continuing_subword_prefix="##", end_of_word_suffix="</w>")


def main():
    for name, build in (("llama2", llama2), ("metaspace", metaspace), ("gpt2", gpt2), ("splits", splits),
                        ("affixes", affixes)):
        tok = build()
        tok.save("components/%s/tokenizer.json" % name)
        rng = random.Random(99)
        texts = [" ".join(LINES[i:i + rng.randrange(1, 3)]) for i in rng.sample(range(len(LINES) - 3), 60)]
        texts += [random_text(rng) for _ in range(140)]
        with open("components/%s/reference.jsonl" % name, "w") as out:
            for t in texts:
                ids = tok.encode(t, add_special_tokens=False).ids
                out.write(json.dumps({"text": t, "ids": ids,
                                      "ids_with_specials": tok.encode(t, add_special_tokens=True).ids,
                                      "decoded": tok.decode(ids, skip_special_tokens=False),
                                      "decoded_skip": tok.decode(ids, skip_special_tokens=True)}) + "\n")
            for _ in range(60):
                ids = [rng.randrange(tok.get_vocab_size(with_added_tokens=True)) for _ in range(rng.randrange(1, 20))]
                out.write(json.dumps({"ids": ids, "decoded": tok.decode(ids, skip_special_tokens=False),
                                      "decoded_skip": tok.decode(ids, skip_special_tokens=True)}) + "\n")


main()
