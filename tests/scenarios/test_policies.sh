#!/bin/sh
# test_policies.sh - policies, live migration and the agents in whole runs
# (tests/scenarios/policies/*.xml): follow-the-user moves Alice's vAP home
# and back; consolidation moves an idle VM in exactly memory / bandwidth +
# resume and switches the emptied box off; energy placement switches boxes
# off and saves energy; an agent goes through the paper's seven steps in
# order; a vAP no box can take is refused and counted; every registered
# policy runs on every bundled world scenario; bad names and references are
# one-line errors with file:line and exit 2; runs are reproducible.
#
# usage: test_policies.sh MNETSIM SRC   (or MNETSIM=... SRC=... test_policies.sh)
set -u
MNETSIM=${1:-${MNETSIM:-}}
SRC=${2:-${SRC:-}}
: "${MNETSIM:?give the mnetsim binary (argument 1 or MNETSIM)}"
: "${SRC:?give the source tree (argument 2 or SRC)}"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
P=$SRC/tests/scenarios/policies

bad() { echo "FAIL: $*"; fail=1; }
num() { grep -o "\"$2\": [-0-9.e+]*" "$1" | head -n 1 | sed 's/.*: //'; }
ok() { awk -v a="$2" -v b="${3:-0}" "BEGIN {exit !($1)}"; }
run() { f=$1 dir=$2; shift 2; "$MNETSIM" run "$f" --quiet --out "$dir" "$@"; }

# ---- follow-the-user: office at 8-9 h, home in the evening (commute), vAP follows ----
run "$P/follow.xml" "$tmp/follow" || bad "follow.xml did not run"
m=$tmp/follow/migrations.csv
[ "$(sed -n 2p "$m" | cut -d, -f1-3)" = "alice-vap,upmc-ap,home-box" ] || bad "follow: first migration should take alice-vap home: $(sed -n 2p "$m")"
[ "$(sed -n 3p "$m" | cut -d, -f2-3)" = "home-box,upmc-ap" ] || bad "follow: the second should take it to the office"
[ "$(grep -c ^alice-vap "$m")" -ge 3 ] || bad "follow: it should move home after the commute too"
[ "$(grep ^alice-vap, "$tmp/follow/instances.csv" | cut -d, -f5)" = "home-box" ] || bad "follow: at midnight the vAP should be home"
# with dirtying: more than one round, converged, more bytes than its memory (64 MiB)
awk -F, 'NR == 2 && !($6 > 1 && $7 == 1 && $8 > 67108864) {exit 1}' "$m" || bad "follow: pre-copy rounds wrong: $(sed -n 2p "$m")"
run "$P/follow.xml" "$tmp/follow2" || bad "follow.xml did not run twice"
for f in summary.json users.csv migrations.csv instances.csv; do
    cmp -s "$tmp/follow/$f" "$tmp/follow2/$f" || bad "follow: $f differs between two runs with the same seed"
done
# without the policy the vAP stays where first-fit put it (the office) and Alice is in outage at home
run "$P/follow.xml" "$tmp/stay" --policy migration=none || bad "follow with migration=none did not run"
[ "$(wc -l < "$tmp/stay/migrations.csv")" -eq 1 ] || bad "migration=none migrated"
ok 'a > b' "$(grep ^alice, "$tmp/stay/users.csv" | cut -d, -f4)" "$(grep ^alice, "$tmp/follow/users.csv" | cut -d, -f4)" ||
    bad "follow-the-user should cut Alice's outage"

# ---- consolidation of an idle VM: 64 MiB over 100 Mbps = 5.36870912 s, + 0.02 s resume ----
run "$P/consolidate.xml" "$tmp/cons" || bad "consolidate.xml did not run"
row=$(sed -n 2p "$tmp/cons/migrations.csv")
[ "$(echo "$row" | cut -d, -f1-3)" = "router,spare,main" ] || bad "consolidation: router should go from spare to main: $row"
echo "$row" | awk -F, '{d = $5 - $4; if (d < 5.38870912 - 1e-6 || d > 5.38870912 + 1e-6 || $6 != 1 || $8 != 67108864 || $9 != 0.02) exit 1}' ||
    bad "consolidation: idle VM time should be 64 MiB / 12.5 MB/s + 0.02 s = 5.38870912 s, one round, downtime 0.02 s: $row"
