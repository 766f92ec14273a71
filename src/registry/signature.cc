#include "registry/signature.h"

#include <sodium.h>

#include <vector>

#include "base/sha256.h"

namespace podium::registry {
namespace {

constexpr std::string_view kSecretKeyHeader = "podium-ed25519-secret-key v1\n";

Status InitSodium() {
  // sodium_init is thread-safe and idempotent: 0 first time, 1 afterwards.
  if (sodium_init() < 0) return InternalError("libsodium failed to initialise");
  return Status::Ok();
}

std::string ToHex(const unsigned char* bytes, size_t size) {
  std::string hex(size * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes, size);
  hex.pop_back();
  return hex;
}

Result<std::vector<unsigned char>> FromHex(std::string_view hex, size_t size, std::string_view what) {
  std::vector<unsigned char> bytes(size);
  size_t decoded = 0;
  const char* end = nullptr;
  if (hex.size() != size * 2 ||
      sodium_hex2bin(bytes.data(), size, hex.data(), hex.size(), nullptr, &decoded, &end) != 0 || decoded != size) {
    return InvalidArgumentError(std::string(what) + " must be " + std::to_string(size * 2) + " hex digits");
  }
  return bytes;
}

}  // namespace

std::string CanonicalStatement(const ApprovalStatement& s) {
  std::string out;
  out += "podium-approval-statement: v1\n";
  out += "model: " + s.model + "\n";
  out += "version: " + std::to_string(s.version) + "\n";
  out += "artifact: " + s.artifact_digest + "\n";
  out += "environment: " + s.environment + "\n";
  out += "decision: " + s.decision + "\n";
  out += "approver: " + s.approver + "\n";
  out += "comment-sha256: " + Sha256Hex(s.comment) + "\n";
  out += "time: " + s.time + "\n";
  return out;
}

Result<SigningKeyPair> GenerateSigningKeyPair() {
  RETURN_IF_ERROR(InitSodium());
  unsigned char public_key[crypto_sign_PUBLICKEYBYTES];
  unsigned char secret_key[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(public_key, secret_key);
  SigningKeyPair pair{ToHex(public_key, sizeof(public_key)), ToHex(secret_key, sizeof(secret_key))};
  sodium_memzero(secret_key, sizeof(secret_key));
  return pair;
}

std::string FormatSecretKeyFile(const SigningKeyPair& pair) {
  return std::string(kSecretKeyHeader) + pair.secret_key_hex + "\n";
}

Result<SigningKeyPair> ParseSecretKeyFile(std::string_view text) {
  RETURN_IF_ERROR(InitSodium());
  if (text.substr(0, kSecretKeyHeader.size()) != kSecretKeyHeader) {
    return InvalidArgumentError("not a podium secret key file (expected the line 'podium-ed25519-secret-key v1')");
  }
  std::string_view hex = text.substr(kSecretKeyHeader.size());
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) hex.remove_suffix(1);
  ASSIGN_OR_RETURN(std::vector<unsigned char> secret, FromHex(hex, crypto_sign_SECRETKEYBYTES, "the secret key"));
  unsigned char public_key[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_ed25519_sk_to_pk(public_key, secret.data());
  SigningKeyPair pair{ToHex(public_key, sizeof(public_key)), std::string(hex)};
  sodium_memzero(secret.data(), secret.size());
  return pair;
}

Status ValidatePublicKey(std::string_view public_key_hex) {
  RETURN_IF_ERROR(InitSodium());
  ASSIGN_OR_RETURN(std::vector<unsigned char> key, FromHex(public_key_hex, crypto_sign_PUBLICKEYBYTES, "the public key"));
  if (crypto_core_ed25519_is_valid_point(key.data()) != 1) {
    return InvalidArgumentError("the public key is not a valid Ed25519 key");
  }
  return Status::Ok();
}

Result<std::string> SignMessage(std::string_view message, std::string_view secret_key_hex) {
  RETURN_IF_ERROR(InitSodium());
  ASSIGN_OR_RETURN(std::vector<unsigned char> secret, FromHex(secret_key_hex, crypto_sign_SECRETKEYBYTES, "the secret key"));
  unsigned char signature[crypto_sign_BYTES];
  crypto_sign_detached(signature, nullptr, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret.data());
  sodium_memzero(secret.data(), secret.size());
  return ToHex(signature, sizeof(signature));
}

Status VerifySignature(std::string_view message, std::string_view signature_hex, std::string_view public_key_hex) {
  RETURN_IF_ERROR(InitSodium());
  ASSIGN_OR_RETURN(std::vector<unsigned char> signature, FromHex(signature_hex, crypto_sign_BYTES, "the signature"));
  ASSIGN_OR_RETURN(std::vector<unsigned char> key, FromHex(public_key_hex, crypto_sign_PUBLICKEYBYTES, "the public key"));
  if (crypto_sign_verify_detached(signature.data(), reinterpret_cast<const unsigned char*>(message.data()),
                                  message.size(), key.data()) != 0) {
    return PermissionDeniedError("the signature does not match the statement and public key");
  }
  return Status::Ok();
}

}  // namespace podium::registry
