#!/bin/sh
# mnetsim emu's address family (CTest label netns): on tests/emu/data/emu-ipv6.xml
# u6 (stacks="ipv6") and u46 (dual stack) stream 2 Mbit/s to and from the server
# beyond box1's uplink. Checks: flows.csv's last column "family" (appended after
# proto and reordered, which keep their places), u6's flows are ipv6 and received
# fully with a path through box1's dom0 (the captures find our header in IPv6
# packets: Linux cooked at the user's "any", Ethernet at the uplink), u46's stay
# ipv4 and are received fully too, the user's capture holds IPv6 frames (cooked
# protocol 0x86dd; with python3 only), and nothing of the run is left.
# Then on tests/emu/data/emu-ipv6-planes.xml (python3 needed, else those checks are
# skipped, said so): IPv6 on a par with IPv4 -
#  - the vAP classes: u6c (IPv6 only, vAP capv6) and u4c (IPv4, vAP capv4) stream 10
#    Mbit/s each way through vAPs with 10% of the air: each flow's throughput is its
#    class's rate (0.1 x flows.csv's radio_bps) x payload / frame bytes (1200 / 1262 for
#    IPv6, 1200 / 1242 for IPv4) within 10%, and at most 60% of what was sent (IPv6 in the
#    radio's default class would get its whole 10 Mbit/s);
#  - plane="domu": u6d's (IPv6 only) two flows in vAP domv6's path, each datagram seen
#    at least twice in inst-domv6.pcap (in from dom0 and back), all received;
#  - a virtual network: u6v's (IPv6 only) call to the pbx seen at router, fw and pbx, in
#    that order for each datagram (first capture times), its tv from beyond the exit's box
#    through fw then the router (not the pbx), all received;
#  - summary.json's not_emulated says nothing of IPv6, plane domu or virtual networks.
# Needs root: exits 77 (SKIPPED) with the reason otherwise. Uses `ip` only to LOOK.
: "${SRC:?set SRC to the source tree}"
. "$SRC/tests/emu/cli_common.sh"

P=$(run_prefix 28657)
"$MNETSIM" emu "$SRC/tests/emu/data/emu-ipv6.xml" --traffic continuous --duration 3s --out "$T/run" --prefix $P \
    >"$T/out" 2>&1; rc=$?
[ $rc = 0 ] && ok "run exits 0" || { no "run: rc=$rc"; cat "$T/out"; }
F="$T/run/flows.csv"
head -1 "$F" 2>/dev/null | grep -q ',radio_bps,path,proto,reordered,family\(,.*\)\{0,1\}$' \
    && ok "flows.csv: family appended after reordered" || no "header: $(head -1 "$F" 2>/dev/null)"
