#!/usr/bin/env bash
# The quick start: installs what is missing, builds, and runs the demo job on
# embedded defaults: scores the bundled churn data with the bundled pipeline,
# then serves the pipeline over HTTP (skip that with --no-server).
set -euo pipefail
serve=1
[ "${1:-}" = "--no-server" ] && serve=0
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
[ "$serve" = 1 ] || exit 0

port="${PODIUM_PORT:-8080}"
echo
echo "== podium server: the demo model at http://127.0.0.1:$port (Ctrl-C stops it; docs/SERVER.md)"
echo "Try it (inference is public here; other endpoints need the token the server prints):"
row='{"records": [{"account_length": 120, "total_day_minutes": 265.1, "total_eve_minutes": 197.4, "total_night_minutes": 244.7, "total_intl_minutes": 10, "total_intl_calls": 3, "number_customer_service_calls": 5, "total_day_charge": 45.07, "total_eve_charge": 16.78, "total_night_charge": 11.01, "total_intl_charge": 2.7, "number_vmail_messages": 0, "international_plan": "yes", "voice_mail_plan": "no"}]}'
echo "  curl -s -d '$row' 'http://127.0.0.1:$port/v1/models/churn:predict?explain=true'"
echo "  or open http://127.0.0.1:$port/v1/models/churn/try in a browser"
exec "$podium" server --model churn=data/demo/churn_pipeline.json --host 127.0.0.1 --port "$port" --public-inference \
  --data-dir "$out/registry"
