#!/usr/bin/env python3
"""Gate newsclean on real scraped news: run ../shared/realdev/score.py and fail below the floors.

Usage: scripts/eval_realdev.py [--bin target/release/newsclean] [--shared DIR] [-v]

score.py (in ${SHARED:-../shared}/realdev, standard library only) pipes each real document through
`BIN -` and prints, per family and in total, residue recall, fixes, keep violations and clean
controls changed; its last line is
`realdev: recall A/B, fixes C/D, keep-violations E, clean-controls-changed F/G`.
This script prints that report and exits 1 if any figure falls behind the floors below (recorded
when the real-residue issue was closed: raise them when the scores rise, never lower them to pass),
2 if the scorer or the binary is missing or its output cannot be read.

The floors:
- total residue recall and fixes at least the recorded counts;
- the families of the residue rules (rt, blog, legacy, lang) together at least their recorded recall;
- the page family (full-page crawls: page chrome and page residue) at least its recorded recall;
- keep violations 0 and clean controls changed 0: precision is absolute.
"""
import argparse
import os
import re
import subprocess
import sys

# Reached when these floors were recorded (see CHANGELOG.md); CI fails below them.
FLOOR_RECALL = 170
FLOOR_FIXES = 28
# The families the residue rules serve (the page family is page chrome, another stage).
RESIDUE_FAMILIES = ("rt", "blog", "legacy", "lang")
FLOOR_RESIDUE_FAMILIES_RECALL = 72
# The page family: full-page crawls (page chrome and page residue); the page-chrome issue asks 88 of 103.
FLOOR_PAGE_RECALL = 98

TOTAL = re.compile(
    r"^realdev: recall (\d+)/(\d+), fixes (\d+)/(\d+), keep-violations (\d+), clean-controls-changed (\d+)/(\d+)$"
)
FAMILY = re.compile(r"^\s+(\w+)\s+\d+ docs\s+recall (\d+)/(\d+)\s+fixes (\d+)/(\d+)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default="target/release/newsclean", help="the binary to score")
    parser.add_argument("--shared", default=os.environ.get("SHARED", "../shared"), help="the shared folder")
    parser.add_argument("-v", "--verbose", action="store_true", help="list missed items (score.py -v)")
    args = parser.parse_args()

    scorer = os.path.join(args.shared, "realdev", "score.py")
    if not os.path.isfile(scorer):
        print(f"eval_realdev: no scorer at {scorer}", file=sys.stderr)
        return 2
    if not os.access(args.bin, os.X_OK):
        print(f"eval_realdev: no binary at {args.bin} (cargo build --release)", file=sys.stderr)
        return 2
    command = [sys.executable, scorer, "--bin", os.path.abspath(args.bin)] + (["-v"] if args.verbose else [])
    report = subprocess.run(command, capture_output=True, text=True, check=False)
    sys.stdout.write(report.stdout)
    sys.stderr.write(report.stderr)
    lines = report.stdout.splitlines()
    total = next((TOTAL.match(line) for line in reversed(lines) if TOTAL.match(line)), None)
    if total is None:
        print("eval_realdev: the scorer printed no total line", file=sys.stderr)
        return 2
    recall, _, fixes, _, violations, changed, _ = (int(g) for g in total.groups())
    families = {m.group(1): int(m.group(2)) for m in map(FAMILY.match, lines) if m}
    missing = [f for f in RESIDUE_FAMILIES + ("page",) if f not in families]
    if missing:
        print(f"eval_realdev: no figures for the families {', '.join(missing)}", file=sys.stderr)
        return 2
    residue_recall = sum(families[f] for f in RESIDUE_FAMILIES)

    failures = []
    if recall < FLOOR_RECALL:
        failures.append(f"recall {recall} is below the floor {FLOOR_RECALL}")
    if fixes < FLOOR_FIXES:
        failures.append(f"fixes {fixes} are below the floor {FLOOR_FIXES}")
    if residue_recall < FLOOR_RESIDUE_FAMILIES_RECALL:
        failures.append(
            f"recall of {'/'.join(RESIDUE_FAMILIES)} {residue_recall} is below the floor {FLOOR_RESIDUE_FAMILIES_RECALL}"
        )
    if families["page"] < FLOOR_PAGE_RECALL:
        failures.append(f"recall of page {families['page']} is below the floor {FLOOR_PAGE_RECALL}")
    if violations:
        failures.append(f"{violations} keep phrases were lost")
    if changed:
        failures.append(f"{changed} clean controls were changed")
    print(f"eval_realdev: {'/'.join(RESIDUE_FAMILIES)} recall {residue_recall}, page recall {families['page']}; "
          f"floors: recall {FLOOR_RECALL}, fixes {FLOOR_FIXES}, {'/'.join(RESIDUE_FAMILIES)} "
          f"{FLOOR_RESIDUE_FAMILIES_RECALL}, page {FLOOR_PAGE_RECALL}, 0 keep violations, 0 clean controls changed")
    for failure in failures:
        print(f"eval_realdev: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
