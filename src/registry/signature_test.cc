#include "registry/signature.h"

#include <gtest/gtest.h>

namespace podium::registry {
namespace {

ApprovalStatement Statement() {
  return {"credit", 3, "sha256:" + std::string(64, 'a'), "production", "approve", "carol", "looks good",
          "2026-03-01T10:00:00.000000Z"};
}

TEST(CanonicalStatementTest, IsTheDocumentedLines) {
  EXPECT_EQ(CanonicalStatement(Statement()),
            "podium-approval-statement: v1\n"
            "model: credit\n"
            "version: 3\n"
            "artifact: sha256:" + std::string(64, 'a') + "\n"
            "environment: production\n"
            "decision: approve\n"
            "approver: carol\n"
            "comment-sha256: cada083c27dc6cd8a10e2ac665bb77ce681975913b7555bf3a82e5ce42382a04\n"
            "time: 2026-03-01T10:00:00.000000Z\n");
}

TEST(SignatureTest, SignsAndVerifies) {
  Result<SigningKeyPair> pair = GenerateSigningKeyPair();
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(pair->public_key_hex.size(), 64u);
  EXPECT_EQ(pair->secret_key_hex.size(), 128u);
  const std::string message = CanonicalStatement(Statement());
  Result<std::string> signature = SignMessage(message, pair->secret_key_hex);
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(signature->size(), 128u);
  EXPECT_TRUE(VerifySignature(message, *signature, pair->public_key_hex).ok());

  ApprovalStatement changed = Statement();
  changed.decision = "reject";
  EXPECT_EQ(VerifySignature(CanonicalStatement(changed), *signature, pair->public_key_hex).code(),
            StatusCode::kPermissionDenied);
  changed = Statement();
  changed.comment = "looks good!";
  EXPECT_EQ(VerifySignature(CanonicalStatement(changed), *signature, pair->public_key_hex).code(),
            StatusCode::kPermissionDenied);
  std::string flipped = *signature;
  flipped[0] = flipped[0] == '0' ? '1' : '0';
  EXPECT_EQ(VerifySignature(message, flipped, pair->public_key_hex).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(VerifySignature(message, "zz", pair->public_key_hex).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifySignature(message, *signature, "abcd").code(), StatusCode::kInvalidArgument);
}

TEST(ValidatePublicKeyTest, AcceptsRealKeysOnly) {
  Result<SigningKeyPair> pair = GenerateSigningKeyPair();
  ASSERT_TRUE(pair.ok());
  EXPECT_TRUE(ValidatePublicKey(pair->public_key_hex).ok());
  EXPECT_EQ(ValidatePublicKey("abcd").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidatePublicKey(std::string(64, 'g')).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidatePublicKey(std::string(64, '0')).code(), StatusCode::kInvalidArgument);  // the identity point
}

TEST(SecretKeyFileTest, RoundTripsAndDerivesThePublicKey) {
  Result<SigningKeyPair> pair = GenerateSigningKeyPair();
  ASSERT_TRUE(pair.ok());
  Result<SigningKeyPair> read = ParseSecretKeyFile(FormatSecretKeyFile(*pair));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->public_key_hex, pair->public_key_hex);
  EXPECT_EQ(read->secret_key_hex, pair->secret_key_hex);
  EXPECT_EQ(ParseSecretKeyFile("hello").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSecretKeyFile("podium-ed25519-secret-key v1\nabc\n").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace podium::registry
