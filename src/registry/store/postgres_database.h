// The PostgreSQL backend of the registry's storage interface (libpqxx).
// Thread-safe (see database.h).
#ifndef PODIUM_REGISTRY_STORE_POSTGRES_DATABASE_H_
#define PODIUM_REGISTRY_STORE_POSTGRES_DATABASE_H_

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "registry/store/database.h"

namespace podium::registry {

struct PostgresOptions {
  // A libpq connection URL, e.g. postgresql://podium@127.0.0.1:5432/registry
  // (options=-csearch_path%3Dschema selects a schema).
  std::string url;
};

// Connects once to check the URL; kUnavailable when the server cannot be
// reached, kInvalidArgument for a malformed URL.
Result<std::unique_ptr<Database>> OpenPostgresDatabase(const PostgresOptions& options);

// True for "postgres://..." and "postgresql://..." URLs.
bool IsPostgresUrl(std::string_view text);

// A dedicated connection that LISTENs on one channel, for ChangeFeed.
// Thread-compatible: used by one thread at a time (the feed's).
class PostgresListener {
 public:
  // Connects and LISTENs. kUnavailable when the server cannot be reached.
  static Result<std::unique_ptr<PostgresListener>> Connect(const std::string& url, const std::string& channel);
  virtual ~PostgresListener() = default;
  // Waits until a notification arrives, `wake_fd` (a descriptor of the
  // caller's, e.g. a pipe) is readable, or `timeout_ms` passed. Returns the
  // number of notifications consumed (0: woken or timed out); kUnavailable
  // when the connection was lost (the caller reconnects).
  virtual Result<int> Wait(int timeout_ms, int wake_fd) = 0;
};

}  // namespace podium::registry

#endif  // PODIUM_REGISTRY_STORE_POSTGRES_DATABASE_H_
