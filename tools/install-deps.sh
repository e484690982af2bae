#!/usr/bin/env bash
# Installs the Debian 12 packages the project builds, tests and runs with, only when one is
# missing (so a second run costs a dpkg query, not an apt round trip). Needs root or sudo.
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config ccache
  libboost-dev libeigen3-dev libopencv-dev
  libimgui-dev libstb-dev libsdl2-dev libgl-dev
  libsqlite3-dev sqlite3 libsodium-dev
  nlohmann-json3-dev libcli11-dev doctest-dev libbenchmark-dev
  libdcmtk-dev zlib1g-dev
)
# Tools the tests call: a pty pair (socat), DICOM checkers, a display for the UI test,
# clang for the fuzzer and the sanitizer runtime.
test_pkgs=(
  socat dcmtk dicom3tools python3-pydicom xvfb xauth mesa-utils libgl1-mesa-dri
  clang libclang-rt-14-dev
)

want=("${build_pkgs[@]}")
if [ "${1:-}" = "--with-test-tools" ]; then want+=("${test_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
