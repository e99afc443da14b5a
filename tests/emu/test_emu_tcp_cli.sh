#!/bin/sh
# mnetsim emu's TCP bulk flows (CTest label netns): on tests/emu/data/emu-tcp.xml
# a transfer service becomes one TCP connection from the server beyond box1's
# 10 Mbit/s uplink (tbf) to u1 for the whole run. Checks: flows.csv's last
# column "proto" is tcp (the columns before it where they were), the goodput
# (bytes read by the receiver over its first-to-last-read span) is within
# [0.85, 1.02] x 10 Mbit/s (TCP payload 1448 of 1514 bytes on the wire: ~0.956),
# everything written was read, the capture saw its segments at box1's dom0,
# and nothing of the run is left. Needs root: exits 77 (SKIPPED) with the
# reason otherwise. Uses `ip` only to LOOK.
: "${SRC:?set SRC to the source tree}"
. "$SRC/tests/emu/cli_common.sh"

P=$(run_prefix 12289)
"$MNETSIM" emu "$SRC/tests/emu/data/emu-tcp.xml" --traffic continuous --duration 4s --out "$T/run" --prefix $P \
    >"$T/out" 2>&1; rc=$?
[ $rc = 0 ] && ok "run exits 0" || { no "run: rc=$rc"; cat "$T/out"; }
F="$T/run/flows.csv"
head -1 "$F" 2>/dev/null | grep -q ',radio_bps,path,proto\(,.*\)\{0,1\}$' && ok "flows.csv: proto appended after path" \
    || no "header: $(head -1 "$F" 2>/dev/null)"
line=$(sed -n 2p "$F" 2>/dev/null)
proto=$(echo "$line" | cut -d, -f19); kind=$(echo "$line" | cut -d, -f5)
[ "$proto" = tcp ] && [ "$kind" = bulk ] && ok "the transfer is a TCP bulk flow" || no "proto '$proto' kind '$kind': $line"
sent=$(echo "$line" | cut -d, -f9); recv=$(echo "$line" | cut -d, -f10); thr=$(echo "$line" | cut -d, -f13)
awk -v t="$thr" 'BEGIN { r = t / 10e6; printf "goodput %.0f bit/s = %.3f x the 10 Mbit/s tbf\n", t, r;
                         exit !(r >= 0.85 && r <= 1.02) }' \
    && ok "TCP goodput within [0.85, 1.02] of the shaped rate" || no "goodput $thr bit/s"
[ "$sent" -gt 1000000 ] && [ "$recv" = "$sent" ] && ok "all $sent bytes written were read" \
    || no "sent $sent, received $recv"
echo "$line" | grep -q 'dom0 box1' && ok "the capture saw the connection's segments at box1's dom0" \
    || no "path: $line"
grep -q '"simulated": {' "$T/run/summary.json" && ok "summary.json has the simulator's figures too" \
    || no "no simulated figures"
left=$(ls /run/netns 2>/dev/null | grep -c "^$P-"); links=$(ip -o link | grep -c "$P-")
[ "$left" = 0 ] && [ "$links" = 0 ] && ok "nothing of $P left" || no "$left namespaces, $links links of $P left"
"$MNETSIM" emu --cleanup $P >/dev/null 2>&1
rm -rf "$T"
[ $fail = 0 ] && echo PASSED || echo FAILED
exit $fail
