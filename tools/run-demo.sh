#!/usr/bin/env bash
# The console's main job: builds the project, then runs the demo (simulated TRUS probe,
# simulated afterloader on loopback, a database in the user's data folder). Without a
# display (or when the display cannot be opened) it runs the same workflow headless and
# prints the summary: plan metrics with pass/fail per protocol constraint, and "delivery
# completed" (or why not: a plan that fails the protocol is not approved by the simulated
# physician, and the summary names the failing constraints; the exit status is then 1).
#   tools/run-demo.sh                 window if there is a display, else headless
#   tools/run-demo.sh --headless      always headless
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
bash tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
# Only what the demo runs: the console and `hdr` (its afterloader simulator). A failed build
# stops here with the compiler's message.
cmake --build build -j"$(nproc)" --target hdr hdrconsole
headless=0
for a in "$@"; do [ "$a" = "--headless" ] && headless=1; done
if [ $headless -eq 0 ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  if build/bin/hdrconsole --demo "$@"; then exit 0; fi
  echo "run-demo: the window could not run here; running the demo headless instead" >&2
fi
args=()
for a in "$@"; do [ "$a" != "--headless" ] && args+=("$a"); done
exec build/bin/hdrconsole --demo --headless "${args[@]+"${args[@]}"}"