[ "$(num "$tmp/cons/summary.json" power_offs)" = 1 ] || bad "consolidation should switch the spare box off"
run "$P/consolidate.xml" "$tmp/cons-none" --policy migration=none || bad "consolidate with none did not run"
ok 'a < b' "$(num "$tmp/cons/summary.json" boxes_J)" "$(num "$tmp/cons-none/summary.json" boxes_J)" ||
    bad "consolidation should save energy"

# a fault on the destination during the copy (60 s to 65.39 s) aborts it: the VM stays on spare
sed 's|<user id="u1"|<fault id="f" kind="box" targets="main" at="62s" repair="30s"/> <user id="u1"|' "$P/consolidate.xml" > "$tmp/abort.xml"
run "$tmp/abort.xml" "$tmp/abort" || bad "abort.xml did not run"
[ "$(sed -n 2p "$tmp/abort/migrations.csv" | cut -d, -f1-3,5,10)" = "router,spare,main,62.000000000,aborted" ] ||
    bad "a box failure during the copy should abort it at 62 s: $(sed -n 2p "$tmp/abort/migrations.csv")"
[ "$(num "$tmp/abort/summary.json" migrations_aborted)" = 1 ] || bad "summary should count the aborted migration"
# the next tick (main back at 92 s) tries again and succeeds
[ "$(sed -n 3p "$tmp/abort/migrations.csv" | cut -d, -f10)" = "done" ] || bad "the consolidation should retry after the repair"

# ---- handovers: each costs 100 ms of outage; a hysteresis makes fewer ----
run "$P/handover.xml" "$tmp/ho" || bad "handover.xml did not run"
run "$P/handover.xml" "$tmp/ho0" --set "//policies/@handover-cost=0s" || bad "handover.xml with no cost did not run"
h=$(num "$tmp/ho/summary.json" handovers)
ok 'a > 10' "$h" || bad "handover.xml should hand over often (got $h)"
ok 'a == b / 10' "$(num "$tmp/ho/summary.json" handover_outage_s)" "$h" || bad "handover outage should be handovers x 100 ms"
o1=$(awk -F, 'NR > 1 {s += $4} END {printf "%.3f", s}' "$tmp/ho/users.csv")
o0=$(awk -F, 'NR > 1 {s += $4} END {printf "%.3f", s}' "$tmp/ho0/users.csv")
awk -v a="$o1" -v b="$o0" -v h="$h" 'BEGIN {d = a - b - h / 10; exit !(d > -0.01 && d < 0.01)}' ||
    bad "users' outage should grow by handovers x 100 ms ($o1 vs $o0, $h handovers)"
sed 's|handover-cost="100ms"|handover-cost="100ms" hysteresis="50%"|' "$P/handover.xml" > "$tmp/hyst.xml"
run "$tmp/hyst.xml" "$tmp/hyst" || bad "hysteresis run failed"
ok 'a < b' "$(num "$tmp/hyst/summary.json" handovers)" "$h" || bad "a 50% hysteresis should mean fewer handovers"

# ---- least-loaded balancing sets airtime shares: the capped vAPs of a radio share their total by users + 1 ----
run "$SRC/scenarios/shared-ap.xml" "$tmp/shares" --policy balancing=least-loaded || bad "shared-ap least-loaded did not run"
awk -F, 'NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i; next}
         {u[$1] = $c["users_end"]; a[$1] = $c["airtime_share"]}
         END {w = u["cable-n"] + u["mvno-n"] + u["city-n"] + 3
              e = 0.6 * (u["cable-n"] + 1) / w; d = a["cable-n"] - e
              exit !(d > -1e-6 && d < 1e-6 && a["telco-n"] == 1 && a["mvno-ac"] == 0.2)}' "$tmp/shares/vaps.csv" ||
    bad "least-loaded: cable-n's share should be 60% x (its users + 1) / (users + 3) of the three capped vAPs"
run "$SRC/scenarios/shared-ap.xml" "$tmp/noshares" || bad "shared-ap did not run"
[ "$(awk -F, 'NR > 1 && $1 == "cable-n" {print $NF}' "$tmp/noshares/vaps.csv")" = "0.300000" ] || bad "strongest-signal keeps the scenario's shares"

# ---- energy-aware placement: the VM goes on the box in use, the spare is switched off at once ----
run "$P/consolidate.xml" "$tmp/energy" --policy placement=energy --policy migration=none || bad "energy placement did not run"
[ "$(grep ^router, "$tmp/energy/instances.csv" | cut -d, -f5)" = "main" ] || bad "energy: router should be on main"
[ "$(num "$tmp/energy/summary.json" power_offs)" = 1 ] || bad "energy: the spare box should be off"
ok 'a < 1.0001 && a > 0.9999' "$(num "$tmp/energy/summary.json" boxes_on_mean)" || bad "energy: one box on all the time"

