#!/bin/sh
# mnetsim emu's link latency (CTest label netns), on tests/emu/data/emu-delay.xml
# (a 20 ms link between two nodes, uplinks of 2, 3 and 4 ms; docs/emulation.md "Delay"):
#  - while it runs, the delayed links are tap devices (tbf on them as on a veth),
#    and nothing of the run is in the host namespace;
#  - u1's 1 Mbit/s streams to and from the VM on box2 cross 2 + 20 + 3 = 25 ms of
#    latency: their mean one-way delay in flows.csv is in [25, 30) ms, the
#    delay line loses and reorders none of their datagrams;
#  - u3's 20 Mbit/s stream through its 10 Mbit/s, 4 ms uplink gets the tbf's rate
#    within 10%;
#  - summary.json: not_emulated says nothing of latency, delay_line has the four
#    links and their counters (frames forwarded, none dropped, max queue), the
#    comparison's note on latency;
#  - --delay off: veth again, the delay is gone (< 5 ms) and not_emulated says so;
#  - SIGINT and kill -9 + --cleanup PREFIX leave nothing (the taps, persistent, go
#    with their namespaces).
# Needs root: exits 77 (SKIPPED) with the reason otherwise. Uses `ip` and `tc` only to LOOK.
: "${SRC:?set SRC to the source tree}"
. "$SRC/tests/emu/cli_common.sh"
[ -c /dev/net/tun ] || skip "no /dev/net/tun (the delay line needs tap devices)"
need_python "the JSON checks"
SCN="$SRC/tests/emu/data/emu-delay.xml"

P=$(run_prefix 4093)
count_ns() { ls /run/netns 2>/dev/null | grep -c "^$P-" ; }
wait_built() { # the run is built once its traffic starts (stderr says how many flows)
    i=0; while [ $i -lt 100 ]; do grep -q " flows for " "$1" 2>/dev/null && return 0
        sleep 0.1; i=$((i+1)); done; return 1; }
kind_of() { ip -n "$1" -d link show "$2" 2>/dev/null | sed -n 3p | awk '{print $1}'; }

# 1. delay on (the default)
"$MNETSIM" emu "$SCN" --traffic continuous --duration 4s --out "$T/on" --prefix $P >"$T/out" 2>"$T/err-on" &
pid=$!
if wait_built "$T/err-on"; then
    # n0 = n1's namespace: P-l0 (the 20 ms link) and P-b0 (box1's uplink); d0 = box1's dom0
    kl=$(kind_of $P-n0 $P-l0); ku=$(kind_of $P-d0 $P-up)
    [ "$kl" = tun ] && [ "$ku" = tun ] && ok "delayed link and uplink are taps ($kl, $ku)" \
        || no "P-l0 is '$kl', P-up is '$ku' (want tun)"
    tc -n $P-n0 qdisc show dev $P-l0 | grep -q tbf && tc -n $P-d2 qdisc show dev $P-up | grep -q tbf \
        && ok "tbf on the taps" || no "no tbf on a tap"
    ip -o link | grep -q "$P-" && no "a prefixed link in the host namespace" || ok "host namespace untouched"
else
    no "the run never started"; cat "$T/err-on"
fi
wait $pid; rc=$?
[ $rc = 0 ] && ok "run exits 0" || { no "run: rc=$rc"; cat "$T/err-on"; }
F="$T/on/flows.csv"
# columns: 1 flow, 9 sent, 10 received, 11 lost, 13 throughput_bps, 14 delay_mean_s, 15 delay_max_s, 20 reordered
for f in u1/probe/down u1/probe/up; do
    awk -F, -v f=$f '$1 == f { n = 1; d = $14 * 1000;
        printf "  %s: sent %d received %d lost %d reordered %d, one-way delay mean %.3f ms max %.3f ms\n",
               f, $9, $10, $11, $20, d, $15 * 1000;
        exit !(d >= 25 && d < 30) } END { if (!n) exit 1 }' "$F" \
        && ok "$f: mean one-way delay in [25, 30) ms (the path's latencies: 25 ms)" \
        || no "$f: delay out of [25, 30) ms"
    awk -F, -v f=$f '$1 == f { exit !($9 > 500 && $11 == 0 && $20 == 0) }' "$F" \
        && ok "$f: nothing lost or reordered" || no "$f: lost or reordered datagrams"
done
awk -F, '$1 == "u3/bulk/down" { want = 10e6 * 1200 / 1242; r = $13 / want;
          printf "  u3/bulk/down: %.0f bit/s = %.3f of the shaped rate\n", $13, r;
          exit !(r >= 0.9 && r <= 1.1) }' "$F" \
    && ok "2x the rate through a shaped, delayed uplink: within 10% of the tbf's" \
    || no "shaped rate through the delay line out of tolerance"
