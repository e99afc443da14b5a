#!/bin/sh
# test_sweep.sh - `mnetsim sweep` as a user meets it: the bundled example
# (tables, units in the headers, one directory per run), the same tables
# whatever -j, a sweep killed with kill -9 in the middle and started again
# (nothing lost, nothing run twice, the same tables as an uninterrupted
# sweep), a failing point recorded with its error while the others run,
# --list, and bad sweep files rejected with file:line and exit 2.
#
# usage: test_sweep.sh MNETSIM SRC   (or MNETSIM=... SRC=... test_sweep.sh)
set -u
MNETSIM=${1:-${MNETSIM:-}}
SRC=${2:-${SRC:-}}
: "${MNETSIM:?give the mnetsim binary (argument 1 or MNETSIM)}"
: "${SRC:?give the source tree (argument 2 or SRC)}"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }
tables="runs.csv points.csv runs.json points.json columns.csv"

same_tables() { # same_tables DIR1 DIR2 WHAT
    for f in $tables; do
        cmp -s "$1/$f" "$2/$f" || { bad "$3: $f differs"; diff "$1/$f" "$2/$f" | head -5; }
    done
}

# ---- the bundled example ----
"$MNETSIM" help sweep | grep -q "usage: mnetsim sweep" || bad "help sweep shows no usage"
if "$MNETSIM" sweep "$SRC/scenarios/sweeps/policies.xml" --out "$tmp/pol" -j 2 >"$tmp/pol.out" 2>&1; then
    ok "the bundled sweep scenarios/sweeps/policies.xml runs"
else
    bad "policies.xml exits non-zero"; cat "$tmp/pol.out"
fi
[ "$(wc -l <"$tmp/pol/runs.csv")" -eq 91 ] || bad "runs.csv has not 90 runs"
[ "$(wc -l <"$tmp/pol/points.csv")" -eq 19 ] || bad "points.csv has not 18 points"
head -n 1 "$tmp/pol/runs.csv" | grep -q '^point,placement,migration,users,rep,seed,status,sla_violation_s,.*,energy_kWh,.*,error$' ||
    bad "runs.csv header: $(head -n 1 "$tmp/pol/runs.csv")"
head -n 1 "$tmp/pol/points.csv" | grep -q '^point,placement,migration,users,n,failed,sla_violation_s_mean,sla_violation_s_sd,sla_violation_s_ci95,' ||
    bad "points.csv header: $(head -n 1 "$tmp/pol/points.csv")"
grep -q '^energy_kWh,metric,kWh,' "$tmp/pol/columns.csv" || bad "columns.csv gives no unit of energy_kWh"
grep -q ',failed,' "$tmp/pol/runs.csv" && bad "a run of the bundled sweep failed"
n=$(find "$tmp/pol/runs" -name metrics.csv | wc -l)
[ "$n" -eq 90 ] || bad "$n run directories with metrics.csv, want 90"
n=$(find "$tmp/pol/runs" -name manifest.json | wc -l)
[ "$n" -eq 90 ] || bad "$n run directories with manifest.json, want 90"
find "$tmp/pol" -name '.*' -type f | grep -q . && bad "temporary files are left behind"
python3 -c 'import json,sys; json.load(open(sys.argv[1])); json.load(open(sys.argv[2]))' \
    "$tmp/pol/runs.json" "$tmp/pol/points.json" 2>/dev/null || bad "runs.json or points.json is not JSON"

