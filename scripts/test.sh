#!/bin/sh
# test.sh - the second command of README.md, and what CI runs (.ci/run):
# installs dependencies, builds the release and the asan (AddressSanitizer +
# UndefinedBehaviorSanitizer) configurations warning-free (-Werror), and runs
# every test on both.
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
echo "== all tests passed on release and asan"
