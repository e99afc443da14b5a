#!/bin/sh
# test.sh - the second command of README.md, and what CI runs (.ci/run):
# installs dependencies, builds the release and the asan (AddressSanitizer +
# UndefinedBehaviorSanitizer) configurations warning-free (-Werror), runs
# every test on both, then fuzzes the scenario loader for 20 seconds.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
jobs=$(nproc)
for preset in release asan; do
    echo "== $preset: configure and build"
    cmake --preset "$preset" -DMN_WERROR=ON >/dev/null
    cmake --build --preset "$preset" -j"$jobs"
    echo "== $preset: test"
    ctest --preset "$preset" -j"$jobs"
done
scripts/fuzz.sh --seconds 20
echo "== all tests passed on release and asan; 20 s of fuzzing found no crash"
