#include "http/token_cache.h"

#include <utility>

#include "base/sha256.h"

namespace podium::http {

TokenRoleCache::TokenRoleCache(Lookup lookup, Options options)
    : lookup_(std::move(lookup)), options_(std::move(options)) {}

Result<registry::Role> TokenRoleCache::RoleOf(std::string_view token) {
  const std::string key = Sha256Hex(token);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end() && options_.now() < it->second.expires) {
      if (!it->second.status.ok()) return it->second.status;
      return it->second.role;
    }
  }
  Result<registry::Role> looked_up = lookup_(token);
  Entry entry;
  if (looked_up.ok()) {
    entry.role = *looked_up;
    entry.expires = options_.now() + options_.success_ttl;
  } else {
    entry.status = looked_up.status();
    entry.expires = options_.now() + options_.failure_ttl;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (entries_.size() >= options_.max_entries) entries_.clear();
  entries_[key] = std::move(entry);
  return looked_up;
}

}  // namespace podium::http
