#!/usr/bin/env bash
# Installs missing dependencies, builds, and runs every test (unit, command, integration).
# BASALT_SANITIZE=1 builds and runs the suite under AddressSanitizer + UBSan instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh test
if [ "${BASALT_SANITIZE:-0}" = "1" ]; then
  dir=build-asan
  tools/build.sh "$dir" -DBASALT_SANITIZE=ON
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
else
  dir=build
  tools/build.sh "$dir"
fi
ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" --timeout 600
