#!/bin/sh
# quickstart.sh - the first command of README.md: installs dependencies,
# builds the release binary and runs the main job: the bundled scenario
# scenarios/zoo-renater.xml (the RENATER backbone with flows between its
# points of presence), writing its results to results/zoo-renater/.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)"
echo
echo "== mnetsim run scenarios/zoo-renater.xml"
build/release/mnetsim run scenarios/zoo-renater.xml
echo
echo "== results/zoo-renater/summary.json"
cat results/zoo-renater/summary.json
