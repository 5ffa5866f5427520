#!/usr/bin/env python3
"""Score HTML -> article text on the scrapinghub article-extraction benchmark (181 pages).

The metric is the benchmark's own (its evaluate.py, re-implemented here with the standard library):
text is tokenised with the Unicode regex \\w+, each document becomes a bag of 4-gram shingles, and
true/false positives and false negatives are counted per document and normalised to sum to 1, so
that long articles weigh no more than short ones. Precision and recall are averaged over the
documents, and F1 is computed from the two means.

newsclean is run on every page (gunzipped, on stdin); the stored outputs of trafilatura and
html-text (full page text, the baseline) are scored the same way. Exits 1 if newsclean's F1 is
below --floor or its precision below --precision-floor, 2 if the data or the binary is missing.

    scripts/eval_html.py                          # target/release/newsclean --html -
    scripts/eval_html.py --cmd 'target/release/examples/html2text'
    scripts/eval_html.py --worst 10               # also list the ten pages newsclean does worst on
"""

import argparse
import gzip
import json
import os
import re
import shlex
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = re.compile(r"\w+", re.UNICODE)
NGRAM = 4
# The F1 and precision newsclean reached when these floors were last raised (0.962 and 0.947, with
# the whole-page article selection), rounded down to two decimals.
DEFAULT_FLOOR = 0.96
DEFAULT_PRECISION_FLOOR = 0.94
STORED = ["trafilatura", "html-text"]


def shingles(text):
    tokens = TOKEN.findall(text or "")
    # As upstream: a text shorter than four tokens is one shingle of what it has.
    return Counter(tuple(tokens[i : i + NGRAM]) for i in range(max(1, len(tokens) - NGRAM + 1)) if tokens[i : i + NGRAM])


def tp_fp_fn(true, pred):
    t, p = shingles(true), shingles(pred)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def precision(tp, fp, fn):
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def recall(tp, fp, fn):
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def score(truth, predicted):
    """Mean precision, mean recall, F1 of the means, and the per-document (tp, fp, fn)."""
    counts = {key: tp_fp_fn(truth[key], predicted.get(key, "")) for key in truth}
    ps = [precision(*c) for c in counts.values() if c[0] + c[1] > 0]
    rs = [recall(*c) for c in counts.values() if c[0] + c[2] > 0]
    p = sum(ps) / len(ps) if ps else 0.0
    r = sum(rs) / len(rs) if rs else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1, counts


def load_stored(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    if "output" in data and isinstance(data["output"], dict):
        data = data["output"]  # some are wrapped as {"version": ..., "output": {...}}
    return {key: (item or {}).get("articleBody") or "" for key, item in data.items()}


def run_newsclean(cmd, page):
    html = gzip.decompress(page.read_bytes())
    done = subprocess.run(cmd, input=html, capture_output=True, timeout=60)
    if done.returncode != 0:
        sys.exit(f"eval_html: {' '.join(cmd)} failed on {page.name}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode("utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="benchmark folder (default: $SHARED or ../shared, peers/...)")
    parser.add_argument("--cmd", default="target/release/newsclean --html -", help="command: HTML on stdin, text on stdout")
    parser.add_argument("--floor", type=float, default=DEFAULT_FLOOR, help="fail if newsclean's F1 is below this")
    parser.add_argument(
        "--precision-floor", type=float, default=DEFAULT_PRECISION_FLOOR, help="fail if newsclean's precision is below this"
    )
    parser.add_argument("--worst", type=int, default=0, metavar="N", help="list the N pages newsclean scores worst on")
    parser.add_argument("--save", type=Path, help="write newsclean's outputs here as {id: {articleBody: ...}}")
    args = parser.parse_args()

    shared = Path(os.environ.get("SHARED", ROOT.parent / "shared"))
    data = args.data or shared / "peers" / "scrapinghub-article-extraction-benchmark"
    if not (data / "ground-truth.json").is_file():
        sys.exit(f"eval_html: no benchmark data at {data}")
    cmd = shlex.split(args.cmd)
    if not Path(cmd[0]).is_absolute() and "/" in cmd[0]:
        cmd[0] = str(ROOT / cmd[0])
    if not Path(cmd[0]).exists() and "/" in cmd[0]:
        print(f"eval_html: {cmd[0]} not found (build it first)", file=sys.stderr)
        sys.exit(2)

    ground = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    truth = {key: item["articleBody"] for key, item in ground.items()}
    pages = {key: data / "html" / f"{key}.html.gz" for key in truth}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        ours = dict(zip(pages, pool.map(lambda key: run_newsclean(cmd, pages[key]), pages)))
    if args.save:
        args.save.write_text(json.dumps({k: {"articleBody": v} for k, v in ours.items()}, ensure_ascii=False, indent=1))

    rows = [("newsclean", *score(truth, ours))]
    for name in STORED:
        path = data / "output" / f"{name}.json"
        if path.is_file():
            rows.append((name, *score(truth, load_stored(path))))

    print(f"{len(truth)} pages, {data}")
    print(f"{'system':<14} {'precision':>9} {'recall':>7} {'F1':>7}")
    for name, p, r, f1, _ in rows:
        print(f"{name:<14} {p:>9.3f} {r:>7.3f} {f1:>7.3f}")

    if args.worst:
        counts = rows[0][4]
        worst = sorted(counts, key=lambda k: counts[k][0])[: args.worst]
        print(f"\nworst {args.worst} pages for newsclean (tp, fp, fn as shares of all shingles):")
        for key in worst:
            tp, fp, fn = counts[key]
            print(f"  {key[:16]}  tp {tp:.2f}  fp {fp:.2f}  fn {fn:.2f}  {ground[key].get('url', '')}")

    p, f1 = rows[0][1], rows[0][3]
    failed = False
    if f1 < args.floor:
        print(f"eval_html: newsclean F1 {f1:.3f} is below the floor {args.floor:.2f}", file=sys.stderr)
        failed = True
    if p < args.precision_floor:
        print(f"eval_html: newsclean precision {p:.3f} is below the floor {args.precision_floor:.2f}", file=sys.stderr)
        failed = True
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
