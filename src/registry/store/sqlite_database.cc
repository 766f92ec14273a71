#include "registry/store/sqlite_database.h"

#include <sqlite3.h>

#include <mutex>
#include <utility>
#include <vector>

namespace podium::registry {
namespace {

class SqliteConnection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() { sqlite3_close_v2(db_); }
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_;
};

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  const int primary = rc & 0xff;
  std::string message = std::string(what) + ": " + sqlite3_errmsg(db);
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return AlreadyExistsError(std::move(message));
  }
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return FailedPreconditionError(std::move(message));
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return UnavailableError(std::move(message));
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return DataLossError(std::move(message));
  if (primary == SQLITE_IOERR || primary == SQLITE_FULL || primary == SQLITE_CANTOPEN) {
    return UnavailableError(std::move(message));
  }
  return InternalError(std::move(message));
}

class SqliteTransaction final : public Transaction {
 public:
  explicit SqliteTransaction(sqlite3* db) : db_(db) {}

  Result<Rows> Query(std::string_view sql, const std::vector<SqlParam>& params) override {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare '" + std::string(sql.substr(0, 80)) + "'");
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, sqlite3_finalize);
    // Parameters are written $1, $2, ... as in PostgreSQL; SQLite treats them
    // as named parameters, so each is bound by its name.
    for (size_t i = 0; i < params.size(); ++i) {
      const std::string name = "$" + std::to_string(i + 1);
      const int index = sqlite3_bind_parameter_index(stmt.get(), name.c_str());
      if (index == 0) continue;
      rc = params[i].has_value()
               ? sqlite3_bind_text(stmt.get(), index, params[i]->data(), static_cast<int>(params[i]->size()),
                                   SQLITE_TRANSIENT)
               : sqlite3_bind_null(stmt.get(), index);
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "bind " + name);
    }
    Rows rows;
    const int columns = sqlite3_column_count(stmt.get());
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
      std::vector<std::optional<std::string>> cells(columns);
      for (int c = 0; c < columns; ++c) {
        switch (sqlite3_column_type(stmt.get(), c)) {
          case SQLITE_NULL:
            break;
          case SQLITE_FLOAT:
            cells[c] = *Param(sqlite3_column_double(stmt.get(), c));
            break;
          default: {
            const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), c));
            cells[c] = std::string(text, sqlite3_column_bytes(stmt.get(), c));
          }
        }
      }
      rows.emplace_back(std::move(cells));
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, sqlite3_extended_errcode(db_), "step '" + std::string(sql.substr(0, 80)) + "'");
    return rows;
  }

 private:
  sqlite3* db_;
};

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(SqliteOptions options) : options_(std::move(options)) {}

  Dialect dialect() const override { return Dialect::kSqlite; }

  Status Read(const std::function<Status(Transaction&)>& body) override {
    return Run("BEGIN", body);
  }
  Status Write(const std::function<Status(Transaction&)>& body) override {
    return Run("BEGIN IMMEDIATE", body);
  }
  Status Migrate(const std::function<Status(Transaction&)>& body) override {
    return Run("BEGIN IMMEDIATE", body);
  }

  // Keeps an opened connection for later transactions.
  void Adopt(std::unique_ptr<SqliteConnection> connection) {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    idle_.push_back(std::move(connection));
  }

  Result<std::unique_ptr<SqliteConnection>> Open() {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(options_.path.c_str(), &raw,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    auto connection = std::make_unique<SqliteConnection>(raw);
    if (rc != SQLITE_OK) return SqliteError(raw, rc, "open '" + options_.path + "'");
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, options_.busy_timeout_ms);
    SqliteTransaction tx(raw);
    const std::string sync = options_.full_sync ? "FULL" : "NORMAL";
    for (const std::string& pragma : {std::string("PRAGMA journal_mode=WAL"), std::string("PRAGMA foreign_keys=ON"),
                                      "PRAGMA synchronous=" + sync}) {
      Result<Rows> result = tx.Query(pragma, {});
      if (!result.ok()) return result.status().WithContext("'" + options_.path + "'");
    }
    return connection;
  }

 private:
  Status Run(const char* begin, const std::function<Status(Transaction&)>& body) {
    std::unique_ptr<SqliteConnection> connection;
    {
      std::lock_guard<std::mutex> lock(pool_mutex_);
      if (!idle_.empty()) {
        connection = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!connection) {
      ASSIGN_OR_RETURN(connection, Open());
    }
    Status status = RunOn(connection->get(), begin, body);
    if (sqlite3_get_autocommit(connection->get())) {  // no transaction left open
      std::lock_guard<std::mutex> lock(pool_mutex_);
      idle_.push_back(std::move(connection));
    }
    return status;
  }

  static Status RunOn(sqlite3* db, const char* begin, const std::function<Status(Transaction&)>& body) {
    SqliteTransaction tx(db);
    RETURN_IF_ERROR(tx.Exec(begin));
    Status status = body(tx);
    if (status.ok()) {
      status = tx.Exec("COMMIT");
      if (status.ok()) return status;
    }
    tx.Exec("ROLLBACK").IgnoreError();
    return status;
  }

  const SqliteOptions options_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_;  // guarded by pool_mutex_
};

}  // namespace

Result<std::unique_ptr<Database>> OpenSqliteDatabase(const SqliteOptions& options) {
  auto database = std::make_unique<SqliteDatabase>(options);
  // Open one connection now so a bad path or a corrupt file fails here.
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> first, database->Open());
  database->Adopt(std::move(first));
  return std::unique_ptr<Database>(std::move(database));
}

}  // namespace podium::registry
