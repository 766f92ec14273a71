// The registry's storage interface: a small SQL database seam with two real
// backends (store/sqlite_database.h, store/postgres_database.h).
//
// The registry's schema and queries are written once, in the SQL subset both
// SQLite and PostgreSQL accept (parameters are $1, $2, ...; RETURNING; no
// vendor functions), so both backends have the same schema and semantics and
// the same behavioural suite runs against each. What differs lives here:
// connection handling, how a writer is serialised, and the few column types
// of the DDL (see Dialect).
//
// Thread-safety: a Database is thread-safe. It owns a pool of connections;
// each Read/Write call takes one for its duration. A Transaction is used only
// by the thread running the callback it was passed to.
#ifndef PODIUM_REGISTRY_STORE_DATABASE_H_
#define PODIUM_REGISTRY_STORE_DATABASE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace podium::registry {

// A parameter or a cell. Cells come back as text (or null); the accessors of
// Row convert.
using SqlParam = std::optional<std::string>;
inline SqlParam Param(std::string_view text) { return std::string(text); }
inline SqlParam Param(const char* text) { return std::string(text); }
inline SqlParam Param(const std::string& text) { return text; }
inline SqlParam Param(int64_t n) { return std::to_string(n); }
inline SqlParam Param(int n) { return std::to_string(n); }
SqlParam Param(double x);  // shortest round-trip text
inline SqlParam NullParam() { return std::nullopt; }

class Row {
 public:
  explicit Row(std::vector<std::optional<std::string>> cells) : cells_(std::move(cells)) {}
  size_t size() const { return cells_.size(); }
  bool IsNull(size_t i) const { return !cells_.at(i).has_value(); }
  // Null reads as "" / 0.
  const std::string& Text(size_t i) const;
  int64_t Int(size_t i) const;
  double Double(size_t i) const;

 private:
  std::vector<std::optional<std::string>> cells_;
};
using Rows = std::vector<Row>;

// One open transaction. Errors: kAlreadyExists for unique-key violations,
// kFailedPrecondition for foreign-key violations, kUnavailable when the
// database is busy or gone, kInternal for SQL errors (bugs).
class Transaction {
 public:
  virtual ~Transaction() = default;
  virtual Result<Rows> Query(std::string_view sql, const std::vector<SqlParam>& params = {}) = 0;
  // Query that must return at most one row.
  Result<std::optional<Row>> QueryOptionalRow(std::string_view sql, const std::vector<SqlParam>& params = {});
  Status Exec(std::string_view sql, const std::vector<SqlParam>& params = {});
};

enum class Dialect { kSqlite, kPostgres };

class Database {
 public:
  virtual ~Database() = default;
  virtual Dialect dialect() const = 0;
  // Runs `body` in a read-only transaction with a consistent snapshot.
  virtual Status Read(const std::function<Status(Transaction&)>& body) = 0;
  // Runs `body` in a read-write transaction serialised against every other
  // writer of the same database (from any process): SQLite takes the write
  // lock at BEGIN IMMEDIATE, PostgreSQL locks the one row of `write_lock`
  // first. Commits when `body` returns OK, rolls back otherwise, so a
  // mutation and its audit record are applied together or not at all.
  virtual Status Write(const std::function<Status(Transaction&)>& body) = 0;
  // Runs DDL statements (one migration) in one transaction.
  virtual Status Migrate(const std::function<Status(Transaction&)>& body) = 0;
};

}  // namespace podium::registry

#endif  // PODIUM_REGISTRY_STORE_DATABASE_H_
