// Test helpers: a fresh store per test on either backend, a valid pipeline
// artifact, and signing helpers. Not part of the library.
#ifndef PODIUM_REGISTRY_TEST_SUPPORT_H_
#define PODIUM_REGISTRY_TEST_SUPPORT_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "registry/registry.h"

namespace podium::registry::testing {

enum class Backend { kSqlite, kPostgres };
std::string BackendName(Backend backend);

// A fresh, empty store: a temporary data directory, and for PostgreSQL a new
// schema on the server the registry_pg fixture started (its URL is read from
// PODIUM_REGISTRY_PG_URL_FILE or the PODIUM_REGISTRY_TEST_PG_URL variable).
// The directory is removed when the TestStore dies.
class TestStore {
 public:
  static Result<std::unique_ptr<TestStore>> Create(Backend backend);
  ~TestStore();
  const RegistryOptions& options() const { return options_; }
  const std::string& dir() const { return dir_; }
  Result<std::unique_ptr<Registry>> Open() const { return Registry::Open(options_); }

 private:
  TestStore() = default;
  std::string dir_;
  RegistryOptions options_;
};

// The PostgreSQL server URL for tests, or "" when none is running.
std::string PostgresTestUrl();

// A valid pipeline artifact (the credit GLM test pipeline); `variant` changes
// its first coefficient so different variants have different digests.
std::string CreditPipelineArtifact(int variant = 0);

// Signs a prepared statement with `secret_key_hex`.
DecisionRequest SignDecision(const ApprovalStatement& statement, const std::string& secret_key_hex);

}  // namespace podium::registry::testing

#define ASSERT_OK_AND_ASSIGN(lhs, expr)                                  \
  ASSERT_OK_AND_ASSIGN_IMPL(PODIUM_CONCAT(test_result_, __COUNTER__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr)    \
  auto tmp = (expr);                                 \
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString();  \
  lhs = std::move(tmp).value()
#define ASSERT_OK(expr)                                                                         \
  do {                                                                                          \
    const ::podium::Status test_status_ = ::podium::status_internal::GetStatus((expr));         \
    ASSERT_TRUE(test_status_.ok()) << test_status_.ToString();                                  \
  } while (false)
#define EXPECT_STATUS(expr, expected_code, substring)                                           \
  do {                                                                                          \
    const ::podium::Status test_status_ = ::podium::status_internal::GetStatus((expr));         \
    EXPECT_EQ(test_status_.code(), expected_code) << test_status_.ToString();                   \
    EXPECT_NE(test_status_.message().find(substring), std::string::npos) << test_status_.ToString(); \
  } while (false)

#endif  // PODIUM_REGISTRY_TEST_SUPPORT_H_
