// The registry's schema and its migrations (docs/REGISTRY.md lists the
// tables). Migrations are numbered, applied in order, each in its own
// transaction together with its row in schema_migrations, so a store is
// always at a whole migration. Thread-safe; concurrent openers of one store
// serialise on the store's migration lock.
#ifndef PODIUM_REGISTRY_SCHEMA_H_
#define PODIUM_REGISTRY_SCHEMA_H_

#include "base/status.h"
#include "registry/store/database.h"

namespace podium::registry {

inline constexpr int kSchemaVersion = 1;

// Applies the migrations `database` lacks. kFailedPrecondition when the store
// was written by a newer Podium (a higher schema version).
Status ApplyMigrations(Database& database, const std::string& now);

}  // namespace podium::registry

#endif  // PODIUM_REGISTRY_SCHEMA_H_
