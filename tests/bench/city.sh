#!/bin/sh
# city.sh - the city scenario's targets (issue 4): at full size (10,000
# boxes, 30,000 vAPs, 100,000 users, 24 h) at most 60 s of wall time and
# 2 GiB of peak RSS; from 1/10 to full size, time growing no faster than
# n log n. Runs 1/10, 1/3 and full size (same density) R times each,
# interleaved (1/10, 1/3, 1x, 1/10, ...) so that the machine's drift
# weighs on every size alike, and reports medians. Wall time is read from
# the shell's nanosecond clock around each run: /usr/bin/time's %e counts
# in 10 ms steps, 3 % of the 1/10 city's 0.3 s, a step that alone moved
# the growth by 0.4x. Peak RSS is /usr/bin/time's %M.
#
# With --against OTHER, OTHER (another build, say main's) runs too, right
# after each run of PATH at the same size, and gets a table of its own: on
# a shared machine whose speed drifts by tens of percent within minutes,
# only runs alternated like this compare two builds.
#
# The growth is also taken round by round: each round's full-size time over
# the same round's 1/10 time, the two a few seconds apart, so that a drift
# between rounds weighs on both. The verdict is on the median of these
# per-round ratios; beside it, the ratio of the medians and a 95 % interval
# for the median ratio (order statistics: the k-th smallest and largest of
# R ratios, k the largest with P(Binomial(R, 1/2) < k) <= 2.5 %; with fewer
# than 6 rounds no such k exists and the interval is the range, stated as
# such). An interval that holds the bound says the runs cannot tell. The
# ratio of each size's fastest run is printed too: interference from the
# machine's other work only ever adds time.
#
# usage: tests/bench/city.sh [--runs R] [--bin PATH] [--against OTHER]
# Exit status: 0 if every target is met (by PATH), 1 otherwise.
set -eu
runs=3 bin=build/release/mnetsim other=
usage="usage: tests/bench/city.sh [--runs R] [--bin PATH] [--against OTHER]"
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) runs=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --against) other=$2; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
    esac
done
case "$runs" in '' | *[!0-9]* | 0) echo "city.sh: --runs needs a positive whole number" >&2; exit 2 ;; esac
[ -x "$bin" ] || { echo "city.sh: no binary at $bin; build first" >&2; exit 2; }
[ -z "$other" ] || [ -x "$other" ] || { echo "city.sh: no binary at $other" >&2; exit 2; }
src=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT INT TERM

# size  boxes  side  users
sizes="0.1 1000 3162m 10000
0.33 3333 5773m 33333
1 10000 10000m 100000"
tags="bin"
[ -z "$other" ] || tags="bin other"
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
i=0
while [ "$i" -lt "$runs" ]; do
    echo "$sizes" | while read -r size boxes side users; do
        for tag in $tags; do
            exe=$bin
            [ "$tag" = bin ] || exe=$other
            t0=$(date +%s%N)
            /usr/bin/time -f "%M" -o "$out/time" "$exe" run "$src/scenarios/city.xml" --quiet \
                --set "//box-set/@count=$boxes" --set "//box-set/@side=$side" \
                --set "//population/@count=$users" --out "$out/run-$tag-$size" ||
                { echo "city.sh: run failed ($exe)" >&2; exit 1; }
            t1=$(date +%s%N)
            echo "$(((t1 - t0) / 1000000)) $(cat "$out/time")" >>"$out/times-$tag-$size"
        done
    done
    i=$((i + 1))
done
status=0
for tag in $tags; do
    exe=$bin
    [ "$tag" = bin ] || exe=$other
    [ -z "$other" ] || echo "== $exe"
    printf '%-8s %-8s %10s %10s %10s %10s\n' boxes users "wall s" "RSS MB" events sessions
    echo "$sizes" | while read -r size boxes side users; do
        wall=$(cut -d' ' -f1 "$out/times-$tag-$size" | median | awk '{printf "%.3f", $1 / 1000}')
        rss=$(cut -d' ' -f2 "$out/times-$tag-$size" | median | awk '{print $1 / 1024}')
        events=$(sed -n 's/.*"events": \([0-9]*\).*/\1/p' "$out/run-$tag-$size/summary.json" | head -1)
        sessions=$(sed -n 's/.*"started": \([0-9]*\).*/\1/p' "$out/run-$tag-$size/summary.json" | head -1)
        printf '%-8s %-8s %10s %10.1f %10s %10s\n' "$boxes" "$users" "$wall" "$rss" "$events" "$sessions"
    done | tee "$out/table-$tag"
    # round by round: full-size time / 1/10 time, sorted
    paste -d' ' "$out/times-$tag-0.1" "$out/times-$tag-1" | awk '{ printf "%.6f\n", $3 / $1 }' | sort -g >"$out/ratios-$tag"
    fastest=$(paste -d' ' "$out/times-$tag-0.1" "$out/times-$tag-1" |
        awk 'NR == 1 || $1 < a { a = $1 } NR == 1 || $3 < b { b = $3 } END { printf "%.2f", b / a }')
    awk -v ratios="$out/ratios-$tag" -v fastest="$fastest" '{ users[NR] = $2; wall[NR] = $3; rss[NR] = $4 }
    END {
        n0 = users[1]; n1 = users[3]
        bound = (n1 * log(n1)) / (n0 * log(n0))
        while ((getline x <ratios) > 0)
            r[++m] = x
        med = m % 2 ? r[(m + 1) / 2] : (r[m / 2] + r[m / 2 + 1]) / 2
        # the interval: the largest k with P(Binomial(m, 1/2) <= k - 1) <= 0.025
        k = 0; cum = 0; p = 0.5 ^ m
        for (j = 0; j < m; j++) {
            cum += p
            if (cum > 0.025)
                break
            k = j + 1
            p = p * (m - j) / (j + 1)
        }
        if (k == 0) { lo = r[1]; hi = r[m]; what = "range of " m " rounds (too few for a 95 % interval)" }
        else { lo = r[k]; hi = r[m + 1 - k]; what = "95 % interval of the median, " m " rounds" }
        ok1 = wall[3] <= 60; ok2 = rss[3] <= 2048; ok3 = med <= bound
        printf "full size: %.2f s (target <= 60 s) %s; peak RSS %.0f MB (target <= 2048 MB) %s\n", wall[3], ok1 ? "PASS" : "FAIL", rss[3], ok2 ? "PASS" : "FAIL"
        printf "growth 1/10 -> 1x: %.2fx wall, median of per-round ratios (%.2fx to %.2fx: %s; ratio of the medians %.2fx, of the fastest runs %sx); n log n allows %.2fx: %s%s\n", med, lo, hi, what, wall[3] / wall[1], fastest, bound, ok3 ? "PASS" : "FAIL", lo <= bound && bound <= hi ? " (the interval holds the bound: these runs cannot tell)" : ""
        exit !(ok1 && ok2 && ok3)
    }' "$out/table-$tag" || { [ "$tag" != bin ] || status=1; }
done
exit $status
