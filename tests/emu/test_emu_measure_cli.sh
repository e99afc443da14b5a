#!/bin/sh
# mnetsim emu measured (CTest label netns): on tests/emu/data/emu-compare.xml
# (u1 commutes from box1 to box2, follow-the-user migrates vap1 at scenario
# time 3 s; --time-scale 2 puts it 1.5 s into the 6 s run):
#  - migrations.csv: the migration, its re-plumbing time and the stream's gap
#    around it read back from user-u1.pcap, 0 < gap < 0.5 s and at least the
#    re-plumbing time (nothing reaches the user while its veth is remade);
#  - the sender kept sending through it (the generator has its own thread):
#    2 Mbit/s of 1000-byte datagrams is 250 per s, flows.csv's sent is the
#    whole schedule (1500 in 6 s; 1485 when a paused sender drops its
#    backlog) and lost_in_gap is what the gap held: at least half of
#    gap x 250 (a sender pausing for the re-plumbing loses ~0) and at most
#    gap x 250 + 1;
#  - the same gap and lost_in_gap again from the pcap, by a second reader
#    (Python, here), and lost_in_gap no more than the receiver's own count of
#    missing sequence numbers (flows.csv lost);
#  - summary.json: "migrations", and "simulated" (the simulator in-process,
#    12 s = 6 s x 2, its results in DIR/sim) and "comparison" with both the
#    simulated downtime and the emulated gap, both throughputs, and notes;
#  - nothing of the run is left.
# Needs root: exits 77 (SKIPPED) with the reason otherwise. Uses `ip` only to LOOK.
: "${SRC:?set SRC to the source tree}"
. "$SRC/tests/emu/cli_common.sh"
need_python "the second pcap reader and the JSON checks"
SCN="$SRC/tests/emu/data/emu-compare.xml"

P=$(run_prefix 8191)
"$MNETSIM" emu "$SCN" --traffic continuous --duration 6s --time-scale 2 --out "$T/run" --prefix $P >"$T/out" 2>&1; rc=$?
[ $rc = 0 ] && ok "run exits 0" || { no "run: rc=$rc"; cat "$T/out"; }
M="$T/run/migrations.csv"
row=$(grep '^vap1,box1,box2,' "$M" 2>/dev/null | head -1)
if [ -n "$row" ]; then
    replumb=$(echo "$row" | cut -d, -f5); gap=$(echo "$row" | cut -d, -f6)
    lig=$(echo "$row" | cut -d, -f7); flow=$(echo "$row" | cut -d, -f8)
    [ "$flow" = u1/tv/down ] && ok "the migration's affected flow: $flow" || no "flow '$flow'"
    awk -v g="$gap" -v r="$replumb" 'BEGIN { exit !(g > 0 && g < 0.5 && g >= r - 0.001) }' \
        && ok "gap around the migration ${gap} s (re-plumbing ${replumb} s): in (0, 0.5) s and >= the re-plumbing" \
        || no "gap '$gap' (re-plumbing '$replumb')"
    lost=$(sed -n 2p "$T/run/flows.csv" | cut -d, -f11)
    sent=$(sed -n 2p "$T/run/flows.csv" | cut -d, -f9)
    [ -n "$sent" ] && [ "$sent" -ge 1499 ] && [ "$sent" -le 1501 ] \
        && ok "the sender kept its schedule through the migration: $sent sent of 1500 due" \
        || no "sent '$sent', not the 1500 due in 6 s at 250/s"
    awk -v g="$gap" -v l="$lig" 'BEGIN { exit !(l != "" && l >= 0.5 * g * 250 && l <= g * 250 + 1) }' \
        && ok "lost_in_gap $lig: the datagrams sent into the gap (${gap} s x 250/s), lost" \
        || no "lost_in_gap '$lig' for a ${gap} s gap at 250/s (a paused sender?)"
    [ "$(sed -n 2p "$T/run/flows.csv" | cut -d, -f19)" = udp ] && ok "the stream's proto: udp" || no "proto not udp"
    [ -n "$lig" ] && [ "$lig" -le "$lost" ] && ok "lost_in_gap $lig <= the receiver's missing sequence numbers ($lost)" \
        || no "lost_in_gap '$lig' vs flows.csv lost '$lost'"
    # the second reader: the same window, gap and missing sequence numbers from user-u1.pcap
    python3 - "$T/run/user-u1.pcap" "$T/run/summary.json" "$gap" "$lig" <<'EOF' || no "the second pcap reading disagrees"