python3 - "$T/on/summary.json" <<'EOF' && ok "summary.json: delay_line, not_emulated, the comparison note" || no "summary.json (delay on)"
import json, sys
S = json.load(open(sys.argv[1]))
assert not any('latenc' in x for x in S['not_emulated']), S['not_emulated']
d = S['delay_line']
assert d['mode'] == 'on' and d['links'] == 4 and d['thread_error'] is None, d
assert d['forwarded'] > 3000 and d['dropped'] == 0 and d['max_queue_frames'] > 0, d
links = {x['link']: x for x in d['per_link']}
assert abs(links['link l1']['delay_s'] - 0.020) < 1e-9 and abs(links['uplink box3']['delay_s'] - 0.004) < 1e-9
for x in d['per_link']:
    for k in ('a_to_b', 'b_to_a'):
        s = x[k]
        assert s['forwarded'] <= s['frames_in'], x
        assert s['max_queue_bytes'] <= x['limit_bytes'], x
assert links['uplink box3']['b_to_a']['forwarded'] > 2000   # u3's stream, node -> dom0
note = S['comparison']['notes'][0]
assert 'delay line' in note, note
print('  delay line: %d frames forwarded, %d dropped, max queue %d frames / %d bytes, late mean %.0f us max %.2f ms, cpu %.3f s'
      % (d['forwarded'], d['dropped'], d['max_queue_frames'], d['max_queue_bytes'], d['late_mean_s'] * 1e6,
         d['late_max_s'] * 1e3, d['cpu_s']))
EOF

# 2. --delay off: veth, no delay, and said so
out=$("$MNETSIM" emu "$SCN" --delay sometimes 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q -- "--delay takes on or off" && ok "--delay sometimes refused (exit 2)" \
    || no "--delay sometimes: rc=$rc $out"
"$MNETSIM" emu "$SCN" --traffic continuous --duration 2s --delay off --out "$T/off" --prefix $P >"$T/out" 2>"$T/err-off" &
pid=$!
if wait_built "$T/err-off"; then
    kl=$(kind_of $P-n0 $P-l0)
    [ "$kl" = veth ] && ok "--delay off: P-l0 is a veth" || no "--delay off: P-l0 is '$kl'"
fi
wait $pid; rc=$?
[ $rc = 0 ] && ok "--delay off run exits 0" || { no "--delay off: rc=$rc"; cat "$T/err-off"; }
awk -F, '$1 == "u1/probe/down" { d = $14 * 1000; printf "  --delay off: u1/probe/down mean delay %.3f ms\n", d;
          exit !(d < 5) }' "$T/off/flows.csv" && ok "--delay off: no latency (< 5 ms)" || no "--delay off: delay"
python3 - "$T/off/summary.json" <<'EOF' && ok "--delay off: summary.json says latency is not emulated" || no "summary.json (delay off)"
import json, sys
S = json.load(open(sys.argv[1]))
assert any('latenc' in x and '--delay off' in x for x in S['not_emulated']), S['not_emulated']
assert S['delay_line']['mode'] == 'off' and S['delay_line']['links'] == 0, S['delay_line']
assert '--delay off' in S['comparison']['notes'][0]
EOF

# 3. SIGINT, kill -9 + --cleanup PREFIX
"$MNETSIM" emu "$SCN" --traffic continuous --duration 30s --out "$T/sig" --prefix $P >"$T/out" 2>"$T/err-int" &
pid=$!
wait_built "$T/err-int" || no "SIGINT run never started"
kill -INT $pid; wait $pid; rc=$?
[ $rc = 1 ] && [ "$(count_ns)" = 0 ] && ok "SIGINT: exit 1, nothing left" || no "SIGINT: rc=$rc, $(count_ns) namespaces left"
"$MNETSIM" emu "$SCN" --traffic continuous --duration 30s --out "$T/k9" --prefix $P >"$T/out" 2>"$T/err-k9" &
pid=$!
wait_built "$T/err-k9" || no "kill -9 run never started"
kill -9 $pid; wait $pid 2>/dev/null
n=$(count_ns)
taps=0; for ns in $(ls /run/netns | grep "^$P-"); do
    taps=$((taps + $(ip -n $ns -d link show 2>/dev/null | grep -c ' tun '))); done
[ "$n" -gt 0 ] && [ $taps -gt 0 ] && ok "kill -9: $n namespaces left, $taps (dead) taps in them" \
    || no "kill -9: $n namespaces, $taps taps left"
"$MNETSIM" emu --cleanup $P >/dev/null 2>&1 || no "--cleanup $P failed"
links=$(ip -o link | grep -c "$P-")
[ "$(count_ns)" = 0 ] && [ "$links" = 0 ] && ok "--cleanup $P removed everything" \
    || no "--cleanup left $(count_ns) namespaces, $links links"
rm -rf "$T"
[ $fail = 0 ] && echo PASSED || echo FAILED
exit $fail
