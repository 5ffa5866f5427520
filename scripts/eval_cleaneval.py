#!/usr/bin/env python3
"""Score HTML -> text on the CleanEval 2007 development set (58 pages with hand-cleaned gold text).

The metric is CleanEval's "text only" one as its scorer computes it (Stefan Evert's cleaneval.py,
re-implemented here with the standard library): the gold text's block marks (<p>, <h>, <l>) and its
first line (`URL: ...`) are removed, both texts are split into words (the Unicode regex \\w+,
lower-cased), and the two word sequences are aligned (difflib's SequenceMatcher, without its
heuristic that ignores frequent words). Aligned words count towards precision (of the output's
words) and recall (of the gold's words). Both are reported per page (macro mean) and over all words
(micro); F1 is the micro one, and the floor applies to it.

newsclean is run on every page as a user's file would be (`newsclean --html -`, the bytes as
stored: many pages are Latin-1/cp1252 wrapped in `<text ...>`). Outputs of other tools can be scored
the same way from a directory of `N.txt` files (--peer-outputs NAME=DIR, repeatable); trafilatura is
run directly when it can be imported (--trafilatura). Exits 1 if newsclean's F1 is below --floor,
2 if the data or the binary is missing.

    scripts/eval_cleaneval.py
    scripts/eval_cleaneval.py --trafilatura          # in an environment where trafilatura is installed
    scripts/eval_cleaneval.py --peer-outputs jusText=/tmp/justext-out
"""

import argparse
import os
import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORD = re.compile(r"\w+", re.UNICODE)
GOLD_MARK = re.compile(r"<[phl]>", re.IGNORECASE)
# The micro F1 newsclean reached when this floor was last raised (0.921), rounded down to two decimals.
DEFAULT_FLOOR = 0.92


def words(text):
    return [w.lower() for w in WORD.findall(text or "")]


def gold_words(text):
    lines = text.splitlines()
    if lines and lines[0].startswith("URL:"):
        lines = lines[1:]
    return words(GOLD_MARK.sub(" ", "\n".join(lines)))


def aligned(gold, out):
    """Words of `out` aligned with words of `gold`."""
    matcher = SequenceMatcher(None, gold, out, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())


def score(golds, outputs):
    """(macro P, macro R, micro P, micro R, micro F1) over the pages of `golds`."""
    ps, rs = [], []
    total_match = total_out = total_gold = 0
    for key, gold in golds.items():
        out = words(outputs.get(key, ""))
        match = aligned(gold, out)
        ps.append(match / len(out) if out else (1.0 if not gold else 0.0))
        rs.append(match / len(gold) if gold else 1.0)
        total_match += match
        total_out += len(out)
        total_gold += len(gold)
    p = total_match / total_out if total_out else 0.0
    r = total_match / total_gold if total_gold else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return sum(ps) / len(ps), sum(rs) / len(rs), p, r, f1


def run_newsclean(cmd, page):
    done = subprocess.run(cmd, input=page.read_bytes(), capture_output=True, timeout=60)
    if done.returncode != 0:
        sys.exit(f"eval_cleaneval: {' '.join(cmd)} failed on {page.name}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode("utf-8")


def run_trafilatura(pages):
    import trafilatura  # noqa: PLC0415 (optional: only with --trafilatura)

    return {key: trafilatura.extract(page.read_bytes()) or "" for key, page in pages.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="CleanEval folder (default: $SHARED or ../shared, peers/cleaneval-dev)")
    parser.add_argument("--cmd", default="target/release/newsclean --html -", help="command: HTML on stdin, text on stdout")
    parser.add_argument("--floor", type=float, default=DEFAULT_FLOOR, help="fail if newsclean's micro F1 is below this")
    parser.add_argument("--peer-outputs", action="append", default=[], metavar="NAME=DIR", help="score DIR/N.txt as NAME")
    parser.add_argument("--trafilatura", action="store_true", help="also run trafilatura (must be importable)")
    parser.add_argument("--save", type=Path, metavar="DIR", help="write newsclean's outputs here as N.txt")
    args = parser.parse_args()

    shared = Path(os.environ.get("SHARED", ROOT.parent / "shared"))
    data = args.data or shared / "peers" / "cleaneval-dev"
    if not (data / "GoldStandard").is_dir() or not (data / "input").is_dir():
        print(f"eval_cleaneval: no CleanEval data at {data}", file=sys.stderr)
        sys.exit(2)
    cmd = shlex.split(args.cmd)
    if not Path(cmd[0]).is_absolute() and "/" in cmd[0]:
        cmd[0] = str(ROOT / cmd[0])
    if not Path(cmd[0]).exists() and "/" in cmd[0]:
        print(f"eval_cleaneval: {cmd[0]} not found (build it first)", file=sys.stderr)
        sys.exit(2)

    golds, pages = {}, {}
    for gold in sorted((data / "GoldStandard").glob("*.txt"), key=lambda p: int(p.stem) if p.stem.isdigit() else 0):
        page = data / "input" / f"{gold.stem}.html"
        if page.is_file():
            golds[gold.stem] = gold_words(gold.read_text(encoding="utf-8", errors="replace"))
            pages[gold.stem] = page
    if not golds:
        print(f"eval_cleaneval: no page with gold text in {data}", file=sys.stderr)
        sys.exit(2)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        ours = dict(zip(pages, pool.map(lambda key: run_newsclean(cmd, pages[key]), pages)))
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        for key, text in ours.items():
            (args.save / f"{key}.txt").write_text(text, encoding="utf-8")

    rows = [("newsclean", *score(golds, ours))]
    for spec in args.peer_outputs:
        name, _, folder = spec.partition("=")
        folder = Path(folder)
        outputs = {key: (folder / f"{key}.txt").read_text(encoding="utf-8", errors="replace") for key in golds if (folder / f"{key}.txt").is_file()}
        rows.append((name, *score(golds, outputs)))
    if args.trafilatura:
        rows.append(("trafilatura", *score(golds, run_trafilatura(pages))))
    full_page = {key: page.read_bytes().decode("utf-8", errors="replace") for key, page in pages.items()}
    rows.append(("tags stripped", *score(golds, {k: re.sub(r"<[^>]*>", " ", v) for k, v in full_page.items()})))

    print(f"{len(golds)} pages, {data}; words aligned with the gold text (text only)")
    print(f"{'system':<14} {'P (pages)':>9} {'R (pages)':>9} {'P (words)':>9} {'R (words)':>9} {'F1':>7}")
    for name, mp, mr, p, r, f1 in rows:
        print(f"{name:<14} {mp:>9.3f} {mr:>9.3f} {p:>9.3f} {r:>9.3f} {f1:>7.3f}")

    f1 = rows[0][5]
    if f1 < args.floor:
        print(f"eval_cleaneval: newsclean F1 {f1:.3f} is below the floor {args.floor:.2f}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
