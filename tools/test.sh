#!/usr/bin/env bash
# Runs every test of the project: installs missing Debian packages, builds the Release tree
# (and, with --sanitize, an ASan+UBSan tree of the safety-critical suites), runs CTest.
#   tools/test.sh              Release build + all suites
#   tools/test.sh --sanitize   also the sanitizer build of the suites labelled "safety"
#   tools/test.sh --werror     warnings are errors (CI)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

sanitize=0; werror=OFF; fuzz=0
for a in "$@"; do
  case "$a" in
    --sanitize) sanitize=1 ;;
    --werror) werror=ON ;;
    --fuzz) fuzz=1 ;;
    *) echo "tools/test.sh: unknown option $a" >&2; exit 2 ;;
  esac
done

# Elapsed time per phase on stderr, so a CI log shows where its minutes go.
phase() { echo "== [$(date -u +%H:%M:%S), ${SECONDS}s] $*" >&2; }

phase "dependencies"
bash tools/install-deps.sh --with-test-tools
jobs=$(nproc)
phase "Release build"

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DHDR_WERROR=$werror >/dev/null
cmake --build build -j"$jobs"
phase "Release tests"
(cd build && ctest --output-on-failure -j"$jobs")

if [ $sanitize -eq 1 ]; then
  phase "sanitizer build (ASan+UBSan) of the safety-critical suites"
  # -O1 -g1: ASan's usual optimisation level, line tables for the reports; builds far faster
  # than -O2 -g on two cores.
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
        -DHDR_SANITIZE=ON -DHDR_BUILD_UI=OFF -DHDR_WERROR=$werror >/dev/null
  cmake --build build-asan -j"$jobs" --target hdr $(cd build && ctest -N -L safety | sed -n 's/^ *Test *#[0-9]*: *\(.*\)$/tests_\1/p')
  phase "sanitizer tests"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j"$jobs" -L safety)
fi

if [ $fuzz -eq 1 ] && [ -x tools/fuzz/run.sh ]; then
  phase "fuzzing"
  bash tools/fuzz/run.sh
fi
phase "all tests passed"
