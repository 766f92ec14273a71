#!/usr/bin/env bash
# Installs the ONNX fidelity oracle, onnxruntime-node (pinned by package.json
# and package-lock.json beside this script), into WORK_DIR/node_modules.
# onnxruntime-node's postinstall step downloads GPU binaries from a host
# outside the npm registry; it is skipped (--ignore-scripts): the CPU
# binaries are part of the npm package itself.
# Usage: install_oracle.sh WORK_DIR
# Without node/npm, or when npm cannot reach its registry, it says so and
# exits 0: the oracle check (check_oracle.sh) is then reported as skipped.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:?usage: install_oracle.sh WORK_DIR}"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "onnx oracle: node or npm is not installed; the oracle check will be skipped"
  exit 0
fi
mkdir -p "$work"
if [ -f "$work/node_modules/onnxruntime-node/package.json" ] && cmp -s "$here/package-lock.json" "$work/package-lock.json"; then
  echo "onnx oracle: onnxruntime-node already installed in $work"
  exit 0
fi
cp "$here/package.json" "$here/package-lock.json" "$work/"
if (cd "$work" && npm ci --ignore-scripts --no-audit --no-fund); then
  echo "onnx oracle: installed onnxruntime-node into $work"
else
  echo "onnx oracle: npm ci failed (no registry access?); the oracle check will be skipped"
  rm -f "$work/package-lock.json"
fi
