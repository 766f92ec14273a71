#!/usr/bin/env bash
# The quick start: installs what is missing, builds, and runs the demo job on
# embedded defaults: scores the bundled churn data with the bundled pipeline.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release
podium=build/release/src/cli/podium
out=build/demo
mkdir -p "$out"
echo
echo "== podium inspect data/demo/churn_pipeline.json"
"$podium" inspect data/demo/churn_pipeline.json
echo
echo "== podium score (bundled demo: 5,000 telecom customers)"
"$podium" score --model data/demo/churn_pipeline.json --in data/demo/mlc_churn.csv \
  --out "$out/churn_scores.csv" --reasons 3 --summary
echo
echo "Scores written to $out/churn_scores.csv; first rows:"
head -n 4 "$out/churn_scores.csv" | cut -c1-200
