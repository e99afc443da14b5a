#!/bin/sh
# test_run.sh - `mnetsim run` end to end: every bundled scenario runs; results
# are reproducible byte for byte; tree-flows matches its hand-computed end
# times; a scenario with a bad edit fails with one "file:line:" line, exit 2,
# and writes nothing; --set changes the run.
set -u
: "${MNETSIM:?set MNETSIM to the mnetsim binary}"
: "${SRC:?set SRC to the source tree}"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for s in "$SRC"/scenarios/*.xml; do
    name=$(basename "$s" .xml)
    if "$MNETSIM" run "$s" --quiet --out "$tmp/$name" && [ -f "$tmp/$name/manifest.json" ]; then
        echo "ok: $name runs"
    else
        echo "FAIL: $name"; fail=1
    fi
done

# Same scenario, same seed: identical results (the manifest holds wall time).
"$MNETSIM" run "$SRC/scenarios/tree-flows.xml" --quiet --out "$tmp/again" || fail=1
for f in summary.json flows.csv links.csv timeseries.csv; do
    cmp -s "$tmp/tree-flows/$f" "$tmp/again/$f" || { echo "FAIL: $f differs between two runs"; fail=1; }
done

# A run on a terminal (progress line on) writes the same results as a quiet one.
if command -v script >/dev/null 2>&1; then
    script -qc "'$MNETSIM' run '$SRC/scenarios/zoo-renater.xml' --out '$tmp/tty'" /dev/null >/dev/null
    "$MNETSIM" run "$SRC/scenarios/zoo-renater.xml" --quiet --out "$tmp/notty" || fail=1
    for f in summary.json flows.csv links.csv timeseries.csv; do
        cmp -s "$tmp/tty/$f" "$tmp/notty/$f" || { echo "FAIL: $f differs with the progress line on"; fail=1; }
    done
else
    echo "SKIPPED: no script(1) to run under a terminal"
fi

# Hand-computed end times.
grep -v '^#' "$SRC/tests/scenarios/tree-flows.expected" | while IFS=, read -r id want; do
    got=$(awk -F, -v id="$id" '$1 == id {print $7}' "$tmp/tree-flows/flows.csv")
    awk -v g="$got" -v w="$want" 'BEGIN {d = g - w; if (d < 0) d = -d; exit !(g != "" && d <= 1e-9)}' ||
        { echo "FAIL: $id ends at '$got', want $want"; echo x >>"$tmp/bad"; }
done
[ -f "$tmp/bad" ] && fail=1

# Byte conservation: what the links carried is what the flows moved, hop by hop
# (each completed flow's bytes crossed each link of its path once).
moved=$(awk -F, 'NR > 1 && $7 != "" {s += $5 * $6} END {printf "%.0f", s}' "$tmp/tree-flows/flows.csv")
carried=$(awk -F, 'NR > 1 {s += $6 + $7} END {printf "%.0f", s}' "$tmp/tree-flows/links.csv")
[ "$moved" = "$carried" ] && [ "$moved" != "0" ] ||
    { echo "FAIL: flows moved $moved byte-hops, links carried $carried"; fail=1; }

# --set: f4's cap doubled to 800 Mbps ends 2 s sooner.
"$MNETSIM" run "$SRC/scenarios/tree-flows.xml" --quiet --out "$tmp/set" \
    --set "//flow[@id='f4']/@rate=800Mbps" || fail=1
got=$(awk -F, '$1 == "f4" {print $7}' "$tmp/set/flows.csv")
[ "$got" = "4.012000000" ] || { echo "FAIL: with --set f4 ends at $got, want 4.012"; fail=1; }
grep -q "f4']/@rate=800Mbps" "$tmp/set/manifest.json" || { echo "FAIL: manifest lacks the override"; fail=1; }

# A bad edit: a capacity without its unit, on line 15 (the first uplink).
sed 's/capacity="10Gbps" latency="5ms"\/>/capacity="10" latency="5ms"\/>/' \
    "$SRC/scenarios/tree-flows.xml" >"$tmp/bad.xml"
"$MNETSIM" run "$tmp/bad.xml" --out "$tmp/badout" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 2 ] || { echo "FAIL: bad scenario exit $rc, want 2"; fail=1; }
[ "$(wc -l <"$tmp/err")" -eq 1 ] || { echo "FAIL: error is not one line"; cat "$tmp/err"; fail=1; }
grep -q "bad.xml:15: link \"s0-uplink\": capacity: .*no unit.*10Mbps" "$tmp/err" ||
    { echo "FAIL: error does not name file, line and fix:"; cat "$tmp/err"; fail=1; }
[ ! -e "$tmp/badout" ] || { echo "FAIL: a failed scenario wrote $tmp/badout"; fail=1; }

# Missing file, unknown option.
"$MNETSIM" run "$tmp/nope.xml" 2>"$tmp/err"; [ $? -eq 2 ] || { echo "FAIL: missing file exit"; fail=1; }
grep -q "nope.xml: cannot read" "$tmp/err" || { echo "FAIL: missing-file message"; cat "$tmp/err"; fail=1; }
"$MNETSIM" run 2>/dev/null; [ $? -eq 2 ] || { echo "FAIL: no scenario exit"; fail=1; }

[ "$fail" -eq 0 ] && echo "all run checks passed"
exit $fail
