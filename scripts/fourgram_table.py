#!/usr/bin/env python3
"""fourgram_table.py: src/rules/fourgrams.bin, how common each run of four bytes is in real news.

    python3 scripts/fourgram_table.py [GROUND_TRUTH_JSON] > src/rules/fourgrams.bin

Reads the article bodies of the scrapinghub article-extraction benchmark (181 real news pages,
../shared/peers/scrapinghub-article-extraction-benchmark/ground-truth.json by default), folds ASCII
letters to lower case and counts every run of four bytes. The table has 65,536 one-byte cells; a
run's cell is picked by hashing it as `src/rules/rarity.rs` does (`cell`), and holds 16 * log2(1 +
count) of the most frequent run falling there (at most 255). Only counts leave the script: no text
of the articles is copied.
"""
import collections, json, math, os, sys


def cell(gram):
    word = int.from_bytes(gram, "little")
    return ((word * 0x9E3779B1) & 0xFFFFFFFF) >> 16


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "peers",
        "scrapinghub-article-extraction-benchmark", "ground-truth.json")
    bodies = [v["articleBody"] for v in json.load(open(path, encoding="utf-8")).values()]
    counts = collections.Counter()
    for body in bodies:
        data = body.encode("utf-8").lower()  # bytes.lower() folds ASCII letters only
        counts.update(data[k:k + 4] for k in range(len(data) - 3))
    table = bytearray(65536)
    for gram, n in counts.items():
        k = cell(gram)
        table[k] = max(table[k], min(255, round(16 * math.log2(1 + n))))
    sys.stdout.buffer.write(bytes(table))


if __name__ == "__main__":
    main()
