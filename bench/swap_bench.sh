#!/usr/bin/env bash
# Hot-swap benchmark of the scoring server on a 500-tree depth-8 XGBoost
# model (28 features, bench/make_score_bench_data.py, 12 MB of JSON):
#   1. the maximum rate of single-row predicts (wrk, 2 threads, 64 keep-alive
#      connections);
#   2. steady state at half that rate (paced connections): p50 / p99;
#   3. the same paced load while the model is swapped SWAPS times through the
#      admin reload endpoint (each reload reads, validates and compiles the
#      file aside, then publishes it): p50 / p99 during the swaps, and the time
#      of each swap as the caller sees it (request to published answer).
# It also checks that no request failed. Everything it starts it stops; run it
# on a quiet machine.
# Usage: bench/swap_bench.sh [seconds] [swaps]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-${BENCH_SECONDS:-10}}"
swaps="${2:-20}"
podium="${PODIUM_BIN:-build/release/src/cli/podium}"
scripts/setup.sh --bench >/dev/null
command -v wrk >/dev/null || { echo "swap_bench: wrk is missing (scripts/setup.sh --bench installs it)" >&2; exit 1; }
[ -x "$podium" ] || scripts/build.sh release
dir=build/bench/swap
mkdir -p "$dir"
if [ ! -f "$dir/model.json" ]; then
  echo "making the 500x8 XGBoost model (once)"
  /usr/bin/python3 bench/make_score_bench_data.py --out "$dir" --rows 10 --trees 500 --depth 8 >/dev/null
fi

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
token=bench-token
PODIUM_API_TOKEN=$token "$podium" server --model big="$dir/model.json" --port "$port" --threads 2 2>"$dir/podium.log" &
pids+=($!)
for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$port/v2/health/ready" && break; sleep 0.1; done
url="http://127.0.0.1:$port/v1/models/big:predict"

row=$(/usr/bin/python3 -c 'import json; print(json.dumps({"records": [{f"f{i}": round(0.1 * ((i * 7) % 11) - 0.5, 3) for i in range(28)}]}))')
body=${row//\"/\\\"}
cat > "$dir/predict.lua" <<LUA
wrk.method = "POST"
wrk.body = "$body"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
LUA
{ cat "$dir/predict.lua"; echo 'function delay() return 1 end'; } > "$dir/paced.lua"

field() { awk -v k="$1" '$1 == k {print $2}'; }
report() {  # report LABEL WRK_OUTPUT
  local non2xx errors
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$2")
  errors=$(awk '/Socket errors/ {print}' <<<"$2")
  printf '%-24s %10s req/s   p50 %9s   p99 %9s%s%s\n' "$1" "$(awk '/^Requests\/sec/ {print $2}' <<<"$2")" \
    "$(field 50% <<<"$2")" "$(field 99% <<<"$2")" "${non2xx:+   NON-2XX: $non2xx}" "${errors:+   $errors}"
}

max_out=$(wrk -t2 -c64 -d"${seconds}s" --latency -s "$dir/predict.lua" "$url")
report "maximum (64 conns)" "$max_out"
max=$(awk '/^Requests\/sec/ {print $2}' <<<"$max_out")
# Paced connections: each pauses 1 ms before a request; about 0.4 ms latency.
conns=$(awk -v m="$max" 'BEGIN { c = int(m / 2 * 0.0014 + 0.5); if (c < 2) c = 2; if (c > 256) c = 256; print c }')
echo "half load: target $(awk -v m="$max" 'BEGIN { printf "%d", m / 2 }') req/s with $conns paced connections"

steady_out=$(wrk -t2 -c"$conns" -d"${seconds}s" --latency -s "$dir/paced.lua" "$url")
report "steady, half load" "$steady_out"

wrk -t2 -c"$conns" -d"${seconds}s" --latency -s "$dir/paced.lua" "$url" >"$dir/during.txt" &
wrk_pid=$!
sleep 0.5
: >"$dir/swap_times.txt"
pause=$(awk -v s="$seconds" -v n="$swaps" 'BEGIN { p = (s - 1.5) / n - 0.3; if (p < 0) p = 0; print p }')
for _ in $(seq "$swaps"); do
  curl -s -o "$dir/reload.json" -w '%{time_total}\n' -X POST -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$port/v1/admin/models/big:reload" >>"$dir/swap_times.txt"
  grep -q '"version"' "$dir/reload.json" || { echo "swap_bench: reload failed: $(cat "$dir/reload.json")" >&2; exit 1; }
  sleep "$pause"
done
wait "$wrk_pid"
during_out=$(cat "$dir/during.txt")
report "during $swaps swaps" "$during_out"
version=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/models/big/status" |
  /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["champion"]["version"], d["health"]["last_load_seconds"])')
echo "served version after the swaps, last load seconds: $version"
sort -n "$dir/swap_times.txt" | awk '{ t[NR] = $1 * 1000 } END {
  printf "swap time (reload request to published), ms: median %.1f, max %.1f over %d swaps\n", t[int((NR + 1) / 2)], t[NR], NR }'
to_ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } printf "%.3f", v }'; }
steady_p99=$(field 99% <<<"$steady_out" | to_ms)
during_p99=$(field 99% <<<"$during_out" | to_ms)
awk -v a="$during_p99" -v b="$steady_p99" 'BEGIN { printf "p99 during swaps / steady p99: %.2f (%.3f ms / %.3f ms)\n", a / b, a, b }'