# columns: 1 flow, 9 sent, 10 received, 11 lost, 18 path, 19 proto, 21 family
for f in u6/tv/down u6/tv/up u46/tv/down u46/tv/up; do
    line=$(grep "^$f," "$F" 2>/dev/null)
    [ -n "$line" ] || { no "$f: no row"; continue; }
    want=ipv4; case $f in u6/*) want=ipv6 ;; esac
    fam=$(echo "$line" | cut -d, -f21); proto=$(echo "$line" | cut -d, -f19)
    sent=$(echo "$line" | cut -d, -f9); recv=$(echo "$line" | cut -d, -f10)
    path=$(echo "$line" | cut -d, -f18)
    echo "  $f: family $fam, sent $sent, received $recv, path $path"
    [ "$fam" = $want ] && [ "$proto" = udp ] && ok "$f is $want (udp)" || no "$f: family '$fam' proto '$proto'"
    [ "$sent" -gt 500 ] && [ "$recv" = "$sent" ] && ok "$f: all $sent datagrams received" \
        || no "$f: sent $sent, received $recv"
    case "$path" in *"dom0 box1"*) ok "$f: path through box1's dom0" ;; *) no "$f: path '$path'" ;; esac
done
if command -v python3 >/dev/null 2>&1; then
    n6=$(python3 - "$T/run/user-u6.pcap" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
le = d[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1')
e = '<' if le else '>'
lt = struct.unpack(e + 'I', d[20:24])[0]
o, n = 24, 0
while o + 16 <= len(d):
    cap = struct.unpack(e + 'I', d[o + 8:o + 12])[0]
    fr = d[o + 16:o + 16 + cap]
    if lt == 113 and len(fr) >= 56 and fr[14:16] == b'\x86\xdd' and fr[16 + 6] == 17:
        n += 1
    o += 16 + cap
print(n if lt == 113 else -lt)
PY
)
    [ "${n6:-0}" -gt 1000 ] && ok "user u6's capture: $n6 IPv6 UDP frames (Linux cooked, 0x86dd)" \
        || no "user u6's capture: '$n6' IPv6 UDP frames"
else
    echo "  (no python3: the pcap's IPv6 frames not counted)"
fi
left=$(ls /run/netns 2>/dev/null | grep -c "^$P-"); links=$(ip -o link | grep -c "$P-")
[ "$left" = 0 ] && [ "$links" = 0 ] && ok "nothing of $P left" || no "$left namespaces, $links links of $P left"
"$MNETSIM" emu --cleanup $P >/dev/null 2>&1

P=$(run_prefix 28661)
if command -v python3 >/dev/null 2>&1; then
    "$MNETSIM" emu "$SRC/tests/emu/data/emu-ipv6-planes.xml" --traffic continuous --duration 3s --out "$T/planes" \
        --prefix $P >"$T/out" 2>&1; rc=$?
    [ $rc = 0 ] && ok "emu-ipv6-planes: run exits 0" || { no "emu-ipv6-planes: rc=$rc"; cat "$T/out"; }
    python3 - "$T/planes" >"$T/py" 2>&1 <<'PY'; prc=$?
import csv, json, struct, sys
D = sys.argv[1]
rows = list(csv.DictReader(open(D + '/flows.csv')))
num = {r['flow']: k for k, r in enumerate(rows)}   # flows are numbered in flows.csv order
R = {r['flow']: r for r in rows}
def res(good, what):
    print(('ok: ' if good else 'FAIL: ') + what)

def first(path, flow):
    """seq -> first capture time of flow's datagrams (IPv4 or IPv6 UDP, our header)"""
    d = open(path, 'rb').read()
    lt = struct.unpack('<I', d[20:24])[0]
    lh, eto = {1: (14, 12), 113: (16, 14), 276: (20, 0)}[lt]
    t, n, o = {}, 0, 24
    while o + 16 <= len(d):
        s, ns, cl, _ = struct.unpack('<IIII', d[o:o + 16]); o += 16
        f = d[o:o + cl]; o += cl
        et = f[eto:eto + 2]
        if et == b'\x86\xdd' and len(f) >= lh + 48 + 16 and f[lh + 6] == 17:
            pl = f[lh + 48:]
        elif et == b'\x08\x00' and len(f) >= lh + 28 and f[lh + 9] == 17:
            pl = f[lh + (f[lh] & 15) * 4 + 8:]
        else:
            continue
        if pl[:4] == b'MNTF' and struct.unpack('>I', pl[4:8])[0] == flow:
            n += 1
            t.setdefault(struct.unpack('>Q', pl[8:16])[0], s + ns / 1e9)
    return t, n

# the vAP classes: 10% of the air each
for f, fam, frame in (('u6c/bulk/down', 'ipv6', 1262), ('u6c/bulk/up', 'ipv6', 1262),
                      ('u4c/bulk/down', 'ipv4', 1242), ('u4c/bulk/up', 'ipv4', 1242)):
    r = R.get(f)
    if not r:
        res(False, f + ': no row'); continue
    cls = 0.1 * float(r['radio_bps'])
    want = cls * 1200 / frame
    thr, sent, recv = float(r['throughput_bps']), int(r['sent']), int(r['received'])
    x = thr / want
    res(r['family'] == fam, '%s is %s' % (f, r['family']))
    res(0.9 <= x <= 1.1, '%s: %.0f bit/s = %.3f x its class %.0f bit/s x 1200/%d' % (f, thr, x, cls, frame))
    res(sent > 2000 and recv * 10 <= sent * 6, '%s: capped, %d of %d received' % (f, recv, sent))
# plane domu
for f in ('u6d/tv/down', 'u6d/tv/up'):
    r = R.get(f)
    if not r:
        res(False, f + ': no row'); continue
    sent, recv = int(r['sent']), int(r['received'])
    res(r['family'] == 'ipv6', '%s is %s' % (f, r['family']))
    res('vap domv6' in r['path'], '%s forwarded by domv6\'s namespace: %s' % (f, r['path']))
    res(sent > 600 and recv * 100 >= sent * 99, '%s: %d of %d received' % (f, recv, sent))
    t, n = first(D + '/inst-domv6.pcap', num[f])
    res(n >= 2 * recv, '%s: %d datagrams in inst-domv6.pcap for %d received (in and out)' % (f, n, recv))
# the virtual network
for f, chain, notin in (('u6v/call/up', ['router', 'fw', 'pbx'], None),
                        ('u6v/vtv/down', ['fw', 'router'], 'pbx')):
    r = R.get(f)
    if not r:
        res(False, f + ': no row'); continue
    sent, recv = int(r['sent']), int(r['received'])
    res(r['family'] == 'ipv6', '%s is %s' % (f, r['family']))
    res(all('vm ' + v in r['path'] for v in chain) and (notin is None or 'vm ' + notin not in r['path']),
        '%s: path %s' % (f, r['path']))
    res(sent > 300 and recv * 100 >= sent * 99, '%s: %d of %d received' % (f, recv, sent))
    ts = [first('%s/inst-%s.pcap' % (D, v), num[f])[0] for v in chain]
    common = set(ts[0]).intersection(*ts[1:])
    good = sum(1 for q in common if all(ts[i][q] < ts[i + 1][q] for i in range(len(ts) - 1)))
    res(len(common) > 300 and good == len(common),
        '%s: %d datagrams seen at %s, %d in that order' % (f, len(common), ' -> '.join(chain), good))
S = json.load(open(D + '/summary.json'))
bad = [l for l in S['not_emulated'] if 'IPv6' in l or 'domu' in l or 'virtual network' in l]
res(not bad, 'not_emulated: nothing about IPv6, plane domu or virtual networks %s' % bad)
PY
    sed 's/^/  /' "$T/py"
    [ $prc = 0 ] || no "emu-ipv6-planes: the checks' script failed (rc=$prc)"
    grep -q '^FAIL' "$T/py" && fail=1
    grep -q '^ok' "$T/py" || no "emu-ipv6-planes: the checks did not run"
    left=$(ls /run/netns 2>/dev/null | grep -c "^$P-"); links=$(ip -o link | grep -c "$P-")
    [ "$left" = 0 ] && [ "$links" = 0 ] && ok "nothing of $P left" || no "$left namespaces, $links links of $P left"
    "$MNETSIM" emu --cleanup $P >/dev/null 2>&1
else
    echo "  (no python3: emu-ipv6-planes not checked)"
fi
rm -rf "$T"
[ $fail = 0 ] && echo PASSED || echo FAILED
exit $fail