# ---- the agent's seven steps, in order ----
run "$P/agent.xml" "$tmp/agent" --trace || bad "agent.xml did not run"
steps=$(awk -F, 'NR > 1 && $4 == "carol" {print $3}' "$tmp/agent/agent.csv" | tr '\n' ' ')
[ "$steps" = "1-sense-access 2-identify-provider 3-contact-operator 4-recommendation 5-tunnel 6-instantiate 7-offer-resources " ] ||
    bad "agent: steps out of order or missing: $steps"
grep -q '5-tunnel,carol,visiting-op,op-vap,VXLAN cafe-site -> op-site' "$tmp/agent/agent.csv" || bad "agent: no tunnel to the provider's site"
[ "$(grep ^op-vap, "$tmp/agent/instances.csv" | cut -d, -f5)" = "cafe-box" ] || bad "agent: op-vap not instantiated on cafe-box"
# the event trigger: the agent acts when Carol falls into outage, not a period later
ok 'a == 0' "$(grep ^carol, "$tmp/agent/users.csv" | cut -d, -f4)" || bad "agent: carol should be served at once"
[ "$(awk -F, 'NR == 2 {print $1}' "$tmp/agent/agent.csv")" = "0.000000" ] || bad "agent: the first step should be at 0 s"
grep -q agent.csv "$tmp/agent/manifest.json" || bad "agent: agent.csv not in the manifest"

# ---- operator rules: the same move written as upmc's rule, with migration=none ----
run "$P/rules.xml" "$tmp/rules" --trace || bad "rules.xml did not run"
[ "$(grep -c ^alice-vap "$tmp/rules/migrations.csv")" -ge 3 ] || bad "rules: the rule should move alice-vap home and back"
[ "$(num "$tmp/rules/summary.json" rule_actions)" = "$(grep -c ^alice-vap "$tmp/rules/migrations.csv")" ] || bad "rules: each migration should be a rule action"
grep -q 'rule follow-alice (.*rules.xml:[0-9]*): migrate done; follows.distance' "$tmp/rules/agent.csv" || bad "rules: the trace should give the rule, its line and its reason"
# the same rule on an event: Alice out of her vAP's range
sed 's|on="period" period="1min"|on="user-away"|' "$P/rules.xml" > "$tmp/away.xml"
run "$tmp/away.xml" "$tmp/away" || bad "rules on user-away did not run"
[ "$(grep -c ^alice-vap "$tmp/away/migrations.csv")" -ge 3 ] || bad "rules: a user-away rule should move alice-vap home and back"
sed 's|select="alice-vap"|select="home-isp-vap"|' "$P/rules.xml" > "$tmp/iso.xml"

# a rule on a VM: op moves its router off the spare box (the VM is instance nvaps + 0)
sed -e 's|<vm id="router" kind="router"|<vm id="router" kind="router" operator="op"|' \
    -e 's|migration="consolidation"|migration="none"|' \
    -e 's|<user id="u1"|<rules operator="op"> <rule id="off-spare" on="period" for="vm" select="router"> <when metric="box.load" op="le" value="100%"/> <do action="migrate" to="main"/> </rule> </rules> <user id="u1"|' \
    "$P/consolidate.xml" > "$tmp/vmrule.xml"
run "$tmp/vmrule.xml" "$tmp/vmrule" --trace 2>"$tmp/vmrule.err" || bad "a VM rule did not run: $(cat "$tmp/vmrule.err")"
[ "$(sed -n 2p "$tmp/vmrule/migrations.csv" | cut -d, -f1-3,10)" = "router,spare,main,done" ] || bad "the VM rule should move router to main"
grep -q ',rule,,,router,rule off-spare' "$tmp/vmrule/agent.csv" || bad "the VM rule's trace should name router: $(grep rule "$tmp/vmrule/agent.csv" | head -1)"

# ---- refusal: a vAP no box can take ----
cat > "$tmp/big.xml" <<XML
<scenario name="big" duration="10min">
  <topology> <node id="n"/> </topology>
  <world>
    <operator id="op"/>
    <box id="b" x="0m" y="0m" cpu="1GHz" memory="376MiB"> <radio id="r"/> </box>
    <vap id="huge" operator="op" boxes="b" memory="60MiB"/>
    <vap id="small" operator="op" boxes="b" memory="8MiB"/>
    <vap id="huge2" operator="op" boxes="b" memory="60MiB"/>
  </world>
