#!/bin/sh
# flows.sh - checks the sharing solver's targets (issue 3) with the flow-level
# benchmark of ../shared/bench/flows-workload.md: median wall time of R runs,
# and every run's simulated end and peak flows in flight against SimGrid's
# published figures (relative 1e-6 on the end).
#
# usage: tests/bench/flows.sh [--runs R] [--stretch] [--bin PATH]
#   --runs R    runs per size (default 3)
#   --stretch   also F = 1,000,000 (target 60 s; stopped after 120 s)
# Exit status: 0 if every target is met, 1 otherwise.
set -eu
runs=3 stretch=0 bin=build/release/mnetsim
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) runs=$2; shift 2 ;;
    --stretch) stretch=1; shift ;;
    --bin) bin=$2; shift 2 ;;
    *) echo "usage: tests/bench/flows.sh [--runs R] [--stretch] [--bin PATH]" >&2; exit 2 ;;
    esac
done
[ -x "$bin" ] || { echo "flows.sh: no binary at $bin; build first" >&2; exit 2; }

# F  max_wall_s  reference_end_s  reference_in_flight  SimGrid's wall s
sizes="100000 1.0 603.468773 184 11.5
300000 5.0 605.351118 527 173"
[ "$stretch" -eq 1 ] && sizes="$sizes
1000000 60 0 0 none"

field() { sed -n "s/.*\"$1\":\([0-9.eE+-]*\).*/\1/p"; }
status=0
printf '%-9s %10s %14s %10s %10s  %s\n' flows "wall s" "sim end s" "in flight" "RSS MB" "targets (median of $runs)"
while read -r f max_wall ref_end ref_flight simgrid; do
    walls="" line=""
    i=0
    while [ "$i" -lt "$runs" ]; do
        if ! line=$(timeout $((${max_wall%.*} * 2 + 10)) "$bin" bench flows --flows "$f" --json); then
            line=""
            break
        fi
        walls="$walls $(echo "$line" | field wall_s)"
        i=$((i + 1))
    done
    if [ -z "$line" ]; then
        printf '%-9s %10s %14s %10s %10s  FAIL did not finish within %ss (target %ss)\n' "$f" - - - - $((${max_wall%.*} * 2 + 10)) "$max_wall"
        status=1
        continue
    fi
    wall=$(echo $walls | tr ' ' '\n' | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
    end=$(echo "$line" | field sim_end_s)
    flight=$(echo "$line" | field max_in_flight)
    rss=$(echo "$line" | field peak_rss_mb)
    verdict=$(awk -v w="$wall" -v mw="$max_wall" -v e="$end" -v re="$ref_end" -v fl="$flight" -v rf="$ref_flight" -v sg="$simgrid" 'BEGIN {
        ok = w <= mw; s = sprintf("<=%ss %s", mw, ok ? "ok" : "MISSED")
        if (re > 0) {
            d = e - re; if (d < 0) d = -d
            endok = d <= 1e-6 * re; ok = ok && endok
            s = s sprintf("; end %s the reference %s; in flight %s vs %s", endok ? "matches" : "DIFFERS FROM", re, fl, rf)
        }
        if (sg != "none") s = s sprintf("; SimGrid %ss (%.0fx)", sg, sg / w)
        print (ok ? "PASS " : "FAIL ") s }')
    printf '%-9s %10.3f %14s %10s %10s  %s\n' "$f" "$wall" "$end" "$flight" "$rss" "$verdict"
    case "$verdict" in FAIL*) status=1 ;; esac
done <<EOF2
$sizes
EOF2
exit $status
