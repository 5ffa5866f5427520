#!/usr/bin/env bash
# bench.sh: throughput and peak memory of newsclean against cat and sed, in one run.
#
#   scripts/bench.sh                        # speed table on a 100 MiB corpus
#   MB=500 scripts/bench.sh                 # ... on a 500 MiB corpus
#   MB=1024 scripts/bench.sh --memory-only  # peak RSS of newsclean on a ~1 GiB input
#   scripts/bench.sh --with-memory          # both (the memory input is MEM_MB, default 1024)
#   scripts/bench.sh --ratios-only          # only the speed issue's table of ratios (step 5)
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
#      target/bench-report.md (or target/bench-memory.md);
#   5. (with the speed table, or --ratios-only) measures the speed issue's rows as ratios in one
#      run, from CPU time (user + system, all threads, best of RUNS), which other jobs on a shared
#      machine move less than wall clock: newsclean ÷ sed, 5,000 user rules ÷ none, the text with
#      its blank lines removed ÷ as is, peak RSS on one 50 MiB line ÷ the line, the durable syncs
#      of `--write` on every *.txt file of files/ (strace), and what detection and decoding cost
#      the legacy-encoded files (their CPU time against the same files converted to UTF-8
#      beforehand; per byte against the UTF-8 ones beside it); saved to target/bench-ratios.md.
# MB/s is input bytes / seconds with MB = 2^20 bytes, the unit make_corpus.py's --mb uses. The
# stdin workload is pinned to CPU 0 with `taskset -c 0` where taskset exists and works.
# Needs: bash, cargo, python3, and the usual coreutils, find and GNU sed; strace for the count of
# syncs (the row says when it is missing).
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
        --ratios-only) MODE=ratios ;;
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
    local described
    described=$(git -C "$ROOT" describe --always --dirty 2> /dev/null || echo 'not a git checkout')
    [[ $described == *-dirty ]] && described+=" (the build includes uncommitted changes)"
    printf -- '- source: %s\n' "$described"
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
# The same articles as JSON lines, one {"id", "text"} record a line (make_corpus.py writes both).
JSONL=$CORPUS/corpus.jsonl
JSONL_BYTES=$(txt_bytes "$JSONL")
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

    w="corpus.jsonl --jsonl"
    measure "$w" "newsclean, one core" "$JSONL_BYTES" "$JSONL" "${PIN_SHOWN}newsclean --jsonl -j1 < corpus.jsonl > /dev/null" \
        -- "${PIN[@]}" "$BIN" --jsonl -j1
    newsclean_notes "$w / newsclean, one core" "$LAST_RC" "$LAST_ERR"
    measure "$w" "newsclean, every core" "$JSONL_BYTES" "$JSONL" "newsclean --jsonl < corpus.jsonl > /dev/null" -- "$BIN" --jsonl
    newsclean_notes "$w / newsclean, every core" "$LAST_RC" "$LAST_ERR"

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

# ---- 5. ratios ----------------------------------------------------------------------------------
# cpu_run STDIN_FILE -- COMMAND [ARG]...: runs COMMAND RUNS times in the corpus directory (stdout
# and stderr to /dev/null) and prints the best run's `CPU_SECONDS WALL_SECONDS PEAK_RSS_KIB
# EXIT_CODE`; CPU time is user + system of the process and its threads (os.wait4).
cpu_run() {
    cpu_paired "$@"
}

