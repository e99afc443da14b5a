#!/bin/sh
# quickstart.sh - the first command of README.md: installs dependencies,
# builds the release binary and runs the main job: the bundled scenario
# scenarios/office-home.xml (the reference paper's case: a user's vAP at the
# office and at home, joined by a VXLAN tunnel, over two days of commuting),
# writing its results to results/office-home/.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)"
echo
echo "== mnetsim run scenarios/office-home.xml"
build/release/mnetsim run scenarios/office-home.xml
echo
echo "== results/office-home/summary.json"
cat results/office-home/summary.json
