#!/bin/sh
# test_compare.sh - `mnetsim policies` and `mnetsim compare` as a user meets
# them: the listing, a 2 placements x 2 seeds comparison on a two-hour
# scenario (table rows, CSV header and rows, one results directory per
# run), byte-identical CSVs from two identical commands (common random
# numbers, fixed seeds), and the exit codes of bad input.
#
# usage: test_compare.sh MNETSIM SRC   (or MNETSIM=... SRC=... test_compare.sh)
set -u
MNETSIM=${1:-${MNETSIM:-}}
SRC=${2:-${SRC:-}}
: "${MNETSIM:?give the mnetsim binary (argument 1 or MNETSIM)}"
: "${SRC:?give the source tree (argument 2 or SRC)}"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
scn=$SRC/tests/scenarios/compare-small.xml

bad() { echo "FAIL: $*"; fail=1; }

expect() { # expect CODE PATTERN -- ARGS...: exit status and a pattern in stdout+stderr
    want=$1 pattern=$2
    shift 3
    "$MNETSIM" "$@" >"$tmp/out" 2>&1
    got=$?
    if [ "$got" -ne "$want" ]; then
        bad "mnetsim $*: exit $got, want $want"; cat "$tmp/out"
    elif ! grep -q -- "$pattern" "$tmp/out"; then
        bad "mnetsim $*: output lacks \"$pattern\""; cat "$tmp/out"
    else
        echo "ok: mnetsim $*"
    fi
}

# ---- mnetsim policies ----
expect 0 "placement:" -- policies
for p in first-fit best-fit strongest-signal none; do
    grep -q "^  $p " "$tmp/out" || bad "mnetsim policies does not list $p"
done
for k in placement: balancing: migration:; do
    grep -q "^$k\$" "$tmp/out" || bad "mnetsim policies has no \"$k\" heading"
done
expect 0 "balancing:" -- policies --kind balancing
grep -q "^placement:" "$tmp/out" && bad "policies --kind balancing also lists placement"
grep -q "^  strongest-signal " "$tmp/out" || bad "policies --kind balancing lacks strongest-signal"
expect 2 "unknown kind \"routing\"" -- policies --kind routing
expect 0 "usage: mnetsim policies" -- help policies
expect 0 "usage: mnetsim compare" -- compare --help

# ---- mnetsim compare: 2 placements x 2 seeds ----
cmp_run() { # out.csv runs-dir stdout: the comparison of the test
    "$MNETSIM" compare "$scn" --policy placement=first-fit,best-fit --seeds 2 --out "$1" \
        --runs-dir "$2" >"$3" 2>"$3.err"
}
if cmp_run "$tmp/a/compare.csv" "$tmp/runs-a" "$tmp/a.out"; then
    echo "ok: compare 2 placements x 2 seeds"
else
    bad "compare exits non-zero"; cat "$tmp/a.out" "$tmp/a.out.err"
fi
rows=$(grep -c -E '^(first-fit|best-fit) ' "$tmp/a.out")
[ "$rows" -eq 2 ] || { bad "compare prints $rows table rows, want 2"; cat "$tmp/a.out"; }
grep -q "sla_violation_s" "$tmp/a.out" || bad "the table has no sla_violation_s column"
grep -q " ± " "$tmp/a.out" || bad "the table shows no \"mean ± half-width\" cell"
progress=$(grep -c '^\[[0-9]*/4\] placement=[a-z-]* seed=[12]: [0-9.]* s$' "$tmp/a.out.err")
[ "$progress" -eq 4 ] || { bad "want 4 progress lines on stderr, got $progress"; cat "$tmp/a.out.err"; }

csv=$tmp/a/compare.csv
if [ -f "$csv" ]; then
    header="placement,balancing,migration,seeds"
    for m in sla_violation_s users_violated_fraction mean_user_bps blocking_probability \
             energy_kWh boxes_on_mean handovers migrations migration_downtime_s placement_refused; do
        grep -q "^placement,.*,${m}_mean,${m}_ci95" "$csv" || bad "CSV header lacks ${m}_mean,${m}_ci95"
    done
    case $(head -n 1 "$csv") in
    "$header",*_mean,*_ci95) ;;
    *) bad "CSV header is not $header,<metric>_mean,<metric>_ci95,...: $(head -n 1 "$csv")" ;;
    esac
    [ "$(wc -l <"$csv")" -eq 3 ] || { bad "CSV has not 2 data rows"; cat "$csv"; }
    grep -q '^first-fit,strongest-signal,none,2,' "$csv" || bad "CSV lacks the first-fit row"
    grep -q '^best-fit,strongest-signal,none,2,' "$csv" || bad "CSV lacks the best-fit row"
    ncols=$(head -n 1 "$csv" | awk -F, '{print NF}')
    awk -F, -v n="$ncols" 'NF != n {exit 1}' "$csv" || bad "CSV rows do not all have $ncols fields"
    ls "$tmp/a" | grep -q '^\.' && bad "a temporary file is left beside the CSV"
