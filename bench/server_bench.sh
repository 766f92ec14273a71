#!/usr/bin/env bash
# Scoring server benchmark: wrk (2 threads, 64 keep-alive connections) sends
# single-row requests for BENCH_SECONDS (default 10) to
#   * nginx answering a fixed small JSON body (the floor: HTTP alone),
#   * `podium server` (2 io threads, or PODIUM_BENCH_THREADS): a 100-tree depth-6 XGBoost model (28
#     features, bench/make_score_bench_data.py) and the demo churn GLM pipeline,
#   * FastAPI + uvicorn (2 workers) scoring the same two models with XGBoost
#     and scikit-learn (bench/server_peer.py),
# all on 127.0.0.1, and prints requests/s, latency p50/p99 and the ratios,
# then the podium latency at half its maximum rate (paced connections).
# Everything it starts it stops. Run it on a quiet machine: the client and the
# servers share the cores.
# Usage: bench/server_bench.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-${BENCH_SECONDS:-10}}"
threads="${PODIUM_BENCH_THREADS:-2}"  # podium server --threads
podium="${PODIUM_BIN:-build/release/src/cli/podium}"
scripts/setup.sh --bench >/dev/null
for tool in wrk nginx; do
  command -v "$tool" >/dev/null || { echo "server_bench: $tool is missing (scripts/setup.sh --bench installs it)" >&2; exit 1; }
done
[ -x "$podium" ] || scripts/build.sh release
dir=build/bench/server
mkdir -p "$dir"
if [ ! -f "$dir/model.json" ]; then
  echo "making the 100x6 XGBoost model (once)"
  /usr/bin/python3 bench/make_score_bench_data.py --out "$dir" --rows 10 >/dev/null
