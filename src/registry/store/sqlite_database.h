// The embedded SQLite backend of the registry's storage interface.
// Thread-safe (see database.h).
#ifndef PODIUM_REGISTRY_STORE_SQLITE_DATABASE_H_
#define PODIUM_REGISTRY_STORE_SQLITE_DATABASE_H_

#include <memory>
#include <string>

#include "base/status.h"
#include "registry/store/database.h"

namespace podium::registry {

struct SqliteOptions {
  // The database file; created if missing (its directory must exist).
  std::string path;
  // How long a writer waits for another process's write lock before
  // kUnavailable.
  int busy_timeout_ms = 30000;
  // true: synchronous=FULL (a commit survives power loss). false:
  // synchronous=NORMAL (survives a process crash, may lose the last commits
  // on power loss). WAL mode either way.
  bool full_sync = true;
};

// Opens the file in WAL mode with foreign keys enforced.
Result<std::unique_ptr<Database>> OpenSqliteDatabase(const SqliteOptions& options);

}  // namespace podium::registry

#endif  // PODIUM_REGISTRY_STORE_SQLITE_DATABASE_H_
