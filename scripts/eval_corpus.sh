#!/usr/bin/env bash
# Runs newsclean over a corpus from ../shared/bench/make_corpus.py and checks, on real-looking data:
#   - it never panics (exit 0, or 2 only for the files it reports as unreadable),
#   - every error message names a file, and only non-UTF-8 files fail (legacy encodings come later),
#   - the dry-run diff applies with `git apply` and gives exactly what --write gives,
#   - a second --write changes nothing.
# Usage: scripts/eval_corpus.sh [MB]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
MB=${1:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release -q
bin=$PWD/target/release/newsclean
python3 "$SHARED/bench/make_corpus.py" "$work/corpus" --mb "$MB" >/dev/null
cp -r "$work/corpus/files" "$work/dry"
cp -r "$work/corpus/files" "$work/written"

status=0
(cd "$work/dry" && "$bin" . >"$work/changes.patch" 2>"$work/dry.err") || status=$?
[ "$status" -le 2 ] || { echo "dry run exited $status (a crash?)"; cat "$work/dry.err"; exit 1; }
errors=$(grep -c 'not valid UTF-8' "$work/dry.err" || true)
others=$(grep -v -e 'not valid UTF-8' -e 'files, ' "$work/dry.err" || true)
if [ -n "$others" ]; then
    echo "unexpected messages:"; echo "$others"; exit 1
fi
legacy=$(awk -F'\t' 'NR > 1 && $1 ~ /\.txt$/ && ($2 == "windows-1251" || $2 == "koi8-r")' "$work/corpus/MANIFEST.tsv" | wc -l)
echo "dry run: $(tail -n 1 "$work/dry.err"); $errors non-UTF-8 files reported, $legacy legacy-encoded .txt in the manifest"
[ "$errors" -le "$legacy" ] || { echo "more decode errors than legacy-encoded files"; exit 1; }

status=0
"$bin" --write -q "$work/written" 2>"$work/write.err" || status=$?
[ "$status" -le 2 ] || { echo "--write exited $status"; exit 1; }

(cd "$work/dry" && git init -q . && git apply --whitespace=nowarn "$work/changes.patch")
rm -rf "$work/dry/.git"
if ! diff -r "$work/dry" "$work/written" >/dev/null; then
    echo "git apply of the dry run differs from --write:"; diff -r "$work/dry" "$work/written" | head -20; exit 1
fi
echo "git apply of the dry-run diff == --write"

"$bin" --write "$work/written" 2>"$work/second.err" >/dev/null || true
second=$(grep ' files, ' "$work/second.err")
case "$second" in
    *", 0 changed, 0 edits"*) echo "second --write: $second" ;;
    *) echo "second --write changed something: $second"; exit 1 ;;
esac
