#include "registry/store/postgres_database.h"

#include <poll.h>

#include <pqxx/pqxx>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <utility>
#include <vector>

namespace podium::registry {
namespace {

// libpqxx reports errors by exceptions; they are turned into Status values
// here, at the module edge.
Status PostgresError(const std::exception& error, std::string_view what) {
  std::string message = std::string(what) + ": " + error.what();
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error)) {
    const std::string& state = sql->sqlstate();
    if (state == "23505") return AlreadyExistsError(std::move(message));
    if (state == "23503") return FailedPreconditionError(std::move(message));
    if (state == "40001" || state == "40P01" || state == "55P03") return UnavailableError(std::move(message));
    if (state.rfind("08", 0) == 0 || state.rfind("57", 0) == 0) return UnavailableError(std::move(message));
    return InternalError(std::move(message));
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr) return UnavailableError(std::move(message));
  return InternalError(std::move(message));
}

class PostgresTransaction final : public Transaction {
 public:
  explicit PostgresTransaction(pqxx::work& work) : work_(work) {}

  Result<Rows> Query(std::string_view sql, const std::vector<SqlParam>& params) override {
    try {
      std::vector<const char*> values;
      values.reserve(params.size());
      for (const SqlParam& p : params) values.push_back(p.has_value() ? p->c_str() : nullptr);
      const pqxx::result result =
          work_.exec_params(std::string(sql), pqxx::prepare::make_dynamic_params(values));
      Rows rows;
      rows.reserve(result.size());
      for (const auto& row : result) {
        std::vector<std::optional<std::string>> cells(row.size());
        for (pqxx::row::size_type c = 0; c < row.size(); ++c) {
          if (!row[c].is_null()) cells[c] = std::string(row[c].c_str(), row[c].size());
        }
        rows.emplace_back(std::move(cells));
      }
      return rows;
    } catch (const std::exception& error) {
      return PostgresError(error, "query '" + std::string(sql.substr(0, 80)) + "'");
    }
  }

 private:
  pqxx::work& work_;
};

class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(PostgresOptions options) : options_(std::move(options)) {}

  Dialect dialect() const override { return Dialect::kPostgres; }

  Status Read(const std::function<Status(Transaction&)>& body) override {
    return Run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", body);
  }
  Status Write(const std::function<Status(Transaction&)>& body) override {
    // Read committed: each statement sees what earlier writers committed, and
    // the row lock taken first makes writers run one after another.
    return Run("SELECT id FROM write_lock WHERE id = 1 FOR UPDATE", body);
  }
  Status Migrate(const std::function<Status(Transaction&)>& body) override {
    return Run("SELECT pg_advisory_xact_lock(7243911)", body);
  }

  // Keeps an opened connection for later transactions.
  void Adopt(std::unique_ptr<pqxx::connection> connection) {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    idle_.push_back(std::move(connection));
  }

  Result<std::unique_ptr<pqxx::connection>> Connect() {
    try {
      return std::make_unique<pqxx::connection>(options_.url);
    } catch (const std::exception& error) {
      return UnavailableError(std::string("cannot connect to PostgreSQL: ") + error.what());
    }
  }

 private:
  Status Run(const char* first_statement, const std::function<Status(Transaction&)>& body) {
    std::unique_ptr<pqxx::connection> connection;
    {
      std::lock_guard<std::mutex> lock(pool_mutex_);
      if (!idle_.empty()) {
        connection = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!connection) {
      ASSIGN_OR_RETURN(connection, Connect());
    }
    Status status;
    bool reusable = true;
    try {
      pqxx::work work(*connection);
      PostgresTransaction tx(work);
      status = tx.Exec(first_statement);
      if (status.ok()) status = body(tx);
      if (status.ok()) {
        work.commit();
      } else {
        work.abort();
      }
    } catch (const std::exception& error) {
      status = PostgresError(error, "transaction");
      reusable = false;
    }
    if (reusable && connection->is_open()) {
      std::lock_guard<std::mutex> lock(pool_mutex_);
      idle_.push_back(std::move(connection));
    }
    return status;
  }

  const PostgresOptions options_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;  // guarded by pool_mutex_
};

