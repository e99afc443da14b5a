#!/bin/sh
# Faults on the real-time clock (CTest label netns): tests/emu/data/emu-fault.xml,
# --time-scale 1. box1 fails at 2 s and is repaired at 4 s (scheduled) while u1 streams
# through it; box2's radio r2 fails and is repaired at random (MTBF / MTTR). Checks:
# policy.csv has the failure and the repair at 2.000 and 4.000 (source fault, 2 s apart
# on the wall within 0.1 s) and the rule "lost" (box-failure) fired at 2 s; u1's capture
# shows one gap of 2 s (within 0.3 s) starting at the failure (within 0.3 s), and the
# stream resumes after the repair (datagrams until the end, flows.csv received > half
# of sent); summary.json's comparison.faults matches every outage with the simulator's
# (sim/faults.csv: box1 2 s to 4 s, r2's random ones at the same times, to 1 us); nothing
# of the run left. Needs root: exits 77 (SKIPPED) with the reason otherwise. Uses `ip`
# only to LOOK.
: "${SRC:?set SRC to the source tree}"
. "$SRC/tests/emu/cli_common.sh"
need_python "pcap, summary.json"
SCN="$SRC/tests/emu/data/emu-fault.xml"

P=$(run_prefix 15121)
"$MNETSIM" emu "$SCN" --traffic continuous --duration 6s --time-scale 1 --out "$T/run" --prefix $P >"$T/out" 2>&1; rc=$?
[ $rc = 0 ] && ok "run exits 0" || { no "run: rc=$rc"; cat "$T/out"; }
L="$T/run/policy.csv"
if [ -f "$L" ]; then
    grep -q '^2\.000,[0-9.]*,fault,fail,box1,f-box1,,done,box down' "$L" \
        && grep -q '^4\.000,[0-9.]*,fault,repair,box1,f-box1,,done,box up' "$L" \
        && ok "policy.csv: box1 failed at 2.000 and was repaired at 4.000 (source fault)" \
        || { no "policy.csv: box1's fault"; cat "$L"; }
    grep -q '^2\.000,[0-9.]*,rule,rule,vap1,,,done,rule lost .*box-failure' "$L" \
        && ok "rule lost (box-failure) fired at 2 s on box1's vAP" \
        || { no "rule lost did not fire"; cat "$L"; }
else
    no "no policy.csv"
fi
python3 - "$T/run" <<'PY' || fail=1
import csv, json, struct, sys
d = sys.argv[1]
bad = 0
def check(cond, what):
    global bad
    print(("ok: " if cond else "FAIL: ") + what)
    bad |= not cond
log = list(csv.DictReader(open(d + "/policy.csv")))
fail_w = [float(r["wall_s"]) for r in log if r["source"] == "fault" and r["action"] == "fail" and r["subject"] == "box1"]
rep_w = [float(r["wall_s"]) for r in log if r["source"] == "fault" and r["action"] == "repair" and r["subject"] == "box1"]
check(len(fail_w) == 1 and len(rep_w) == 1 and abs(rep_w[0] - fail_w[0] - 2) < 0.1,
      "box1 down %.3f s on the wall" % (rep_w[0] - fail_w[0] if fail_w and rep_w else -1))
# u1's capture: the stream's datagrams (UDP, > 500 bytes) and their times
raw = open(d + "/user-u1.pcap", "rb").read()
magic = struct.unpack("<I", raw[:4])[0]
e, ns = ("<", magic == 0xa1b23c4d) if magic in (0xa1b2c3d4, 0xa1b23c4d) else (">", False)
link = struct.unpack(e + "I", raw[20:24])[0]
off, ts = 24, []
while off + 16 <= len(raw):
    sec, frac, incl, orig = struct.unpack(e + "IIII", raw[off:off + 16])
    pkt = raw[off + 16:off + 16 + incl]
    off += 16 + incl
    ip = pkt[14:] if link == 1 else pkt[16:] if link == 113 else pkt
    if len(ip) > 20 and ip[0] >> 4 == 4 and ip[9] == 17 and orig > 500:
        ts.append(sec + frac / (1e9 if ns else 1e6))
check(len(ts) > 100, "%d datagrams captured at u1" % len(ts))
if len(ts) > 100 and fail_w:
    gaps = sorted(((b - a, a) for a, b in zip(ts, ts[1:])), reverse=True)
    g, at = gaps[0]
    check(abs(g - 2) <= 0.3, "u1's gap %.3f s (2 s within 0.3 s)" % g)
    check(abs(at - fail_w[0]) <= 0.3, "it starts %.3f s from the failure" % (at - fail_w[0]))
    check(gaps[1][0] < 0.3, "one gap only (next longest %.3f s)" % gaps[1][0])
    check(ts[-1] - rep_w[0] > 1.5, "traffic resumed: datagrams until %.3f s after the repair" % (ts[-1] - rep_w[0]))
fl = [r for r in csv.DictReader(open(d + "/flows.csv")) if r["user"] == "u1"]
check(len(fl) == 1 and int(fl[0]["received"]) > int(fl[0]["sent"]) / 2 and 1.7 <= float(fl[0]["max_gap_s"]) <= 2.3,
      "flows.csv: u1 received %s of %s, max_gap_s %s" % (fl[0]["received"], fl[0]["sent"], fl[0]["max_gap_s"]) if fl else "flows.csv: no u1 flow")
sim = list(csv.DictReader(open(d + "/sim/faults.csv")))
sb = [r for r in sim if r["target"] == "box1"]
check(len(sb) == 1 and abs(float(sb[0]["down_s"]) - 2) < 1e-6 and abs(float(sb[0]["up_s"]) - 4) < 1e-6,
      "simulator: box1 down 2 s to 4 s (sim/faults.csv)")
c = json.load(open(d + "/summary.json"))["comparison"]
fa = c["faults"]
check(len(fa) == len(sim) == c["fault_count"]["emulated"] == c["fault_count"]["simulated"] and len(fa) >= 2,
      "comparison.faults: %d outages, the simulator %d" % (len(fa), len(sim)))
same = all(x["simulated"] and abs(x["emulated"]["down_s"] - x["simulated"]["down_s"]) < 1e-6 and
           ((x["emulated"]["up_s"] is None and x["simulated"]["up_s"] is None) or
            abs(x["emulated"]["up_s"] - x["simulated"]["up_s"]) < 1e-6) for x in fa)
check(same, "every outage at the simulator's times: " + "; ".join(
      "%s#%d %.6f-%s" % (x["target"], x["order"], x["emulated"]["down_s"], x["emulated"]["up_s"]) for x in fa))
check(any(x["target"] == "r2" for x in fa), "r2's random outages are among them")
check(all(x["emulated"]["late_s"] < 0.1 for x in fa), "applied within 0.1 s of their wall times (worst %.4f s)" % max(x["emulated"]["late_s"] for x in fa))
sys.exit(bad)
PY
left=$(ls /run/netns 2>/dev/null | grep -c "^$P-"); links=$(ip -o link | grep -c "$P-")
[ "$left" = 0 ] && [ "$links" = 0 ] && ok "nothing of $P left" || no "$left namespaces, $links links of $P left"
"$MNETSIM" emu --cleanup $P >/dev/null 2>&1
rm -rf "$T"
[ $fail = 0 ] && echo PASSED || echo FAILED
exit $fail
