# cli_common.sh - the start every emulation CLI test shares, sourced after
# the test's own header: MNETSIM and SRC must be set; ok/no print a check and
# no sets $fail; the test is SKIPPED (exit 77, with the reason) unless it runs
# as root where network namespaces can be made (probed with `ip`, which the
# tests use only to look); need_python REASON skips without python3; $T is
# a fresh temporary directory (made after the skips); run_prefix SALT gives
# a run prefix (mn + 6 hex digits) from the pid and the test's own salt, so
# tests running one after another never share one.
set -u
: "${MNETSIM:?set MNETSIM to the mnetsim binary}"
: "${SRC:?set SRC to the source tree}"
fail=0
no() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }
skip() { echo "SKIPPED: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "not root (network namespaces need root)"
if ! command -v ip >/dev/null 2>&1 || ! ip netns add mnt-probe-$$ 2>/dev/null; then
    skip "cannot create network namespaces here (or no ip to inspect)"
fi
ip netns del mnt-probe-$$
need_python() { command -v python3 >/dev/null 2>&1 || skip "no python3 ($1)"; }
run_prefix() { echo "mn$(printf '%06x' $((($$ * 7919 + $1) % 16777216)))"; }
T=$(mktemp -d)
