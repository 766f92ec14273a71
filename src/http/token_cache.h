// Remembers, for a short time, which role a registry bearer token has, so
// that a request authenticated by a registry token costs a hash lookup and
// not a database read. A revoked token therefore keeps working for at most
// the success TTL; a refused one is asked again after the failure TTL.
//
// Tokens are kept only as their SHA-256 digests. Thread-safe: one mutex
// (mutex_) guards the map; the lookup function runs outside it, so a slow
// database never blocks requests whose tokens are cached.
#ifndef PODIUM_HTTP_TOKEN_CACHE_H_
#define PODIUM_HTTP_TOKEN_CACHE_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"
#include "registry/policy.h"

namespace podium::http {

class TokenRoleCache {
 public:
  using Clock = std::chrono::steady_clock;
  using Lookup = std::function<Result<registry::Role>(std::string_view token)>;

  struct Options {
    std::chrono::milliseconds success_ttl{10000};
    std::chrono::milliseconds failure_ttl{2000};
    size_t max_entries = 4096;  // the map is emptied when it reaches this
    std::function<Clock::time_point()> now = [] { return Clock::now(); };
  };

  TokenRoleCache(Lookup lookup, Options options);
  TokenRoleCache(const TokenRoleCache&) = delete;
  TokenRoleCache& operator=(const TokenRoleCache&) = delete;

  // The role of `token`, from the cache or from the lookup. Errors are the
  // lookup's (an unknown token: kUnauthenticated).
  Result<registry::Role> RoleOf(std::string_view token);

 private:
  struct Entry {
    Status status;
    registry::Role role = registry::Role::kViewer;
    Clock::time_point expires;
  };

  const Lookup lookup_;
  const Options options_;
  std::mutex mutex_;  // guards entries_
  std::unordered_map<std::string, Entry> entries_;  // by token digest
};

}  // namespace podium::http

#endif  // PODIUM_HTTP_TOKEN_CACHE_H_
