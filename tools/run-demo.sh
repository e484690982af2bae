#!/usr/bin/env bash
# The console's main job: builds the project, then runs the demo (simulated TRUS probe,
# simulated afterloader on loopback, a database in the user's data folder). Without a
# display it runs the same workflow headless and prints the summary.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
if [ -x build/bin/hdrconsole ]; then
  if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    exec build/bin/hdrconsole --demo "$@"
  fi
  exec build/bin/hdrconsole --demo --headless "$@"
fi
# Until the console exists the main job is the dose engine's own check.
build/bin/hdr sources
