#!/bin/sh
# test_sweep_mpi.sh - the cluster runner gives what the local one gives:
# the small sweep run with `mpirun -np 2` (rank 0 dispatching and running,
# rank 1 running in its own temporary directory and sending the files back)
# and with -j 2, byte for byte: the tables and every run's result files but
# manifest.json (wall time, output path). SKIPPED (77), saying why, where
# mpirun is missing; CTest registers it only for a build with MPI.
#
# usage: test_sweep_mpi.sh MNETSIM SRC
set -u
MNETSIM=${1:-${MNETSIM:-}}
SRC=${2:-${SRC:-}}
: "${MNETSIM:?give the mnetsim binary (argument 1 or MNETSIM)}"
: "${SRC:?give the source tree (argument 2 or SRC)}"
if ! command -v mpirun >/dev/null 2>&1; then
    echo "SKIPPED: mpirun not found (Debian package openmpi-bin; scripts/setup.sh installs it)"
    exit 77
fi
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad() { echo "FAIL: $*"; fail=1; }
small=$SRC/tests/sweep/small.xml
# OpenMPI's own allocations are not ours to check for leaks (asan build)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export TMPDIR="$tmp"
"$MNETSIM" sweep "$small" --out "$tmp/local" -j 2 --quiet || bad "the local sweep fails"
if mpirun -np 2 --oversubscribe --allow-run-as-root "$MNETSIM" sweep "$small" --out "$tmp/mpi" \
    >"$tmp/mpi.out" 2>&1; then
    echo "ok: mpirun -np 2 mnetsim sweep"
else
    bad "mpirun -np 2 mnetsim sweep fails"; cat "$tmp/mpi.out"
fi
grep -q "MPI, 2 ranks" "$tmp/mpi.out" || { bad "the sweep did not use the MPI runner"; cat "$tmp/mpi.out"; }
for f in runs.csv points.csv runs.json points.json columns.csv; do
    if cmp -s "$tmp/local/$f" "$tmp/mpi/$f"; then
        echo "ok: $f is the same from mpirun -np 2 and -j 2"
    else
        bad "$f differs between mpirun -np 2 and -j 2"; diff "$tmp/local/$f" "$tmp/mpi/$f" | head -5
    fi
done
n=0
for d in "$tmp"/local/runs/*/rep-*; do
    rel=${d#"$tmp"/local/}
    for f in "$d"/*; do
        b=$(basename "$f")
        [ "$b" = manifest.json ] && continue
        cmp -s "$f" "$tmp/mpi/$rel/$b" || bad "$rel/$b differs between MPI and local"
        n=$((n + 1))
    done
    [ -s "$tmp/mpi/$rel/manifest.json" ] || bad "$rel has no manifest.json under MPI"
done
echo "ok: $n run files compared"
ls "$tmp" | grep -q '^mnetsim-sweep-rank' && bad "a worker rank left its temporary directory"
# resume under MPI: nothing left to run
mpirun -np 2 --oversubscribe --allow-run-as-root "$MNETSIM" sweep "$small" --out "$tmp/mpi" \
    >"$tmp/again.out" 2>&1 || bad "a finished sweep under MPI fails"
grep -q " 0 run now.* 12 already done" "$tmp/again.out" || { bad "MPI re-ran a finished sweep"; cat "$tmp/again.out"; }
# a bad sweep file: every rank stops, exit 2
printf '<sweep base="nope.xml">\n</sweep>\n' >"$tmp/bad.xml"
mpirun -np 2 --oversubscribe --allow-run-as-root "$MNETSIM" sweep "$tmp/bad.xml" --out "$tmp/b" \
    >"$tmp/bad.out" 2>&1
st=$?
[ $st -ne 0 ] && grep -q "bad.xml:1: base scenario" "$tmp/bad.out" ||
    { bad "a bad sweep under mpirun: exit $st"; cat "$tmp/bad.out"; }
exit $fail
