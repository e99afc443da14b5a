#!/bin/sh
# emu_ref_ip.sh - the reference for the emulator's build speed (tests/bench/emu.sh):
# builds and tears down N network namespaces with iproute2's `ip`, one command
# at a time, as a shell script would: a bridge in a namespace of its own, and
# per instance a namespace, a veth created with each end directly in its
# namespace, the bridge end enslaved and up, an IPv4 address and the
# instance's end and lo up; then every namespace deleted (their links go with
# them). mnetsim itself never runs `ip` or a shell: this is only the yardstick.
#
# usage: tests/bench/emu_ref_ip.sh N [--prefix P]
#   N          instances (namespaces besides the bridge's), 1 to 60000
#   --prefix P names start with P (default: mr + 6 random hex digits + "-";
#              9 bytes, so every name fits IFNAMSIZ)
# Prints one line: ref_ip n=N namespaces=N+1 build_s=B teardown_s=T total_s=B+T
# (teardown: until the last `ip netns del` returns; the kernel frees the
# namespaces asynchronously after that, as it does for mnetsim's).
# A trap removes whatever the prefix left on exit, INT and TERM.
# Exit status: 0 done, 1 a command failed, 2 usage or not root.
set -eu
usage() { echo "usage: tests/bench/emu_ref_ip.sh N [--prefix P]" >&2; exit 2; }
[ $# -ge 1 ] || usage
n=$1; shift
case "$n" in '' | *[!0-9]*) usage ;; esac
[ "$n" -ge 1 ] && [ "$n" -le 60000 ] || usage
P=""
while [ $# -gt 0 ]; do
    case "$1" in
    --prefix) [ $# -ge 2 ] || usage; P=$2; shift 2 ;;
    *) usage ;;
    esac
done
[ -n "$P" ] || P="mr$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')-"
case "$P" in *[!A-Za-z0-9-]* | ?????????????*) echo "emu_ref_ip.sh: bad prefix \"$P\"" >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "emu_ref_ip.sh: needs root (network namespaces)" >&2; exit 2; }

cleanup() {
    ip netns list 2>/dev/null | awk -v p="$P" 'index($1, p) == 1 {print $1}' |
        while read -r ns; do ip netns del "$ns" 2>/dev/null || :; done
}
trap 'cleanup' EXIT
trap 'cleanup; trap - EXIT; exit 1' INT TERM

now() { date +%s.%N; }
t0=$(now)
br="${P}br"
ip netns add "$br"
ip -n "$br" link set lo up
ip -n "$br" link add "$br" type bridge
ip -n "$br" link set "$br" up
i=1
while [ "$i" -le "$n" ]; do
    ns="${P}i$i"
    ip netns add "$ns"
    ip -n "$br" link add "${P}p$i" type veth peer name "${P}e$i" netns "$ns"
    ip -n "$br" link set "${P}p$i" master "$br" up
    ip -n "$ns" addr add "10.250.$((i / 256)).$((i % 256))/16" dev "${P}e$i"
    ip -n "$ns" link set "${P}e$i" up
    ip -n "$ns" link set lo up
    i=$((i + 1))
done
t1=$(now)
ip netns del "$br"
i=1
while [ "$i" -le "$n" ]; do
    ip netns del "${P}i$i"
    i=$((i + 1))
done
t2=$(now)
awk -v n="$n" -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {
    printf "ref_ip n=%d namespaces=%d build_s=%.3f teardown_s=%.3f total_s=%.3f\n", n, n + 1, b - a, c - b, c - a }'
