#!/usr/bin/env bash
# `podium server --deploy` end to end: the server serves what the registry
# deploys; a promotion and a rollback made by another process (`podium
# registry ...`, SQLite store) reach it without a restart; a version whose
# artifact is corrupt never replaces the serving one, and its error is in the
# model's status and metrics.
# Usage: server_deploy_test.sh PODIUM_BINARY SOURCE_DIR
set -euo pipefail
podium="$(realpath "${1:?usage: server_deploy_test.sh PODIUM_BINARY SOURCE_DIR}")"
src="$(realpath "${2:?usage: server_deploy_test.sh PODIUM_BINARY SOURCE_DIR}")"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
export PODIUM_DATA_DIR="$work/data"
unset PODIUM_API_TOKEN PODIUM_TOKEN_FILE PODIUM_REGISTRY_URL PODIUM_REGISTRY_TOKEN PODIUM_REGISTRY_TOKEN_FILE

fail() {
  echo "FAIL: $*" >&2
  [ -f server.log ] && sed 's/^/  server: /' server.log >&2
  exit 1
}
token_of() { awk '/token/ {print $NF}'; }

admin="$("$podium" registry init-admin --name root | token_of)"
reader="$("$podium" registry user add podium-server --role viewer --token "$admin" | token_of)"
echo "$reader" > registry.token
echo "api-token-for-the-test" > api.token
chmod 600 registry.token api.token
"$podium" registry create credit --token "$admin" >/dev/null
# Three versions that differ in one coefficient.
for k in 1 2 3; do
  jq ".model.coefficients[0][0] = (-0.35 + 0.01 * $k)" "$src/src/pipeline/testdata/credit_glm.json" > "v$k.json"
  "$podium" registry register credit "v$k.json" --token "$admin" > "register$k.txt"
done
"$podium" registry promote credit 1 development --token "$admin" >/dev/null

"$podium" server --port 0 --token-file api.token --registry-token-file registry.token \
  --deploy credit=credit@development 2> server.log &
server_pid=$!
port=""
for _ in $(seq 1 300); do
  port="$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' server.log)"
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || fail "the server exited"
  sleep 0.1
done
[ -n "$port" ] || fail "the server did not start"
grep -q "deployment credit = credit@development: registry version 1" server.log || fail "startup line"

auth=(-H "Authorization: Bearer api-token-for-the-test")
served_version() {
  curl -sf "${auth[@]}" -d '{"records": [{"age": 35, "income": 4000, "debt": 100, "home": "rent", "vip": false}]}' \
    "http://127.0.0.1:$port/v1/models/credit:predict" | jq -r .version
}
# wait_for_version V: the server answers with version V within 10 s.
wait_for_version() {
  for _ in $(seq 1 1000); do
    [ "$(served_version)" = "$1" ] && return 0
    sleep 0.01
  done
  fail "version $1 not served within 10 s (serving $(served_version))"
}

[ "$(served_version)" = 1 ] || fail "not serving version 1 at start"
"$podium" registry promote credit 2 development --reason "better" --token "$admin" >/dev/null
wait_for_version 2
"$podium" registry promote credit 1 development --reason "roll back" --token "$admin" >/dev/null
wait_for_version 1

# Corrupt version 3's artifact on disk, then promote it: version 1 stays.
digest="$(sed -n 's/.*(sha256:\([0-9a-f]\{64\}\)).*/\1/p' register3.txt)"
[ -n "$digest" ] || fail "no digest for version 3"
artifact="data/artifacts/sha256/${digest:0:2}/${digest:2}"
[ -f "$artifact" ] || fail "no artifact file $artifact"
chmod u+w "$artifact" 2>/dev/null || true
printf '#' | dd of="$artifact" bs=1 seek=10 conv=notrunc status=none
"$podium" registry promote credit 3 development --token "$admin" >/dev/null
status=""
for _ in $(seq 1 1000); do
  status="$(curl -sf "${auth[@]}" "http://127.0.0.1:$port/v1/models/credit/status")"
  [ "$(jq -r '.health.last_error // empty' <<<"$status")" != "" ] && break
  sleep 0.01
done
jq -r .health.last_error <<<"$status" | grep -q "registry:credit@3" || fail "no load error in status: $status"
[ "$(jq -r '.deployment.slots[0].reference' <<<"$status")" = "credit@development" ] || fail "no deployment in status: $status"
[ "$(jq -r '.deployment.feed.ok' <<<"$status")" = "true" ] || fail "the feed is not ok in status: $status"
for _ in $(seq 1 1000); do
  status="$(curl -sf "${auth[@]}" "http://127.0.0.1:$port/v1/models/credit/status")"
  jq -r '.deployment.slots[0].last_error // empty' <<<"$status" | grep -q "version 3 failed to load" && break
  sleep 0.01
done
jq -r '.deployment.slots[0].last_error // empty' <<<"$status" | grep -q "version 3 failed to load" \
  || fail "the deployment does not show the failed load: $status"
[ "$(jq -r '.deployment.slots[0].registry_version' <<<"$status")" = 1 ] || fail "the deployment does not say version 1 serves"
[ "$(served_version)" = 1 ] || fail "a corrupt version replaced the serving one"
curl -sf "${auth[@]}" "http://127.0.0.1:$port/metrics" | grep -q '^podium_model_last_load_failed{model="credit"} 1' \
  || fail "metrics do not show the failed load"
curl -sf "${auth[@]}" "http://127.0.0.1:$port/metrics" | grep -q '^podium_registry_feed_up 1' \
  || fail "metrics do not show the change feed"
grep -q "version 3 failed to load" server.log || fail "the log does not show the failed load"
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""

# The YAML form: a champion and a challenger following their own names (a
# server does not start on a version that does not load, so version 1 first).
"$podium" registry promote credit 1 development --token "$admin" >/dev/null
"$podium" registry alias credit challenger 2 --token "$admin" >/dev/null
printf '%s\n' "port: 0" "token_file: api.token" "registry_token_file: registry.token" "deployments:" \
  "  - name: scoring" "    model: credit@development" "    challenger: credit@challenger" \
  "    policy: split" "    challenger_percent: 10" > server.yaml
"$podium" server --config server.yaml 2> server.log &
server_pid=$!
for _ in $(seq 1 300); do
  grep -q "listening on" server.log && break
  kill -0 "$server_pid" 2>/dev/null || fail "the server exited"
  sleep 0.1
done
grep -q "deployment scoring = credit@development: registry version 1" server.log || fail "YAML champion"
grep -q "deployment scoring (challenger) = credit@challenger: registry version 2" server.log || fail "YAML challenger"
echo "PASS"
