// Test helpers for module expr.
#ifndef PODIUM_EXPR_TEST_UTIL_H_
#define PODIUM_EXPR_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <string_view>

#include "base/status.h"

namespace podium::expr {

// Succeeds if `result` failed with `code` and its message contains `message`.
template <typename T>
::testing::AssertionResult IsError(const Result<T>& result, StatusCode code,
                                   std::string_view message) {
  if (result.ok()) return ::testing::AssertionFailure() << "succeeded";
  const Status& status = result.status();
  if (status.code() != code ||
      status.message().find(message) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "got " << status.ToString() << "; want "
           << StatusCodeName(code) << " containing \"" << message << "\"";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace podium::expr

#endif  // PODIUM_EXPR_TEST_UTIL_H_
