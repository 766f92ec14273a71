// Test helpers for the data module (used by *_test.cc only).
#ifndef PODIUM_DATA_TESTING_H_
#define PODIUM_DATA_TESTING_H_

#include <gtest/gtest.h>

#include <string_view>

#include "base/status.h"

namespace podium {

// EXPECT_TRUE(StatusIs(status, StatusCode::kInvalidArgument, "line 3"));
inline ::testing::AssertionResult StatusIs(const Status& status, StatusCode code,
                                           std::string_view substring = "") {
  if (status.code() == code && status.message().find(substring) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "got " << status.ToString() << ", want " << StatusCodeName(code) << " containing \""
         << substring << "\"";
}

}  // namespace podium

#endif  // PODIUM_DATA_TESTING_H_
