#!/bin/sh
# test_world.sh - the bundled world scenarios end to end: office-home,
# shared-ap, stacks, mnet-world and melbourne each run (exit 0, every result
# file written), give byte-identical results twice with the same seed, and
# show what their header comment says they show.
#
# usage: test_world.sh MNETSIM SRC   (or MNETSIM=... SRC=... test_world.sh)
set -u
MNETSIM=${1:-${MNETSIM:-}}
SRC=${2:-${SRC:-}}
: "${MNETSIM:?give the mnetsim binary (argument 1 or MNETSIM)}"
: "${SRC:?give the source tree (argument 2 or SRC)}"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bad() { echo "FAIL: $*"; fail=1; }

# A number from summary.json: the first "key": N (keys are unique enough here).
num() { grep -o "\"$2\": [-0-9.e+]*" "$1" | head -n 1 | sed 's/.*: //'; }

# A field of one service in summary.json's per_service.
svc() { grep -o "\"$2\": {\"violation_s\"[^}]*}" "$1" | grep -o "\"$3\": [-0-9.e+]*" | sed 's/.*: //'; }

# Column NAME of a CSV with a header line: "first-column value" per row.
col() { awk -F, -v n="$2" 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == n) c = i; next} c {print $1, $c}' "$1"; }

# awk truth test on numbers: ok 'a > b' A B
ok() { awk -v a="$2" -v b="${3:-0}" "BEGIN {exit !($1)}"; }

run() { # name dir [--set ...]: runs scenarios/<name>.xml into dir
    name=$1 dir=$2
    shift 2
    "$MNETSIM" run "$SRC/scenarios/$name.xml" --quiet --out "$dir" "$@"
}

for name in office-home shared-ap stacks mnet-world melbourne; do
    out=$tmp/$name
    before=$fail
    fail=0
    if ! run "$name" "$out"; then
        bad "$name exits non-zero"
        [ "$before" -eq 0 ] || fail=1
        continue
    fi
    for f in summary.json users.csv vaps.csv boxes.csv faults.csv manifest.json; do
        [ -f "$out/$f" ] || bad "$name: no $f"
    done
    run "$name" "$tmp/$name-again" || bad "$name: second run exits non-zero"
    for f in summary.json users.csv vaps.csv boxes.csv faults.csv; do
        cmp -s "$out/$f" "$tmp/$name-again/$f" || bad "$name: $f differs between two runs with one seed"
    done
    started=$(num "$out/summary.json" started)
    ok 'a > 0' "$started" || bad "$name: no session started ($started)"
    [ "$fail" -eq 0 ] && echo "ok: $name runs, reproducibly ($started sessions)"
    [ "$before" -eq 0 ] || fail=1
done

# office-home: Alice's upmc vAP at home is tunnelled to UPMC and carries her
# traffic; both services run.
s=$tmp/office-home/summary.json
for v in web video-call; do
    ok 'a > 0' "$(svc "$s" "$v" completed)" || bad "office-home: no $v session completed"
done
ok 'a > 0' "$(col "$tmp/office-home/vaps.csv" sessions | awk '$1 == "home-upmc-vap" {print $2}')" ||
    bad "office-home: the tunnelled vAP home-upmc-vap carries no session"

# shared-ap: the vAPs the file declares, five (the 802.11n cap) on r-n, both
# forwarding planes; a sixth vAP on r-n is refused; the airtime cap binds;
# domU forwarding costs the box CPU; beacons take air.
sa=$tmp/shared-ap
want=$(grep -c '<vap ' "$SRC/scenarios/shared-ap.xml")
got=$(($(wc -l <"$sa/vaps.csv") - 1))
[ "$got" -eq "$want" ] && [ "$want" -ge 3 ] && [ "$want" -le 10 ] ||
    bad "shared-ap: vaps.csv has $got vAPs, the file declares $want"
[ "$(num "$sa/summary.json" vaps)" = "$want" ] || bad "shared-ap: summary.json's vaps is not $want"
[ "$(col "$sa/boxes.csv" vaps | awk '{print $2}')" = "$want" ] || bad "shared-ap: boxes.csv's vaps is not $want"
[ "$(col "$sa/vaps.csv" radio | awk '$2 == "r-n"' | wc -l)" -eq 5 ] || bad "shared-ap: r-n does not carry 5 vAPs"
[ "$(col "$sa/vaps.csv" operator | awk '{print $2}' | sort -u | wc -l)" -ge 4 ] || bad "shared-ap: fewer than 4 operators"
for p in dom0 domu; do
    col "$sa/vaps.csv" plane | grep -q " $p\$" || bad "shared-ap: no vAP forwards in $p"
done
awk '/<\/box>/ {print "      <vap id=\"sixth\" radio=\"r-n\" operator=\"city\" cpu=\"10MHz\" memory=\"16MiB\"/>"} {print}' \
    "$SRC/scenarios/shared-ap.xml" >"$tmp/shared-ap-6.xml"
"$MNETSIM" run "$tmp/shared-ap-6.xml" --quiet --out "$tmp/six" 2>"$tmp/err" >/dev/null
rc=$?
[ "$rc" -eq 2 ] && grep -q 'shared-ap-6.xml:[0-9]*: vap "sixth": radio r-n would carry 6 vAPs' "$tmp/err" ||
    { bad "shared-ap: a sixth vAP on r-n is not refused (exit $rc)"; cat "$tmp/err"; }
