"""Encodes and decodes test strings with Hugging Face `tokenizers` (the Rust implementation) to give
TokenizerHfReferenceTest an independent reference beyond golden/tokenizer.jsonl.
tiny-llada: its tokenizer.json as is. tiny-dream: the fast-tokenizer equivalent of its vocab.json +
merges.txt (NFC, the Qwen2 split regex, ByteLevel, added tokens of tokenizer_config.json), which
agrees with the slow Qwen2 tokenizer except where NFC would compose across an added token.
Run from this folder: python3 make_hf_reference.py"""
import json, random
from tokenizers import Tokenizer, AddedToken, Regex, models, normalizers, pre_tokenizers, decoders

ROOT = "../../../../../examples/models/"
QWEN2 = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""


def dream():
    vocab = json.load(open(ROOT + "tiny-dream/vocab.json"))
    merges = [tuple(l.split(" ")) for l in open(ROOT + "tiny-dream/merges.txt").read().split("\n")[1:] if l]
    tok = Tokenizer(models.BPE(vocab, merges))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    cfg = json.load(open(ROOT + "tiny-dream/tokenizer_config.json"))
    for i, t in sorted(cfg["added_tokens_decoder"].items(), key=lambda kv: int(kv[0])):
        tok.add_special_tokens([AddedToken(t["content"], normalized=False, special=True)])
    return tok


POOL = [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2028", "'s", "'LL", "e\u0301", "\u0301", "ﬁ",
        "Å", "1", "42", "½", "Ⅻ", "日本語", "😀", "👍🏽", "👨\u200d👩\u200d👧", "\u0000", "\u00ad", "\uFFFD",
        "<|", "|>", "<|mdm_mask|>", "<|endoftext|>", "<|eot_id|>", "<|mask|>", "<|im_start|>", "hello",
        "World", "print(x)->", "37+48=", "!!", "...", "don't", "I'm", "  \n\n  ", "x" * 300]


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


def main():
    lines = [l for l in open(ROOT + "../data/tiny_shakespeare.txt", encoding="utf-8").read().split("\n")]
    for name, tok in (("tiny-llada", Tokenizer.from_file(ROOT + "tiny-llada/tokenizer.json")), ("tiny-dream", dream())):
        rng = random.Random(1234)
        texts = [" ".join(lines[i:i + rng.randrange(1, 4)]) for i in rng.sample(range(len(lines) - 4), 150)]
        texts += [random_text(rng) for _ in range(350)]
        with open("hf_reference_%s.jsonl" % name, "w") as out:
            for t in texts:
                ids = tok.encode(t, add_special_tokens=False).ids
                out.write(json.dumps({"text": t, "ids": ids, "decoded": tok.decode(ids, skip_special_tokens=False),
                                      "decoded_skip": tok.decode(ids, skip_special_tokens=True)}) + "\n")
            for _ in range(150):
                ids = [rng.randrange(tok.get_vocab_size(with_added_tokens=True)) for _ in range(rng.randrange(1, 30))]
                out.write(json.dumps({"ids": ids, "decoded": tok.decode(ids, skip_special_tokens=False),
                                      "decoded_skip": tok.decode(ids, skip_special_tokens=True)}) + "\n")


main()
