#include "base/file.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace podium {
namespace {

std::string TempPath(const std::string& name) {
  return (std::filesystem::path(::testing::TempDir()) / name).string();
}

TEST(FileTest, WriteThenRead) {
  const std::string path = TempPath("podium_file_test.txt");
  ASSERT_TRUE(WriteFileAtomically(path, "hello\nworld").ok());
  Result<std::string> contents = ReadFileToString(path);
  ASSERT_TRUE(contents.ok()) << contents.status().ToString();
  EXPECT_EQ(*contents, "hello\nworld");
  std::filesystem::remove(path);
}

TEST(FileTest, MissingFileIsNotFoundAndNamesPath) {
  Result<std::string> contents = ReadFileToString(TempPath("no_such_file.json"));
  ASSERT_FALSE(contents.ok());
  EXPECT_EQ(contents.status().code(), StatusCode::kNotFound);
  EXPECT_NE(contents.status().message().find("no_such_file.json"), std::string::npos);
}

TEST(FileTest, SizeLimit) {
  const std::string path = TempPath("podium_big.txt");
  ASSERT_TRUE(WriteFileAtomically(path, std::string(100, 'x')).ok());
  Result<std::string> contents = ReadFileToString(path, 10);
  EXPECT_EQ(contents.status().code(), StatusCode::kResourceExhausted);
  std::filesystem::remove(path);
}

TEST(FileTest, DirectoryIsInvalidArgument) {
  Result<std::string> contents = ReadFileToString(::testing::TempDir());
  EXPECT_EQ(contents.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace podium
