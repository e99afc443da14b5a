#!/bin/sh
# mnetsim emu with a virtual network (CTest label netns; docs/emulation.md
# "Virtual networks"), on tests/emu/data/emu-vnet.xml: router (box1) -> fw
# (box2) -> pbx (box2), virtual links of 20 and 4 Mbit/s, exit fw; vap1
# enters it at the router:
#  - u1's 8 Mbit/s call to the pbx is seen in the router's, the fw's and the
#    pbx's namespaces, in that order for each datagram (first capture
#    timestamps), and crosses both boxes' uplinks (the router-fw link lies
#    on the underlay); its throughput is the 4 Mbit/s fw-pbx link's tbf
#    within 10% (x 1200 / 1242 payload bytes per inner frame), far below
#    what was sent;
#  - u1's 1 Mbit/s tv from the server beyond the exit's box comes back through
#    fw then the router (not the pbx), all received;
#  - summary.json's not_emulated no longer lists virtual links; nothing left.
# Needs root: exits 77 (SKIPPED) with the reason otherwise. Uses `ip` only to LOOK.
: "${SRC:?set SRC to the source tree}"
. "$SRC/tests/emu/cli_common.sh"
need_python "the pcap and JSON checks"
P=$(run_prefix 12007)
"$MNETSIM" emu "$SRC/tests/emu/data/emu-vnet.xml" --traffic continuous --duration 4s --out "$T/run" --prefix $P >"$T/out" 2>&1; rc=$?
[ $rc = 0 ] && ok "run exits 0" || { no "run: rc=$rc"; cat "$T/out"; }
F="$T/run/flows.csv"
call=$(grep '^u1/call/up,' "$F" 2>/dev/null); tv=$(grep '^u1/tv/down,' "$F" 2>/dev/null)
path=$(echo "$call" | cut -d, -f18)
for p in "vm router" "vm fw" "vm pbx" "dom0 box1" "dom0 box2"; do
    echo "$path" | grep -q "$p" && ok "the call was seen at $p" || no "the call not seen at $p: $path"
done
sent=$(echo "$call" | cut -d, -f9); recv=$(echo "$call" | cut -d, -f10); thr=$(echo "$call" | cut -d, -f13)
awk -v t="$thr" 'BEGIN { x = t / (4e6 * 1200 / 1242); print "ratio " x; exit !(x >= 0.9 && x <= 1.1) }' \
    && ok "the call's throughput $thr bit/s: the 4 Mbit/s virtual link's rate within 10%" \
    || no "the call's throughput $thr bit/s is not 4 Mbit/s x 1200/1242 within 10%"
[ "$sent" -gt 0 ] && [ $((recv * 10)) -le $((sent * 6)) ] && ok "capped: $recv of $sent received" \
    || no "not capped: $recv of $sent received"
tpath=$(echo "$tv" | cut -d, -f18); tsent=$(echo "$tv" | cut -d, -f9); trecv=$(echo "$tv" | cut -d, -f10)
echo "$tpath" | grep -q 'vm fw' && echo "$tpath" | grep -q 'vm router' && ! echo "$tpath" | grep -q 'vm pbx' \
    && ok "the tv came in at the exit: $tpath" || no "tv path: $tpath"
[ "$tsent" -gt 400 ] && [ $((trecv * 100)) -ge $((tsent * 99)) ] && ok "tv: $trecv of $tsent received" \
    || no "tv: $trecv of $tsent received"
# order: each datagram's first capture time in each VM's namespace (flow 0 the call, 1 the tv)
python3 - "$T/run" <<'PY' || no "the datagrams did not cross the VMs in order"
import struct, sys
def first(path, flow):
    d = open(path, 'rb').read()
    lt = struct.unpack('<I', d[20:24])[0]
    lh, eto = {1: (14, 12), 113: (16, 14), 276: (20, 0)}[lt]
    t, o = {}, 24
    while o + 16 <= len(d):
        s, ns, cl, _ = struct.unpack('<IIII', d[o:o + 16]); o += 16
        f = d[o:o + cl]; o += cl
        if len(f) < lh + 28 or f[eto:eto + 2] != b'\x08\x00' or f[lh + 9] != 17:
            continue
        pl = f[lh + (f[lh] & 15) * 4 + 8:]   # the inner datagram (a VXLAN frame's UDP port differs)
        if pl[:4] == b'MNTF' and struct.unpack('>I', pl[4:8])[0] == flow:
            q = struct.unpack('>Q', pl[8:16])[0]
            t.setdefault(q, s + ns / 1e9)
    return t
for flow, chain in ((0, ['router', 'fw', 'pbx']), (1, ['fw', 'router'])):
    ts = [first('%s/inst-%s.pcap' % (sys.argv[1], v), flow) for v in chain]
    common = set(ts[0]).intersection(*ts[1:])
    good = sum(1 for q in common if all(ts[i][q] < ts[i + 1][q] for i in range(len(ts) - 1)))
    print('flow %d: %d datagrams seen at %s, %d in that order' % (flow, len(common), ' -> '.join(chain), good))
    assert len(common) > 300 and good == len(common)
PY
python3 - "$T/run/summary.json" <<'PY' && ok "not_emulated: nothing about virtual links" || no "not_emulated still lists virtual links"
import json, sys
S = json.load(open(sys.argv[1]))
assert not [l for l in S['not_emulated'] if 'virtual link' in l], S['not_emulated']
PY
left=$(ls /run/netns 2>/dev/null | grep -c "^$P-"); links=$(ip -o link | grep -c "$P-")
[ "$left" = 0 ] && [ "$links" = 0 ] && ok "nothing of $P left" || no "$left namespaces, $links links of $P left"
"$MNETSIM" emu --cleanup $P >/dev/null 2>&1
rm -rf "$T"
[ $fail = 0 ] && echo "PASS" || echo "FAILED"
exit $fail
