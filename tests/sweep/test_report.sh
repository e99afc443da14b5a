#!/bin/sh
# test_report.sh - `mnetsim report DIR` on the small sweep: a line plot per
# metric against each numeric parameter, a bar chart per metric and a time
# series, each as a non-empty PNG and SVG with its gnuplot script; and its
# errors. SKIPPED (77), saying why, where gnuplot is missing.
#
# usage: test_report.sh MNETSIM SRC
set -u
MNETSIM=${1:-${MNETSIM:-}}
SRC=${2:-${SRC:-}}
: "${MNETSIM:?give the mnetsim binary (argument 1 or MNETSIM)}"
: "${SRC:?give the source tree (argument 2 or SRC)}"
if ! command -v gnuplot >/dev/null 2>&1; then
    echo "SKIPPED: gnuplot not found (Debian package gnuplot-nox; scripts/setup.sh installs it)"
    exit 77
fi
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad() { echo "FAIL: $*"; fail=1; }
"$MNETSIM" sweep "$SRC/tests/sweep/small.xml" --out "$tmp/s" --quiet || bad "the sweep fails"
"$MNETSIM" report "$tmp/s" >"$tmp/out" 2>&1 || { bad "report exits non-zero"; cat "$tmp/out"; }
p=$tmp/s/plots
for m in sla_violation_s users_violated_fraction mean_user_bps blocking_probability delay_mean_s \
         energy_kWh boxes_on_mean handovers migrations migration_downtime_s placement_refused; do
    for name in ${m}_vs_users ${m}_vs_uplink_Mbps ${m}_bars; do
        for ext in png svg gp; do
            [ -s "$p/$name.$ext" ] || bad "no $name.$ext"
        done
    done
done
for ext in png svg gp; do [ -s "$p/timeseries.$ext" ] || bad "no timeseries.$ext"; done
head -c 8 "$p/energy_kWh_vs_users.png" | od -An -c | grep -q 'P   N   G' || bad "energy_kWh_vs_users.png is not a PNG"
grep -q '<svg' "$p/energy_kWh_bars.svg" || bad "energy_kWh_bars.svg is not SVG"
grep -q "set xlabel 'users'" "$p/energy_kWh_vs_users.gp" || bad "the line plot has no x label"
grep -q "set ylabel 'energy of the boxes (kWh)'" "$p/energy_kWh_vs_users.gp" || bad "the y label lacks its unit"
grep -q "uplink (Mbps)" "$p/energy_kWh_vs_uplink_Mbps.gp" || bad "the x label lacks the parameter's unit"
grep -q "title 'first-fit'" "$p/energy_kWh_vs_users.gp" || bad "the legend does not name the policies"
n=$(ls "$p"/*.png | wc -l)
echo "ok: report drew $n PNGs"
# one metric, a chosen run
run=$(sed -n '2s/^\([^,]*\),.*,\([0-9]*\),[0-9]*,ok,.*/\1\/rep-\2/p' "$tmp/s/runs.csv")
"$MNETSIM" report "$tmp/s" --metric energy_kWh --run "$run" >"$tmp/one" 2>&1 || { bad "report --metric --run fails"; cat "$tmp/one"; }
grep -q "report: 4 plots" "$tmp/one" || { bad "report --metric energy_kWh did not draw 4 plots"; cat "$tmp/one"; }
# errors: exit 2, one line
"$MNETSIM" report "$tmp/none" >"$tmp/e1" 2>&1
[ $? -eq 2 ] && grep -q "columns.csv" "$tmp/e1" || { bad "report of a missing directory: $(cat "$tmp/e1")"; }
"$MNETSIM" report "$tmp/s" --metric nosuch >"$tmp/e2" 2>&1
[ $? -eq 2 ] && grep -q "no such metric" "$tmp/e2" || bad "report --metric nosuch: $(cat "$tmp/e2")"
"$MNETSIM" report "$tmp/s" --run "../../etc'x" >"$tmp/e3" 2>&1
[ $? -ne 0 ] && grep -q "POINT/rep-K" "$tmp/e3" || bad "report --run with a quote: $(cat "$tmp/e3")"
exit $fail
