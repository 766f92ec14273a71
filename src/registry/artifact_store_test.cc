#include "registry/artifact_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "base/sha256.h"

namespace podium::registry {
namespace {

class ArtifactStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "podium-cas-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    Result<std::unique_ptr<ArtifactStore>> store = OpenLocalArtifactStore({root_ + "/store"});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::string root_;
  std::unique_ptr<ArtifactStore> store_;
};

TEST_F(ArtifactStoreTest, PutGetRoundTripsUnderTheDigest) {
  Result<std::string> digest = store_->Put("model bytes");
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(*digest, "sha256:" + Sha256Hex("model bytes"));
  Result<std::string> bytes = store_->Get(*digest);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, "model bytes");
  EXPECT_TRUE(*store_->Contains(*digest));
  // Idempotent.
  EXPECT_EQ(*store_->Put("model bytes"), *digest);
  // Nothing is left in the temporary directory.
  EXPECT_TRUE(std::filesystem::is_empty(root_ + "/store/tmp"));
  const std::string missing = "sha256:" + Sha256Hex("other");
  EXPECT_EQ(store_->Get(missing).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(*store_->Contains(missing));
}

TEST_F(ArtifactStoreTest, AFlippedByteIsDetectedOnRead) {
  Result<std::string> digest = store_->Put("abcdefgh");
  ASSERT_TRUE(digest.ok());
  const std::string hex = digest->substr(7);
  const std::string path = root_ + "/store/sha256/" + hex.substr(0, 2) + "/" + hex.substr(2);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "abcdefgi";
  }
  const Status status = store_->Get(*digest).status();
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("is corrupt"), std::string::npos);
}

TEST_F(ArtifactStoreTest, NamesThatAreNotDigestsAreRefused) {
  const std::string good_hex = Sha256Hex("x");
  const std::vector<std::string> bad = {
      "",
      "../../etc/passwd",
      "/etc/passwd",
      "sha256:../" + good_hex.substr(3),
      "sha256:" + good_hex.substr(0, 63),
      "sha256:" + good_hex + "0",
      "SHA256:" + good_hex,
      "sha256:" + std::string(64, 'A'),
      "sha256:%2e%2e%2f" + good_hex.substr(9),
      "sha256:" + good_hex.substr(0, 32) + std::string("\0", 1) + good_hex.substr(33),
      "sha256:" + good_hex.substr(0, 62) + "\xc3\xa9",
      "sha256:..\\" + good_hex.substr(3),
      "md5:" + good_hex,
  };
  for (const std::string& name : bad) {
    EXPECT_EQ(ValidateArtifactName(name).code(), StatusCode::kInvalidArgument) << name;
    EXPECT_EQ(store_->Get(name).status().code(), StatusCode::kInvalidArgument) << name;
    EXPECT_EQ(store_->Contains(name).status().code(), StatusCode::kInvalidArgument) << name;
  }
  EXPECT_TRUE(ValidateArtifactName("sha256:" + good_hex).ok());
}

TEST_F(ArtifactStoreTest, RefusesArtifactsOverTheLimit) {
  Result<std::unique_ptr<ArtifactStore>> small = OpenLocalArtifactStore({root_ + "/small", 4});
  ASSERT_TRUE(small.ok());
  EXPECT_EQ((*small)->Put("12345").status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace podium::registry
