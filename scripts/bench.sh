#!/usr/bin/env bash
# bench.sh: throughput and peak memory of newsclean against cat and sed, in one run.
#
#   scripts/bench.sh                        # speed table on a 100 MiB corpus
#   MB=500 scripts/bench.sh                 # ... on a 500 MiB corpus
#   MB=1024 scripts/bench.sh --memory-only  # peak RSS of newsclean on a ~1 GiB input
#   scripts/bench.sh --with-memory          # both (the memory input is MEM_MB, default 1024)
#
# Environment:
#   MB        corpus size in MiB (default 100); with --memory-only, the size of the big input
#             (default 1024), the corpus then being CORPUS_MB (default 100)
#   SHARED    the shared directory holding bench/make_corpus.py (default ../shared, from the repo root)
#   RUNS      runs per measurement; the fastest is reported (default 3)
#   MEM_RUNS  runs per memory measurement (default 1)
#   PYTHON    Python 3 interpreter (default python3)
#   RSS_METHOD  how peak RSS is taken: auto (default), gnu-time or wait4 (see scripts/peak_rss.py)
#
# What it does:
#   1. cargo build --release;
#   2. generates the corpus with make_corpus.py into target/bench-corpus-$MB (reused when present);
#   3. times each tool RUNS times with scripts/peak_rss.py and keeps the fastest run: wall clock
#      from Python, peak RSS from GNU time (`/usr/bin/time -f %M`) where it exists, else from
#      os.wait4, so nothing but Python 3 is needed (that fallback adds a floor of ~7 MiB to every
#      RSS figure; the report prints the floor of the method used);
#      The HTML row turns the scrapinghub benchmark's 181 pages ($SHARED/peers/..., gunzipped once
#      into target/bench-html) into text with --out, on one core (-j 1, pinned where possible);
#      it is left out, with a note, when that folder is missing.
#   4. prints Markdown tables, machine facts and the commands; the same report is saved to
#      target/bench-report.md (or target/bench-memory.md).
# MB/s is input bytes / seconds with MB = 2^20 bytes, the unit make_corpus.py's --mb uses. The
# stdin workload is pinned to CPU 0 with `taskset -c 0` where taskset exists and works.
# Needs: bash, cargo, python3, and the usual coreutils, find and GNU sed.
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

# ---- arguments and settings ---------------------------------------------------------------------
MODE=speed
for arg in "$@"; do
    case "$arg" in
        --memory-only) MODE=memory ;;
        --with-memory) MODE=both ;;
        -h | --help) usage; exit 0 ;;
        *) echo "bench.sh: unknown argument: $arg (see --help)" >&2; exit 2 ;;
    esac
done

# The command as typed (with the settings given in the environment), for the report.
INVOCATION="scripts/bench.sh${*:+ $*}"
for var in RSS_METHOD PYTHON MEM_RUNS RUNS SHARED MEM_MB CORPUS_MB MB; do
    [[ -z ${!var:-} ]] || INVOCATION="$var=${!var} $INVOCATION"
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SHARED=${SHARED:-../shared}
RUNS=${RUNS:-3}
MEM_RUNS=${MEM_RUNS:-1}
PY=${PYTHON:-python3}
if [[ $MODE == memory ]]; then
    MEM_MB=${MB:-1024}
    CORPUS_MB=${CORPUS_MB:-100}
else
    CORPUS_MB=${MB:-100}
    MEM_MB=${MEM_MB:-1024}
fi

BIN=$ROOT/target/release/newsclean
SED_SCRIPT=$ROOT/scripts/residue.sed
# -I -S: a lean interpreter, so the wait4 fallback's floor stays small (see scripts/peak_rss.py).
TIMER=("$PY" -I -S "$ROOT/scripts/peak_rss.py" --method "${RSS_METHOD:-auto}")
CORPUS=$ROOT/target/bench-corpus-$CORPUS_MB
MAKE_CORPUS=$SHARED/bench/make_corpus.py

say() { printf '%s\n' "$*" >&2; }

