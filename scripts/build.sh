#!/usr/bin/env bash
# Configures and builds Podium into build/<type> (default: release).
# Usage: scripts/build.sh [release|debug|asan] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-release}"
shift || true
case "$kind" in
  release) args=(-DCMAKE_BUILD_TYPE=Release) ;;
  debug) args=(-DCMAKE_BUILD_TYPE=Debug) ;;
  asan) args=(-DCMAKE_BUILD_TYPE=Debug -DPODIUM_SANITIZE=ON -DPODIUM_BUILD_BENCHMARKS=OFF) ;;
  *) echo "build: unknown build kind '$kind' (release, debug, asan)" >&2; exit 2 ;;
esac
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/podium-ccache}"
cmake -S . -B "build/$kind" -G Ninja "${args[@]}" "$@" >/dev/null
cmake --build "build/$kind" -j "$(nproc)"
