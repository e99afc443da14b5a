#!/bin/sh
# setup.sh - installs what mnetsim needs to build and test, from Debian's
# packages. Idempotent: installs only what is missing, and does nothing (not
# even apt-get update) when everything is there. Works as root, or as a user
# with sudo.
#
#   scripts/setup.sh            build and test dependencies, OpenMPI (the sweeps'
#                               cluster runner, tested in CI), gnuplot (mnetsim report) and
#                               Mininet's Python library (the export test builds the Topo;
#                               without recommends: no Open vSwitch, no service started)
#   scripts/setup.sh --with-mpi the same (kept for old instructions: MPI is now a default)
set -eu

PKGS="build-essential cmake pkg-config libev-dev libgsl-dev libigraph-dev libxml2-dev
libnl-3-dev libnl-route-3-dev libpcap-dev libcunit1-dev clang libclang-rt-14-dev
libopenmpi-dev openmpi-bin gnuplot-nox mininet"
case "${1:-}" in
--with-mpi) ;;
"") ;;
*)
    echo "usage: scripts/setup.sh [--with-mpi]" >&2
    exit 2
    ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "setup.sh: this script needs Debian's dpkg and apt-get; install by hand: $PKGS" >&2
    exit 1
fi

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -z "$missing" ]; then
    echo "setup.sh: all dependencies are installed"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
else
    echo "setup.sh: need root or sudo to install:$missing" >&2
    exit 1
fi
echo "setup.sh: installing:$missing"
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
