#!/bin/sh
# mnetsim emu end to end on real namespaces (CTest label netns). Needs root:
# exits 77 (SKIPPED) with the reason otherwise. Uses `ip` to LOOK (tests only;
# the product never runs it). Checks: the "needs root" error, namespaces and
# links named with the prefix while running (names <= 15 bytes, nothing in the
# host namespace), the shaped rate (UDP at 2x the uplink's tbf rate gets
# 0.9-1.05 of it), the pcap files, the path, removal after a normal exit,
# SIGINT and SIGTERM, --cleanup after kill -9, an unrelated namespace and veth
# left untouched, and the 1000-namespace limit.
set -u
: "${MNETSIM:?set MNETSIM to the mnetsim binary}"
: "${SRC:?set SRC to the source tree}"
SCN="$SRC/tests/emu/data/emu-small.xml"
T=$(mktemp -d)
fail=0
no() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }

# not root -> exit 2 with the message (as nobody, when we are root)
if [ "$(id -u)" != 0 ]; then
    out=$("$MNETSIM" emu "$SCN" 2>&1); rc=$?
    [ $rc = 2 ] && echo "$out" | grep -q "emulation needs root (network namespaces)" || no "non-root error: rc=$rc $out"
    echo "SKIPPED: not root (network namespaces need root)"; rm -rf "$T"; exit 77
fi
if ! command -v ip >/dev/null 2>&1; then
    echo "SKIPPED: iproute2's ip (used by this test to inspect) is missing"; exit 77
fi
if ! ip netns add mnt-probe-$$ 2>/dev/null; then
    echo "SKIPPED: cannot create network namespaces here"; exit 77
fi
ip netns del mnt-probe-$$
if command -v setpriv >/dev/null 2>&1; then
    out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$MNETSIM" emu "$SCN" 2>&1); rc=$?
    [ $rc = 2 ] && echo "$out" | grep -q "emulation needs root (network namespaces)" \
        && ok "non-root: exit 2, clear message" || no "non-root error: rc=$rc $out"
fi

# unrelated objects that must survive every run and every cleanup
KNS=keep-$$; KA=keepa$$; KB=keepb$$
ip netns add $KNS && ip link add $KA type veth peer name $KB || no "making unrelated objects"

P=mn$(printf '%06x' $(( ($$ * 7919) % 16777216 )))
count_ns() { ls /run/netns 2>/dev/null | grep -c "^$1-" ; }
wait_ns() { # wait until the run's namespaces are all there (6 for emu-small)
    i=0; while [ $i -lt 100 ]; do [ "$(count_ns $1)" -ge 6 ] && return 0; sleep 0.1; i=$((i+1)); done; return 1; }

# 1. a normal run
"$MNETSIM" emu "$SCN" --traffic continuous --duration 3s --out "$T/run" --prefix $P >"$T/out" 2>&1 &
pid=$!
if wait_ns $P; then
    sleep 0.5
    ok "namespaces while running: $(ls /run/netns | grep "^$P-" | tr '\n' ' ')"
    long=0; bad=0
    for ns in $(ls /run/netns | grep "^$P-"); do
        [ ${#ns} -le 15 ] || long=1
        for l in $(ip -n $ns -o link | awk -F': ' '{print $2}' | cut -d@ -f1); do
            [ "$l" = lo ] && continue
            [ ${#l} -le 15 ] || long=1
            case $l in $P-*) ;; *) bad=1; echo "  unprefixed link $l in $ns";; esac
            case $l in *-eth[0-9]*) bad=1; echo "  Mininet-style name $l";; esac
        done
    done
    [ $long = 0 ] && ok "names fit IFNAMSIZ" || no "a name longer than 15 bytes"
    [ $bad = 0 ] && ok "every link carries the prefix" || no "a link without the prefix"
    ip -n $P-d0 -o link | grep -q "$P-lan" && ok "box bridge $P-lan in $P-d0" || no "no bridge in dom0"
    ip -n $P-d0 -d link show $P-lan | grep -q bridge || no "$P-lan is not a bridge"
    ip -o link | grep -q "$P-" && no "a prefixed link in the host namespace" || ok "host namespace untouched"
    tc -n $P-d0 qdisc show dev $P-up 2>/dev/null | grep -q tbf && ok "tbf on the uplink" || no "no tbf on $P-up"
else
    no "namespaces $P-* never appeared"; cat "$T/out"
fi
wait $pid; rc=$?
[ $rc = 0 ] && ok "run exit 0" || { no "run exit $rc"; cat "$T/out"; }
[ "$(count_ns $P)" = 0 ] && ok "namespaces removed after exit" || no "namespaces left after exit"
if [ -f "$T/run/flows.csv" ]; then
    # payload rate expected through a 10 Mbit/s tbf: 10e6 * 1200 / (1200 + 8 + 20 + 14)
    awk -F, 'NR == 2 { want = 10e6 * 1200 / 1242; r = $13 / want;
                       printf "throughput %.0f bit/s = %.3f of the shaped rate; path %s\n", $13, r, $18;
                       exit !(r >= 0.9 && r <= 1.05) }' "$T/run/flows.csv" \
        && ok "UDP at 2x the tbf rate gets 0.9-1.05 of it" || no "shaped rate out of tolerance"
    grep -q "dom0 box1" "$T/run/flows.csv" && ok "path: through box1's dom0" || no "path not seen"
    grep -q '"mode": "emulation"' "$T/run/summary.json" && ok "summary.json" || no "summary.json"
