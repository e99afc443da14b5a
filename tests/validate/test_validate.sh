#!/bin/sh
# test_validate.sh - `mnetsim validate` end to end: every bundled example of
# scenarios/rules/ gives exactly the findings its NAME.expected lists (each
# class on its broken example, none on clean.xml); the dynamic checker finds
# the ping-pong planted in a rule pair and the over-commit that only the
# flash crowd brings out; exit codes (0 clean, 1 findings at or above
# --fail-on, 2 bad input, one line with file:line); the JSON report equals
# the checked-in tests/validate/*.expected.json byte for byte and repeats
# itself; a rules-only file spliced into a scenario with --against; and
# `mnetsim run` still refuses the isolation example at load time.
#
# usage: test_validate.sh MNETSIM SRC   (or MNETSIM=... SRC=... test_validate.sh)
set -u
MNETSIM=${1:-${MNETSIM:-}}
SRC=${2:-${SRC:-}}
: "${MNETSIM:?give the mnetsim binary (argument 1 or MNETSIM)}"
: "${SRC:?give the source tree (argument 2 or SRC)}"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# paths as given on the command line appear in the report: run from the tree
cd "$SRC" || exit 1
R=scenarios/rules
V=tests/validate

bad() { echo "FAIL: $*"; fail=1; }
# "severity class rule" of every finding of a JSON report, sorted, unique
triples() { sed -n 's/^    {"severity": "\([a-z]*\)", "class": "\([a-z-]*\)", "rule": "\([^"]*\)".*/\1 \2 \3/p' "$1" | sort -u; }
expected() { grep -v '^#' "$1" | grep -v '^ *$' | sort -u; }

