#!/bin/sh
# sweep.sh - the sweep runner's speed targets (docs/sweeps.md), by hand, never
# as a timed unit test: a sweep of 40 short runs (tests/sweep/bench.xml) with
# -j1 and -j2 (target: -j2 at least 1.8x faster), and, where mpirun exists
# and mnetsim has MPI, `mpirun -np 2` against -j2: on that sweep (printed,
# with the fixed cost of starting and stopping MPI measured apart) and on
# tests/sweep/bench-long.xml, the same 40 runs four times as long, where the
# target applies (under 5% slower): a fixed third of a second is a sixth of
# the short sweep, so there it measures mpirun, not the runner.
# Each configuration runs R times from an empty directory; the figures are
# medians of the wall time of the whole command. -j2 and mpirun are timed in
# turn (one of each, R times), so that a load that comes and goes on a
# shared machine falls on both alike.
#
# usage: tests/bench/sweep.sh [--runs R] [--bin MNETSIM]
set -eu
cd "$(dirname "$0")/../.."
runs=5
bin=build/release/mnetsim
while [ $# -gt 0 ]; do
    case $1 in
    --runs) runs=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    *) echo "usage: tests/bench/sweep.sh [--runs R] [--bin MNETSIM]" >&2; exit 2 ;;
    esac
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sweep=tests/sweep/bench.xml

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
once() { # once NAME COMMAND...: one wall time of the command, appended to $tmp/NAME
    name=$1
    shift
    rm -rf "$tmp/out"
    t0=$(now)
    "$@" --out "$tmp/out" --quiet >/dev/null 2>&1 || { echo "FAIL: $* exits non-zero" >&2; exit 1; }
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}' >>"$tmp/$name"
}
timeit() { # timeit NAME COMMAND...: R wall times of the command into $tmp/NAME, their median
    name=$1
    shift
    : >"$tmp/$name"
    i=0
    while [ $i -lt "$runs" ]; do
        once "$name" "$@"
        i=$((i + 1))
    done
    median <"$tmp/$name"
}
# pair A B SWEEP: R runs of -j2 (into $tmp/A) and of mpirun -np 2 (into
# $tmp/B) taken in turn, so that both see the same load on a shared machine
pair() {
    : >"$tmp/$1"
    : >"$tmp/$2"
    i=0
    while [ $i -lt "$runs" ]; do
        once "$1" "$bin" sweep "$3" -j 2
        once "$2" mpirun_ "$bin" sweep "$3"
        i=$((i + 1))
    done
}

nproc=$(nproc)
echo "machine: $nproc cores, load $(cut -d' ' -f1-3 /proc/loadavg); $runs runs each, medians"
j1=$(timeit j1 "$bin" sweep "$sweep" -j 1)
j2=$(timeit j2 "$bin" sweep "$sweep" -j 2)
speedup=$(awk -v a="$j1" -v b="$j2" 'BEGIN {print a / b}')
printf "40 runs, -j1: %.2f s   -j2: %.2f s   speed-up %.2fx (target >= 1.8x): " "$j1" "$j2" "$speedup"
status=0
if awk -v s="$speedup" 'BEGIN {exit !(s >= 1.8)}'; then echo PASS; else echo FAIL; status=1; fi
if command -v mpirun >/dev/null 2>&1 && ldd "$bin" | grep -q libmpi; then
    mpirun_() { mpirun -np 2 --oversubscribe --allow-run-as-root "$@"; }
    # the fixed part: mpirun, MPI_Init and MPI_Finalize around a sweep with nothing left to do
    rm -rf "$tmp/done" && "$bin" sweep "$sweep" -j 2 --out "$tmp/done" --quiet >/dev/null 2>&1
    t0=$(now); mpirun_ "$bin" sweep "$sweep" --out "$tmp/done" --quiet >/dev/null 2>&1; t1=$(now)
    fixed=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
    pair s2 mpi "$sweep"
    s2=$(median <"$tmp/s2")
    mpi=$(median <"$tmp/mpi")
    over=$(awk -v a="$mpi" -v b="$s2" 'BEGIN {print (a / b - 1) * 100}')
    printf "mpirun -np 2: %.2f s against -j2: %.2f s   overhead %.1f%%, of which %.2f s fixed (start and stop)\n" \
        "$mpi" "$s2" "$over" "$fixed"
    # the runner's own overhead, on runs long enough for the fixed part not to be all of it
    long=tests/sweep/bench-long.xml
    pair l2 lm "$long"
    l2=$(median <"$tmp/l2")
    lm=$(median <"$tmp/lm")
    over=$(awk -v a="$lm" -v b="$l2" 'BEGIN {print (a / b - 1) * 100}')
    printf "40 runs of 48 h, mpirun -np 2: %.2f s against -j2: %.2f s   overhead %.1f%% (target < 5%%): " \
        "$lm" "$l2" "$over"
    if awk -v o="$over" 'BEGIN {exit !(o < 5)}'; then echo PASS; else echo FAIL; status=1; fi
else
    echo "mpirun -np 2: SKIPPED (no mpirun, or $bin was built without MPI)"
fi
exit $status
