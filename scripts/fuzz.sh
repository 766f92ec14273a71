#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (AddressSanitizer) and runs each for
# a bounded time. Usage: scripts/fuzz.sh [seconds-per-target]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/podium-ccache}"
CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPODIUM_FUZZ=ON -DPODIUM_BUILD_TESTS=OFF -DPODIUM_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build/fuzz -j "$(nproc)"
mapfile -t targets < <(find build/fuzz -type f -name 'podium_*_fuzz' -perm -u+x | sort)
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no fuzz targets were built" >&2
  exit 1
fi
for target in "${targets[@]}"; do
  name=$(basename "$target")
  corpus="build/fuzz/corpus/$name"
  mkdir -p "$corpus"
  # Seed inputs and dictionaries kept beside each parser's test data.
  seeds=()
  case "$name" in
    podium_xgboost_fuzz) seeds=(src/formats/testdata/xgboost -dict=src/formats/testdata/xgboost/xgboost.dict) ;;
    podium_pmml_fuzz) seeds=(src/formats/testdata/pmml -dict=src/formats/testdata/pmml/pmml.dict) ;;
    podium_lightgbm_fuzz) seeds=(src/formats/testdata/lightgbm -dict=src/formats/testdata/lightgbm/lightgbm.dict) ;;
    podium_onnx_fuzz) seeds=(src/formats/testdata/onnx -dict=src/formats/testdata/onnx/onnx.dict) ;;
    podium_expr_fuzz) seeds=(-dict=src/expr/expr_fuzz.dict) ;;
  esac
  echo "fuzz: $name for ${seconds}s"
  "$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=0 \
    "$corpus" "${seeds[@]}" > "build/fuzz/$name.log" 2>&1 || {
      echo "fuzz: $name found a failure:" >&2
      tail -n 60 "build/fuzz/$name.log" >&2
      exit 1
    }
  grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs" "build/fuzz/$name.log" | tail -n 1 || true
done
echo "fuzz: ${#targets[@]} targets ran with no failure"