else
    bad "no CSV at $csv"
fi
for d in first-fit_strongest-signal_none best-fit_strongest-signal_none; do
    for s in 1 2; do
        [ -f "$tmp/runs-a/$d/seed-$s/manifest.json" ] || bad "no run results in runs-a/$d/seed-$s"
    done
done

# The same command twice: byte-identical CSVs (and tables).
cmp_run "$tmp/b/compare.csv" "$tmp/runs-b" "$tmp/b.out" || bad "second compare exits non-zero"
if cmp -s "$csv" "$tmp/b/compare.csv"; then
    echo "ok: two identical compares give byte-identical CSVs"
else
    bad "two identical compares give different CSVs"; diff "$csv" "$tmp/b/compare.csv"
fi
grep -E '^(first-fit|best-fit) ' "$tmp/a.out" >"$tmp/a.rows"
grep -E '^(first-fit|best-fit) ' "$tmp/b.out" >"$tmp/b.rows"
cmp -s "$tmp/a.rows" "$tmp/b.rows" || bad "two identical compares print different tables"

# One seed: no interval ("-" in the table, n/a in the CSV); --quiet: no progress.
"$MNETSIM" compare "$scn" --policy placement=first-fit --seeds 1 --seed 7 --quiet \
    --out "$tmp/one.csv" --runs-dir "$tmp/runs-one" >"$tmp/one.out" 2>"$tmp/one.err" ||
    bad "compare --seeds 1 exits non-zero"
grep -q ' ± -' "$tmp/one.out" || bad "compare --seeds 1 shows no \"± -\""
grep -q '^first-fit,strongest-signal,none,1,[^,]*,n/a,' "$tmp/one.csv" || bad "one-seed CSV has no n/a interval"
[ -s "$tmp/one.err" ] && { bad "compare --quiet wrote to stderr"; cat "$tmp/one.err"; }
[ -d "$tmp/runs-one/first-fit_strongest-signal_none/seed-7" ] || bad "--seed 7 did not run seed 7"

# ---- bad input: exit 2, one line, nothing written ----
expect 2 "first-fit" -- compare "$scn" --policy placement=first-fit,worst-guess --out "$tmp/x/c.csv" --runs-dir "$tmp/x/runs"
grep -q "worst-guess" "$tmp/out" || bad "unknown-policy error does not name the policy"
grep -q "best-fit" "$tmp/out" || bad "unknown-policy error does not list the valid names"
[ "$(wc -l <"$tmp/out")" -eq 1 ] || bad "unknown-policy error is not one line"
[ -e "$tmp/x" ] && bad "an unknown policy still wrote results"
expect 2 "expected KIND=NAME" -- compare "$scn" --policy first-fit --out "$tmp/x/c.csv"
expect 2 "unknown kind \"routing\"" -- compare "$scn" --policy routing=a,b --out "$tmp/x/c.csv"
expect 2 "empty policy name" -- compare "$scn" --policy placement=first-fit, --out "$tmp/x/c.csv"
expect 2 "given twice" -- compare "$scn" --policy placement=first-fit --policy placement=best-fit --out "$tmp/x/c.csv"
expect 2 "at least one --policy" -- compare "$scn" --out "$tmp/x/c.csv"
expect 2 "must be in" -- compare "$scn" --policy placement=first-fit --seeds 0 --out "$tmp/x/c.csv"
expect 2 "compare needs a scenario with a <world>" -- compare "$SRC/scenarios/tree-flows.xml" --policy placement=first-fit --out "$tmp/x/c.csv" --runs-dir "$tmp/x/runs"
expect 2 "exactly one scenario" -- compare --policy placement=first-fit

# A run that fails (its results directory cannot be made): exit 1, no CSV.
expect 1 "not a directory" -- compare "$scn" --policy placement=first-fit --seeds 1 --out "$tmp/x/c.csv" --runs-dir /dev/null/runs
[ -e "$tmp/x" ] && bad "bad input still wrote results"
exit $fail
