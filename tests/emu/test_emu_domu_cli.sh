#!/bin/sh
# mnetsim emu with plane separation switched per vAP (CTest label netns;
# docs/emulation.md "Plane separation"):
#  - tests/emu/data/emu-domu.xml: one radio, vap1 plane="dom0" and vap2
#    plane="domu", a 2 Mbit/s stream each way per user: u2's datagrams (both
#    directions) are seen in vap2's own namespace, twice each (in from dom0
#    and back), u1's never in vap1's; every datagram arrives; summary.json's
#    not_emulated no longer lists plane domu; nothing left;
#  - tests/emu/data/emu-domu-follow.xml: the domu vAP migrated by
#    follow-the-user (box1 -> box2): its namespace still forwards the stream
#    after the migration (datagrams in its capture after the re-plumbing's
#    wall time), >= 95% received, the path through both dom0s.
# Needs root: exits 77 (SKIPPED) with the reason otherwise. Uses `ip` only to LOOK.
: "${SRC:?set SRC to the source tree}"
. "$SRC/tests/emu/cli_common.sh"
need_python "the pcap and JSON checks"

# Datagrams of flow FLOW (our header: magic MNTF, flow, seq) in a pcap, and how many
# after wall time AFTER (0: all); one line "total after".
count() {
    python3 - "$1" "$2" "$3" <<'PY'
import struct, sys
path, flow, after = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
d = open(path, 'rb').read()
lt = struct.unpack('<I', d[20:24])[0]
lh, eto = {1: (14, 12), 113: (16, 14), 276: (20, 0)}[lt]
n = m = 0
o = 24
while o + 16 <= len(d):
    s, ns, cl, _ = struct.unpack('<IIII', d[o:o + 16]); o += 16
    f = d[o:o + cl]; o += cl
    if len(f) < lh + 28 or f[eto:eto + 2] != b'\x08\x00' or f[lh + 9] != 17:
        continue
    pl = f[lh + (f[lh] & 15) * 4 + 8:]
    if pl[:4] == b'MNTF' and struct.unpack('>I', pl[4:8])[0] == flow:
        n += 1
        m += s + ns / 1e9 > after
print(n, m)
PY
}

P=$(run_prefix 4099)
"$MNETSIM" emu "$SRC/tests/emu/data/emu-domu.xml" --traffic continuous --duration 3s --out "$T/a" --prefix $P >"$T/out" 2>&1; rc=$?
[ $rc = 0 ] && ok "emu-domu: run exits 0" || { no "emu-domu: rc=$rc"; cat "$T/out"; }
F="$T/a/flows.csv"
for fl in u1/call/down u1/call/up u2/call/down u2/call/up; do
    line=$(grep "^$fl," "$F" 2>/dev/null)
    [ -n "$line" ] || { no "$fl: not in flows.csv"; continue; }
    sent=$(echo "$line" | cut -d, -f9); recv=$(echo "$line" | cut -d, -f10); path=$(echo "$line" | cut -d, -f18)
    [ "$sent" -gt 600 ] && [ $((recv * 100)) -ge $((sent * 99)) ] \
        && ok "$fl: $recv of $sent received" || no "$fl: $recv of $sent received"
    case $fl in
    u1/*) echo "$path" | grep -q 'vap vap1' && no "$fl: seen in vap1's namespace (plane dom0): $path" \
              || ok "$fl: not in vap1's namespace (dom0 forwards): $path" ;;
    u2/*) echo "$path" | grep -q 'vap vap2' && ok "$fl: forwarded by vap2's namespace: $path" \
              || no "$fl: not seen in vap2's namespace: $path" ;;
    esac
done
# flows are numbered in flows.csv order: 2 and 3 are u2's; each crosses vap2 twice (in, out)
for k in 2 3; do
    recv=$(sed -n "$((k + 2))p" "$F" | cut -d, -f10)
    set -- $(count "$T/a/inst-vap2.pcap" $k 0)
    [ "$1" -ge $((2 * recv)) ] && ok "flow $k: $1 datagrams in inst-vap2.pcap for $recv received (in and out)" \
        || no "flow $k: $1 datagrams in inst-vap2.pcap for $recv received"
done
set -- $(count "$T/a/inst-vap1.pcap" 0 0); a=$1
set -- $(count "$T/a/inst-vap1.pcap" 1 0)
[ "$a" = 0 ] && [ "$1" = 0 ] && ok "inst-vap1.pcap: none of u1's datagrams" || no "inst-vap1.pcap holds $a + $1 of u1's datagrams"
python3 - "$T/a/summary.json" <<'PY' && ok "not_emulated: nothing about plane domu" || no "not_emulated still lists plane domu"
import json, sys
S = json.load(open(sys.argv[1]))
assert not [l for l in S['not_emulated'] if 'domu' in l or 'plane' in l], S['not_emulated']
PY
left=$(ls /run/netns 2>/dev/null | grep -c "^$P-"); links=$(ip -o link | grep -c "$P-")
[ "$left" = 0 ] && [ "$links" = 0 ] && ok "nothing of $P left" || no "$left namespaces, $links links of $P left"
"$MNETSIM" emu --cleanup $P >/dev/null 2>&1

P=$(run_prefix 8209)
"$MNETSIM" emu "$SRC/tests/emu/data/emu-domu-follow.xml" --traffic continuous --duration 6s --out "$T/f" --prefix $P >"$T/out" 2>&1; rc=$?
[ $rc = 0 ] && ok "emu-domu-follow: run exits 0" || { no "emu-domu-follow: rc=$rc"; cat "$T/out"; }
row=$(grep ',policy,migrate,vap1,box1,box2,done,' "$T/f/policy.csv" 2>/dev/null | head -1)
if [ -n "$row" ]; then
    wall=$(echo "$row" | cut -d, -f2)
    ok "follow-the-user migrated the domu vAP vap1 box1 -> box2 at wall $wall"
    line=$(sed -n 2p "$T/f/flows.csv")
    sent=$(echo "$line" | cut -d, -f9); recv=$(echo "$line" | cut -d, -f10); path=$(echo "$line" | cut -d, -f18)
    echo "$path" | grep -q 'dom0 box1;dom0 box2' && echo "$path" | grep -q 'vap vap1' \
        && ok "path: $path" || no "path: $path"
    [ "$sent" -gt 1000 ] && [ $((recv * 100)) -ge $((sent * 95)) ] \
        && ok "$recv of $sent received across the migration" || no "received $recv of $sent"
    # after the re-plumbing, 2 Mbit/s of 1000-byte datagrams for the ~3 s left: 750, each twice
    set -- $(count "$T/f/inst-vap1.pcap" 0 "$wall")
    [ "$2" -gt 1000 ] && ok "vap1's namespace forwarded $2 datagram crossings after the migration (of $1)" \
        || no "vap1's namespace: $2 datagram crossings after the migration (of $1)"
else
    no "no migration of vap1 in policy.csv"; cat "$T/f/policy.csv" 2>/dev/null
fi
left=$(ls /run/netns 2>/dev/null | grep -c "^$P-")
[ "$left" = 0 ] && ok "nothing of $P left" || no "$left namespaces of $P left"
"$MNETSIM" emu --cleanup $P >/dev/null 2>&1
rm -rf "$T"
[ $fail = 0 ] && echo "PASS" || echo "FAILED"
exit $fail
