#!/bin/sh
# mnetsim emu --part (CTest label netns): on tests/emu/data/emu-part.xml
# (1018 namespaces, more than the 1000 the emulator builds):
#  - refused without --part, naming the count and --part; bad specs refused with
#    one line naming the id and its kind (exit 2); a part still too big refused
#    with its own count (site=S3: 1007);
#  - --part box=b1,b2 (--keep): exactly the part's 13 namespaces exist under the
#    run prefix (b1 b2 dom0s, v1 v2 mv, u1 u2 u3, nodes n1 n2 core cdn, the
#    Internet), names.csv lists exactly those ids and none of b3, far-*,
#    crowd-*, pbx, n3, lonely; the S1-S2 tunnel only;
#  - traffic of kept users flows: u1's tv and video (to the cdn node, through
#    core) and u2's tv streams receive > 0; no flow for voice (its VM pbx is
#    outside), which summary.json's part reports;
#  - summary.json "part": the spec, counts kept and dropped; "simulated" ran the
#    same part (its users.csv: the 3 users) and "comparison.users" has u1 u2 u3
#    only; --cleanup PREFIX removes what --keep left.
# Needs root: exits 77 (SKIPPED) with the reason otherwise. Uses `ip` only to LOOK.
: "${SRC:?set SRC to the source tree}"
. "$SRC/tests/emu/cli_common.sh"
need_python "the JSON checks"
SCN="$SRC/tests/emu/data/emu-part.xml"

P=$(run_prefix 4099)

# 1. the whole scenario: refused, with the count and the way out
out=$("$MNETSIM" emu "$SCN" --prefix $P 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "1018 network namespaces needed" && echo "$out" | grep -q -- "--part" \
    && ok "the whole scenario refused: $out" || no "whole scenario: rc=$rc $out"

# 2. bad specs: exit 2, one line naming the id and the kind
check_bad() { # spec, words
    out=$("$MNETSIM" emu "$SCN" --prefix $P --part "$1" 2>&1); rc=$?
    lines=$(printf '%s\n' "$out" | wc -l)
    [ $rc = 2 ] && [ "$lines" = 1 ] && echo "$out" | grep -qF -- "$2" && ok "--part $1: $out" \
        || no "--part $1: rc=$rc lines=$lines: $out"
}
check_bad box=zz 'has no box "zz"; box= takes box ids'
check_bad site=zz 'has no site "zz"; site= takes site ids'
check_bad box=S1 '"S1" is a site, not a box; write site=S1'
check_bad site=b1 '"b1" is a box, not a site; write box=b1'
check_bad box=core '"core" is a topology node, not a box'
check_bad boxes=b1 'write box=ID[,ID...] or site=ID[,ID...]'
check_bad 'box=b1,,b2' 'an empty box id'
check_bad site=S3 'the part needs 1007 network namespaces'
[ "$(ls /run/netns 2>/dev/null | grep -c "^$P-")" = 0 ] && ok "nothing built for a refused part" \
    || no "a refused part left namespaces"

# 3. the part of two boxes, kept for inspection
"$MNETSIM" emu "$SCN" --part box=b1,b2 --traffic continuous --duration 3s --out "$T/run" --prefix $P --keep \
    >"$T/out" 2>&1; rc=$?
[ $rc = 0 ] && ok "--part box=b1,b2 runs" || { no "part run: rc=$rc"; cat "$T/out"; }
grep -q "part box=b1,b2: 2 of 303 boxes, 3 of 305 instances, 3 of 403 users, 4 of 6 topology nodes: 13 namespaces (the whole scenario: 1018)" "$T/out" \
    && ok "the part's counts on stderr" || { no "no part line"; cat "$T/out"; }
built=$(ls /run/netns 2>/dev/null | grep -c "^$P-")
[ "$built" = 13 ] && ok "13 namespaces of $P exist (the part)" || no "$built namespaces of $P, not 13"
N="$T/run/names.csv"
ids=$(tail -n +2 "$N" | grep -v '^vxlan,' | cut -d, -f1,2 | sort | tr '\n' ' ')
want="box,b1 box,b2 node,(internet) node,cdn node,core node,n1 node,n2 radio,r1 radio,r2 user,u1 user,u2 user,u3 vap,mv vap,v1 vap,v2 "
[ "$ids" = "$want" ] && ok "names.csv holds exactly the part" || no "names.csv: '$ids' != '$want'"
[ "$(tail -n +2 "$N" | grep -v '^vxlan,\|^radio,' | cut -d, -f3 | sort -u | wc -l)" = 13 ] \
    && ok "names.csv: 13 namespaces" || no "names.csv namespaces"
for gone in b3 far-0 far-299 crowd-0 pbx n3 lonely v3; do
    cut -d, -f2 "$N" | grep -qx "$gone" && no "names.csv has $gone"
done
[ "$(grep -c '^vxlan,' "$N")" = 1 ] && grep -q '^vxlan,b1<->b2,' "$N" && ok "one tunnel: b1<->b2 (S1-S2)" \
    || no "tunnels: $(grep '^vxlan,' "$N")"
F="$T/run/flows.csv"
for f in u1/tv/down u1/video/down u2/tv/down; do
    rx=$(grep "^$f," "$F" | cut -d, -f10)
    [ -n "$rx" ] && [ "$rx" -gt 0 ] && ok "$f received $rx datagrams" || no "$f received '$rx'"
done
grep "^u1/video/down," "$F" | grep -q "dom0 b1" && ok "u1's video crossed b1's dom0 to the cdn node" \
    || no "u1/video path: $(grep "^u1/video/down," "$F")"
grep -q "voice" "$F" && no "a voice flow (its VM is outside the part)" || ok "no voice flow"
python3 - "$T/run" <<'EOF' && ok "summary.json: the part, and the simulator on the same part" || no "summary.json part"
import json, sys
d = sys.argv[1]
S = json.load(open(d + '/summary.json'))
p = S['part']
assert p['spec'] == 'box=b1,b2', p
assert p['kept']['boxes'] == 2 and p['dropped']['boxes'] == 301, p
assert p['kept']['instances'] == 3 and p['dropped']['instances'] == 302, p
assert p['kept']['users'] == 3 and p['dropped']['users'] == 400, p
assert p['kept']['nodes'] == 4 and p['dropped']['links'] == 2, p
assert p['namespaces_full'] == 1018 and S['namespaces'] == 13, (p, S['namespaces'])
assert any('service voice ends at VM pbx' in x for x in p['needed_outside']), p
sim = S['simulated']
assert sim and 'error' not in sim and sim['part'] == 'box=b1,b2', sim
users = sorted(u['user'] for u in S['comparison']['users'])
assert users == ['u1', 'u2', 'u3'], users
rows = open(d + '/sim/users.csv').read().split('\n')[1:]
assert sorted(r.split(',')[0] for r in rows if r) == ['u1', 'u2', 'u3'], rows
for u in S['comparison']['users']:
    print('  %s: emulated %.0f bit/s, simulated %s' % (u['user'], u['emulated_bps'], u['simulated_mean_bps']))
EOF
out=$("$MNETSIM" emu --cleanup $P 2>&1)
left=$(ls /run/netns 2>/dev/null | grep -c "^$P-"); links=$(ip -o link | grep -c "$P-")
[ "$left" = 0 ] && [ "$links" = 0 ] && ok "--cleanup $P: $out" || no "$left namespaces, $links links of $P left"
rm -rf "$T"
[ $fail = 0 ] && echo PASSED || echo FAILED
exit $fail
