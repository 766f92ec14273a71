#include "http/token_cache.h"

#include <gtest/gtest.h>

namespace podium::http {
namespace {

using registry::Role;

TEST(TokenRoleCacheTest, AsksOncePerTtlAndForgetsAfterIt) {
  TokenRoleCache::Clock::time_point now{};
  int lookups = 0;
  TokenRoleCache::Options options;
  options.now = [&] { return now; };
  TokenRoleCache cache(
      [&](std::string_view token) -> Result<Role> {
        ++lookups;
        if (token == "good") return Role::kMlops;
        return UnauthenticatedError("unknown token");
      },
      options);
  for (int i = 0; i < 5; ++i) {
    Result<Role> role = cache.RoleOf("good");
    ASSERT_TRUE(role.ok());
    EXPECT_EQ(*role, Role::kMlops);
  }
  EXPECT_EQ(lookups, 1);
  now += std::chrono::seconds(11);  // past the 10 s success TTL
  EXPECT_TRUE(cache.RoleOf("good").ok());
  EXPECT_EQ(lookups, 2);

  EXPECT_EQ(cache.RoleOf("bad").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(cache.RoleOf("bad").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(lookups, 3) << "a refusal is remembered too";
  now += std::chrono::seconds(3);  // past the 2 s failure TTL
  EXPECT_FALSE(cache.RoleOf("bad").ok());
  EXPECT_EQ(lookups, 4);
}

TEST(TokenRoleCacheTest, StaysBoundedInSize) {
  int lookups = 0;
  TokenRoleCache::Options options;
  options.max_entries = 8;
  TokenRoleCache cache(
      [&](std::string_view) -> Result<Role> {
        ++lookups;
        return Role::kViewer;
      },
      options);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(cache.RoleOf("token-" + std::to_string(i)).ok());
  EXPECT_EQ(lookups, 100);
  ASSERT_TRUE(cache.RoleOf("token-99").ok());
  EXPECT_EQ(lookups, 100) << "the newest entries survive a reset";
}

}  // namespace
}  // namespace podium::http