import json, struct, sys
path, summ, gap, lig = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
d = open(path, 'rb').read()
assert struct.unpack('<I', d[:4])[0] == 0xa1b23c4d, 'not a nanosecond pcap'
lt = struct.unpack('<I', d[20:24])[0]
lh, eto = {1: (14, 12), 113: (16, 14), 276: (20, 0)}[lt]
pk, o = {}, 24
while o + 16 <= len(d):
    s, ns, cl, _ = struct.unpack('<IIII', d[o:o + 16]); o += 16
    f = d[o:o + cl]; o += cl
    if len(f) < lh + 28 or f[eto:eto + 2] != b'\x08\x00' or f[lh + 9] != 17:
        continue
    u = lh + (f[lh] & 15) * 4
    pl = f[u + 8:]
    if pl[:4] != b'MNTF' or struct.unpack('>I', pl[4:8])[0] != 0:
        continue
    pk[struct.unpack('>Q', pl[8:16])[0]] = s + ns / 1e9
S = json.load(open(summ))
rows = [r for r in S['migrations']['rows'] if r['flow'] == 'u1/tv/down']
assert rows and abs(rows[0]['gap_s'] - gap) < 1e-6, 'summary.json and migrations.csv differ'
# the whole file: the stream's longest silence is the migration's (the window holds it)
ts = sorted((t, q) for q, t in pk.items())
best = max(range(1, len(ts)), key=lambda i: ts[i][0] - ts[i - 1][0])
g = ts[best][0] - ts[best - 1][0]
a, b = ts[best - 1][1], ts[best][1]
lost = sum(1 for q in range(a + 1, b) if q not in pk)
print('second reader: longest gap %.6f s between seq %d and %d, %d missing' % (g, a, b, lost))
assert abs(g - gap) < 2e-6, 'gap %.6f != %.6f' % (g, gap)
assert lost == lig, 'lost %d != %d' % (lost, lig)
EOF
    [ $? = 0 ] && ok "a second reader of user-u1.pcap finds the same gap and missing sequence numbers"
else
    no "no vap1 row in migrations.csv"; cat "$M" 2>/dev/null
fi
python3 - "$T/run/summary.json" <<'EOF' && ok "summary.json: simulated and emulated figures side by side" || no "summary.json comparison"
import json, sys
S = json.load(open(sys.argv[1]))
sim = S['simulated']
assert sim and 'error' not in sim, sim
assert abs(sim['duration_s'] - 12.0) < 1e-9, sim['duration_s']
assert sim['metrics']['migrations'] == 1, sim['metrics']
c = S['comparison']
m = c['migrations'][0]
assert m['instance'] == 'vap1' and m['order'] == 1
assert m['emulated']['gap_s'] > 0 and m['simulated']['downtime_s'] > 0, m
assert m['simulated']['end_s'] > m['simulated']['start_s'] >= 3.0, m
u = c['users'][0]
assert u['user'] == 'u1' and u['emulated_bps'] > 1.8e6 and u['simulated_mean_bps'] > 0, u
assert len(c['notes']) >= 3 and all('source' in x for x in (m['emulated'], m['simulated']))
print('  vap1: emulated gap %.3f s (re-plumbing %.3f s) vs simulated downtime %.3f s after %.2f s of pre-copy'
      % (m['emulated']['gap_s'], m['emulated']['replumb_s'], m['simulated']['downtime_s'],
         m['simulated']['end_s'] - m['simulated']['start_s']))
print('  u1: emulated %.0f bit/s vs simulated mean %.0f bit/s' % (u['emulated_bps'], u['simulated_mean_bps']))
EOF
[ -f "$T/run/sim/manifest.json" ] && [ -f "$T/run/sim/users.csv" ] && ok "the simulator's results in DIR/sim" \
    || no "no DIR/sim results"
left=$(ls /run/netns 2>/dev/null | grep -c "^$P-"); links=$(ip -o link | grep -c "$P-")
[ "$left" = 0 ] && [ "$links" = 0 ] && ok "nothing of $P left" || no "$left namespaces, $links links of $P left"
"$MNETSIM" emu --cleanup $P >/dev/null 2>&1
rm -rf "$T"
[ $fail = 0 ] && echo PASSED || echo FAILED
exit $fail