fi

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() {  # wait_for URL: until it answers (10 s)
  for _ in $(seq 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "server_bench: $1 did not come up" >&2; exit 1
}

# Request bodies: one row each.
xgb_row=$(/usr/bin/python3 -c 'import json; print(json.dumps({"records": [{f"f{i}": round(0.1 * ((i * 7) % 11) - 0.5, 3) for i in range(28)}]}))')
glm_row='{"records": [{"account_length": 120, "total_day_minutes": 265.1, "total_eve_minutes": 197.4, "total_night_minutes": 244.7, "total_intl_minutes": 10, "total_intl_calls": 3, "number_customer_service_calls": 1, "total_day_charge": 45.07, "total_eve_charge": 16.78, "total_night_charge": 11.01, "total_intl_charge": 2.7, "number_vmail_messages": 25, "international_plan": "no", "voice_mail_plan": "yes"}]}'
token=bench-token

lua() {  # lua FILE BODY: a wrk script posting BODY
  local body=${2//\\/\\\\}
  body=${body//\"/\\\"}
  cat > "$1" <<LUA
wrk.method = "POST"
wrk.body = "$body"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
LUA
}
lua "$dir/xgb.lua" "$xgb_row"
lua "$dir/glm.lua" "$glm_row"
xgb_oip=$(/usr/bin/python3 -c 'import json; print(json.dumps({"inputs": [{"name": "x", "shape": [1, 28], "datatype": "FP32", "data": [round(0.1 * ((i * 7) % 11) - 0.5, 3) for i in range(28)]}]}))')
lua "$dir/xgb_oip.lua" "$xgb_oip"

results=()
run() {  # run NAME URL LUA
  local out
  out=$(wrk -t2 -c64 -d"${seconds}s" --latency -s "$3" "$2")
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  printf '%-28s %12s req/s   p50 %9s   p99 %9s%s\n' "$1" "$rps" "$p50" "$p99" "${non2xx:+   NON-2XX: $non2xx}"
  results+=("$1=$rps")
}

# nginx: a fixed small JSON body.
nginx_port=$(free_port)
mkdir -p "$dir/nginx"
cat > "$dir/nginx/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $PWD/$dir/nginx/nginx.pid;
error_log $PWD/$dir/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $PWD/$dir/nginx/body;
  proxy_temp_path $PWD/$dir/nginx/proxy;
  fastcgi_temp_path $PWD/$dir/nginx/fastcgi;
  uwsgi_temp_path $PWD/$dir/nginx/uwsgi;
  scgi_temp_path $PWD/$dir/nginx/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { default_type application/json; return 200 '{"rows":[{"probability_0":0.5,"probability_1":0.5,"label":"0"}]}'; }
  }
}
CONF
nginx -c "$PWD/$dir/nginx/nginx.conf" -p "$PWD/$dir/nginx" &
pids+=($!)
wait_for "http://127.0.0.1:$nginx_port/"

# podium server.
podium_port=$(free_port)
PODIUM_API_TOKEN=$token "$podium" server --model xgb="$dir/model.json" --model churn=data/demo/churn_pipeline.json \
  --port "$podium_port" --threads "$threads" 2>"$dir/podium.log" &
pids+=($!)
wait_for "http://127.0.0.1:$podium_port/v2/health/ready"

# FastAPI + uvicorn.
peer_port=$(free_port)
PEER_XGB_MODEL="$PWD/$dir/model.json" PEER_GLM_PIPELINE="$PWD/data/demo/churn_pipeline.json" \
  /usr/bin/python3 -m uvicorn server_peer:app --app-dir bench --host 127.0.0.1 --port "$peer_port" \
  --workers 2 --log-level warning --no-access-log &
pids+=($!)
for _ in $(seq 100); do
  curl -s -o /dev/null -d "$glm_row" -H 'Content-Type: application/json' "http://127.0.0.1:$peer_port/glm" && break
  sleep 0.2
done

echo "wrk: 2 threads, 64 connections, ${seconds}s each, single-row POST bodies; podium server --threads $threads"
run "nginx (fixed body)" "http://127.0.0.1:$nginx_port/" "$dir/xgb.lua"
run "podium xgb 100x6" "http://127.0.0.1:$podium_port/v1/models/xgb:predict" "$dir/xgb.lua"
run "podium xgb 100x6 (OIP)" "http://127.0.0.1:$podium_port/v2/models/xgb/infer" "$dir/xgb_oip.lua"
run "podium churn glm" "http://127.0.0.1:$podium_port/v1/models/churn:predict" "$dir/glm.lua"
run "fastapi xgb 100x6" "http://127.0.0.1:$peer_port/xgb" "$dir/xgb.lua"
run "fastapi churn glm" "http://127.0.0.1:$peer_port/glm" "$dir/glm.lua"

value() { for r in "${results[@]}"; do if [ "${r%%=*}" = "$1" ]; then echo "${r#*=}"; fi; done; }

# Half the maximum load: wrk is closed-loop, so the rate is set by pacing
# each connection (a 1 ms pause before each request, wrk's delay()) and by
# the number of connections: connections = target rate x (pause + p50).
half_load() {  # half_load NAME URL LUA
  local max target conns paced out
  max=$(value "$1")
  target=$(awk -v m="$max" 'BEGIN { printf "%d", m / 2 }')
  conns=$(awk -v t="$target" -v p="$4" 'BEGIN { c = int(t * (0.001 + p) + 0.5); if (c < 2) c = 2; if (c > 256) c = 256; print c }')
  paced="$dir/paced_$(basename "$3")"
  { cat "$3"; echo 'function delay() return 1 end'; } > "$paced"
  out=$(wrk -t2 -c"$conns" -d"${seconds}s" --latency -s "$paced" "$2")
  printf '%-28s %12s req/s   p50 %9s   p99 %9s   (target %s req/s, %s paced connections)\n' "$1 @ half load" \
    "$(awk '/^Requests\/sec/ {print $2}' <<<"$out")" "$(awk '$1 == "50%" {print $2}' <<<"$out")" \
    "$(awk '$1 == "99%" {print $2}' <<<"$out")" "$target" "$conns"
}
echo
echo "half the maximum load (paced):"
half_load "podium xgb 100x6" "http://127.0.0.1:$podium_port/v1/models/xgb:predict" "$dir/xgb.lua" 0.0004
half_load "podium churn glm" "http://127.0.0.1:$podium_port/v1/models/churn:predict" "$dir/glm.lua" 0.0004
echo
ratio() { awk -v a="$(value "$1")" -v b="$(value "$2")" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "podium / fastapi, xgb:  $(ratio 'podium xgb 100x6' 'fastapi xgb 100x6')x requests/s"
echo "podium / fastapi, glm:  $(ratio 'podium churn glm' 'fastapi churn glm')x requests/s"
echo "podium glm / nginx:     $(ratio 'podium churn glm' 'nginx (fixed body)') of the HTTP floor"
echo "podium xgb / nginx:     $(ratio 'podium xgb 100x6' 'nginx (fixed body)') of the HTTP floor"
