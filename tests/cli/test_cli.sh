#!/bin/sh
# test_cli.sh - the mnetsim front end as a user meets it: help, exit codes,
# one-line errors, and a small PHOLD run whose engine and reference agree.
set -u
: "${MNETSIM:?set MNETSIM to the mnetsim binary}"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect() { # expect CODE PATTERN -- ARGS...: exit status and a pattern in stdout+stderr
    want=$1 pattern=$2
    shift 3
    "$MNETSIM" "$@" >"$tmp/out" 2>&1
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL: mnetsim $*: exit $got, want $want"; cat "$tmp/out"; fail=1
    elif ! grep -q -- "$pattern" "$tmp/out"; then
        echo "FAIL: mnetsim $*: output lacks \"$pattern\""; cat "$tmp/out"; fail=1
    else
        echo "ok: mnetsim $*"
    fi
}

expect 0 "bench" -- help
expect 0 "usage: mnetsim bench phold" -- help bench
expect 0 "heap4" -- help queues
expect 0 "usage: mnetsim bench phold" -- bench phold --help
expect 0 "mnetsim 0" -- version
expect 2 "unknown command \"frobnicate\"" -- frobnicate
expect 2 "usage" --
expect 2 "unknown level" -- --log-level loud help
expect 2 "are required" -- bench phold --lps 10
expect 2 "name a benchmark" -- bench
expect 2 "unknown benchmark" -- bench nbody
expect 2 "expected a non-negative integer" -- bench phold --lps ten --events 1 --end 10
expect 2 "expected a non-negative integer" -- bench phold --lps -3 --events 1 --end 10
expect 2 "has unknown unit" -- bench phold --lps 10 --events 1 --end 10parsecs
expect 2 "unknown event queue \"splay\"" -- bench phold --lps 10 --events 1 --end 10 --queue splay
expect 2 "must be in" -- bench phold --lps 0 --events 1 --end 10
expect 2 "unknown or incomplete option" -- bench phold --lps 10 --events 1 --end 10 --fast
expect 0 "ratio" -- bench phold --lps 200 --events 2 --end 20
expect 0 "\"agree\":true" -- bench phold --lps 200 --events 2 --end 2min --json --queue heap2

expect 0 "max in flight=28" -- bench flows --flows 10000
expect 2 "--flows is required" -- bench flows
expect 2 "must be in" -- bench flows --flows 0
"$MNETSIM" bench flows --flows 1000 --out "$tmp/ends.csv" --json >"$tmp/fj" || fail=1
[ "$(head -n 1 "$tmp/ends.csv")" = "id,end_s" ] || { echo "FAIL: flows CSV header"; fail=1; }
[ "$(wc -l <"$tmp/ends.csv")" -eq 1001 ] || { echo "FAIL: flows CSV has not 1000 rows"; fail=1; }
grep -q '"sim_end_s":' "$tmp/fj" || { echo "FAIL: flows JSON lacks sim_end_s"; fail=1; }
expect 1 "cannot create" -- bench flows --flows 10 --out /nonexistent-dir/ends.csv

# Errors are one line each.
"$MNETSIM" bench phold --lps 10 --events 1 --end 10xs >/dev/null 2>"$tmp/err"
if [ "$(wc -l <"$tmp/err")" -ne 1 ]; then echo "FAIL: error is not one line:"; cat "$tmp/err"; fail=1; fi

# The JSON has the fields the issue names, and parses.
"$MNETSIM" bench phold --lps 100 --events 1 --end 10 --json >"$tmp/j" || fail=1
for key in events wall_s mevents_per_s peak_rss_mb reference_mevents_per_s; do
    grep -q "\"$key\":" "$tmp/j" || { echo "FAIL: JSON lacks $key"; fail=1; }
done
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/j" || { echo "FAIL: JSON does not parse"; fail=1; }
fi
# No event before --end: still valid JSON (ratio null), and "n/a" in the table.
"$MNETSIM" bench phold --lps 10 --events 1 --end 0 --json >"$tmp/z" || fail=1
grep -q '"ratio":null' "$tmp/z" || { echo "FAIL: zero-event JSON lacks \"ratio\":null"; cat "$tmp/z"; fail=1; }
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/z" || { echo "FAIL: zero-event JSON does not parse"; fail=1; }
fi
expect 0 "ratio      n/a" -- bench phold --lps 10 --events 1 --end 0
exit $fail
