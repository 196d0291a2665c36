"""Encodes every Unicode scalar value in three contexts with Hugging Face `tokenizers` and writes one
hash of the ids per block of 4096 code points (codepoint_hashes.json), so TokenizerCodePointSweepTest
can compare the whole code space without storing millions of rows.
Run from this folder: python3 make_codepoint_hashes.py"""
import json, importlib.util
from tokenizers import Tokenizer

ns = {}
exec(open("make_hf_reference.py").read().split("\ndef main")[0], ns)
MOD = (1 << 61) - 1
BLOCK = 4096
# doubled, these compose under Unicode 16 NFC (JDK 25) but not in the reference's older Unicode tables
UNICODE16_COMPOSITIONS = {0x113C2, 0x1611E, 0x16D67}


def texts(block):
    out = []
    for cp in range(block * BLOCK, (block + 1) * BLOCK):
        if 0xD800 <= cp <= 0xDFFF or cp in UNICODE16_COMPOSITIONS:
            continue
        c = chr(cp)
        out.append("x" + c + " " + c + c + "1\n" + c)
    return out


def main():
    result = {}
    for name, tok in (("tiny-llada", Tokenizer.from_file(ns["ROOT"] + "tiny-llada/tokenizer.json")),
                      ("tiny-dream", ns["dream"]())):
        hashes = []
        for block in range(0x110000 // BLOCK):
            h = 0
            for enc in tok.encode_batch(texts(block), add_special_tokens=False):
                for i in enc.ids:
                    h = (h * 1000003 + i + 1) % MOD
                h = (h * 1000003) % MOD
            hashes.append(h)
        result[name] = hashes
    json.dump({"block": BLOCK, "contexts": "x{c} {c}{c}1\\n{c}", "hashes": result}, open("codepoint_hashes.json", "w"))


main()
