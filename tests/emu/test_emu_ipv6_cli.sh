#!/bin/sh
# mnetsim emu's address family (CTest label netns): on tests/emu/data/emu-ipv6.xml
# u6 (stacks="ipv6") and u46 (dual stack) stream 2 Mbit/s to and from the server
# beyond box1's uplink. Checks: flows.csv's last column "family" (appended after
# proto and reordered, which keep their places), u6's flows are ipv6 and received
# fully with a path through box1's dom0 (the captures find our header in IPv6
# packets: Linux cooked at the user's "any", Ethernet at the uplink), u46's stay
# ipv4 and are received fully too, the user's capture holds IPv6 frames (cooked
# protocol 0x86dd; with python3 only), and nothing of the run is left. Needs
# root: exits 77 (SKIPPED) with the reason otherwise. Uses `ip` only to LOOK.
: "${SRC:?set SRC to the source tree}"
. "$SRC/tests/emu/cli_common.sh"

P=$(run_prefix 28657)
"$MNETSIM" emu "$SRC/tests/emu/data/emu-ipv6.xml" --duration 3s --out "$T/run" --prefix $P \
    >"$T/out" 2>&1; rc=$?
[ $rc = 0 ] && ok "run exits 0" || { no "run: rc=$rc"; cat "$T/out"; }
F="$T/run/flows.csv"
head -1 "$F" 2>/dev/null | grep -q ',radio_bps,path,proto,reordered,family$' \
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
rm -rf "$T"
[ $fail = 0 ] && echo PASSED || echo FAILED
exit $fail