cable() { col "$1/vaps.csv" bytes | awk '$1 == "cable-n" {print $2}'; }
run shared-ap "$tmp/sa-uncapped" --set "//vap[@id='cable-n']/@airtime=100%" || bad "shared-ap uncapped run"
ok 'a > 1.5 * b' "$(cable "$tmp/sa-uncapped")" "$(cable "$sa")" ||
    bad "shared-ap: lifting cable-n's 30% airtime cap does not let it move much more"
ok 'a > b' "$(grep -o '"telco": [0-9.]*' "$tmp/sa-uncapped/summary.json" | sed 's/.*: //')" \
    "$(grep -o '"telco": [0-9.]*' "$sa/summary.json" | sed 's/.*: //')" ||
    bad "shared-ap: telco's users do not suffer when cable-n's cap is lifted"
run shared-ap "$tmp/sa-dom0" --set "//vap/@plane=dom0" || bad "shared-ap all-dom0 run"
cpu() { col "$1/boxes.csv" cpu_util | awk 'NR == 1 {print $2}'; }
ok 'a < 0.8 * b' "$(cpu "$tmp/sa-dom0")" "$(cpu "$sa")" ||
    bad "shared-ap: forwarding all in dom0 does not save box CPU ($(cpu "$tmp/sa-dom0") vs $(cpu "$sa"))"
run shared-ap "$tmp/sa-beacons" --set "//radio[@id='r-n']/@beacon-interval=20ms" || bad "shared-ap beacon run"
ok 'a < b' "$(cable "$tmp/sa-beacons")" "$(cable "$sa")" ||
    bad "shared-ap: more beacons do not leave the capped vAP less air"

# stacks: three networks, every one carries traffic, no path missing, every
# service has sessions.
s=$tmp/stacks/summary.json
[ "$(num "$s" vnets)" = 3 ] || bad "stacks: not 3 virtual networks"
[ "$(num "$s" blocked_path_down)" = 0 ] || bad "stacks: blocked_path_down is $(num "$s" blocked_path_down)"
for v in web video-call tv cloud-app; do
    a=$(svc "$s" "$v" attempted) b=$(svc "$s" "$v" blocked)
    ok 'a - b > 0' "$a" "$b" || bad "stacks: service $v has no session"
done
col "$tmp/stacks/vaps.csv" bytes | while read -r id bytes; do
    ok 'a > 0' "$bytes" || { echo "FAIL: stacks: vAP $id (its virtual network) carries nothing"; echo x >>"$tmp/bad"; }
done

# mnet-world: four backbones and sites; no path missing or too long; every
# vAP (the tunnelled ones too) carries traffic; paths cross oceans.
s=$tmp/mnet-world/summary.json
[ "$(num "$s" blocked_path_down)" = 0 ] || bad "mnet-world: blocked_path_down is $(num "$s" blocked_path_down)"
col "$tmp/mnet-world/vaps.csv" sessions | while read -r id n; do
    ok 'a > 0' "$n" || { echo "FAIL: mnet-world: vAP $id has no session"; echo x >>"$tmp/bad"; }
done
[ "$(col "$tmp/mnet-world/boxes.csv" node | awk '{sub(/-.*/, "", $2); print $2}' | sort -u | wc -l)" -eq 4 ] ||
    bad "mnet-world: the boxes are not on the four backbones"
ok 'a > 0.2' "$(grep -o '"max": [0-9.]*' "$s" | sed 's/.*: //')" || bad "mnet-world: no intercontinental delay"
for v in web video-call dataset; do
    ok 'a > 0' "$(svc "$s" "$v" completed)" || bad "mnet-world: no $v session completed"
done

# melbourne: the 118 access sites, each joined to a block proxy; users move
# (handovers) along the tracks.
m=$tmp/melbourne
[ "$(num "$m/summary.json" boxes)" = 118 ] || bad "melbourne: not 118 boxes"
[ "$(col "$m/boxes.csv" node | grep -c ' proxy-[0-9]*$')" -eq 118 ] || bad "melbourne: a box is not on a block proxy"
[ "$(col "$m/boxes.csv" node | awk '{print $2}' | sort -u | wc -l)" -eq 12 ] || bad "melbourne: not 12 block proxies used"
ok 'a > 0' "$(num "$m/summary.json" handovers)" || bad "melbourne: no handover"
[ "$(num "$m/summary.json" blocked_path_down)" = 0 ] || bad "melbourne: blocked_path_down is not 0"

# A run on a terminal (progress line and its events on) gives the same results.
if command -v script >/dev/null 2>&1; then
    script -qc "'$MNETSIM' run '$SRC/scenarios/office-home.xml' --out '$tmp/tty'" /dev/null >/dev/null
    for f in summary.json users.csv vaps.csv boxes.csv faults.csv timeseries.csv; do
        cmp -s "$tmp/office-home/$f" "$tmp/tty/$f" || bad "office-home: $f differs with the progress line on"
    done
else
    echo "SKIPPED: no script(1) to run under a terminal"
fi

# Another seed, other users' draws: the results change.
run office-home "$tmp/seed2" --seed 2 || bad "office-home --seed 2 exits non-zero"
cmp -s "$tmp/office-home/summary.json" "$tmp/seed2/summary.json" && bad "office-home: --seed 2 changes nothing"

[ -f "$tmp/bad" ] && fail=1
[ "$fail" -eq 0 ] && echo "all world scenario checks passed"
exit $fail
