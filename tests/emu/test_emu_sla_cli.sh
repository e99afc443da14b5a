#!/bin/sh
# SLA accounting from the measured traffic and the rules' sla-violation and
# user-online triggers on the real-time clock (CTest label netns):
# tests/emu/data/emu-sla.xml. Checks: u1, whose 3 Mbit/s minimum its 2 Mbit/s
# uplink cannot carry, violates for about the whole traffic (within 1.5 s of
# it), u2 and u3 (SLA met) 0; the rule "protect" (sla-violation) acted on
# vap1 and never on vap2, "hello" (user-online) on vap2 when u3 came back
# online at 3 s; summary.json's sla and comparison (per user beside
# sim/users.csv, the totals), and nothing of the run left. Needs root: exits
# 77 (SKIPPED) with the reason otherwise. Uses `ip` only to LOOK.
: "${SRC:?set SRC to the source tree}"
. "$SRC/tests/emu/cli_common.sh"
need_python "summary.json"
SCN="$SRC/tests/emu/data/emu-sla.xml"

P=$(run_prefix 12289)
"$MNETSIM" emu "$SCN" --traffic continuous --duration 6s --out "$T/run" --prefix $P >"$T/out" 2>&1; rc=$?
[ $rc = 0 ] && ok "run exits 0" || { no "run: rc=$rc"; cat "$T/out"; }
L="$T/run/policy.csv"
if [ -f "$L" ]; then
    n1=$(grep -c ',rule,rule,vap1,,,done,rule protect .*set-qos' "$L")
    n2=$(grep -c ',rule,rule,vap2,.*rule protect' "$L")
    [ "$n1" -ge 4 ] && [ "$n2" = 0 ] && grep -q ',rule,set-qos,vap1,,,done,airtime 0.500' "$L" \
        && ok "sla-violation: rule protect set vap1's share ($n1 times), never vap2's" \
        || { no "protect: $n1 on vap1, $n2 on vap2"; cat "$L"; }
    grep -q '^3.000,[0-9.]*,rule,rule,vap2,,,done,rule hello .*set-qos' "$L" \
        && [ "$(grep -c 'rule hello' "$L")" = 1 ] \
        && ok "user-online: rule hello on vap2 once, at 3 s (u3 back online)" \
        || { no "hello"; grep hello "$L"; }
else
    no "no policy.csv"
fi
python3 - "$T/run/summary.json" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
bad = 0
def check(cond, what):
    global bad
    print(("ok: " if cond else "FAIL: ") + what)
    bad |= not cond
s = d["sla"]
u = {x["user"]: x for x in s["users"]}
dur = d["duration_s"]
check(dur - 1.5 <= u["u1"]["violation_s"] <= dur + 0.5, "u1 violated %.3f s of %.1f s (%.0f bit/s at worst against %.0f)" % (u["u1"]["violation_s"], dur, u["u1"]["worst_tick_bps"], u["u1"]["need_bps"]))
check(u["u2"]["violation_s"] == 0 and u["u2"]["ticks"] >= 5, "u2 met its SLA: 0 s over %d ticks (worst %.0f bit/s against %.0f)" % (u["u2"]["ticks"], u["u2"]["worst_tick_bps"], u["u2"]["need_bps"]))
check(u["u3"]["violation_s"] == 0 and u["u3"]["ticks"] < u["u2"]["ticks"], "u3 0 s, offline for a tick (%d ticks)" % u["u3"]["ticks"])
check(abs(s["violation_s"] - u["u1"]["violation_s"]) < 1e-3 and s["users_violated"] == 1, "totals: %.3f s, %d user" % (s["violation_s"], s["users_violated"]))
c = d["comparison"]
cu = {x["user"]: x for x in c["users"]}
check(cu["u1"]["simulated_sla_violation_s"] is not None and cu["u1"]["simulated_sla_violation_s"] > dur - 1.5, "u1 beside the simulator: %s emulated, %s simulated" % (cu["u1"]["emulated_sla_violation_s"], cu["u1"]["simulated_sla_violation_s"]))
check(cu["u2"]["simulated_sla_violation_s"] == 0 and cu["u2"]["emulated_sla_violation_s"] == 0, "u2 0 on both sides")
check(abs(c["sla"]["emulated_violation_s"] - s["violation_s"]) < 1e-3 and c["sla"]["simulated_violation_s"] > dur - 1.5, "comparison.sla %s" % c["sla"])
sys.exit(bad)
PY
# the default traffic, the scenario's sessions: a flow is judged only while its session sends
P2=$(run_prefix 12301)
"$MNETSIM" emu "$SCN" --duration 6s --out "$T/sess" --prefix $P2 >"$T/out2" 2>&1; rc=$?
[ $rc = 0 ] && ok "sessions run exits 0" || { no "sessions run: rc=$rc"; cat "$T/out2"; }
python3 - "$T/sess/summary.json" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
bad = 0
def check(cond, what):
    global bad
    print(("ok: " if cond else "FAIL: ") + what)
    bad |= not cond
u = {x["user"]: x for x in d["sla"]["users"]}
t = d["traffic"]
check(t["mode"] == "sessions" and t["sessions_drawn"] > 10, "sessions: %d drawn" % t["sessions_drawn"])
# u1's sessions cannot get 3 Mbit/s through its 2 Mbit/s uplink: violation while they send, less
# than the whole run (between sessions it has no demand); u2 and u3 meet theirs
check(0.5 <= u["u1"]["violation_s"] < d["duration_s"] - 0.5, "u1 violated %.3f s while its sessions sent (worst %.0f bit/s against %.0f)" % (u["u1"]["violation_s"], u["u1"]["worst_tick_bps"], u["u1"]["need_bps"]))
check(u["u2"]["violation_s"] == 0 and u["u3"]["violation_s"] == 0 and u["u2"]["worst_tick_bps"] > 0, "u2 and u3 met theirs (u2 worst %.0f bit/s)" % u["u2"]["worst_tick_bps"])
sys.exit(bad)
PY
"$MNETSIM" emu --cleanup $P2 >/dev/null 2>&1
left=$(ls /run/netns 2>/dev/null | grep -c "^$P-"); links=$(ip -o link | grep -c "$P-")
[ "$left" = 0 ] && [ "$links" = 0 ] && ok "nothing of $P left" || no "$left namespaces, $links links of $P left"
"$MNETSIM" emu --cleanup $P >/dev/null 2>&1
rm -rf "$T"
[ $fail = 0 ] && echo PASSED || echo FAILED
exit $fail