# cpu_paired INPUT -- CMD... [:: INPUT -- CMD...]...: `cpu_run` for several commands at once, their
# runs interleaved (one of each, RUNS times), so that a ratio of two of them compares runs made
# side by side rather than minutes apart on a shared machine whose speed drifts; a line each.
cpu_paired() {
    (cd "$CORPUS" && "$PY" -I -S -c '
import os, sys, time
runs, args = int(sys.argv[1]), sys.argv[2:]
specs, spec = [], []
for arg in args + ["::"]:
    if arg == "::":
        specs.append((spec[0], spec[2:]))  # the input, then `--`, then the command
        spec = []
    else:
        spec.append(arg)
best = [None] * len(specs)
for _ in range(runs):
    for k, (stdin, cmd) in enumerate(specs):
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            os.dup2(os.open(stdin, os.O_RDONLY), 0)
            out = os.open(os.devnull, os.O_WRONLY)
            os.dup2(out, 1)
            os.dup2(out, 2)
            try:
                os.execvp(cmd[0], cmd)
            finally:
                os._exit(127)
        _, status, usage = os.wait4(pid, 0)
        wall = time.monotonic() - start
        run = (usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
        if best[k] is None or run[0] < best[k][0]:
            best[k] = run
for run in best:
    print("%.3f %.3f %d %d" % run)
' "${RUNS_OVERRIDE:-$RUNS}" "$@")
}

# meets FIGURE OP GOAL: `yes` or `no`.
meets() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { ok = (op == "<=") ? a <= b : (op == "<") ? a < b : a >= b; print ok ? "yes" : "no" }'; }

# copy_txt DIR: a fresh copy of every *.txt file of files/ in DIR.
copy_txt() {
    rm -rf "$1"
    mkdir -p "$1"
    (cd "$CORPUS" && find files -name '*.txt' -print0 | xargs -0 cp --parents -t "$1")
}

ratios() {
    local cpu_nc cpu_sed cpu_rules cpu_noblank cpu_jsonl noblank_bytes line_bytes rss_line rc r _
    local -a rows=()
    say "== ratios: best of $RUNS, CPU time"
    METHOD=${METHOD:-wait4}
    local noblank=$WORK/no-blank-lines.txt one_line=$WORK/one-line.txt rules_5000=$WORK/rules-5000.toml
    grep -v '^[[:space:]]*$' "$BIG" > "$noblank"
    noblank_bytes=$(txt_bytes "$noblank")
    # One 50 MiB line: big.txt's first 50 MiB with its line breaks made spaces.
    head -c $((50 * 1048576)) "$BIG" | tr '\n\r' '  ' > "$one_line"
    echo >> "$one_line"
    line_bytes=$(txt_bytes "$one_line")
    "$PY" "$ROOT/scripts/many_rules.py" 5000 > "$rules_5000"

    say "  newsclean, sed, +5,000 rules, no blank lines, one 50 MiB line"
    # The rows dividing one of these by another compare runs made side by side.
    local -a paired
    mapfile -t paired < <(cpu_paired "$BIG" -- "${PIN[@]}" "$BIN" \
        :: "$BIG" -- env LC_ALL=C "${PIN[@]}" sed -E -f "$SED_SCRIPT" \
        :: "$BIG" -- "${PIN[@]}" "$BIN" --config "$rules_5000" \
        :: "$noblank" -- "${PIN[@]}" "$BIN" \
        :: "$JSONL" -- "${PIN[@]}" "$BIN" --jsonl -j1)
    read -r cpu_nc _ _ rc <<< "${paired[0]}"
    read -r cpu_sed _ _ _ <<< "${paired[1]}"
    read -r cpu_rules _ _ _ <<< "${paired[2]}"
    read -r cpu_noblank _ _ _ <<< "${paired[3]}"
    read -r cpu_jsonl _ _ _ <<< "${paired[4]}"
    read -r _ _ rss_line _ < <(RUNS_OVERRIDE=1 cpu_run "$one_line" -- "${PIN[@]}" "$BIN")

    r=$(calc 2 "$cpu_nc / $cpu_sed")
    rows+=("| stdin → stdout, newsclean ÷ \`LC_ALL=C sed -E -f scripts/residue.sed\` | $r ($cpu_nc s ÷ $cpu_sed s) | ≤ 0.5 | $(meets "$r" "<=" 0.5) |")
    r=$(calc 1 "$BIG_BYTES / 1000000 / $cpu_nc")
    rows+=("| newsclean on one core, every built-in family on (MB = 10⁶ bytes) | $r MB/s | ≥ 400 MB/s | $(meets "$r" ">=" 400) |")
    r=$(calc 2 "$cpu_rules / $cpu_nc")
    rows+=("| 5,000 user rules (\`scripts/many_rules.py 5000\`) ÷ none | $r ($cpu_rules s ÷ $cpu_nc s) | ≤ 1.15 | $(meets "$r" "<=" 1.15) |")
    r=$(calc 2 "(($BIG_BYTES / $cpu_nc) > 0 ? ($JSONL_BYTES / $cpu_jsonl) / ($BIG_BYTES / $cpu_nc) : 0)")
    rows+=("| JSON lines (\`--jsonl -j1\` on corpus.jsonl, the same articles) ÷ stdin → stdout, throughput per CPU second | $r ($cpu_jsonl s for $(calc 0 "$JSONL_BYTES / 1048576") MiB) | ≥ 0.8 | $(meets "$r" ">=" 0.8) |")
    r=$(calc 2 "($cpu_noblank / $noblank_bytes) / ($cpu_nc / $BIG_BYTES)")
    rows+=("| the same text with its blank lines removed ÷ as is (per byte) | $r | ≤ 1.3 | $(meets "$r" "<=" 1.3) |")
    r=$(calc 2 "$rss_line * 1024 / $line_bytes")
    rows+=("| peak RSS on one $(calc 0 "$line_bytes / 1048576") MiB line ÷ the line | $r ($(calc 1 "$rss_line / 1024") MiB) | < 3 | $(meets "$r" "<" 3) |")

    # --write on a copy of every *.txt file of files/, copied again before each run (a run changes them).
    local copy=$WORK/write-copy cpu_write wall_write cpu_check wall_check changed syncs
    say "  --write on the $TXT_COUNT *.txt files"
    copy_txt "$copy"
    read -r cpu_check wall_check _ _ < <(RUNS_OVERRIDE=1 cpu_run /dev/null -- "$BIN" --check --include '*.txt' "$copy")
    changed=$(cd "$CORPUS" && "$BIN" --check --include '*.txt' files 2> /dev/null | grep -c . || true)
    read -r cpu_write wall_write _ _ < <(RUNS_OVERRIDE=1 cpu_run /dev/null -- "$BIN" --write --include '*.txt' "$copy")
    local timing="--write: $wall_write s wall, $cpu_write s CPU; --check of the same files: $wall_check s, $cpu_check s"
    if command -v strace > /dev/null 2>&1; then
        copy_txt "$copy"
        strace -f -qq -c -o "$WORK/strace.txt" -e trace=fsync,fdatasync,syncfs,sync "$BIN" --write --include '*.txt' "$copy" > /dev/null 2>&1 || true
        syncs=$(awk '$NF ~ /^(fsync|fdatasync|syncfs|sync)$/ { n += $4 } END { print n + 0 }' "$WORK/strace.txt")
        # A batch is 256 walked files (src/cli/run.rs, files::Batch): one sync of its data before the
        # renames and one of the renames, per file system.
        local batches=$(( (TXT_COUNT + 255) / 256 ))
        rows+=("| \`--write\` on the $TXT_COUNT *.txt files of files/, $changed of which change: durable syncs (strace) | $syncs ($(calc 1 "$syncs / ($changed > 0 ? $changed : 1)") per changed file, $batches batches); $timing | one per batch (data, then renames) | $( ((syncs <= 2 * batches)) && echo yes || echo no) |")
    else
        rows+=("| \`--write\` on the $TXT_COUNT *.txt files of files/, $changed of which change: durable syncs | not counted (no strace); $timing | one per batch | ? |")
    fi
    rm -rf "$copy"

    # Legacy-encoded files (windows-1251, KOI8-R) against the UTF-8 ones, hard-linked into two trees.
    local legacy=$WORK/legacy utf8=$WORK/utf8 converted=$WORK/converted cpu_legacy cpu_utf8 cpu_converted legacy_bytes utf8_bytes
    say "  legacy-encoded files against UTF-8 ones"
    "$PY" - "$CORPUS" "$legacy" "$utf8" "$converted" <<'EOF'
import os, shutil, sys
corpus, legacy, utf8, converted = sys.argv[1:]
for d in (legacy, utf8, converted):
    os.makedirs(d, exist_ok=True)
with open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8") as manifest:
    next(manifest)
    for row in manifest:
        name, encoding = row.rstrip("\n").split("\t")[:2]
        if not name.endswith(".txt"):
            continue
        source = os.path.join(corpus, "files", name)
        is_legacy = encoding in ("windows-1251", "koi8-r")
        target = os.path.join(legacy if is_legacy else utf8, os.path.basename(name))
        if is_legacy:
            # The same text already in UTF-8: what reading it costs without detection and decoding.
            with open(source, "rb") as raw, open(os.path.join(converted, os.path.basename(name)), "wb") as out:
                out.write(raw.read().decode(encoding).encode("utf-8"))
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
EOF
    legacy_bytes=$(txt_bytes "$legacy")
    utf8_bytes=$(txt_bytes "$utf8")
    mapfile -t paired < <(cpu_paired /dev/null -- "$BIN" --check --include '*.txt' "$legacy" \
        :: /dev/null -- "$BIN" --check --include '*.txt' "$utf8" \
        :: /dev/null -- "$BIN" --check --include '*.txt' "$converted")
    read -r cpu_legacy _ _ _ <<< "${paired[0]}"
    read -r cpu_utf8 _ _ _ <<< "${paired[1]}"
    read -r cpu_converted _ _ _ <<< "${paired[2]}"
    # What detection and decoding cost is what the legacy files take beyond the same text already in
    # UTF-8: their text (Cyrillic, two bytes a letter in UTF-8) costs more per byte than the English
    # of the UTF-8 files whatever its encoding, which the per-byte ratio beside it mixes in.
    r=$(calc 2 "$cpu_legacy / $cpu_converted")
    rows+=("| directory batch, encoding detection: legacy-encoded files' CPU time ÷ the same files converted to UTF-8 beforehand | $r ($cpu_legacy s ÷ $cpu_converted s: detection and decoding are $(calc 0 "100 * ($cpu_legacy - $cpu_converted) / $cpu_legacy")% of their time); they are $(calc 1 "100 * $legacy_bytes / ($legacy_bytes + $utf8_bytes)")% of the bytes, $(calc 1 "100 * $cpu_legacy / ($cpu_legacy + $cpu_utf8)")% of the CPU time; per byte ÷ the UTF-8 files' $(calc 2 "($cpu_legacy / $legacy_bytes) / ($cpu_utf8 / $utf8_bytes)") (converted: $(calc 2 "($cpu_converted / $legacy_bytes) / ($cpu_utf8 / $utf8_bytes)")) | detection on a bounded prefix (≤ 1.5) | $(meets "$r" "<=" 1.5) |")
    rm -rf "$legacy" "$utf8" "$converted"

    {
        echo "## The speed issue's rows, as ratios in one run (${CORPUS_MB} MiB corpus)"
        echo
        echo "| measured | here | goal | met |"
        echo "|---|---|---|:---:|"
        printf '%s\n' "${rows[@]}"
        echo
        echo "- CPU time is user + system of the process and its threads (\`os.wait4\`), best of $RUNS run(s), the runs of the commands a row compares interleaved; the --write, one-line and --check-of-the-copy rows take 1 run; stdin rows: ${PIN_NOTE}"
        echo "- load average when the ratios finished: $(cut -d' ' -f1-3 /proc/loadavg 2> /dev/null || echo unknown)"
        echo "- newsclean's exit code on big.txt: $rc"
        machine_facts "$RUNS"
    } | tee "$ROOT/target/bench-ratios.md"
}

case $MODE in
    speed) speed; echo; ratios ;;
    memory) memory ;;
    both) speed; echo; ratios; echo; memory ;;
    ratios) ratios ;;
esac
