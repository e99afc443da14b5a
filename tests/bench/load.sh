#!/bin/sh
# load.sh - loading and set-up of a world written out element by element
# (no <box-set>): N and 10 N explicit <box> elements, each with a radio of
# its own PHY configuration (one of 2,000) and a vAP, under a 100-node tree,
# run for 1 s of simulated time, so what is timed is the XML's parse,
# validation, walk and the run's set-up. Target: time grows no faster than
# n log n from N to 10 N. Two set-up paths were quadratic and are the
# reason for this check (docs/models.md, Performance, session 8): finding
# each element's file among its preceding siblings, and scanning the
# distinct radio configurations. R runs of each size, interleaved; medians.
#
# usage: tests/bench/load.sh [--boxes N] [--runs R] [--smoke] [--bin PATH]
#   --smoke   100 and 1,000 boxes, one run, the target not enforced (CTest
#             uses this to check that the benchmark itself works)
# Exit status: 0 if the growth is within n log n (always, with --smoke, when
# the runs succeed), 1 otherwise, 2 on bad use.
set -eu
boxes=4000 runs=3 smoke=0 bin=build/release/mnetsim
usage="usage: tests/bench/load.sh [--boxes N] [--runs R] [--smoke] [--bin PATH]"
while [ $# -gt 0 ]; do
    case "$1" in
    --boxes) boxes=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --smoke) smoke=1; shift ;;
    *) echo "$usage" >&2; exit 2 ;;
    esac
done
for v in "$boxes" "$runs"; do
    case "$v" in '' | *[!0-9]* | 0) echo "load.sh: --boxes and --runs need positive whole numbers" >&2; exit 2 ;; esac
done
[ "$boxes" -ge 100 ] || { echo "load.sh: --boxes needs at least 100" >&2; exit 2; }
[ "$smoke" = 0 ] || { boxes=100 runs=1; }
[ -x "$bin" ] || { echo "load.sh: no binary at $bin; build first" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM

# world N: N boxes spread at random over a square of 100 m per box, seeded
world() {
    awk -v n="$1" 'BEGIN {
        srand(1); side = 100 * sqrt(n)
        print "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        print "<scenario name=\"load\" seed=\"1\" duration=\"1s\">"
        print "  <topology>"
        print "    <generate id=\"agg\" kind=\"tree\" nodes=\"101\" children=\"100\" capacity=\"10Gbps\" latency=\"1ms\"/>"
        print "  </topology>"
        print "  <world>"
        print "    <operator id=\"op-a\"/>"
        for (i = 0; i < n; i++)
            printf "    <box id=\"b%d\" node=\"agg-%d\" x=\"%.1fm\" y=\"%.1fm\" uplink=\"100Mbps\">" \
                   "<radio id=\"r%d\" standard=\"ac\" width=\"80MHz\" streams=\"2\" gains=\"%.2f\"/>" \
                   "<vap id=\"v%d\" radio=\"r%d\" operator=\"op-a\"/></box>\n",
                   i, 1 + i % 100, rand() * side, rand() * side, i, (i % 2000) * 0.01, i, i
        print "  </world>"
        print "</scenario>"
    }' >"$out/world-$1.xml"
}
big=$((boxes * 10))
world "$boxes"
world "$big"
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
i=0
while [ "$i" -lt "$runs" ]; do
    for n in "$boxes" "$big"; do
        t0=$(date +%s%N)
        "$bin" run "$out/world-$n.xml" --quiet --out "$out/run-$n" ||
            { echo "load.sh: run failed on $n boxes" >&2; exit 1; }
        t1=$(date +%s%N)
        echo "$(((t1 - t0) / 1000000))" >>"$out/times-$n"
    done
    i=$((i + 1))
done
small_s=$(median <"$out/times-$boxes" | awk '{printf "%.3f", $1 / 1000}')
big_s=$(median <"$out/times-$big" | awk '{printf "%.3f", $1 / 1000}')
printf '%-8s %10s\n' boxes "wall s"
printf '%-8s %10s\n' "$boxes" "$small_s" "$big" "$big_s"
awk -v n0="$boxes" -v n1="$big" -v t0="$small_s" -v t1="$big_s" 'BEGIN {
    if (t0 <= 0) t0 = 0.001 /* the clock reads whole milliseconds */
    bound = (n1 * log(n1)) / (n0 * log(n0)); growth = t1 / t0
    printf "growth %d -> %d boxes: %.2fx wall (medians); n log n allows %.2fx: %s\n", n0, n1, growth, bound,
           growth <= bound ? "PASS" : "FAIL"
    exit growth <= bound ? 0 : 1
}' || [ "$smoke" = 1 ]
