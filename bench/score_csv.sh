#!/usr/bin/env bash
# End-to-end CSV scoring benchmark: `podium score` on 1M rows x 28 features
# with a 100-tree depth-6 XGBoost model, with 1 and 2 threads, against the
# same job in Python (XGBoost + pandas), measured in the same run.
# Usage: bench/score_csv.sh [rows]
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
scripts/setup.sh --bench >/dev/null
scripts/build.sh release
dir=build/bench/score_csv
if [ ! -f "$dir/data.csv" ] || [ "$(($(wc -l < "$dir/data.csv") - 1))" != "$rows" ]; then
  echo "making $rows rows of data and the model (once)"
  /usr/bin/python3 bench/make_score_bench_data.py --out "$dir" --rows "$rows"
fi
podium=build/release/src/cli/podium
size_mb=$(du -m "$dir/data.csv" | cut -f1)
best() {  # best wall time of three runs of "$@"
  local best_time=""
  for _ in 1 2 3; do
    local start end t
    start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N)
    t=$(echo "$end - $start" | bc -l)
    if [ -z "$best_time" ] || [ "$(echo "$t < $best_time" | bc -l)" = 1 ]; then best_time=$t; fi
  done
  echo "$best_time"
}
printf "%-44s %8s %12s %10s\n" "job ($rows rows, ${size_mb} MB CSV)" "seconds" "rows/s" "vs peer"
peer2=$(best /usr/bin/python3 bench/xgboost_csv_peer.py --model "$dir/model.json" --in "$dir/data.csv" \
        --out "$dir/peer.csv" --threads 2)
peer1=$(best /usr/bin/python3 bench/xgboost_csv_peer.py --model "$dir/model.json" --in "$dir/data.csv" \
        --out "$dir/peer.csv" --threads 1)
for threads in 1 2; do
  t=$(best "$podium" score --model "$dir/model.json" --in "$dir/data.csv" --out "$dir/podium.csv" \
      --keep none --threads "$threads" --progress never)
  peer=$([ "$threads" = 1 ] && echo "$peer1" || echo "$peer2")
  printf "%-44s %8.2f %12.0f %9.1fx\n" "podium score, $threads thread(s)" "$t" "$(echo "$rows / $t" | bc -l)" \
    "$(echo "$peer / $t" | bc -l)"
done
printf "%-44s %8.2f %12.0f %10s\n" "python xgboost + pandas, 1 thread" "$peer1" "$(echo "$rows / $peer1" | bc -l)" "1.0x"
printf "%-44s %8.2f %12.0f %10s\n" "python xgboost + pandas, 2 threads" "$peer2" "$(echo "$rows / $peer2" | bc -l)" "1.0x"
# The two must agree: largest difference of probability_1.
/usr/bin/python3 - "$dir" <<'PY'
import sys, numpy as np
d = sys.argv[1]
a = np.loadtxt(f"{d}/podium.csv", delimiter=",", skiprows=1, usecols=1, max_rows=200000)
b = np.loadtxt(f"{d}/peer.csv", delimiter=",", skiprows=1, usecols=1, max_rows=200000)
print(f"largest |podium - xgboost| over the first {len(a)} rows: {np.max(np.abs(a - b)):.3g}"
      " (the peer's CSV writer rounds to float32)")
PY
