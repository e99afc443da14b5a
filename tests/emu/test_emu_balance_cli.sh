#!/bin/sh
# The balancing policy on the real-time clock (CTest label netns): on
# tests/emu/data/emu-handover.xml u1 walks from box1's radio to box2's at
# 2-3 s. Checks: one handover vap1 -> vap2 in policy.csv (source balancing)
# at scenario time 3 s, the stream then received on box2's radio (its path
# through box2's dom0, >= 95% received, a short gap), summary.json counting
# it, the simulator on the same scenario and seed making the same decision
# (comparison.handovers: vap1 -> vap2 within one policy period), and nothing
# of the run left. Needs root: exits 77 (SKIPPED) with the reason otherwise.
# Uses `ip` only to LOOK.
: "${SRC:?set SRC to the source tree}"
. "$SRC/tests/emu/cli_common.sh"
need_python "summary.json"
SCN="$SRC/tests/emu/data/emu-handover.xml"

P=$(run_prefix 8209)
"$MNETSIM" emu "$SCN" --traffic continuous --duration 6s --out "$T/run" --prefix $P >"$T/out" 2>&1; rc=$?
[ $rc = 0 ] && ok "run exits 0" || { no "run: rc=$rc"; cat "$T/out"; }
L="$T/run/policy.csv"
if [ -f "$L" ]; then
    n=$(grep -c ',balancing,handover,' "$L")
    [ "$n" = 1 ] && grep -q '^3.000,[0-9.]*,balancing,handover,u1,vap1,vap2,done,' "$L" \
        && ok "one handover u1 vap1 -> vap2 at 3.000 s (source balancing)" \
        || { no "handovers in policy.csv: $n"; cat "$L"; }
else
    no "no policy.csv"
fi
F="$T/run/flows.csv"
line=$(sed -n 2p "$F" 2>/dev/null)
echo "$line" | grep -q 'dom0 box1;dom0 box2' && ok "the stream crossed box1's then box2's dom0" \
    || no "path: $line"
sent=$(echo "$line" | cut -d, -f9); recv=$(echo "$line" | cut -d, -f10); gap=$(echo "$line" | cut -d, -f16)
[ "${sent:-0}" -gt 1000 ] && [ $((recv * 100)) -ge $((sent * 95)) ] \
    && ok "received after the handover: $recv of $sent, longest gap ${gap}s" \
    || no "received $recv of $sent"
python3 - "$T/run/summary.json" "$T/run/policy.csv" "$T/run/user-u1.pcap" <<'PY' || fail=1
import json, struct, sys
d = json.load(open(sys.argv[1]))
bad = 0
def check(cond, what):
    global bad
    print(("ok: " if cond else "FAIL: ") + what)
    bad |= not cond
p = d["policies"]
check(p["handovers"] == 1 and p["handover_rows"][0]["t_s"] == 3.0, "summary.json policies.handovers 1 at 3 s: %s" % p["handover_rows"])
check(abs(p["handover_outage_s"] - 0.05) < 1e-9, "handover-cost 50 ms booked: %s" % p["handover_outage_s"])
c = d["comparison"]
rows = c["handovers"]
check(len(rows) == 1 and rows[0]["emulated"] and rows[0]["simulated"], "one handover on both sides: %s" % rows)
if rows and rows[0]["emulated"] and rows[0]["simulated"]:
    e, s = rows[0]["emulated"], rows[0]["simulated"]
    check((e["from"], e["to"]) == (s["from"], s["to"]) == ("vap1", "vap2"), "same decision vap1 -> vap2")
    check(e["t_s"] - 1.0 <= s["t_s"] <= e["t_s"], "simulated at %.3f s, emulated at %.3f s (within one period)" % (s["t_s"], e["t_s"]))
check(c["handover_count"]["emulated"] == 1 and c["handover_count"]["simulated"] == 1, "handover_count %s" % c["handover_count"])
# datagrams received by u1 after the handover's re-plumbing, from its own capture
wall = [float(l.split(",")[1]) for l in open(sys.argv[2]) if ",handover," in l]
after = 0
try:
    f = open(sys.argv[3], "rb")
    hdr = f.read(24)
    nano = struct.unpack("<I", hdr[:4])[0] == 0xa1b23c4d
    while True:
        h = f.read(16)
        if len(h) < 16:
            break
        ts, frac, incl, _ = struct.unpack("<IIII", h)
        f.read(incl)
        if wall and ts + frac / (1e9 if nano else 1e6) > wall[0] + 0.5:
            after += 1
except OSError as err:
    print("capture:", err)
check(after > 400, "u1's capture has %d packets from 0.5 s after the handover on" % after)
sys.exit(bad)
PY
left=$(ls /run/netns 2>/dev/null | grep -c "^$P-"); links=$(ip -o link | grep -c "$P-")
[ "$left" = 0 ] && [ "$links" = 0 ] && ok "nothing of $P left" || no "$left namespaces, $links links of $P left"
"$MNETSIM" emu --cleanup $P >/dev/null 2>&1
rm -rf "$T"
[ $fail = 0 ] && echo PASSED || echo FAILED
exit $fail