# ---- every bundled example: exactly its expected findings, exit 0 iff none ----
for x in $R/*.xml; do
    name=$(basename "$x" .xml)
    [ -f "$R/$name.expected" ] || { bad "$name: no $R/$name.expected"; continue; }
    "$MNETSIM" validate "$x" --json --quiet >"$tmp/$name.json" 2>"$tmp/$name.err"
    rc=$?
    want=1
    [ -z "$(expected "$R/$name.expected")" ] && want=0
    [ $rc -eq $want ] || bad "$name: exit $rc, want $want ($(cat "$tmp/$name.err"))"
    triples "$tmp/$name.json" >"$tmp/$name.got"
    expected "$R/$name.expected" >"$tmp/$name.want"
    if cmp -s "$tmp/$name.got" "$tmp/$name.want"; then
        echo "ok: $name: $(tr '\n' ';' <"$tmp/$name.want")"
    else
        bad "$name: findings differ from $R/$name.expected:"
        diff "$tmp/$name.want" "$tmp/$name.got"
    fi
done
# each static class on its example, and nothing on the clean one
for c in contradiction shadowed oscillation isolation overcommit; do
    grep -q "\"class\": \"$c\"" "$tmp/$c.json" || bad "class $c not found on $c.xml"
    grep -q "\"class\": \"$c\"" "$tmp/clean.json" && bad "class $c found on clean.xml"
done
grep -q '"summary": {"error": 0, "warning": 0, "info": 0}' "$tmp/clean.json" || bad "clean.xml is not clean"

# ---- dynamic: the planted oscillation and the flash crowd's over-commit ----
grep '"class": "pingpong"' "$tmp/pingpong.json" | grep -q '"scenario": "rules-pingpong"' ||
    bad "pingpong: no ping-pong in the scenario's own run"
grep '"class": "pingpong"' "$tmp/pingpong.json" | grep -q 'upmc-m0 b1 -> b2 (rule to-b2)' ||
    bad "pingpong: the trace lacks the moves and their rules"
oc=$(grep '"class": "overcommit-refused"' "$tmp/flashcrowd-overcommit.json")
echo "$oc" | grep -q '"scenario": "rules-flashcrowd-overcommit/flash-crowd"' ||
    bad "flashcrowd: the over-commit should be found under the flash crowd: $oc"
echo "$oc" | grep -q '"scenario": "rules-flashcrowd-overcommit"[,}]' &&
    bad "flashcrowd: the scenario itself should not over-commit"
echo "$oc" | grep -q '"t_s": [0-9]' || bad "flashcrowd: no simulated time"
# without the flash crowd the dynamic check finds nothing more than the static bound
"$MNETSIM" validate $R/flashcrowd-overcommit.xml --stress peak --stress move-all --json --quiet >"$tmp/fc2.json"
grep -q '"class": "overcommit-refused"' "$tmp/fc2.json" && bad "flashcrowd: over-commit without the flash crowd"
# static only: the ping-pong is not seen, its candidate is
"$MNETSIM" validate $R/pingpong.xml --static --json --quiet >"$tmp/pp-static.json"
[ "$(triples "$tmp/pp-static.json")" = "warning oscillation to-b2" ] || bad "pingpong --static: $(triples "$tmp/pp-static.json")"
# a larger K or a shorter window lets the oscillation through
"$MNETSIM" validate $R/pingpong.xml --pingpong 100 --json --quiet >"$tmp/pp-k.json"
grep -q '"class": "pingpong"' "$tmp/pp-k.json" && bad "pingpong: found with K = 100"
"$MNETSIM" validate $R/pingpong.xml --window 1min --json --quiet >"$tmp/pp-w.json"
grep -q '"class": "pingpong"' "$tmp/pp-w.json" && bad "pingpong: found within a 1 min window"

# SLA: a rule that causes violations, one that reacts to them without effect
grep '"class": "sla-caused"' "$tmp/sla-caused.json" | grep -q '"scenario": "rules-sla-caused"' ||
    bad "sla-caused: not found in the scenario's own run"
grep -q '"class": "sla-' "$tmp/clean.json" && bad "clean.xml has an SLA finding"
grep '"class": "sla-unprevented"' "$tmp/sla-unprevented.json" | grep -q '"rule": "rescue"' ||
    bad "sla-unprevented: rescue not named"

# ---- the human report: grouped by severity, file:line of the rule ----
"$MNETSIM" validate $R/pingpong.xml --quiet >"$tmp/pp.txt"
grep -q '^error (1)$' "$tmp/pp.txt" || bad "report: no error group"
grep -q '^warning (1)$' "$tmp/pp.txt" || bad "report: no warning group"
grep -q "^  $R/pingpong.xml:43: pingpong: rule \"to-b1\": " "$tmp/pp.txt" || bad "report: no file:line of the rule"
[ "$(grep -n '^error' "$tmp/pp.txt" | cut -d: -f1)" -lt "$(grep -n '^warning' "$tmp/pp.txt" | cut -d: -f1)" ] ||
    bad "report: errors should come before warnings"

# ---- JSON: the checked-in reports, byte for byte, twice ----
for name in pingpong flashcrowd-overcommit; do
    "$MNETSIM" validate $R/$name.xml --json --quiet >"$tmp/$name.again.json"
    cmp -s "$tmp/$name.json" "$tmp/$name.again.json" || bad "$name: the JSON report differs between two runs"
    if cmp -s "$tmp/$name.json" "$V/$name.expected.json"; then
        echo "ok: $name JSON equals $V/$name.expected.json"
    else
        bad "$name: JSON differs from $V/$name.expected.json"
        diff "$V/$name.expected.json" "$tmp/$name.json"
    fi
done

# ---- a rules-only file, spliced into a scenario ----
"$MNETSIM" validate $V/upmc-rules.xml --against $R/clean.xml --json --quiet >"$tmp/only.json"
rc=$?
[ $rc -eq 1 ] || bad "rules-only --against: exit $rc, want 1"
if cmp -s "$tmp/only.json" "$V/upmc-rules.expected.json"; then
    echo "ok: rules-only file against clean.xml equals $V/upmc-rules.expected.json"
else
    bad "rules-only: JSON differs from $V/upmc-rules.expected.json"
    diff "$V/upmc-rules.expected.json" "$tmp/only.json"
fi
# against two scenarios: each is checked, the same finding is reported once
"$MNETSIM" validate $V/upmc-rules.xml --against $R/clean.xml --against $R/contradiction.xml --static --json --quiet >"$tmp/two.json"
[ "$(grep -c '"class": "isolation"' "$tmp/two.json")" -eq 1 ] || bad "rules-only against two: the isolation finding twice or none"
triples "$tmp/two.json" | grep -q "warning contradiction offload" || bad "rules-only against two: contradiction.xml's own rules not checked"

# ---- exit codes ----
code() { # want what args...
    want=$1 what=$2
    shift 2
    "$MNETSIM" validate "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc -eq "$want" ] && echo "ok: $what: exit $rc" || { bad "$what: exit $rc, want $want"; cat "$tmp/err"; }
}
code 0 "clean" $R/clean.xml --quiet
code 0 "clean, --fail-on info" $R/clean.xml --quiet --fail-on info
code 1 "a warning fails by default" $R/contradiction.xml --quiet --static
code 0 "a warning passes --fail-on error" $R/contradiction.xml --quiet --static --fail-on error
code 1 "an error fails --fail-on error" $R/isolation.xml --quiet --static --fail-on error
code 0 "--fail-on none" $R/isolation.xml --quiet --static --fail-on none
# bad input: exit 2, one line naming file:line where there is one
twoline() { # what pattern args...
    what=$1 pat=$2
    shift 2
    code 2 "$what" "$@"
    grep -q -- "$pat" "$tmp/err" || bad "$what: message \"$(cat "$tmp/err")\" lacks \"$pat\""
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || bad "$what: not one line: $(cat "$tmp/err")"
}
twoline "missing file" "nope.xml: cannot read" $tmp/nope.xml
printf '<scenario name="x">\n  <topology>\n</scenario>\n' >"$tmp/broken.xml"
twoline "malformed XML" "broken.xml:[0-9]*:" "$tmp/broken.xml"
sed 's|<when metric="follows.distance" op="ge" value="100m"/>|<when metric="follows.distance" op="ge" value="80%"/>|' $R/clean.xml >"$tmp/unit.xml"
twoline "a unit error" 'unit.xml:[0-9]*: .*metric follows.distance is a distance' "$tmp/unit.xml"
sed 's|metric="hosted"|metric="hosts"|' $R/clean.xml >"$tmp/metric.xml"
twoline "an unknown metric" 'metric.xml:[0-9]*: .*metric "hosts" is not one of' "$tmp/metric.xml"
sed 's|select="b3"|select="b9"|' $R/clean.xml >"$tmp/ref.xml"
twoline "an unknown box" 'ref.xml:[0-9]*: .*"b9" matches no box' "$tmp/ref.xml"
twoline "rules-only without --against" "give --against" $V/upmc-rules.xml
twoline "pingpong's rules in a scenario without its vAP" "pingpong.xml:40: .*upmc-m0" $R/pingpong.xml --against $R/clean.xml --static
twoline "unknown stress" 'stress "quake"' $R/clean.xml --stress quake
twoline "unknown severity" 'fail-on "fatal"' $R/clean.xml --fail-on fatal
twoline "bad window" 'window "soon"' $R/clean.xml --window soon
twoline "unknown option" 'unknown or incomplete option' $R/clean.xml --fast
code 0 "help" --help
grep -q "usage: mnetsim validate" "$tmp/out" || bad "validate --help prints no usage"

# ---- mnetsim run keeps refusing the isolation example at load time ----
"$MNETSIM" run $R/isolation.xml --quiet --out "$tmp/iso-run" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] || bad "run isolation.xml: exit $rc, want 2"
grep -q 'isolation.xml:41: rule "cap-guests" selects vap "isp-b1" of operator "isp"; rules of upmc act only on upmc'"'"'s instances' "$tmp/err" ||
    bad "run isolation.xml: $(cat "$tmp/err")"

[ $fail -eq 0 ] && echo "test_validate: all passed"
exit $fail
