#!/bin/sh
# quickstart.sh - the first command of README.md: installs dependencies,
# builds the release binary and runs the main job on a bundled workload
# (the PHOLD benchmark of the engine, until bundled scenarios land).
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)"
echo
echo "== mnetsim bench phold --lps 1000 --events 1 --end 1000"
build/release/mnetsim bench phold --lps 1000 --events 1 --end 1000