# ---- helpers ------------------------------------------------------------------------------------
# The sum of the sizes of the given files, or of the *.txt files under a directory.
txt_bytes() {
    "$PY" - "$@" <<'EOF'
import os, sys
total = 0
for p in sys.argv[1:]:
    if os.path.isdir(p):
        for d, _, names in os.walk(p):
            total += sum(os.path.getsize(os.path.join(d, n)) for n in names if n.endswith(".txt"))
    else:
        total += os.path.getsize(p)
print(total)
EOF
}

# Arithmetic on decimals (bash has only integers).
calc() { awk "BEGIN { printf \"%.${1}f\", $2 }"; }
less_than() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

# measure WORKLOAD TOOL BYTES STDIN_FILE SHOWN_COMMAND -- COMMAND [ARG]...
# Runs COMMAND RUNS times in the corpus directory, stdin from STDIN_FILE, stdout to /dev/null, and
# appends the fastest run to ROWS. The last run's stderr and exit code are kept for the notes.
ROWS=()
CMDS=()
NOTES=()
measure() {
    local workload=$1 tool=$2 bytes=$3 input=$4 shown=$5
    shift 6 # the 5 above and the `--`
    local runs=${RUNS_OVERRIDE:-$RUNS}
    local best_s="" best_kib="" i s kib rc method err
    err=$WORK/$(( ${#ROWS[@]} + 1 )).err
    say "  $workload / $tool: $shown"
    for ((i = 1; i <= runs; i++)); do
        s="" kib="" rc=""
        read -r s kib rc method < <(cd "$CORPUS" && "${TIMER[@]}" --stdin "$input" --stdout /dev/null --stderr "$err" -- "$@")
        [[ -n $rc ]] || { say "bench.sh: could not time: $*"; exit 2; }
        say "    run $i: ${s}s, peak $((kib / 1024)) MiB, exit $rc"
        if [[ -z $best_s ]] || less_than "$s" "$best_s"; then
            best_s=$s
            best_kib=$kib
        fi
    done
    ROWS+=("| $workload | $tool | $best_s | $(calc 1 "$bytes / 1048576 / $best_s") | $(calc 1 "$best_kib / 1024") |")
    CMDS+=("- $workload / $tool: \`$shown\`")
    LAST_RC=$rc
    LAST_ERR=$err
    LAST_S=$best_s
    LAST_KIB=$best_kib
    METHOD=$method
}

# Notes on what newsclean printed on stderr during a run (errors, and its summary line).
newsclean_notes() {
    local label=$1 rc=$2 err=$3 errors utf8 summary
    errors=$(grep -c '^newsclean: ' "$err" || true)
    utf8=$(grep -c 'not valid UTF-8' "$err" || true)
    summary=$(grep -E '^newsclean: [0-9]+ files?,' "$err" || true)
    [[ -z $summary ]] || errors=$((errors - 1))
    errors=$((errors - $(grep -c 'skipped$' "$err" || true)))
    NOTES+=("- $label: exit code $rc; $errors error line(s) on stderr ($utf8 of them \`not valid UTF-8\`)${summary:+; summary: \`${summary#newsclean: }\`}")
}

machine_facts() {
    local cpu
    cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
    printf -- '- machine: %s, nproc %s, CPU model: %s\n' "$(uname -srm)" "$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)" "${cpu:-unknown}"
    printf -- '- tools: %s; %s; %s\n' "$("$BIN" --version)" "$(sed --version 2>/dev/null | head -n 1 || echo sed)" "$("$PY" --version 2>&1)"
    local floor
    read -r _ floor _ _ < <("${TIMER[@]}" -- true)
    # shellcheck disable=SC2016 # the backquotes are Markdown
    printf -- '- timing: scripts/peak_rss.py, best of %s run(s); wall clock from Python, peak RSS (largest process of the tree) by %s; the floor of that method (what it reports for `true`) is %s MiB\n' \
        "$1" "$METHOD" "$(calc 1 "$floor / 1024")"
    printf -- '- pinning: %s\n' "${PIN_NOTE}"
    printf -- '- source: %s\n' "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo 'not a git checkout') (\`-dirty\`: the build includes uncommitted changes)"
    printf -- '- command: %s\n' "\`$INVOCATION\`"
}

# ---- 1. build -----------------------------------------------------------------------------------
say "== cargo build --release"
cargo build --release >&2

# Scratch space (stderr captures, the big memory input) on the disk under target/, not in a /tmp
# that may be RAM; removed however the script ends.
WORK=$(mktemp -d "$ROOT/target/bench-work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# ---- 2. corpus ----------------------------------------------------------------------------------
if [[ ! -f $CORPUS/.complete ]]; then
    [[ -f $MAKE_CORPUS ]] || { say "bench.sh: $MAKE_CORPUS not found (set SHARED)"; exit 2; }
    say "== generating a $CORPUS_MB MiB corpus in ${CORPUS#"$ROOT"/}"
    rm -rf "$CORPUS.partial"
    "$PY" "$MAKE_CORPUS" "$CORPUS.partial" --mb "$CORPUS_MB" >&2
    touch "$CORPUS.partial/.complete" # generated in full: safe to reuse
    rm -rf "$CORPUS"
    mv "$CORPUS.partial" "$CORPUS"
else
    say "== reusing the corpus in ${CORPUS#"$ROOT"/}"
fi
BIG=$CORPUS/big.txt
BIG_BYTES=$(txt_bytes "$BIG")
FILES_BYTES=$(txt_bytes "$CORPUS/files")
FILE_COUNT=$(find "$CORPUS/files" -type f | wc -l | tr -d ' ')
TXT_COUNT=$(find "$CORPUS/files" -type f -name '*.txt' | wc -l | tr -d ' ')
# Files make_corpus.py wrote in a legacy encoding with a .txt name: newsclean cannot read them yet.
LEGACY_TXT=$(awk -F'\t' '$1 ~ /\.txt$/ && ($2 == "windows-1251" || $2 == "koi8-r")' "$CORPUS/MANIFEST.tsv" | wc -l | tr -d ' ')

# 500 extra user rules (scripts/many_rules.py), none of which matches the corpus: the rows with
# them measure what carrying rules costs.
RULES_500=$WORK/rules-500.toml
"$PY" "$ROOT/scripts/many_rules.py" 500 > "$RULES_500"

# Warm the page cache so the first run is not the only one that reads from disk.
cat "$BIG" > /dev/null
find "$CORPUS/files" -type f -exec cat {} + > /dev/null

# Pin the single-core stdin measurement to CPU 0 where that is possible.
PIN=()
PIN_NOTE="none (taskset missing or not allowed)"
if command -v taskset > /dev/null 2>&1 && taskset -c 0 true 2> /dev/null; then
    PIN=(taskset -c 0)
    PIN_NOTE="stdin workloads run under \`taskset -c 0\`; the others are not pinned"
fi
PIN_SHOWN=${PIN[*]:+${PIN[*]} }

# A UTF-8 locale for the second sed row, if the machine has one (sed is slower in one).
UTF8_LOCALE=""
for l in C.UTF-8 C.utf8 en_US.UTF-8 en_US.utf8; do
    if locale -a 2> /dev/null | grep -qx "$l"; then UTF8_LOCALE=$l; break; fi
done

# ---- 3 & 4. speed -------------------------------------------------------------------------------
speed() {
    local w
    say "== speed: best of $RUNS"

    w="big.txt stdin→stdout"
    measure "$w" newsclean "$BIG_BYTES" "$BIG" "${PIN_SHOWN}newsclean < big.txt > /dev/null" -- "${PIN[@]}" "$BIN"
    newsclean_notes "$w / newsclean" "$LAST_RC" "$LAST_ERR"
    measure "$w" "newsclean +500 rules" "$BIG_BYTES" "$BIG" "${PIN_SHOWN}newsclean --config rules-500.toml < big.txt > /dev/null" \
        -- "${PIN[@]}" "$BIN" --config "$RULES_500"
    newsclean_notes "$w / newsclean +500 rules" "$LAST_RC" "$LAST_ERR"
    measure "$w" cat "$BIG_BYTES" "$BIG" "${PIN_SHOWN}cat < big.txt > /dev/null" -- "${PIN[@]}" cat
    measure "$w" "sed (LC_ALL=C)" "$BIG_BYTES" "$BIG" "LC_ALL=C ${PIN_SHOWN}sed -E -f scripts/residue.sed < big.txt > /dev/null" \
        -- env LC_ALL=C "${PIN[@]}" sed -E -f "$SED_SCRIPT"
    if [[ -n $UTF8_LOCALE ]]; then
        measure "$w" "sed (LC_ALL=$UTF8_LOCALE)" "$BIG_BYTES" "$BIG" "LC_ALL=$UTF8_LOCALE ${PIN_SHOWN}sed -E -f scripts/residue.sed < big.txt > /dev/null" \
            -- env LC_ALL="$UTF8_LOCALE" "${PIN[@]}" sed -E -f "$SED_SCRIPT"
    fi

    w="big.txt diff"
    measure "$w" newsclean "$BIG_BYTES" /dev/null "newsclean big.txt > /dev/null" -- "$BIN" big.txt
    newsclean_notes "$w / newsclean" "$LAST_RC" "$LAST_ERR"

    # newsclean is limited to *.txt (it also reads *.html pages by default), as are the peers: every
    # row of this workload reads the same bytes.
    w="files/ dry run"
    measure "$w" newsclean "$FILES_BYTES" /dev/null "newsclean --include '*.txt' files/ > /dev/null" -- "$BIN" --include '*.txt' files/
    newsclean_notes "$w / newsclean" "$LAST_RC" "$LAST_ERR"
    measure "$w" "newsclean +500 rules" "$FILES_BYTES" /dev/null "newsclean --config rules-500.toml --include '*.txt' files/ > /dev/null" \
        -- "$BIN" --config "$RULES_500" --include '*.txt' files/
    newsclean_notes "$w / newsclean +500 rules" "$LAST_RC" "$LAST_ERR"
    measure "$w" cat "$FILES_BYTES" /dev/null "find files -type f -name '*.txt' -exec cat {} + > /dev/null" \
        -- find files -type f -name '*.txt' -exec cat {} +
    measure "$w" "sed (LC_ALL=C)" "$FILES_BYTES" /dev/null "LC_ALL=C find files -type f -name '*.txt' -exec sed -E -f scripts/residue.sed {} + > /dev/null" \
        -- env LC_ALL=C find files -type f -name '*.txt' -exec sed -E -f "$SED_SCRIPT" {} +
    if [[ -n $UTF8_LOCALE ]]; then
        measure "$w" "sed (LC_ALL=$UTF8_LOCALE)" "$FILES_BYTES" /dev/null "LC_ALL=$UTF8_LOCALE find files -type f -name '*.txt' -exec sed -E -f scripts/residue.sed {} + > /dev/null" \
            -- env LC_ALL="$UTF8_LOCALE" find files -type f -name '*.txt' -exec sed -E -f "$SED_SCRIPT" {} +
    fi

    # HTML → article text: real news pages, one core.
    if prepare_html_pages; then
        w="HTML pages → text, one core"
        measure "$w" newsclean "$HTML_BYTES" /dev/null "${PIN_SHOWN}newsclean -j 1 --quiet --out html-out/ bench-html/ > /dev/null" \
            -- "${PIN[@]}" "$BIN" -j 1 --quiet --out "$WORK/html-out" "$HTML_PAGES"
        newsclean_notes "$w / newsclean" "$LAST_RC" "$LAST_ERR"
    fi

    {
        echo "## newsclean throughput, ${CORPUS_MB} MiB corpus"
        echo
        echo "| workload | tool | seconds | MB/s | peak RSS (MiB) |"
        echo "|---|---|---:|---:|---:|"
        printf '%s\n' "${ROWS[@]}"
        echo
        echo "- inputs: big.txt $(calc 1 "$BIG_BYTES / 1048576") MiB; files/ $FILE_COUNT files, of which $TXT_COUNT *.txt" \
            "($(calc 1 "$FILES_BYTES / 1048576") MiB, the bytes every files/ row reads; $LEGACY_TXT of them windows-1251/KOI8-R)"
        machine_facts "$RUNS"
        [[ -z ${HTML_BYTES:-} ]] || echo "- HTML pages: the scrapinghub benchmark's $HTML_COUNT pages, $(calc 1 "$HTML_BYTES / 1048576") MiB of HTML (gunzipped into target/bench-html); MB/s is HTML in"
        echo "- rules-500.toml is \`scripts/many_rules.py 500\` (125 each of own-line trailers, line-start links, triggered regexes, word substitutions)"
        echo "- commands (run in ${CORPUS#"$ROOT"/}; newsclean is target/release/newsclean):"
        printf '  %s\n' "${CMDS[@]}"
        echo "- newsclean's stderr (last run):"
        printf '  %s\n' "${NOTES[@]}"
    } | tee "$ROOT/target/bench-report.md"
}

# The scrapinghub pages, gunzipped once into target/bench-html; false (with a note) without them.
prepare_html_pages() {
    local source=$SHARED/peers/scrapinghub-article-extraction-benchmark/html
    HTML_PAGES=$ROOT/target/bench-html
    if [[ ! -d $source ]]; then
        say "bench.sh: $source not found: no HTML row"
        NOTES+=("- HTML row left out: $source not found")
        return 1
    fi
    if [[ ! -f $HTML_PAGES/.complete ]]; then
        rm -rf "$HTML_PAGES"
        mkdir -p "$HTML_PAGES"
        local page
        for page in "$source"/*.html.gz; do
            gunzip -c "$page" > "$HTML_PAGES/$(basename "$page" .gz)"
        done
        touch "$HTML_PAGES/.complete"
    fi
    HTML_COUNT=$(find "$HTML_PAGES" -name '*.html' | wc -l | tr -d ' ')
    HTML_BYTES=$(find "$HTML_PAGES" -name '*.html' -printf '%s\n' | awk '{ s += $1 } END { print s }')
    cat "$HTML_PAGES"/*.html > /dev/null
}

# ---- 6. memory ----------------------------------------------------------------------------------
memory() {
    local huge target size i label bytes
    huge=$WORK/huge.txt # a .txt name: diff mode takes it as a text file
    target=$((MEM_MB * 1048576))
    say "== memory: concatenating big.txt into a ~$MEM_MB MiB input"
    : > "$huge"
    size=0
    while ((size < target)); do
        cat "$BIG" >> "$huge"
        size=$(wc -c < "$huge" | tr -d ' ')
    done
    ROWS=()
    CMDS=()
    NOTES=()
    local -a rows=()
    for i in small huge; do
        if [[ $i == small ]]; then label=big.txt; else label="big.txt ×$((size / BIG_BYTES))"; fi
        local input=$BIG
        [[ $i == small ]] || input=$huge
        bytes=$(txt_bytes "$input")
        RUNS_OVERRIDE=$MEM_RUNS measure "$label" "stdin→stdout" "$bytes" "$input" "${PIN_SHOWN}newsclean < $(basename "$input") > /dev/null" \
            -- "${PIN[@]}" "$BIN"
        rows+=("| $label | $(calc 0 "$bytes / 1048576") | stdin→stdout | $LAST_S | $(calc 1 "$bytes / 1048576 / $LAST_S") | $(calc 1 "$LAST_KIB / 1024") | $( ((LAST_KIB < 65536)) && echo yes || echo NO) |")
        newsclean_notes "$label / stdin→stdout" "$LAST_RC" "$LAST_ERR"
        RUNS_OVERRIDE=$MEM_RUNS measure "$label" diff "$bytes" /dev/null "newsclean $(basename "$input") > /dev/null" -- "$BIN" "$input"
        rows+=("| $label | $(calc 0 "$bytes / 1048576") | diff | $LAST_S | $(calc 1 "$bytes / 1048576 / $LAST_S") | $(calc 1 "$LAST_KIB / 1024") | $( ((LAST_KIB < 65536)) && echo yes || echo NO) |")
        newsclean_notes "$label / diff" "$LAST_RC" "$LAST_ERR"
    done
    rm -f "$huge"
    {
        echo "## newsclean peak memory (target: under 64 MiB whatever the input size)"
        echo
        echo "| input | MiB | mode | seconds | MB/s | peak RSS (MiB) | under 64 MiB |"
        echo "|---|---:|---|---:|---:|---:|:---:|"
        printf '%s\n' "${rows[@]}"
        echo
        machine_facts "$MEM_RUNS"
        echo "- commands (the ×N input is big.txt concatenated N times into a temporary file, deleted afterwards):"
        printf '  %s\n' "${CMDS[@]}"
        echo "- newsclean's stderr:"
        printf '  %s\n' "${NOTES[@]}"
    } | tee "$ROOT/target/bench-memory.md"
}

case $MODE in
    speed) speed ;;
    memory) memory ;;
    both) speed; echo; memory ;;
esac
