#!/usr/bin/env bash
# Installs what Podium needs to build, test and run, from Debian 12 packages.
# Installs only what is missing; safe to run again. Needs root or sudo.
# With --bench, also the benchmarks' load generator and peers.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config git clang libclang-rt-14-dev
  # libraries
  libssl-dev nlohmann-json3-dev libcli11-dev libfmt-dev libxgboost-dev libpugixml-dev libsimdjson-dev
  # ONNX import: the ONNX protobuf classes (onnx/onnx-ml.pb.h, onnx_proto)
  libonnx-dev libprotobuf-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # the command-line test scripts (tests/deploy) drive the server with these
  curl jq
  # model registry: embedded and server stores, signatures (postgresql runs in tests)
  libsqlite3-dev libsodium-dev libpqxx-dev postgresql
  # scoring server (HTTP, YAML config)
  libboost-dev libyaml-cpp-dev
  # fidelity oracles (Debian's own builds of the libraries Podium must agree with)
  python3 python3-numpy python3-xgboost python3-sklearn
  # ONNX fidelity: models built with python3-onnx, scored by onnxruntime-node
  # (npm; tests/fidelity/onnx/install_oracle.sh installs it into the build tree)
  python3-onnx nodejs
)
# npm comes with nodesource's nodejs; Debian's nodejs needs the npm package.
if ! command -v npm >/dev/null 2>&1; then PACKAGES+=(npm); fi

if [ "${1:-}" = "--bench" ]; then
  # Benchmarks only: wrk, and the peers Podium is measured against.
  PACKAGES+=(wrk nginx-light python3-fastapi python3-uvicorn python3-pandas bc)
fi

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages are installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: missing packages (${missing[*]}) and not root; install them or run with sudo" >&2
    exit 1
  fi
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
