#!/bin/sh
# mnetsim emu with the scenario's policies on the real-time clock (CTest label
# netns): tests/emu/data/emu-follow.xml, where u1 commutes from box1 to box2
# at 2-3 s. Checks: "nearest" placed vap1 on box1 (policy.csv), the
# follow-the-user tick migrated it to box2 during the run (policy.csv and
# summary.json's policies.migrations), the stream crossed both dom0s (the
# path column) and kept arriving after the migration (received close to sent),
# --time-scale is checked, and nothing of the run is left; then, on
# tests/emu/data/emu-agent.xml, the boxes' agent serves Carol in its seven steps. Needs root: exits
# 77 (SKIPPED) with the reason otherwise. Uses `ip` only to LOOK.
: "${SRC:?set SRC to the source tree}"
. "$SRC/tests/emu/cli_common.sh"
SCN="$SRC/tests/emu/data/emu-follow.xml"

out=$("$MNETSIM" emu "$SCN" --time-scale 0 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q -- "--time-scale needs" && ok "--time-scale 0 refused (exit 2)" \
    || no "--time-scale 0: rc=$rc $out"

P=$(run_prefix 17)
"$MNETSIM" emu "$SCN" --traffic continuous --duration 6s --out "$T/run" --prefix $P >"$T/out" 2>&1; rc=$?
[ $rc = 0 ] && ok "run exits 0" || { no "run: rc=$rc"; cat "$T/out"; }
L="$T/run/policy.csv"
if [ -f "$L" ]; then
    grep -q '^0.000,[0-9.]*,place,place,vap1,,box1,done' "$L" && ok "nearest placed vap1 on box1" \
        || { no "placement"; cat "$L"; }
    grep -q ',policy,migrate,vap1,box1,box2,done,' "$L" && ok "follow-the-user migrated vap1 to box2: $(grep migrate "$L" | cut -d, -f1,9)" \
        || { no "no migration in policy.csv"; cat "$L"; }
else
    no "no policy.csv"
fi
S="$T/run/summary.json"
grep -q '"migration": "follow-the-user"' "$S" && grep -q '"instance": "vap1", "from": "box1", "to": "box2"' "$S" \
    && ok "summary.json lists the migration" || { no "summary.json policies"; cat "$S"; }
F="$T/run/flows.csv"
line=$(sed -n 2p "$F")
echo "$line" | grep -q 'dom0 box1;dom0 box2' && ok "the stream crossed box1's then box2's dom0" \
    || no "path: $line"
sent=$(echo "$line" | cut -d, -f9); recv=$(echo "$line" | cut -d, -f10); gap=$(echo "$line" | cut -d, -f16)
[ "$sent" -gt 1000 ] && [ $((recv * 100)) -ge $((sent * 95)) ] \
    && ok "traffic resumed after the migration: $recv of $sent received, longest gap ${gap}s" \
    || no "received $recv of $sent"
left=$(ls /run/netns 2>/dev/null | grep -c "^$P-"); links=$(ip -o link | grep -c "$P-")
[ "$left" = 0 ] && [ "$links" = 0 ] && ok "nothing of $P left" || no "$left namespaces, $links links of $P left"
"$MNETSIM" emu --cleanup $P >/dev/null 2>&1

# the boxes' agents run in emulation too (the same agent.c): Carol, whom nothing serves at the
# cafe, gets her operator's on-demand vAP in the paper's seven steps, in order
P2=mn$(printf '%06x' $(( ($$ * 7919 + 4099) % 16777216 )))
"$MNETSIM" emu "$SRC/tests/emu/data/emu-agent.xml" --traffic continuous --duration 3s --time-scale 60 --out "$T/agent" \
    --prefix $P2 >"$T/aout" 2>&1; rc=$?
[ $rc = 0 ] && ok "agent run exits 0" || { no "agent run: rc=$rc"; cat "$T/aout"; }
steps=$(awk -F, '$3 == "agent" && $5 == "carol" {print $4}' "$T/agent/policy.csv" 2>/dev/null | tr '\n' ' ')
[ "$steps" = "1-sense-access 2-identify-provider 3-contact-operator 4-recommendation 5-tunnel 6-instantiate 7-offer-resources " ] \
    && ok "the agent's seven steps in order" || no "agent steps: $steps"
grep -q ',agent,place,op-vap,,cafe-box,done' "$T/agent/policy.csv" 2>/dev/null && ok "op-vap instantiated on cafe-box" \
    || no "op-vap not placed"
left=$(ls /run/netns 2>/dev/null | grep -c "^$P2-")
[ "$left" = 0 ] && ok "nothing of $P2 left" || no "$left namespaces of $P2 left"
"$MNETSIM" emu --cleanup $P2 >/dev/null 2>&1
rm -rf "$T"
[ $fail = 0 ] && echo PASSED || echo FAILED
exit $fail