# ---- -j does not change the tables; a second start runs nothing ----
small=$SRC/tests/sweep/small.xml
"$MNETSIM" sweep "$small" --out "$tmp/j1" -j 1 --quiet || bad "small sweep -j1 exits non-zero"
"$MNETSIM" sweep "$small" --out "$tmp/j2" -j 2 --quiet || bad "small sweep -j2 exits non-zero"
same_tables "$tmp/j1" "$tmp/j2" "-j1 vs -j2"
for d in "$tmp"/j1/runs/*/rep-*; do
    rel=${d#"$tmp"/j1/}
    for f in summary.json users.csv vaps.csv boxes.csv timeseries.csv metrics.csv; do
        cmp -s "$d/$f" "$tmp/j2/$rel/$f" || bad "-j1 vs -j2: $rel/$f differs"
    done
done
ok "-j1 and -j2 give byte-identical results"
head -n 1 "$tmp/j1/runs.csv" | grep -q '^point,placement,users,uplink_Mbps,rep,seed,' ||
    bad "a parameter with a unit is not <name>_<unit>: $(head -n 1 "$tmp/j1/runs.csv")"
grep -q '^first-fit_300_50Mbps-[0-9a-f]*,first-fit,300,50,0,7,ok,' "$tmp/j1/runs.csv" ||
    bad "runs.csv lacks replication 0 of first-fit/300/50Mbps on seed 7"
grep -q '^worst-fit_600_100Mbps-[0-9a-f]*,worst-fit,600,100,2,9,ok,' "$tmp/j1/runs.csv" ||
    bad "runs.csv lacks replication 2 of worst-fit/600/100Mbps on seed 9 (common seeds)"
"$MNETSIM" sweep "$small" --out "$tmp/j1" -j 2 >"$tmp/again.out" 2>&1 || bad "re-running a finished sweep fails"
grep -q "0 run now.* 12 already done" "$tmp/again.out" || { bad "a finished sweep runs again"; cat "$tmp/again.out"; }

# ---- --list: the expansion and the seeds ----
"$MNETSIM" sweep "$small" --list >"$tmp/list" || bad "--list exits non-zero"
[ "$(grep -c -v '^#\|^point ' "$tmp/list")" -eq 12 ] || bad "--list does not list 12 runs"
grep -q ' first-fit 600 100Mbps 1 8$' "$tmp/list" || bad "--list: zip pairs 600 with 100Mbps, rep 1 on seed 8"
grep -q ' 300 100Mbps ' "$tmp/list" && bad "--list: zipped values are crossed"
[ -e "$SRC/tests/sweep/results" ] && bad "--list wrote results"

# ---- kill -9 in the middle, then resume ----
resume=$SRC/tests/sweep/resume.xml
"$MNETSIM" sweep "$resume" --out "$tmp/whole" -j 2 --quiet || bad "the uninterrupted sweep fails"
"$MNETSIM" sweep "$resume" --out "$tmp/killed" -j 2 --quiet >/dev/null 2>&1 &
pid=$!
i=0
while [ "$(find "$tmp/killed/runs" -name metrics.csv 2>/dev/null | wc -l)" -lt 3 ] && [ $i -lt 600 ]; do
    sleep 0.05
    i=$((i + 1))
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
sleep 0.2 # the workers die with their parent (PR_SET_PDEATHSIG)
done_before=$(find "$tmp/killed/runs" -name metrics.csv | wc -l)
if [ "$done_before" -ge 16 ]; then
    bad "the sweep finished before it could be killed; make resume.xml's runs longer"
fi
[ -e "$tmp/killed/runs.csv" ] && bad "a killed sweep already wrote runs.csv"
"$MNETSIM" sweep "$resume" --out "$tmp/killed" -j 2 >"$tmp/resume.out" 2>&1 || { bad "the resumed sweep fails"; cat "$tmp/resume.out"; }
ran=$(sed -n 's/.* \([0-9]*\) run now.*/\1/p' "$tmp/resume.out")
skipped=$(sed -n 's/.* \([0-9]*\) already done.*/\1/p' "$tmp/resume.out")
[ "${skipped:-x}" = "$done_before" ] || bad "resume skipped ${skipped:-?} runs, $done_before were finished"
[ $((${ran:-0} + ${skipped:-0})) -eq 16 ] || bad "resume ran ${ran:-?} + skipped ${skipped:-?}, want 16 in all"
same_tables "$tmp/whole" "$tmp/killed" "killed and resumed vs uninterrupted"
[ "$(grep -c ',ok,' "$tmp/killed/runs.csv")" -eq 16 ] || bad "the resumed sweep has not 16 ok runs, once each"
find "$tmp/killed" -name '.*' -type f | grep -q . && bad "temporary files survive the resume"
ok "kill -9 after $done_before runs, resume: the same tables as an uninterrupted sweep"

