#!/usr/bin/env bash
# Bounded fuzzing run of every libFuzzer target (tools/fuzz/fuzz_*.cpp): configures a clang
# build tree with -DHDR_FUZZ=ON, builds the fuzz_* targets, runs each for FUZZ_SECONDS on a
# COPY of its seed corpus (tools/fuzz/corpus/<name>/ for fuzz_<name>, so the checked-in
# corpus only changes by hand), and fails if any target crashes, leaks, trips a sanitizer or
# violates a property. Crashing inputs land in <build>/fuzz-artifacts/<target>/; after the
# fix, copy them into the corpus so every later run replays them.
#
#   tools/fuzz/run.sh                  all targets, 20 s each
#   FUZZ_SECONDS=60 tools/fuzz/run.sh fuzz_calibration
# Environment: FUZZ_SECONDS (20), FUZZ_SEED (1), FUZZ_BUILD_DIR (<repo>/build-fuzz), FUZZ_BUILD_JOBS (nproc),
#              CXX (clang++).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
fuzz_dir="$here/tools/fuzz"
build="${FUZZ_BUILD_DIR:-$here/build-fuzz}"
seconds="${FUZZ_SECONDS:-20}"
jobs="${FUZZ_BUILD_JOBS:-$(nproc)}"
cxx="${CXX:-clang++}"
case "$cxx" in *clang*) ;; *) cxx=clang++ ;; esac   # a g++ CXX from the caller cannot build fuzzers

if ! command -v "$cxx" >/dev/null; then
  echo "tools/fuzz/run.sh: $cxx not found (install clang: tools/install-deps.sh --with-test-tools)" >&2
  exit 1
fi

echo "== fuzz: configuring $build with $cxx ==" >&2
CXX="$cxx" cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHDR_FUZZ=ON -DHDR_BUILD_UI=OFF >/dev/null

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for src in "$fuzz_dir"/fuzz_*.cpp; do targets+=("$(basename "$src" .cpp)"); done
fi
# Only targets the configure created (a fuzzer whose libraries are absent is skipped there).
known=$(cmake --build "$build" --target help | sed -n 's/^\.\.\. \(fuzz_[A-Za-z0-9_]*\)$/\1/p')
built=()
for t in "${targets[@]}"; do
  if grep -qx "$t" <<<"$known"; then built+=("$t"); else echo "== fuzz: $t not configured, skipped ==" >&2; fi
done
[ ${#built[@]} -gt 0 ] || { echo "tools/fuzz/run.sh: no fuzz targets to run" >&2; exit 1; }
echo "== fuzz: building ${built[*]} ==" >&2
cmake --build "$build" -j"$jobs" --target "${built[@]}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
summary=()
for t in "${built[@]}"; do
  name=${t#fuzz_}
  corpus="$work/$name"
  mkdir -p "$corpus"
  if [ -d "$fuzz_dir/corpus/$name" ]; then cp -R "$fuzz_dir/corpus/$name/." "$corpus/"; fi
  artifacts="$build/fuzz-artifacts/$t"
  mkdir -p "$artifacts"
  # A fixed seed (FUZZ_SEED, default 1) makes a CI run reproducible: a failure seen in CI is
  # seen again locally. FUZZ_SEED=0 lets libFuzzer pick one (longer exploratory runs).
  args=(-seed="${FUZZ_SEED:-1}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$artifacts/")
  [ -f "$fuzz_dir/dict/$name.dict" ] && args+=(-dict="$fuzz_dir/dict/$name.dict")
  echo "== fuzz: $t for ${seconds}s ==" >&2
  log="$work/$t.log"
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
       "$build/bin/$t" "${args[@]}" "$corpus" >"$log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    rate=$(( ${execs:-0} / ( ${secs:-1} > 0 ? ${secs:-1} : 1 ) ))
    summary+=("$t: ${execs:-?} runs in ${secs:-?} s (~${rate} execs/s), ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l) inputs")
  else
    failed+=("$t")
    echo "== fuzz: $t FAILED; log tail: ==" >&2
    tail -n 60 "$log" >&2
    summary+=("$t: FAILED (artifacts in $artifacts)")
  fi
done

echo "== fuzz summary ==" >&2
printf '  %s\n' "${summary[@]}" >&2
if [ ${#failed[@]} -gt 0 ]; then
  echo "tools/fuzz/run.sh: failing targets: ${failed[*]}" >&2
  exit 1
fi
