// Electronic signatures of approvals: Ed25519 (libsodium) over a canonical
// statement. The format is specified in docs/REGISTRY.md; in short, the
// statement is these lines, each "key: value\n", in this order:
//   podium-approval-statement: v1
//   model: <name>
//   version: <number>
//   artifact: sha256:<hex>
//   environment: <name>
//   decision: approve | reject
//   approver: <user name>
//   comment-sha256: <hex of the comment's SHA-256>
//   time: <YYYY-MM-DDTHH:MM:SS.ffffffZ>
// Names never contain line breaks (the registry refuses such names), so the
// statement is unambiguous. Thread-safe (pure functions over libsodium).
#ifndef PODIUM_REGISTRY_SIGNATURE_H_
#define PODIUM_REGISTRY_SIGNATURE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace podium::registry {

struct ApprovalStatement {
  std::string model;
  int64_t version = 0;
  std::string artifact_digest;
  std::string environment;
  std::string decision;  // "approve" or "reject"
  std::string approver;
  std::string comment;
  std::string time;  // RFC 3339 UTC, microseconds
};

std::string CanonicalStatement(const ApprovalStatement& statement);

// A key pair, hex encoded: public 32 bytes (64 hex), secret 64 bytes (128 hex).
struct SigningKeyPair {
  std::string public_key_hex;
  std::string secret_key_hex;
};

Result<SigningKeyPair> GenerateSigningKeyPair();

// The secret key file: "podium-ed25519-secret-key v1\n<secret hex>\n".
std::string FormatSecretKeyFile(const SigningKeyPair& pair);
// Reads the text of a secret key file back into a pair (the public key is
// derived from the secret). kInvalidArgument for anything else.
Result<SigningKeyPair> ParseSecretKeyFile(std::string_view text);

// OK when `public_key_hex` is 64 hex digits encoding a valid Ed25519 point;
// kInvalidArgument otherwise.
Status ValidatePublicKey(std::string_view public_key_hex);

// Detached signature (128 hex) of `message`.
Result<std::string> SignMessage(std::string_view message, std::string_view secret_key_hex);
// kInvalidArgument for a malformed key or signature, kPermissionDenied when
// the signature does not verify.
Status VerifySignature(std::string_view message, std::string_view signature_hex, std::string_view public_key_hex);

}  // namespace podium::registry

#endif  // PODIUM_REGISTRY_SIGNATURE_H_