# ---- a failing point is recorded and the others go on ----
cat >"$tmp/failing.xml" <<EOF
<sweep name="failing" base="$SRC/scenarios/sweeps/small-city.xml" replications="2">
  <set xpath="//scenario/@duration" value="1h"/>
  <param name="users" xpath="//population[@id='u']/@count" values="200 lots 300"/>
</sweep>
EOF
"$MNETSIM" sweep "$tmp/failing.xml" --out "$tmp/fail" -j 2 >"$tmp/fail.out" 2>&1
st=$?
[ $st -eq 1 ] || bad "a sweep with a failing point exits $st, want 1"
grep -q "run failed: .*lots" "$tmp/fail.out" || { bad "the failure is not reported"; cat "$tmp/fail.out"; }
[ "$(grep -c ',ok,' "$tmp/fail/runs.csv")" -eq 4 ] || bad "the other points did not all run"
[ "$(grep -c ',failed,' "$tmp/fail/runs.csv")" -eq 2 ] || bad "runs.csv does not list 2 failed runs"
grep ',failed,' "$tmp/fail/runs.csv" | grep -q "allow value 'lots'" || bad "runs.csv does not give the error"
ls "$tmp"/fail/runs/lots-*/rep-0/error.txt >/dev/null 2>&1 || bad "no error.txt in the failing run's directory"
grep -q '^lots-[0-9a-f]*,lots,0,2,' "$tmp/fail/points.csv" || bad "points.csv: the failing point has not n=0, failed=2"
ok "a failing point is recorded with its error"

# ---- another sweep into the same directory is refused ----
sed 's/seed="3"/seed="4"/' "$resume" >"$tmp/resume4.xml"
sed -i "s|base=\"../../scenarios|base=\"$SRC/scenarios|" "$tmp/resume4.xml"
"$MNETSIM" sweep "$tmp/resume4.xml" --out "$tmp/whole" >"$tmp/conf.out" 2>&1
st=$?
[ $st -eq 2 ] && grep -q "holds the runs of another sweep" "$tmp/conf.out" ||
    { bad "a different sweep into a used directory: exit $st"; cat "$tmp/conf.out"; }