else
    no "no flows.csv"
fi
magic=$(od -An -tx4 -N4 "$T/run/user-u1.pcap" 2>/dev/null | tr -d ' ')
[ "$magic" = a1b23c4d ] && ok "user-u1.pcap: nanosecond pcap" || no "pcap magic '$magic'"
if command -v tshark >/dev/null 2>&1; then
    n=$(tshark -r "$T/run/user-u1.pcap" -Y udp 2>/dev/null | wc -l)
    [ "$n" -gt 100 ] && ok "tshark reads $n UDP packets" || no "tshark read $n packets"
fi

# 2. SIGINT and SIGTERM remove everything
for sig in INT TERM; do
    "$MNETSIM" emu "$SCN" --traffic continuous --duration 30s --out "$T/sig" --prefix $P >"$T/out" 2>&1 &
    pid=$!
    wait_ns $P || no "SIG$sig run never started"
    sleep 0.3
    kill -$sig $pid; wait $pid; rc=$?
    [ $rc = 1 ] && [ "$(count_ns $P)" = 0 ] && ok "SIG$sig: exit 1, nothing left" \
        || { no "SIG$sig: rc=$rc, $(count_ns $P) namespaces left"; cat "$T/out"; }
done

# 3. kill -9 leaves objects; --cleanup PREFIX removes them
"$MNETSIM" emu "$SCN" --traffic continuous --duration 30s --out "$T/k9" --prefix $P >"$T/out" 2>&1 &
pid=$!
wait_ns $P || no "kill -9 run never started"
kill -9 $pid; wait $pid 2>/dev/null
[ "$(count_ns $P)" -gt 0 ] && ok "kill -9 left $(count_ns $P) namespaces" || no "nothing left after kill -9?"
"$MNETSIM" emu --cleanup $P >"$T/out" 2>&1 || no "cleanup failed: $(cat "$T/out")"
[ "$(count_ns $P)" = 0 ] && ok "--cleanup $P removed them" || no "--cleanup left $(count_ns $P)"
"$MNETSIM" emu --cleanup >/dev/null 2>&1 || no "--cleanup without a prefix failed"
"$MNETSIM" emu --cleanup notaprefix >/dev/null 2>&1; [ $? = 2 ] || no "bad prefix accepted"

# 4. the unrelated objects survived
[ -e /run/netns/$KNS ] && ok "unrelated namespace $KNS survived" || no "unrelated namespace deleted"
ip link show $KA >/dev/null 2>&1 && ip link show $KB >/dev/null 2>&1 \
    && ok "unrelated veth $KA survived" || no "unrelated veth deleted"
ip link del $KA 2>/dev/null; ip netns del $KNS 2>/dev/null

# 5. more than 1000 namespaces: refused, naming the count
{
    echo '<scenario name="big" seed="1" duration="1h"><topology><node id="n"/></topology><world><operator id="op"/>'
    echo '<box id="b" x="0m" y="0m" cpu="2GHz" memory="2GiB" uplink="1Gbps"><radio id="r" standard="ac"/>'
    echo '<vap id="v" radio="r" operator="op"/></box>'
    i=0; while [ $i -lt 1000 ]; do echo "<user id=\"u$i\" operator=\"op\" home=\"b\" distance=\"2m\"/>"; i=$((i+1)); done
    echo '</world></scenario>'
} >"$T/big.xml"
out=$("$MNETSIM" emu "$T/big.xml" 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "1004 network namespaces needed" && ok "1004 namespaces refused: $out" \
    || no "big scenario: rc=$rc $out"
[ "$(ls /run/netns 2>/dev/null | grep -c "^mn......-")" = 0 ] || echo "note: other runs' namespaces exist"
rm -rf "$T"
[ $fail = 0 ] && echo PASSED || echo FAILED
exit $fail
