// The PostgreSQL backend of the registry's storage interface (libpqxx).
// Thread-safe (see database.h).
#ifndef PODIUM_REGISTRY_STORE_POSTGRES_DATABASE_H_
#define PODIUM_REGISTRY_STORE_POSTGRES_DATABASE_H_

#include <memory>
#include <string>

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

}  // namespace podium::registry

#endif  // PODIUM_REGISTRY_STORE_POSTGRES_DATABASE_H_