# ---- bad sweep files: file:line: what is wrong; the fix (exit 2, nothing written) ----
base=$SRC/scenarios/sweeps/small-city.xml
expect_bad() { # expect_bad NAME LINE PATTERN (the sweep file on stdin)
    cat >"$tmp/$1.xml"
    "$MNETSIM" sweep "$tmp/$1.xml" --out "$tmp/bad-$1" >"$tmp/$1.out" 2>&1
    st=$?
    if [ $st -ne 2 ]; then
        bad "$1: exit $st, want 2"; cat "$tmp/$1.out"
    elif ! grep -q "$1.xml:$2: .*$3" "$tmp/$1.out"; then
        bad "$1: want \"$1.xml:$2: ...$3\", got: $(cat "$tmp/$1.out")"
    elif [ "$(wc -l <"$tmp/$1.out")" -ne 1 ]; then
        bad "$1: the error is not one line"; cat "$tmp/$1.out"
    elif [ -e "$tmp/bad-$1" ]; then
        bad "$1: a rejected sweep wrote results"
    else
        ok "bad sweep $1 rejected: $(cat "$tmp/$1.out")"
    fi
}
printf '<sweep base="%s">\n  <param name="u" xpath="//x/@y" values="1"/>\n</swep>\n' "$base" | expect_bad malformed 3 "malformed XML"
printf '<sweep base="%s">\n\n  <param name="p" policy="placement" values="first-fit best-guess"/>\n</sweep>\n' "$base" | expect_bad policy 3 "best-guess.*valid"
printf '<sweep base="%s">\n  <zip>\n    <param name="a" xpath="//scenario/@seed" values="1 2"/>\n    <param name="b" xpath="//scenario/@name" values="x y z"/>\n  </zip>\n</sweep>\n' "$base" | expect_bad zip 4 "equally many"
printf '<sweep base="%s">\n  <param name="a" xpath="//population/@count">\n    <range from="100" to="50" step="10"/>\n  </param>\n</sweep>\n' "$base" | expect_bad range 3 "from <= to"
printf '<sweep base="%s">\n  <param name="a" xpath="//population/@count">\n    <range from="1Mbps" to="2Gbps" step="1Mbps"/>\n  </param>\n</sweep>\n' "$base" | expect_bad units 3 "same unit"
printf '<sweep base="%s" replications="0">\n</sweep>\n' "$base" | expect_bad reps 1 "replications"
printf '<sweep base="%s">\n  <param name="a" xpath="//population/@count" values="1" colour="red"/>\n</sweep>\n' "$base" | expect_bad attr 2 "unknown attribute \"colour\""
printf '<sweep base="%s">\n  <param name="a" xpath="//population/@count" policy="placement" values="1"/>\n</sweep>\n' "$base" | expect_bad both 2 "exactly one of xpath"
printf '<sweep base="%s">\n  <param name="a" xpath="//population/@count" values="1"/>\n  <param name="a" xpath="//scenario/@seed" values="2"/>\n</sweep>\n' "$base" | expect_bad twice 3 "declared twice"
printf '<sweep base="%s">\n  <param name="a" xpath="//nosuch/@count" values="1"/>\n</sweep>\n' "$base" | expect_bad xpath 2 "selects no attribute"
printf '<sweep base="%s">\n  <param name="seed" xpath="//scenario/@seed" values="1"/>\n</sweep>\n' "$base" | expect_bad reserved 2 "a column of the results"
printf '<sweep base="missing.xml">\n</sweep>\n' | expect_bad nobase 1 "missing.xml: No such file"
printf '<sweep>\n  <param name="a" xpath="//x/@y" values="1"/>\n</sweep>\n' | expect_bad nobaseattr 1 "base is missing"
printf '<sweep base="%s">\n  <parameter name="a"/>\n</sweep>\n' "$base" | expect_bad element 2 "unknown element"
printf '<sweep base="%s">\n  <param name="a" xpath="//population/@count" values=" "/>\n</sweep>\n' "$base" | expect_bad empty 2 "values is empty"
printf '<sweep base="%s">\n  <param name="a" xpath="//scenario/@seed" values="1"/>\n</sweep>\n' "$SRC/scenarios/tree-flows.xml" | expect_bad noworld 1 "no <world>"
# an xpath parameter may name an attribute of an xi:include'd part: the check reads the base as the loader does
mkdir -p "$tmp/inc/parts"
sed -n '/<population /p' "$base" | sed 's/^ *//' | { echo '<part>'; cat; echo '</part>'; } >"$tmp/inc/parts/people.xml"
sed -e 's|<scenario |<scenario xmlns:xi="http://www.w3.org/2001/XInclude" |' \
    -e 's|^\( *\)<population .*|\1<xi:include href="parts/people.xml" xpointer="xpointer(/part/*)"/>|' "$base" >"$tmp/inc/base.xml"
grep -q 'xi:include' "$tmp/inc/base.xml" || bad "the included base was not written"
printf '<sweep base="%s">\n  <param name="users" xpath="//population/@count" values="100 200"/>\n</sweep>\n' "$tmp/inc/base.xml" >"$tmp/inc/sweep.xml"
if "$MNETSIM" sweep "$tmp/inc/sweep.xml" --list >"$tmp/inc/list" 2>&1 && [ "$(grep -c -v '^#\|^point ' "$tmp/inc/list")" -eq 2 ]; then
    ok "an xpath parameter naming an attribute of an included part is accepted"
else
    bad "an xpath parameter into an included part: $(cat "$tmp/inc/list")"
fi
"$MNETSIM" sweep "$tmp/nosuch.xml" >"$tmp/nf.out" 2>&1
[ $? -eq 2 ] && grep -q "nosuch.xml" "$tmp/nf.out" || bad "a missing sweep file: $(cat "$tmp/nf.out")"
"$MNETSIM" sweep >/dev/null 2>&1
[ $? -eq 2 ] || bad "sweep without a file does not exit 2"
"$MNETSIM" sweep "$small" -j 0 >/dev/null 2>&1
[ $? -eq 2 ] || bad "-j 0 does not exit 2"
exit $fail
