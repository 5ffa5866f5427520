#!/usr/bin/env python3
"""Evaluate `newsclean learn` on the generated sites corpus (scripts/make_sites.py).

Usage: eval_learn.py [--bin target/release/newsclean] [--articles N] [--floor 0.95] [--keep-dir DIR]

Generates the corpus in a temporary directory, runs `newsclean learn` on it, then cleans it with
the learned file as config (`newsclean --config learned.toml --out CLEAN corpus`) and checks every
planted item of planted.jsonl in the cleaned copies: a residue item counts as removed when it no
longer occurs in its article; a good line counts as kept when it occurs as often as before. The
same count is made with the built-in rules alone, as a baseline. Prints

  learn-eval: residue removed A/B (P%), good lines kept C/D, rules R; built-in rules alone: E/B

and exits 1 when the share removed is below --floor or any good line was lost (Python 3 standard
library only).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def count(out_dir, planted):
    removed = total = kept = good = 0
    for rec in planted:
        path = os.path.join(out_dir, rec["file"])
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for item in rec["residue"]:
            total += 1
            removed += item not in text
        for item in rec["good"]:
            good += 1
            kept += text.count(item) >= 1
    return removed, total, kept, good


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode not in (0, 1):
        sys.stderr.write(r.stderr)
        sys.exit("eval_learn: %s failed with exit %d" % (" ".join(cmd), r.returncode))
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="target/release/newsclean")
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--floor", type=float, default=0.95)
    ap.add_argument("--keep-dir", help="generate and keep everything here instead of a temporary directory")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep_dir or tmp
        corpus = os.path.join(work, "sites")
        subprocess.run([sys.executable, os.path.join(HERE, "make_sites.py"), corpus, "--articles", str(args.articles)],
                       check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(corpus, "planted.jsonl"), encoding="utf-8") as f:
            planted = [json.loads(line) for line in f]
        learned = os.path.join(work, "learned.toml")
        r = run([binary, "learn", corpus, "-o", learned])
        sys.stderr.write(r.stderr)
        rules = sum(1 for line in open(learned, encoding="utf-8") if line.startswith("[[rule]]"))
        clean = os.path.join(work, "clean")
        base = os.path.join(work, "builtin")
        run([binary, "--quiet", "--config", learned, "--out", clean, corpus])
        # The baseline: an empty config, so that no newsclean.toml above the corpus counts.
        empty = os.path.join(work, "empty.toml")
        open(empty, "w").close()
        run([binary, "--quiet", "--config", empty, "--out", base, corpus])
        removed, total, kept, good = count(clean, planted)
        base_removed = count(base, planted)[0]
    share = removed / total if total else 0.0
    print("learn-eval: residue removed %d/%d (%.1f%%), good lines kept %d/%d, rules %d; built-in rules alone: %d/%d"
          % (removed, total, 100 * share, kept, good, rules, base_removed, total))
    if share < args.floor or kept < good:
        sys.exit(1)


if __name__ == "__main__":
    main()
