#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the unit, golden and
# fidelity suites (release build), the unit suites again under AddressSanitizer
# and UBSan, and each fuzz target for a bounded time.
# Environment: PODIUM_FUZZ_SECONDS (default 30 per target; 0 skips fuzzing),
#              PODIUM_SKIP_ASAN=1 skips the sanitizer build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== release build and tests"
scripts/build.sh release
(cd build/release && ctest --output-on-failure -j "$(nproc)" --timeout 900)

if [ "${PODIUM_SKIP_ASAN:-0}" != "1" ]; then
  echo "== AddressSanitizer + UBSan build, unit tests"
  scripts/build.sh asan
  (cd build/asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j "$(nproc)" -L 'unit|server' --timeout 900)
fi

fuzz_seconds="${PODIUM_FUZZ_SECONDS:-30}"
if [ "$fuzz_seconds" != "0" ]; then
  echo "== fuzzing, ${fuzz_seconds}s per target"
  scripts/fuzz.sh "$fuzz_seconds"
fi
echo "== all tests passed"
