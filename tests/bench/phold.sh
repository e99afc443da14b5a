#!/bin/sh
# phold.sh - checks the engine's speed and memory targets (issue 2) with the
# PHOLD benchmark: medians over R runs, each run measuring the engine and the
# reference binary heap in the same process, so ratios compare like with like
# on this shared, noisy machine.
#
# usage: tests/bench/phold.sh [--runs R] [--smoke] [--bin PATH]
#   --runs R   runs per configuration (default 5)
#   --smoke    tiny sizes, one run, targets not enforced (CTest uses this to
#              check that the script and the JSON it reads still work)
#   --bin PATH the mnetsim binary (default build/release/mnetsim)
# Exit status: 0 if every target is met (always, with --smoke, when the runs
# succeed), 1 otherwise.
set -eu
runs=5 smoke=0 bin=build/release/mnetsim
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) runs=$2; shift 2 ;;
    --smoke) smoke=1; runs=1; shift ;;
    --bin) bin=$2; shift 2 ;;
    *) echo "usage: tests/bench/phold.sh [--runs R] [--smoke] [--bin PATH]" >&2; exit 2 ;;
    esac
done
[ -x "$bin" ] || { echo "phold.sh: no binary at $bin; build first (cmake --build --preset release)" >&2; exit 2; }

# name lps events end min_mevents min_ratio max_rss_mb
if [ "$smoke" -eq 1 ]; then
    configs="small 1000 1 20 0 0 0
large 20000 2 2 0 0 0"
else
    configs="N=1e3,E=1 1000 1 10000 20 1.3 0
N=1e6,E=1 1000000 1 20 4.5 1.5 0
N=1e6,E=8 1000000 8 3 3 1.5 600"
fi

field() { # field NAME < json-line: the number after "NAME":
    sed -n "s/.*\"$1\":\([0-9.eE+-]*\).*/\1/p"
}
median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
printf '%-10s %9s %9s %9s %10s  %s\n' config engine refer. ratio "RSS MB" "targets (medians of $runs runs)"
echo "$configs" | while read -r name lps events end want_rate want_ratio want_rss; do
    : >"$tmp/rate"; : >"$tmp/ref"; : >"$tmp/ratio"; : >"$tmp/rss"
    i=0
    while [ "$i" -lt "$runs" ]; do
        line=$("$bin" bench phold --lps "$lps" --events "$events" --end "$end" --seed $((i + 1)) --json) || line="exit status $?"
        case "$line" in
        *'"agree":true'*) ;;
        *) echo "phold.sh: the run failed or engine and reference disagree: $line" >&2
           echo broken >"$tmp/broken"; exit 1 ;;
        esac
        rate=$(echo "$line" | field mevents_per_s)
        ref=$(echo "$line" | field reference_mevents_per_s)
        echo "$rate" >>"$tmp/rate"
        echo "$ref" >>"$tmp/ref"
        echo "$line" | field ratio >>"$tmp/ratio"
        echo "$line" | field peak_rss_mb >>"$tmp/rss"
        i=$((i + 1))
    done
    rate=$(median <"$tmp/rate"); ref=$(median <"$tmp/ref"); ratio=$(median <"$tmp/ratio")
    rss=$(sort -g "$tmp/rss" | tail -n 1)
    verdict=$(awk -v r="$rate" -v q="$ratio" -v m="$rss" -v wr="$want_rate" -v wq="$want_ratio" -v wm="$want_rss" 'BEGIN {
        s = ""; ok = 1
        if (wr > 0) { s = s sprintf(">=%s Mev/s %s; ", wr, r >= wr ? "ok" : "MISSED"); ok = ok && r >= wr }
        if (wq > 0) { s = s sprintf(">=%sx %s; ", wq, q >= wq ? "ok" : "MISSED"); ok = ok && q >= wq }
        if (wm > 0) { s = s sprintf("RSS<%s MB %s; ", wm, m < wm ? "ok" : "MISSED"); ok = ok && m < wm }
        if (s == "") s = "smoke: no targets; "
        print (ok ? "PASS " : "FAIL ") s }')
    printf '%-10s %9.2f %9.2f %8.2fx %10.1f  %s\n' "$name" "$rate" "$ref" "$ratio" "$rss" "$verdict"
    case "$verdict" in FAIL*) echo fail >"$tmp/failed" ;; esac
done
[ -f "$tmp/failed" ] && status=1
[ "$smoke" -eq 1 ] && status=0
[ -f "$tmp/broken" ] && status=1
exit $status
