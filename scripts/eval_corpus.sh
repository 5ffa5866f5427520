#!/usr/bin/env bash
# Runs newsclean over a corpus from ../shared/bench/make_corpus.py and checks, on real-looking data:
#   - it never panics and reports no error: every file decodes (UTF-8, windows-1251, KOI8-R),
#   - every legacy-encoded file is reported as detected in its encoding (--verbose),
#   - the dry-run diff of the UTF-8 files applies with `git apply` and gives exactly what --write
#     gives (diffs of legacy files are UTF-8 and say they cannot be applied),
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

# The whole corpus: no error, legacy files detected.
status=0
(cd "$work/dry" && "$bin" --verbose . >/dev/null 2>"$work/dry.err") || status=$?
[ "$status" -eq 0 ] || { echo "dry run exited $status"; grep -v ' edits\?$' "$work/dry.err" | head; exit 1; }
legacy=$(awk -F'\t' 'NR > 1 && $1 ~ /\.txt$/ && ($2 == "windows-1251" || $2 == "koi8-r")' "$work/corpus/MANIFEST.tsv" | wc -l)
detected=$(grep -c -E ': (windows-1251|KOI8-R|KOI8-U) \(detected\)' "$work/dry.err" || true)
echo "dry run: $(tail -n 1 "$work/dry.err"); $detected of $legacy legacy-encoded files detected"
[ "$detected" -eq "$legacy" ] || { echo "not every legacy file was detected in its encoding"; exit 1; }

# The UTF-8 files: the printed diff applies and equals --write.
awk -F'\t' 'NR > 1 && $1 ~ /\.txt$/ && ($2 == "utf-8" || $2 == "utf-8-sig") { print $1 }' "$work/corpus/MANIFEST.tsv" >"$work/utf8.list"
(cd "$work/dry" && xargs "$bin" -q <"$work/utf8.list" >"$work/changes.patch")
"$bin" --write -q "$work/written"
(cd "$work/dry" && git init -q . && git apply --whitespace=nowarn "$work/changes.patch")
rm -rf "$work/dry/.git"
while read -r name; do
    cmp -s "$work/dry/$name" "$work/written/$name" || { echo "git apply of the dry run differs from --write: $name"; exit 1; }
done <"$work/utf8.list"
echo "git apply of the dry-run diff == --write on $(wc -l <"$work/utf8.list") UTF-8 files"

"$bin" --write "$work/written" 2>"$work/second.err" >/dev/null
second=$(grep ' files, ' "$work/second.err")
case "$second" in
    *", 0 changed, 0 edits"*) echo "second --write: $second" ;;
    *) echo "second --write changed something: $second"; exit 1 ;;
esac
