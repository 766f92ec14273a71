#!/usr/bin/env bash
# `podium registry` and `podium audit` run as a user would: bootstrap, roles,
# register, approve with signatures, promote, verify, audit, tampering.
# Usage: cli_test.sh PODIUM_BINARY SOURCE_DIR
set -euo pipefail
podium="$(realpath "${1:?usage: cli_test.sh PODIUM_BINARY SOURCE_DIR}")"
src="$(realpath "${2:?usage: cli_test.sh PODIUM_BINARY SOURCE_DIR}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
export PODIUM_DATA_DIR="$work/data"
unset PODIUM_API_TOKEN PODIUM_REGISTRY_URL

fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_fail CODE_NAME command...: the command must exit 1 naming the code.
expect_fail() {
  local code="$1"; shift
  local out
  if out="$("$@" 2>&1)"; then fail "expected $code from: $*"; fi
  grep -q "\[$code\]" <<<"$out" || fail "expected [$code] from: $* -- got: $out"
}
token_of() { awk '/token/ {print $NF}'; }

expect_fail UNAUTHENTICATED "$podium" registry list
admin="$("$podium" registry init-admin --name root | token_of)"
[[ "$admin" == pdm_* ]] || fail "no admin token"
expect_fail FAILED_PRECONDITION "$podium" registry init-admin --name again
alice="$("$podium" registry user add alice --role data-scientist --token "$admin" | token_of)"
bob="$("$podium" registry user add bob --role mlops --token "$admin" | token_of)"
carol="$("$podium" registry user add carol --role approver --token "$admin" | token_of)"
dave="$("$podium" registry user add dave --role risk --token "$admin" | token_of)"
"$podium" registry keygen --out carol.key --token "$carol" >/dev/null
"$podium" registry keygen --out dave.key --token "$dave" >/dev/null
[ "$(stat -c %a carol.key)" = 600 ] || fail "secret key file is not private"
expect_fail ALREADY_EXISTS "$podium" registry keygen --out carol.key --token "$carol"

"$podium" registry create credit --description "Consumer credit risk" --tag credit --use-case credit \
  --jurisdiction EU --token "$alice" >/dev/null
expect_fail PERMISSION_DENIED "$podium" registry create other --token "$carol"
expect_fail INVALID_ARGUMENT "$podium" registry register credit "$src/README.md" --token "$alice"
"$podium" registry register credit "$src/src/pipeline/testdata/credit_glm.json" --metric auc=0.71 \
  --code-ref git:abc --token "$alice" | grep -q "registered credit version 1" || fail "register"
"$podium" registry promote credit 1 development --reason smoke --token "$bob" >/dev/null
expect_fail FAILED_PRECONDITION "$podium" registry promote credit 1 pre-production --token "$bob"
"$podium" registry approve credit 1 pre-production --comment validated --key carol.key --token "$carol" >/dev/null
"$podium" registry promote credit 1 pre-production --token "$bob" >/dev/null
"$podium" registry approve credit 1 production --comment ok --key carol.key --token "$carol" >/dev/null
expect_fail FAILED_PRECONDITION "$podium" registry promote credit 1 production --token "$bob"
"$podium" registry approve credit 1 production --comment "risk ok" --key dave.key --token "$dave" > dave.txt
"$podium" registry user add grace --role approver --token "$admin" >/dev/null
"$podium" registry promote credit 1 production --reason "two approvals" --token "$bob" >/dev/null
"$podium" registry show credit@production --token "$bob" | grep -q "deployed in: development, pre-production, production" \
  || fail "show"
"$podium" registry verify credit 1 --token "$bob" | grep -q "3 signature(s) valid" || fail "verify"

# The signed statement verifies offline, and an altered one does not.
sed -n '/^podium-approval-statement/,/^time:/p' dave.txt > statement.txt
signature="$(awk '/^signature:/ {print $2}' dave.txt)"
dave_key="$("$podium" registry user list --token "$bob" | awk '$1 == "dave" {print $3}')"
"$podium" registry verify --statement statement.txt --signature "$signature" --public-key "$dave_key" >/dev/null
sed -i 's/decision: approve/decision: reject/' statement.txt
expect_fail PERMISSION_DENIED "$podium" registry verify --statement statement.txt --signature "$signature" \
  --public-key "$dave_key"

"$podium" audit verify --token "$bob" | grep -q "audit chain intact" || fail "audit verify"
"$podium" audit log --model credit --environment production --at "$(date -u +%Y-%m-%d)" --token "$bob" \
  | grep -q "credit version 1 was in production .* put there by bob" || fail "audit log --at"

# Tampering with a stored artifact byte is detected.
artifact="$(find data/artifacts/sha256 -type f | head -1)"
printf 'x' | dd of="$artifact" bs=1 seek=10 conv=notrunc status=none
expect_fail DATA_LOSS "$podium" registry verify credit 1 --token "$bob"
echo "registry CLI test passed"
