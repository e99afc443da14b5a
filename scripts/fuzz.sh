#!/bin/sh
# fuzz.sh - fuzzes the scenario loader with libFuzzer (clang, ASan, UBSan).
# Crashing or hanging inputs are saved in tests/fuzz/regress/, which plain
# CTest replays (test fuzz_replay): commit them with the fix.
#
# usage: scripts/fuzz.sh [--seconds N]   (default 60; scripts/test.sh runs 20)
set -eu
cd "$(dirname "$0")/.."
seconds=60
case "${1:-}" in
--seconds) seconds=$2 ;;
"") ;;
*) echo "usage: scripts/fuzz.sh [--seconds N]" >&2; exit 2 ;;
esac
if ! command -v clang >/dev/null 2>&1; then
    echo "fuzz.sh: needs clang and libclang-rt-14-dev (scripts/setup.sh installs them)" >&2
    exit 2
fi
cmake -S . -B build/fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" -DMN_FUZZ=ON >/dev/null
cmake --build build/fuzz -j"$(nproc)" --target fuzz_scenario >/dev/null
mkdir -p build/fuzz/corpus
cp tests/fuzz/corpus/* build/fuzz/corpus/
echo "== fuzzing the scenario loader for ${seconds}s"
log=build/fuzz/last-run.log
status=0
build/fuzz/fuzz_scenario -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix=tests/fuzz/regress/ build/fuzz/corpus >"$log" 2>&1 ||
    status=$?
grep -E "stat::number_of_executed_units|ERROR|SUMMARY|artifact" "$log" || true
if [ "$status" -ne 0 ]; then
    echo "fuzz.sh: libFuzzer found a crash or hang (exit $status); the input is in tests/fuzz/regress/, the log in $log" >&2
    exit 1
fi
echo "== no crash"