// Counts the notifications its connection dispatches; the payload is not
// needed (the audit log says what changed).
class CountingReceiver final : public pqxx::notification_receiver {
 public:
  CountingReceiver(pqxx::connection_base& connection, const std::string& channel)
      : pqxx::notification_receiver(connection, channel) {}
  void operator()(const std::string& payload, int backend_pid) override { ++count_; }
  int TakeCount() {
    const int count = count_;
    count_ = 0;
    return count;
  }

 private:
  int count_ = 0;
};

class PqxxListener final : public PostgresListener {
 public:
  explicit PqxxListener(std::unique_ptr<pqxx::connection> connection) : connection_(std::move(connection)) {}
  ~PqxxListener() override {
    receiver_.reset();  // unregisters from the connection first
  }

  Status Listen(const std::string& channel) {
    try {
      receiver_ = std::make_unique<CountingReceiver>(*connection_, channel);
      return Status::Ok();
    } catch (const std::exception& error) {
      return PostgresError(error, "LISTEN " + channel);
    }
  }

  Result<int> Wait(int timeout_ms, int wake_fd) override {
    try {
      if (!connection_->is_open()) return UnavailableError("the PostgreSQL listener connection is closed");
      // Notifications that arrived with an earlier reply are already read.
      connection_->get_notifs();
      if (int count = receiver_->TakeCount(); count > 0) return count;
      pollfd fds[2] = {{connection_->sock(), POLLIN, 0}, {wake_fd, POLLIN, 0}};
      const int ready = ::poll(fds, wake_fd >= 0 ? 2 : 1, timeout_ms);
      if (ready < 0 && errno != EINTR) return UnavailableError(std::string("poll: ") + std::strerror(errno));
      if (ready > 0 && (fds[0].revents & (POLLIN | POLLERR | POLLHUP)) != 0) {
        connection_->get_notifs();  // reads the socket; throws when the connection is gone
        if (!connection_->is_open()) return UnavailableError("the PostgreSQL listener connection closed");
      }
      return receiver_->TakeCount();
    } catch (const std::exception& error) {
      return PostgresError(error, "waiting for notifications");
    }
  }

 private:
  std::unique_ptr<pqxx::connection> connection_;
  std::unique_ptr<CountingReceiver> receiver_;  // registered with *connection_
};

}  // namespace

Result<std::unique_ptr<PostgresListener>> PostgresListener::Connect(const std::string& url,
                                                                    const std::string& channel) {
  if (!IsPostgresUrl(url)) return InvalidArgumentError("not a PostgreSQL URL (postgresql://...): '" + url + "'");
  std::unique_ptr<pqxx::connection> connection;
  try {
    connection = std::make_unique<pqxx::connection>(url);
  } catch (const std::exception& error) {
    return UnavailableError(std::string("cannot connect to PostgreSQL: ") + error.what());
  }
  auto listener = std::make_unique<PqxxListener>(std::move(connection));
  RETURN_IF_ERROR(listener->Listen(channel));
  return std::unique_ptr<PostgresListener>(std::move(listener));
}

bool IsPostgresUrl(std::string_view text) {
  return text.rfind("postgresql://", 0) == 0 || text.rfind("postgres://", 0) == 0;
}

Result<std::unique_ptr<Database>> OpenPostgresDatabase(const PostgresOptions& options) {
  if (!IsPostgresUrl(options.url)) {
    return InvalidArgumentError("not a PostgreSQL URL (postgresql://...): '" + options.url + "'");
  }
  auto database = std::make_unique<PostgresDatabase>(options);
  ASSIGN_OR_RETURN(std::unique_ptr<pqxx::connection> first, database->Connect());
  database->Adopt(std::move(first));
  return std::unique_ptr<Database>(std::move(database));
}

}  // namespace podium::registry
