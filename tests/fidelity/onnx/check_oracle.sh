#!/usr/bin/env bash
# Re-creates the committed ONNX fidelity files and compares them byte for
# byte: the models and inputs (generate.py, Debian's python3-onnx and numpy)
# and onnxruntime's outputs (run_oracle.js with the onnxruntime-node that
# install_oracle.sh put into WORK_DIR). Exits 77 (skipped) when node or
# onnxruntime-node is not there.
# Usage: check_oracle.sh WORK_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:?usage: check_oracle.sh WORK_DIR}"
if ! command -v node >/dev/null || [ ! -f "$work/node_modules/onnxruntime-node/package.json" ]; then
  echo "onnx oracle: node or onnxruntime-node (in $work) is missing; skipped"
  exit 77
fi
rm -rf "$work/models" "$work/oracle"
mkdir -p "$work/models" "$work/oracle"
/usr/bin/python3 "$here/generate.py" "$work/models"
status=0
for file in "$work"/models/*; do
  name="$(basename "$file")"
  if ! cmp -s "$file" "$here/$name"; then
    echo "onnx oracle: generate.py now writes a different $name than the committed one" >&2
    status=1
  fi
done
node "$here/run_oracle.js" "$here" "$work/oracle" "$work/node_modules"
for file in "$work"/oracle/*.expected.csv; do
  name="$(basename "$file")"
  if ! cmp -s "$file" "$here/$name"; then
    echo "onnx oracle: onnxruntime's $name differs from the committed one:" >&2
    diff "$here/$name" "$file" | head -n 10 >&2 || true
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "onnx oracle: committed models, inputs and onnxruntime outputs are up to date"
exit "$status"