</scenario>
XML
run "$tmp/big.xml" "$tmp/big" || bad "big.xml did not run"
[ "$(num "$tmp/big/summary.json" placement_refused)" = 1 ] || bad "one vAP should be refused (memory)"
[ "$(grep ^huge2, "$tmp/big/instances.csv" | cut -d, -f6-7)" = "unplaced,1" ] || bad "huge2 should be unplaced and refused"

# ---- errors: file:line, exit 2, nothing written ----
expect_error() { # what file pattern [options]
    what=$1 f=$2 pat=$3
    shift 3
    rm -rf "$tmp/err"
    msg=$("$MNETSIM" run "$f" --quiet --out "$tmp/err" "$@" 2>&1)
    rc=$?
    [ $rc -eq 2 ] || bad "$what: exit $rc, want 2 ($msg)"
    echo "$msg" | grep -q -- "$pat" || bad "$what: message \"$msg\" lacks \"$pat\""
    [ "$(echo "$msg" | wc -l)" -eq 1 ] || bad "$what: not one line: $msg"
    [ ! -e "$tmp/err/manifest.json" ] || bad "$what: wrote results"
}
expect_error "rule reaching across operators" "$tmp/iso.xml" 'iso.xml:[0-9]*: rule "follow-alice" selects vap "home-isp-vap" of operator "isp"; rules of upmc act only on upmc'"'"'s instances'
expect_error "unknown policy in XML" "$P/follow.xml" 'follow.xml:[0-9]*: policies: unknown migration policy "teleport"; valid: none' --set "//policies/@migration=teleport"
expect_error "unknown policy option" "$P/follow.xml" 'unknown placement policy "tightest"; valid: first-fit' --policy placement=tightest
expect_error "bad --policy kind" "$P/follow.xml" 'unknown kind "speed"' --policy speed=fast
expect_error "unknown box" "$P/follow.xml" 'follow.xml:[0-9]*:.*boxes' --set "//vap[@id='alice-vap']/@boxes=nowhere"
expect_error "follows another operator's user" "$P/follow.xml" 'operator isp, but the vAP belongs to upmc' --set "//vap[@id='alice-vap']/@follows=bob"
expect_error "low above high" "$P/consolidate.xml" 'consolidate.xml:[0-9]*: .*must be below high' --set "//policies/@low=90%"
sed 's|<vap id="huge2" operator="op" boxes="b"|<vap id="huge2" operator="op" boxes="b" tunnel="nowhere"|' "$tmp/big.xml" > "$tmp/bad.xml"
expect_error "unknown site of a movable vAP" "$tmp/bad.xml" 'bad.xml:[0-9]*: .*tunnel names unknown site "nowhere"'
sed 's|<vap id="small" operator="op" boxes="b"|<vap id="small" operator="op"|' "$tmp/big.xml" > "$tmp/bad.xml"
expect_error "movable vAP without boxes" "$tmp/bad.xml" 'bad.xml:[0-9]*: .*needs boxes='
sed 's|<vap id="small" operator="op" boxes="b" memory="8MiB"/>|<vap id="small" operator="op" boxes="b" count="1.5"/>|' "$tmp/big.xml" > "$tmp/bad.xml"
expect_error "fractional count" "$tmp/bad.xml" 'bad.xml:[0-9]*: .*count must be a whole number'

# ---- contract: every registered policy runs on every bundled world scenario ----
names() { "$MNETSIM" policies --kind "$1" | awk 'NR > 1 && NF {print $1}'; }
for kind in placement balancing migration; do
    list=$(names $kind)
    [ -n "$list" ] || bad "mnetsim policies --kind $kind lists nothing"
    for name in $list; do
        for s in office-home shared-ap stacks mnet-world melbourne; do
            # by name in the scenario's <policies>, through --set
            run "$SRC/scenarios/$s.xml" "$tmp/c" --set "//policies/@$kind=$name" --set "//scenario/@duration=20min" ||
                bad "$kind=$name on $s failed"
            grep -q "\"$kind\": \"$name\"" "$tmp/c/summary.json" || bad "$s: summary does not name $kind $name"
        done
        run "$P/follow.xml" "$tmp/c" --policy "$kind=$name" --set "//scenario/@duration=10h" || bad "$kind=$name on follow failed"
        run "$P/consolidate.xml" "$tmp/c" --policy "$kind=$name" || bad "$kind=$name on consolidate failed"
    done
done

[ $fail -eq 0 ] && echo "test_policies: all passed"
exit $fail
