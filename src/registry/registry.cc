#include "registry/registry.h"

#include <sodium.h>
#include <time.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "base/json_guard.h"
#include "base/sha256.h"
#include "pipeline/pipeline_json.h"
#include "registry/report.h"
#include "registry/schema.h"
#include "registry/store/postgres_database.h"
#include "registry/store/sqlite_database.h"

namespace podium::registry {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxNameLength = 128;
constexpr size_t kMaxTextLength = 64 * 1024;
constexpr size_t kMaxJsonLength = 4 * 1024 * 1024;
constexpr int kMaxSearchLimit = 10000;

// --- validation ------------------------------------------------------------

Status ValidateName(std::string_view kind, std::string_view name) {
  if (name.empty()) return InvalidArgumentError(std::string(kind) + " name is empty");
  if (name.size() > kMaxNameLength) {
    return InvalidArgumentError(std::string(kind) + " name is longer than " + std::to_string(kMaxNameLength));
  }
  const auto ok_first = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  const auto ok = [&](char c) { return ok_first(c) || c == '-' || c == '_' || c == '.'; };
  if (!ok_first(name[0]) || !std::all_of(name.begin(), name.end(), ok)) {
    return InvalidArgumentError(std::string(kind) + " name '" + std::string(name.substr(0, 64)) +
                                "' must start with a letter or digit and hold only letters, digits, '-', '_', '.'");
  }
  return Status::Ok();
}

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    int extra = 0;
    unsigned char low = 0x80, high = 0xbf;  // the allowed range of the second byte
    if (c < 0x80) {
      extra = 0;
    } else if (c >= 0xc2 && c <= 0xdf) {
      extra = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      if (c == 0xe0) low = 0xa0;   // no overlong forms
      if (c == 0xed) high = 0x9f;  // no surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      if (c == 0xf0) low = 0x90;
      if (c == 0xf4) high = 0x8f;  // nothing above U+10FFFF
    } else {
      return false;
    }
    if (i + extra >= text.size() && extra > 0) return false;
    for (int k = 1; k <= extra; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if (k == 1 ? (b < low || b > high) : (b & 0xc0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

Status ValidateText(std::string_view kind, std::string_view text, size_t max = kMaxTextLength) {
  if (text.size() > max) return InvalidArgumentError(std::string(kind) + " is longer than " + std::to_string(max) + " bytes");
  if (text.find('\0') != std::string_view::npos) return InvalidArgumentError(std::string(kind) + " contains a NUL byte");
  if (!IsValidUtf8(text)) return InvalidArgumentError(std::string(kind) + " is not valid UTF-8");
  return Status::Ok();
}

Result<Json> ParseJsonText(std::string_view kind, std::string_view text) {
  RETURN_IF_ERROR(ValidateText(kind, text, kMaxJsonLength));
  RETURN_IF_ERROR(CheckJsonNesting(text).WithContext(kind));
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return InvalidArgumentError(std::string(kind) + " is not valid JSON");
  return json;
}

Json StringArray(const std::vector<std::string>& items) {
  Json array = Json::array();
  for (const std::string& s : items) array.push_back(s);
  return array;
}

std::vector<std::string> ParseStringArray(const std::string& text) {
  std::vector<std::string> out;
  Json json = Json::parse(text, nullptr, false);
  if (!json.is_array()) return out;
  for (const Json& item : json) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

std::string Dump(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

// --- time --------------------------------------------------------------------

// Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SSZ" or with a fraction, to
// microseconds since the epoch. A bare date means the end of that day.
Result<int64_t> ParseTime(std::string_view text) {
  int year, month, day, hour = 23, minute = 59, second = 59;
  int64_t micros = 999999;
  char tail[64] = {0};
  const std::string s(text);
  if (s.size() == 10 && std::sscanf(s.c_str(), "%4d-%2d-%2d", &year, &month, &day) == 3) {
    // end of the day
  } else if (s.size() >= 20 && std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%63s", &year, &month, &day, &hour,
                                           &minute, &second, tail) == 7) {
    std::string rest = tail;
    micros = 0;
    if (!rest.empty() && rest[0] == '.') {
      size_t digits = 1;
      int64_t scale = 100000;
      while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) {
        if (scale > 0) micros += (rest[digits] - '0') * scale;
        scale /= 10;
        ++digits;
      }
      rest = rest.substr(digits);
    }
    if (rest != "Z") return InvalidArgumentError("time '" + s + "' must be UTC, ending in Z");
  } else {
    return InvalidArgumentError("time '" + s + "' is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.ffffff]Z");
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return InvalidArgumentError("time '" + s + "' is out of range");
  }
  struct tm tm = {};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm)) * 1000000 + micros;
}

std::string FormatTime(int64_t micros) {
  const time_t seconds = static_cast<time_t>(micros / 1000000);
  struct tm tm;
  gmtime_r(&seconds, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(micros % 1000000));
  return buffer;
}

// --- tokens and search terms ----------------------------------------------------

std::string NewApiToken() {
  unsigned char bytes[24];
  randombytes_buf(bytes, sizeof(bytes));
  char hex[sizeof(bytes) * 2 + 1];
  sodium_bin2hex(hex, sizeof(hex), bytes, sizeof(bytes));
  return std::string("pdm_") + hex;
}

std::string TokenHash(std::string_view token) { return Sha256Hex(token); }

// Lower-cased words: runs of ASCII letters and digits, and of non-ASCII bytes.
std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty() && word.size() <= 64) words.push_back(word);
    word.clear();
  };
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0x80) {
      word += static_cast<char>(std::tolower(u));
    } else {
      flush();
    }
  }
  flush();
  return words;
}

std::set<std::string> SearchTerms(const ModelSpec& spec) {
  std::set<std::string> terms;
  std::string lower_name;
  for (char c : spec.name) lower_name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  terms.insert(lower_name);
  for (const std::string& w : Words(spec.name)) terms.insert(w);
  for (const std::string& w : Words(spec.description)) terms.insert(w);
  for (const std::string& tag : spec.tags) {
    for (const std::string& w : Words(tag)) terms.insert(w);
  }
  return terms;
}

// The smallest string greater than every string starting with `prefix`
// (in byte order): the prefix followed by U+10FFFF's UTF-8 bytes.
std::string PrefixUpperBound(const std::string& prefix) { return prefix + "\xf4\x8f\xbf\xbf"; }

const std::set<std::string>& KnownSources() {
  static const std::set<std::string> kSources = {"podium", "pmml", "onnx", "xgboost", "lightgbm"};
  return kSources;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// --- rows ------------------------------------------------------------------------

struct Caller {
  int64_t id = 0;
  std::string name;
  Role role = Role::kViewer;
};

struct ModelRow {
  int64_t id = 0;
  int64_t owner_id = 0;
  ModelInfo info;
};

struct VersionRow {
  int64_t id = 0;
  int64_t creator_id = 0;
  VersionInfo info;
};

constexpr char kModelColumns[] =
    "m.id, m.name, m.description, m.owner_id, u.name, m.tags, m.intended_use, m.use_case, m.jurisdiction,"
    " m.restricted_features, m.archived, m.created_at, m.latest_version";

ModelRow ModelFromRow(const Row& r) {
  ModelRow m;
  m.id = r.Int(0);
  m.info.spec.name = r.Text(1);
  m.info.spec.description = r.Text(2);
  m.owner_id = r.Int(3);
  m.info.owner = r.Text(4);
  m.info.spec.tags = ParseStringArray(r.Text(5));
  m.info.spec.intended_use = r.Text(6);
  m.info.spec.use_case = r.Text(7);
  m.info.spec.jurisdiction = r.Text(8);
  m.info.spec.restricted_features = ParseStringArray(r.Text(9));
  m.info.archived = r.Int(10) != 0;
  m.info.created_at = r.Text(11);
  m.info.latest_version = r.Int(12);
  return m;
}

constexpr char kVersionColumns[] =
    "v.id, v.number, v.artifact_digest, v.source, v.source_digest, v.features, v.recipe, v.hyperparameters,"
    " v.metrics, v.code_ref, v.creator_id, u.name, v.created_at, v.archived";

VersionRow VersionFromRow(const Row& r, const std::string& model) {
  VersionRow v;
  v.id = r.Int(0);
  v.info.model = model;
  v.info.number = r.Int(1);
  v.info.artifact_digest = r.Text(2);
  v.info.source = r.Text(3);
  v.info.source_digest = r.Text(4);
  v.info.features = ParseStringArray(r.Text(5));
  v.info.recipe = r.Text(6);
  v.info.hyperparameters = r.Text(7);
  Json metrics = Json::parse(r.Text(8), nullptr, false);
  if (metrics.is_object()) {
    for (const auto& [name, value] : metrics.items()) {
      if (value.is_number()) v.info.metrics[name] = value.get<double>();
    }
  }
  v.info.code_ref = r.Text(9);
  v.creator_id = r.Int(10);
  v.info.creator = r.Text(11);
  v.info.created_at = r.Text(12);
  v.info.archived = r.Int(13) != 0;
  return v;
}

Json ModelJson(const ModelInfo& m) {
  return Json{{"name", m.spec.name},
              {"description", m.spec.description},
              {"owner", m.owner},
              {"tags", StringArray(m.spec.tags)},
              {"intended_use", m.spec.intended_use},
              {"use_case", m.spec.use_case},
              {"jurisdiction", m.spec.jurisdiction},
              {"restricted_features", StringArray(m.spec.restricted_features)},
              {"archived", m.archived}};
}

Json VersionJson(const VersionInfo& v) {
  Json metrics = Json::object();
  for (const auto& [name, value] : v.metrics) metrics[name] = value;
  Json datasets = Json::array();
  for (const DatasetUse& d : v.datasets) datasets.push_back({{"name", d.name}, {"version", d.version}, {"role", d.role}});
  return Json{{"model", v.model},       {"version", v.number},         {"artifact", v.artifact_digest},
              {"source", v.source},     {"source_digest", v.source_digest}, {"features", StringArray(v.features)},
              {"metrics", metrics},     {"code_ref", v.code_ref},      {"creator", v.creator},
              {"datasets", datasets},   {"archived", v.archived}};
}

std::string VersionEntity(std::string_view model, int64_t number) {
  return "model/" + std::string(model) + "/version/" + std::to_string(number);
}
std::string DeploymentEntity(std::string_view model, std::string_view environment) {
  return "model/" + std::string(model) + "/environment/" + std::string(environment);
}

}  // namespace

std::string SystemClockNow() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return FormatTime(static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000);
}

// ============================================================================

class Registry::Impl {
 public:
  Impl(RegistryOptions options, std::unique_ptr<Database> database, std::unique_ptr<ArtifactStore> artifacts)
      : options_(std::move(options)), db_(std::move(database)), artifacts_(std::move(artifacts)) {}

  std::string Now() const { return options_.clock ? options_.clock() : SystemClockNow(); }
  Database& db() { return *db_; }
  ArtifactStore& artifacts() { return *artifacts_; }
  const RegistryOptions& options() const { return options_; }

  // --- authentication and authorisation

  Result<Caller> Authenticate(Transaction& tx, std::string_view token) {
    if (token.empty()) return UnauthenticatedError("an API token is required (--token or PODIUM_API_TOKEN)");
    if (token.size() > 256) return UnauthenticatedError("the API token is not valid");
    ASSIGN_OR_RETURN(std::optional<Row> row,
                     tx.QueryOptionalRow("SELECT u.id, u.name, u.role FROM tokens t JOIN users u ON u.id = t.user_id"
                                         " WHERE t.token_hash = $1 AND t.revoked = 0",
                                         {Param(TokenHash(token))}));
    if (!row) return UnauthenticatedError("the API token is not valid");
    Caller caller;
    caller.id = row->Int(0);
    caller.name = row->Text(1);
    ASSIGN_OR_RETURN(caller.role, ParseRole(row->Text(2)));
    return caller;
  }

  // Reads need only a valid token: every role may read every model.
  Status AuthenticateReader(Transaction& tx, std::string_view token) {
    return Authenticate(tx, token).status();
  }

  Status Authorize(Transaction& tx, const Caller& caller, Action action, const ModelRow* model = nullptr) {
    if (RoleAllows(caller.role, action)) {
      // A data scientist writes only to models it owns or is granted.
      if (model == nullptr || caller.role != Role::kDataScientist || action == Action::kRead ||
          action == Action::kCreateModel || model->owner_id == caller.id) {
        return Status::Ok();
      }
    }
    if (model != nullptr) {
      ASSIGN_OR_RETURN(std::optional<Row> grant,
                       tx.QueryOptionalRow("SELECT role FROM model_grants WHERE model_id = $1 AND user_id = $2",
                                           {Param(model->id), Param(caller.id)}));
      if (grant) {
        ASSIGN_OR_RETURN(Role granted, ParseRole(grant->Text(0)));
        if (RoleAllows(granted, action)) return Status::Ok();
      }
    }
    return PermissionDeniedError("user '" + caller.name + "' (" + std::string(RoleName(caller.role)) + ") may not " +
                                 std::string(ActionName(action)) +
                                 (model ? " on model '" + model->info.spec.name + "'" : std::string()));
  }

  // --- audit

  // Appends the audit record of a change. When the record is a change event
  // (change_event.h), it is added to `events`, for Publish once the
  // transaction committed, and on PostgreSQL announced with a NOTIFY, which
  // the server delivers only if this transaction commits.
  Status AppendAudit(Transaction& tx, std::string_view actor, std::string_view action, std::string_view entity,
                     const Json& before, const Json& after, std::string_view reason,
                     std::vector<ChangeEvent>* events = nullptr) {
    ASSIGN_OR_RETURN(Rows head, tx.Query("SELECT seq, hash FROM audit_head WHERE id = 1"));
    if (head.size() != 1) return DataLossError("the audit head is missing");
    AuditRecord record;
    record.seq = head[0].Int(0) + 1;
    record.prev_hash = head[0].Text(1);
    record.time = Now();
    record.actor = actor;
    record.action = action;
    record.entity = entity;
    record.before = Dump(before);
    record.after = Dump(after);
    record.reason = reason;
    record.hash = AuditRecordHash(record.prev_hash, record);
    RETURN_IF_ERROR(tx.Exec(
        "INSERT INTO audit_log (seq, at, actor, action, entity, before_json, after_json, reason, prev_hash, hash)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        {Param(record.seq), Param(record.time), Param(record.actor), Param(record.action), Param(record.entity),
         Param(record.before), Param(record.after), Param(record.reason), Param(record.prev_hash),
         Param(record.hash)}));
    RETURN_IF_ERROR(
        tx.Exec("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", {Param(record.seq), Param(record.hash)}));
    std::optional<ChangeEvent> event = ChangeEventFromAudit(record);
    if (!event) return Status::Ok();
    if (db_->dialect() == Dialect::kPostgres) {
      RETURN_IF_ERROR(tx.Exec("SELECT pg_notify($1, $2)",
                              {Param(kChangeChannel), Param(event->model + " " + std::to_string(event->seq))}));
    }
    if (events != nullptr) events->push_back(std::move(*event));
    return Status::Ok();
  }

  // --- change events

  Registry::SubscriptionId Subscribe(ChangeListener listener) {
    auto subscriber = std::make_shared<Subscriber>();
    subscriber->listener = std::move(listener);
    std::lock_guard<std::mutex> lock(subscribers_mutex_);
    const Registry::SubscriptionId id = next_subscription_++;
    subscribers_.emplace(id, std::move(subscriber));
    return id;
  }

  void Unsubscribe(Registry::SubscriptionId id) {
    std::shared_ptr<Subscriber> subscriber;
    {
      std::lock_guard<std::mutex> lock(subscribers_mutex_);
      auto it = subscribers_.find(id);
      if (it == subscribers_.end()) return;
      subscriber = std::move(it->second);
      subscribers_.erase(it);
    }
    // Waits for a call in progress on another thread.
    std::lock_guard<std::mutex> call(subscriber->call_mutex);
    subscriber->active = false;
  }

  // Runs on the committing thread after the commit; only a subscriber's own
  // call_mutex is held while its listener runs, so a listener may use the
  // Registry (even Subscribe) without deadlock.
  void Publish(const std::vector<ChangeEvent>& events) {
    if (events.empty()) return;
    std::vector<std::shared_ptr<Subscriber>> targets;
    {
      std::lock_guard<std::mutex> lock(subscribers_mutex_);
      for (const auto& [id, subscriber] : subscribers_) targets.push_back(subscriber);
    }
    for (const std::shared_ptr<Subscriber>& subscriber : targets) {
      std::lock_guard<std::mutex> call(subscriber->call_mutex);
      if (!subscriber->active) continue;
      for (const ChangeEvent& event : events) subscriber->listener(event);
    }
  }

  // --- loading

  Result<ModelRow> LoadModel(Transaction& tx, std::string_view name) {
    RETURN_IF_ERROR(ValidateName("model", name));
    ASSIGN_OR_RETURN(std::optional<Row> row,
                     tx.QueryOptionalRow(std::string("SELECT ") + kModelColumns +
                                             " FROM models m JOIN users u ON u.id = m.owner_id WHERE m.name = $1",
                                         {Param(name)}));
    if (!row) return NotFoundError("model '" + std::string(name) + "' is not registered");
    return ModelFromRow(*row);
  }

  Result<VersionRow> LoadVersion(Transaction& tx, const ModelRow& model, int64_t number) {
    ASSIGN_OR_RETURN(std::optional<Row> row,
                     tx.QueryOptionalRow(std::string("SELECT ") + kVersionColumns +
                                             " FROM versions v JOIN users u ON u.id = v.creator_id"
                                             " WHERE v.model_id = $1 AND v.number = $2",
                                         {Param(model.id), Param(number)}));
    if (!row) {
      return NotFoundError("model '" + model.info.spec.name + "' has no version " + std::to_string(number));
    }
    return VersionFromRow(*row, model.info.spec.name);
  }

  Status FillVersionDetails(Transaction& tx, VersionRow& v) {
    ASSIGN_OR_RETURN(Rows datasets, tx.Query("SELECT d.name, d.version, vd.role FROM version_datasets vd"
                                             " JOIN datasets d ON d.id = vd.dataset_id WHERE vd.version_id = $1"
                                             " ORDER BY vd.role, d.name, d.version",
                                             {Param(v.id)}));
    v.info.datasets.clear();
    for (const Row& r : datasets) v.info.datasets.push_back({r.Text(0), r.Text(1), r.Text(2)});
    ASSIGN_OR_RETURN(Rows aliases, tx.Query("SELECT alias FROM aliases WHERE version_id = $1 ORDER BY alias", {Param(v.id)}));
    v.info.aliases.clear();
    for (const Row& r : aliases) v.info.aliases.push_back(r.Text(0));
    ASSIGN_OR_RETURN(Rows envs, tx.Query("SELECT d.environment FROM deployments d JOIN environments e"
                                         " ON e.name = d.environment WHERE d.version_id = $1 ORDER BY e.stage_order",
                                         {Param(v.id)}));
    v.info.environments.clear();
    for (const Row& r : envs) v.info.environments.push_back(r.Text(0));
    ASSIGN_OR_RETURN(Rows approvals,
                     tx.Query("SELECT a.environment, u.name, a.role, a.decision, a.comment, a.signed_at, a.statement,"
                              " a.public_key, a.signature FROM approvals a JOIN users u ON u.id = a.user_id"
                              " WHERE a.version_id = $1 ORDER BY a.id",
                              {Param(v.id)}));
    v.info.approvals.clear();
    for (const Row& r : approvals) {
      v.info.approvals.push_back(
          {r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4), r.Text(5), r.Text(6), r.Text(7), r.Text(8)});
    }
    return Status::Ok();
  }

  Result<std::vector<FeaturePolicy>> LoadFeaturePolicies(Transaction& tx) {
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT name, use_case, jurisdiction, forbidden_features, reason"
                                         " FROM feature_policies ORDER BY name"));
    std::vector<FeaturePolicy> policies;
    for (const Row& r : rows) {
      policies.push_back({r.Text(0), r.Text(1), r.Text(2), ParseStringArray(r.Text(3)), r.Text(4)});
    }
    return policies;
  }

  Status CheckFeatures(Transaction& tx, const ModelRow& model, const std::vector<std::string>& features) {
    ASSIGN_OR_RETURN(std::vector<FeaturePolicy> policies, LoadFeaturePolicies(tx));
    return CheckFeaturePolicies(model.info.spec.use_case, model.info.spec.jurisdiction,
                                model.info.spec.restricted_features, policies, features)
        .WithContext("model '" + model.info.spec.name + "'");
  }

  Result<EnvironmentInfo> LoadEnvironment(Transaction& tx, std::string_view name) {
    RETURN_IF_ERROR(ValidateName("environment", name));
    ASSIGN_OR_RETURN(std::optional<Row> row,
                     tx.QueryOptionalRow("SELECT name, stage_order, required_approvals, required_risk_approvals"
                                         " FROM environments WHERE name = $1",
                                         {Param(name)}));
    if (!row) return NotFoundError("environment '" + std::string(name) + "' is not configured");
    return EnvironmentInfo{row->Text(0), static_cast<int>(row->Int(1)),
                           {static_cast<int>(row->Int(2)), static_cast<int>(row->Int(3))}};
  }

  Result<int64_t> CountUsers(Transaction& tx) {
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT COUNT(*) FROM users"));
    return rows.at(0).Int(0);
  }

  Result<std::string> InsertUser(Transaction& tx, std::string_view name, Role role, std::string_view actor) {
    RETURN_IF_ERROR(ValidateName("user", name));
    ASSIGN_OR_RETURN(std::optional<Row> existing, tx.QueryOptionalRow("SELECT id FROM users WHERE name = $1", {Param(name)}));
    if (existing) return AlreadyExistsError("user '" + std::string(name) + "' exists already");
    const std::string now = Now();
    ASSIGN_OR_RETURN(Rows inserted,
                     tx.Query("INSERT INTO users (name, role, public_key, created_at) VALUES ($1, $2, '', $3) RETURNING id",
                              {Param(name), Param(RoleName(role)), Param(now)}));
    const std::string token = NewApiToken();
    RETURN_IF_ERROR(tx.Exec("INSERT INTO tokens (user_id, token_hash, created_at) VALUES ($1, $2, $3)",
                            {Param(inserted.at(0).Int(0)), Param(TokenHash(token)), Param(now)}));
    RETURN_IF_ERROR(AppendAudit(tx, actor, "user.create", "user/" + std::string(name), nullptr,
                                Json{{"name", name}, {"role", RoleName(role)}}, ""));
    return token;
  }

  // The latest decision of each approver on (version, environment).
  Result<std::vector<Decision>> LatestDecisions(Transaction& tx, int64_t version_id, std::string_view environment) {
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT u.name, a.role, a.decision FROM approvals a JOIN users u"
                                         " ON u.id = a.user_id WHERE a.version_id = $1 AND a.environment = $2"
                                         " ORDER BY a.id",
                                         {Param(version_id), Param(environment)}));
    std::map<std::string, Decision> latest;
    for (const Row& r : rows) {
      Result<Role> role = ParseRole(r.Text(1));
      latest[r.Text(0)] = Decision{r.Text(0), role.ok() ? *role : Role::kApprover, r.Text(2) == "approve"};
    }
    std::vector<Decision> out;
    for (auto& [name, decision] : latest) out.push_back(decision);
    return out;
  }

  struct Subscriber {
    ChangeListener listener;
    std::mutex call_mutex;  // held while `listener` runs; guards `active`
    bool active = true;
  };

  const RegistryOptions options_;
  const std::unique_ptr<Database> db_;
  const std::unique_ptr<ArtifactStore> artifacts_;

  std::mutex subscribers_mutex_;  // guards subscribers_ and next_subscription_
  std::map<Registry::SubscriptionId, std::shared_ptr<Subscriber>> subscribers_;
  Registry::SubscriptionId next_subscription_ = 1;
};

// ============================================================================

Registry::Registry(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Registry::~Registry() = default;

Result<std::unique_ptr<Registry>> Registry::Open(const RegistryOptions& options) {
  if (options.data_dir.empty()) return InvalidArgumentError("the registry's data directory is not set");
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) return UnavailableError("cannot create the data directory '" + options.data_dir + "': " + error.message());
  std::unique_ptr<Database> database;
  if (!options.postgres_url.empty()) {
    ASSIGN_OR_RETURN(database, OpenPostgresDatabase({options.postgres_url}));
  } else {
    SqliteOptions sqlite;
    sqlite.path = options.data_dir + "/registry.db";
    sqlite.full_sync = options.full_sync;
    ASSIGN_OR_RETURN(database, OpenSqliteDatabase(sqlite));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ArtifactStore> artifacts,
                   OpenLocalArtifactStore({options.data_dir + "/artifacts"}));
  return Create(options, std::move(database), std::move(artifacts));
}

Result<std::unique_ptr<Registry>> Registry::Create(const RegistryOptions& options, std::unique_ptr<Database> database,
                                                   std::unique_ptr<ArtifactStore> artifacts) {
  if (!database || !artifacts) return InvalidArgumentError("the registry needs a database and an artifact store");
  if (sodium_init() < 0) return InternalError("libsodium failed to initialise");
  auto impl = std::make_unique<Impl>(options, std::move(database), std::move(artifacts));
  RETURN_IF_ERROR(ApplyMigrations(impl->db(), impl->Now()));
  return std::unique_ptr<Registry>(new Registry(std::move(impl)));
}

// --- users, tokens, keys ---------------------------------------------------------

Result<std::string> Registry::CreateFirstAdmin(std::string_view name) {
  std::string token;
  RETURN_IF_ERROR(impl_->db().Write([&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(int64_t users, impl_->CountUsers(tx));
    if (users > 0) {
      return FailedPreconditionError("the registry has users already; the first admin is created only once");
    }
    ASSIGN_OR_RETURN(token, impl_->InsertUser(tx, name, Role::kAdmin, name));
    return Status::Ok();
  }));
  return token;
}

Result<std::string> Registry::CreateUser(std::string_view token, std::string_view name, Role role) {
  std::string new_token;
  RETURN_IF_ERROR(impl_->db().Write([&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(Caller caller, impl_->Authenticate(tx, token));
    RETURN_IF_ERROR(impl_->Authorize(tx, caller, Action::kAdminister));
    ASSIGN_OR_RETURN(new_token, impl_->InsertUser(tx, name, role, caller.name));
    return Status::Ok();
  }));
  return new_token;
}

Result<std::string> Registry::IssueToken(std::string_view token, std::string_view user) {
  std::string new_token;
  RETURN_IF_ERROR(impl_->db().Write([&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(Caller caller, impl_->Authenticate(tx, token));
    if (caller.name != user) RETURN_IF_ERROR(impl_->Authorize(tx, caller, Action::kAdminister));
    RETURN_IF_ERROR(ValidateName("user", user));
    ASSIGN_OR_RETURN(std::optional<Row> row, tx.QueryOptionalRow("SELECT id FROM users WHERE name = $1", {Param(user)}));
    if (!row) return NotFoundError("user '" + std::string(user) + "' does not exist");
    new_token = NewApiToken();
    RETURN_IF_ERROR(tx.Exec("INSERT INTO tokens (user_id, token_hash, created_at) VALUES ($1, $2, $3)",
                            {Param(row->Int(0)), Param(TokenHash(new_token)), Param(impl_->Now())}));
    return impl_->AppendAudit(tx, caller.name, "token.issue", "user/" + std::string(user), nullptr,
                              Json{{"token_sha256_prefix", TokenHash(new_token).substr(0, 12)}}, "");
  }));
  return new_token;
}

Result<int64_t> Registry::RevokeTokens(std::string_view token, std::string_view user) {
  int64_t revoked = 0;
  RETURN_IF_ERROR(impl_->db().Write([&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(Caller caller, impl_->Authenticate(tx, token));
    if (caller.name != user) RETURN_IF_ERROR(impl_->Authorize(tx, caller, Action::kAdminister));
    RETURN_IF_ERROR(ValidateName("user", user));
    ASSIGN_OR_RETURN(std::optional<Row> row, tx.QueryOptionalRow("SELECT id FROM users WHERE name = $1", {Param(user)}));
    if (!row) return NotFoundError("user '" + std::string(user) + "' does not exist");
    ASSIGN_OR_RETURN(Rows rows, tx.Query("UPDATE tokens SET revoked = 1 WHERE user_id = $1 AND revoked = 0 RETURNING id",
                                         {Param(row->Int(0))}));
    revoked = static_cast<int64_t>(rows.size());
    return impl_->AppendAudit(tx, caller.name, "token.revoke_all", "user/" + std::string(user), nullptr,
                              Json{{"revoked", revoked}}, "");
  }));
  return revoked;
}

Result<UserInfo> Registry::WhoAmI(std::string_view token) {
  UserInfo info;
  RETURN_IF_ERROR(impl_->db().Read([&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(Caller caller, impl_->Authenticate(tx, token));
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT public_key, created_at FROM users WHERE id = $1", {Param(caller.id)}));
    info = UserInfo{caller.name, caller.role, rows.at(0).Text(0), rows.at(0).Text(1)};
    return Status::Ok();
  }));
  return info;
}

Result<std::vector<UserInfo>> Registry::ListUsers(std::string_view token) {
  std::vector<UserInfo> users;
  RETURN_IF_ERROR(impl_->db().Read([&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(Caller caller, impl_->Authenticate(tx, token));
    RETURN_IF_ERROR(impl_->Authorize(tx, caller, Action::kRead));
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT name, role, public_key, created_at FROM users ORDER BY name"));
    for (const Row& r : rows) {
      Result<Role> role = ParseRole(r.Text(1));
      users.push_back({r.Text(0), role.ok() ? *role : Role::kViewer, r.Text(2), r.Text(3)});
    }
    return Status::Ok();
  }));
  return users;
}

Status Registry::SetPublicKey(std::string_view token, std::string_view public_key_hex) {
  RETURN_IF_ERROR(ValidatePublicKey(public_key_hex));
  return impl_->db().Write([&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(Caller caller, impl_->Authenticate(tx, token));
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT public_key FROM users WHERE id = $1", {Param(caller.id)}));
    const std::string before = rows.at(0).Text(0);
    RETURN_IF_ERROR(tx.Exec("UPDATE users SET public_key = $1 WHERE id = $2", {Param(public_key_hex), Param(caller.id)}));
    ASSIGN_OR_RETURN(std::optional<Row> known,
                     tx.QueryOptionalRow("SELECT user_id FROM user_keys WHERE user_id = $1 AND public_key = $2",
                                         {Param(caller.id), Param(public_key_hex)}));
    if (!known) {
      RETURN_IF_ERROR(tx.Exec("INSERT INTO user_keys (user_id, public_key, created_at) VALUES ($1, $2, $3)",
                              {Param(caller.id), Param(public_key_hex), Param(impl_->Now())}));
    }
    return impl_->AppendAudit(tx, caller.name, "user.set_key", "user/" + caller.name,
                              before.empty() ? Json(nullptr) : Json{{"public_key", before}},
                              Json{{"public_key", public_key_hex}}, "");
  });
}

Status Registry::GrantModelRole(std::string_view token, std::string_view model, std::string_view user, Role role) {
  return impl_->db().Write([&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(Caller caller, impl_->Authenticate(tx, token));
    RETURN_IF_ERROR(impl_->Authorize(tx, caller, Action::kAdminister));
    ASSIGN_OR_RETURN(ModelRow m, impl_->LoadModel(tx, model));
    RETURN_IF_ERROR(ValidateName("user", user));
    ASSIGN_OR_RETURN(std::optional<Row> u, tx.QueryOptionalRow("SELECT id FROM users WHERE name = $1", {Param(user)}));
    if (!u) return NotFoundError("user '" + std::string(user) + "' does not exist");
    RETURN_IF_ERROR(tx.Exec("INSERT INTO model_grants (model_id, user_id, role) VALUES ($1, $2, $3)"
                            " ON CONFLICT (model_id, user_id) DO UPDATE SET role = excluded.role",
                            {Param(m.id), Param(u->Int(0)), Param(RoleName(role))}));
    return impl_->AppendAudit(tx, caller.name, "grant.set", "model/" + std::string(model) + "/grant/" + std::string(user),
                              nullptr, Json{{"role", RoleName(role)}}, "");
  });
}

// --- environments and feature policies ----------------------------------------------

Result<std::vector<EnvironmentInfo>> Registry::ListEnvironments(std::string_view token) {
  std::vector<EnvironmentInfo> envs;
  RETURN_IF_ERROR(impl_->db().Read([&](Transaction& tx) -> Status {
    RETURN_IF_ERROR(impl_->AuthenticateReader(tx, token));
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT name, stage_order, required_approvals, required_risk_approvals"
                                         " FROM environments ORDER BY stage_order"));
    for (const Row& r : rows) {
      envs.push_back({r.Text(0), static_cast<int>(r.Int(1)), {static_cast<int>(r.Int(2)), static_cast<int>(r.Int(3))}});
    }
    return Status::Ok();
  }));
  return envs;
}

Status Registry::ConfigureEnvironment(std::string_view token, const EnvironmentInfo& env) {
  RETURN_IF_ERROR(ValidateName("environment", env.name));
  if (env.policy.required_approvals < 0 || env.policy.required_risk_approvals < 0 ||
      env.policy.required_risk_approvals > env.policy.required_approvals) {
    return InvalidArgumentError("approval counts must be >= 0, and risk approvals at most the approvals");
  }
  return impl_->db().Write([&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(Caller caller, impl_->Authenticate(tx, token));
    RETURN_IF_ERROR(impl_->Authorize(tx, caller, Action::kAdminister));
    ASSIGN_OR_RETURN(std::optional<Row> clash,
                     tx.QueryOptionalRow("SELECT name FROM environments WHERE stage_order = $1 AND name <> $2",
                                         {Param(env.order), Param(env.name)}));
    if (clash) {
      return AlreadyExistsError("environment '" + clash->Text(0) + "' has order " + std::to_string(env.order) + " already");
    }
    Result<EnvironmentInfo> before = impl_->LoadEnvironment(tx, env.name);
    RETURN_IF_ERROR(tx.Exec("INSERT INTO environments (name, stage_order, required_approvals, required_risk_approvals)"
                            " VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE SET stage_order = excluded.stage_order,"
                            " required_approvals = excluded.required_approvals,"
                            " required_risk_approvals = excluded.required_risk_approvals",
                            {Param(env.name), Param(env.order), Param(env.policy.required_approvals),
                             Param(env.policy.required_risk_approvals)}));
    auto as_json = [](const EnvironmentInfo& e) {
      return Json{{"order", e.order},
                  {"required_approvals", e.policy.required_approvals},
                  {"required_risk_approvals", e.policy.required_risk_approvals}};
    };
    return impl_->AppendAudit(tx, caller.name, "environment.configure", "environment/" + env.name,
                              before.ok() ? as_json(*before) : Json(nullptr), as_json(env), "");
  });
}

Status Registry::AddFeaturePolicy(std::string_view token, const FeaturePolicy& policy) {
  RETURN_IF_ERROR(ValidateName("feature policy", policy.name));
  RETURN_IF_ERROR(ValidateText("policy use", policy.use, kMaxNameLength));
  RETURN_IF_ERROR(ValidateText("policy jurisdiction", policy.jurisdiction, kMaxNameLength));
  RETURN_IF_ERROR(ValidateText("policy reason", policy.reason));
  if (policy.forbidden_features.empty()) return InvalidArgumentError("a feature policy must forbid at least one feature");
  for (const std::string& f : policy.forbidden_features) RETURN_IF_ERROR(ValidateText("feature name", f, kMaxNameLength));
  return impl_->db().Write([&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(Caller caller, impl_->Authenticate(tx, token));
    RETURN_IF_ERROR(impl_->Authorize(tx, caller, Action::kAdminister));
    ASSIGN_OR_RETURN(std::optional<Row> existing,
                     tx.QueryOptionalRow("SELECT id FROM feature_policies WHERE name = $1", {Param(policy.name)}));
    if (existing) return AlreadyExistsError("feature policy '" + policy.name + "' exists already");
    const std::string features = Dump(StringArray(policy.forbidden_features));
    RETURN_IF_ERROR(tx.Exec("INSERT INTO feature_policies (name, use_case, jurisdiction, forbidden_features, reason)"
                            " VALUES ($1, $2, $3, $4, $5)",
                            {Param(policy.name), Param(policy.use.empty() ? "*" : policy.use),
                             Param(policy.jurisdiction.empty() ? "*" : policy.jurisdiction), Param(features),
                             Param(policy.reason)}));
    return impl_->AppendAudit(tx, caller.name, "feature_policy.add", "feature_policy/" + policy.name, nullptr,
                              Json{{"use", policy.use},
                                   {"jurisdiction", policy.jurisdiction},
                                   {"forbidden_features", StringArray(policy.forbidden_features)},
                                   {"reason", policy.reason}},
                              "");
  });
}

Result<std::vector<FeaturePolicy>> Registry::ListFeaturePolicies(std::string_view token) {
  std::vector<FeaturePolicy> policies;
  RETURN_IF_ERROR(impl_->db().Read([&](Transaction& tx) -> Status {
    RETURN_IF_ERROR(impl_->AuthenticateReader(tx, token));
    ASSIGN_OR_RETURN(policies, impl_->LoadFeaturePolicies(tx));
    return Status::Ok();
  }));
  return policies;
}

// --- models and versions -------------------------------------------------------------

Result<ModelInfo> Registry::CreateModel(std::string_view token, const ModelSpec& spec) {
  RETURN_IF_ERROR(ValidateName("model", spec.name));
  RETURN_IF_ERROR(ValidateText("description", spec.description));
  RETURN_IF_ERROR(ValidateText("intended use", spec.intended_use));
  RETURN_IF_ERROR(ValidateText("use case", spec.use_case, kMaxNameLength));
  RETURN_IF_ERROR(ValidateText("jurisdiction", spec.jurisdiction, kMaxNameLength));
  for (const std::string& tag : spec.tags) RETURN_IF_ERROR(ValidateText("tag", tag, kMaxNameLength));
  for (const std::string& f : spec.restricted_features) RETURN_IF_ERROR(ValidateText("feature name", f, kMaxNameLength));
  ModelInfo info;
  RETURN_IF_ERROR(impl_->db().Write([&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(Caller caller, impl_->Authenticate(tx, token));
    RETURN_IF_ERROR(impl_->Authorize(tx, caller, Action::kCreateModel));
    ASSIGN_OR_RETURN(std::optional<Row> existing,
                     tx.QueryOptionalRow("SELECT id FROM models WHERE name = $1", {Param(spec.name)}));
    if (existing) return AlreadyExistsError("model '" + spec.name + "' is registered already");
    info.spec = spec;
    info.owner = caller.name;
    info.created_at = impl_->Now();
    ASSIGN_OR_RETURN(Rows inserted,
                     tx.Query("INSERT INTO models (name, description, owner_id, tags, intended_use, use_case,"
                              " jurisdiction, restricted_features, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                              " RETURNING id",
                              {Param(spec.name), Param(spec.description), Param(caller.id),
                               Param(Dump(StringArray(spec.tags))), Param(spec.intended_use), Param(spec.use_case),
                               Param(spec.jurisdiction), Param(Dump(StringArray(spec.restricted_features))),
                               Param(info.created_at)}));
    const int64_t model_id = inserted.at(0).Int(0);
    for (const std::string& term : SearchTerms(spec)) {
      RETURN_IF_ERROR(tx.Exec("INSERT INTO search_terms (term, model_id) VALUES ($1, $2)", {Param(term), Param(model_id)}));
    }
    return impl_->AppendAudit(tx, caller.name, "model.create", "model/" + spec.name, nullptr, ModelJson(info), "");
  }));
  return info;
}

Result<ModelInfo> Registry::GetModel(std::string_view token, std::string_view model) {
  ModelInfo info;
  RETURN_IF_ERROR(impl_->db().Read([&](Transaction& tx) -> Status {
    RETURN_IF_ERROR(impl_->AuthenticateReader(tx, token));
    ASSIGN_OR_RETURN(ModelRow m, impl_->LoadModel(tx, model));
    info = m.info;
    return Status::Ok();
  }));
  return info;
}

Result<std::vector<ModelInfo>> Registry::ListModels(std::string_view token, bool include_archived) {
  std::vector<ModelInfo> models;
  RETURN_IF_ERROR(impl_->db().Read([&](Transaction& tx) -> Status {
    RETURN_IF_ERROR(impl_->AuthenticateReader(tx, token));
    ASSIGN_OR_RETURN(Rows rows, tx.Query(std::string("SELECT ") + kModelColumns +
                                         " FROM models m JOIN users u ON u.id = m.owner_id" +
                                         (include_archived ? "" : " WHERE m.archived = 0") + " ORDER BY m.name"));
    for (const Row& r : rows) models.push_back(ModelFromRow(r).info);
    return Status::Ok();
  }));
  return models;
}

Result<VersionInfo> Registry::RegisterVersion(std::string_view token, const RegisterVersionRequest& request) {
  // Check the artifact first: it must parse and validate as a pipeline.
  RETURN_IF_ERROR(ValidateName("model", request.model));
  RETURN_IF_ERROR(CheckJsonNesting(request.artifact).WithContext("artifact"));
  Result<Pipeline> pipeline = ReadPipelineJson(request.artifact);
  if (!pipeline.ok()) {
    return InvalidArgumentError("the artifact is not a valid Podium pipeline: " + pipeline.status().message());
  }
  const std::string canonical = WritePipelineJson(*pipeline, /*pretty=*/false);
  std::vector<std::string> features;
  for (const InputField& field : pipeline->inputs) features.push_back(field.name);
  if (!KnownSources().count(request.source)) {
    return InvalidArgumentError("unknown source '" + request.source + "' (expected podium, pmml, onnx, xgboost or lightgbm)");
  }
  if (!request.source_digest.empty()) RETURN_IF_ERROR(ValidateArtifactName(request.source_digest).WithContext("source digest"));
  ASSIGN_OR_RETURN(Json recipe, ParseJsonText("recipe", request.recipe.empty() ? "{}" : request.recipe));
  ASSIGN_OR_RETURN(Json hyper, ParseJsonText("hyperparameters", request.hyperparameters.empty() ? "{}" : request.hyperparameters));
  if (!hyper.is_object()) return InvalidArgumentError("hyperparameters must be a JSON object");
  Json metrics = Json::object();
  for (const auto& [name, value] : request.metrics) {
    RETURN_IF_ERROR(ValidateName("metric", name));
    if (!std::isfinite(value)) return InvalidArgumentError("metric '" + name + "' is not a finite number");
    metrics[name] = value;
  }
  RETURN_IF_ERROR(ValidateText("code reference", request.code_ref, 1024));
  RETURN_IF_ERROR(ValidateText("reason", request.reason));
  for (const DatasetUse& d : request.datasets) {
    RETURN_IF_ERROR(ValidateName("dataset", d.name));
    RETURN_IF_ERROR(ValidateName("dataset version", d.version));
    if (d.role != "training" && d.role != "validation") {
      return InvalidArgumentError("dataset role '" + d.role + "' must be training or validation");
    }
  }

  // Refuse early (before any bytes are stored) what the write would refuse.
  RETURN_IF_ERROR(impl_->db().Read([&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(Caller caller, impl_->Authenticate(tx, token));
    ASSIGN_OR_RETURN(ModelRow m, impl_->LoadModel(tx, request.model));
    RETURN_IF_ERROR(impl_->Authorize(tx, caller, Action::kRegisterVersion, &m));
    return impl_->CheckFeatures(tx, m, features);
  }));

  // The artifact is durable before the version that names it is committed;
  // a crash in between leaves an unreferenced (invisible) artifact only.
  ASSIGN_OR_RETURN(std::string digest, impl_->artifacts().Put(canonical));

  VersionRow v;
  RETURN_IF_ERROR(impl_->db().Write([&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(Caller caller, impl_->Authenticate(tx, token));
    ASSIGN_OR_RETURN(ModelRow m, impl_->LoadModel(tx, request.model));
    RETURN_IF_ERROR(impl_->Authorize(tx, caller, Action::kRegisterVersion, &m));
    if (m.info.archived) return FailedPreconditionError("model '" + request.model + "' is archived");
    RETURN_IF_ERROR(impl_->CheckFeatures(tx, m, features));
    std::vector<std::pair<int64_t, std::string>> dataset_ids;
    for (const DatasetUse& d : request.datasets) {
      ASSIGN_OR_RETURN(std::optional<Row> row,
                       tx.QueryOptionalRow("SELECT id FROM datasets WHERE name = $1 AND version = $2",
                                           {Param(d.name), Param(d.version)}));
      if (!row) return NotFoundError("dataset '" + d.name + "' version '" + d.version + "' is not registered");
      dataset_ids.emplace_back(row->Int(0), d.role);
    }
    ASSIGN_OR_RETURN(Rows numbered, tx.Query("UPDATE models SET latest_version = latest_version + 1 WHERE id = $1"
                                             " RETURNING latest_version",
                                             {Param(m.id)}));
    v.info.model = request.model;
    v.info.number = numbered.at(0).Int(0);
    v.info.artifact_digest = digest;
    v.info.source = request.source;
    v.info.source_digest = request.source_digest;
    v.info.features = features;
    v.info.recipe = Dump(recipe);
    v.info.hyperparameters = Dump(hyper);
    v.info.metrics = request.metrics;
    v.info.code_ref = request.code_ref;
    v.info.creator = caller.name;
    v.info.created_at = impl_->Now();
    v.creator_id = caller.id;
    ASSIGN_OR_RETURN(Rows inserted,
                     tx.Query("INSERT INTO versions (model_id, number, artifact_digest, source, source_digest, features,"
                              " recipe, hyperparameters, metrics, code_ref, creator_id, created_at)"
                              " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                              {Param(m.id), Param(v.info.number), Param(digest), Param(request.source),
                               Param(request.source_digest), Param(Dump(StringArray(features))), Param(v.info.recipe),
                               Param(v.info.hyperparameters), Param(Dump(metrics)), Param(request.code_ref),
                               Param(caller.id), Param(v.info.created_at)}));
    v.id = inserted.at(0).Int(0);
    for (const auto& [name, value] : request.metrics) {
      RETURN_IF_ERROR(tx.Exec("INSERT INTO version_metrics (version_id, name, value) VALUES ($1, $2, $3)",
                              {Param(v.id), Param(name), Param(value)}));
    }
    for (size_t i = 0; i < dataset_ids.size(); ++i) {
      RETURN_IF_ERROR(tx.Exec("INSERT INTO version_datasets (version_id, dataset_id, role) VALUES ($1, $2, $3)"
                              " ON CONFLICT DO NOTHING",
                              {Param(v.id), Param(dataset_ids[i].first), Param(dataset_ids[i].second)}));
    }
    v.info.datasets = request.datasets;
    return impl_->AppendAudit(tx, caller.name, "version.register", VersionEntity(request.model, v.info.number),
                              nullptr, VersionJson(v.info), request.reason);
  }));
  return v.info;
}

Result<VersionInfo> Registry::GetVersion(std::string_view token, std::string_view model, int64_t number) {
  VersionInfo info;
  RETURN_IF_ERROR(impl_->db().Read([&](Transaction& tx) -> Status {
    RETURN_IF_ERROR(impl_->AuthenticateReader(tx, token));
    ASSIGN_OR_RETURN(ModelRow m, impl_->LoadModel(tx, model));
    ASSIGN_OR_RETURN(VersionRow v, impl_->LoadVersion(tx, m, number));
    RETURN_IF_ERROR(impl_->FillVersionDetails(tx, v));
    info = std::move(v.info);
    return Status::Ok();
  }));
  return info;
}

Result<std::vector<VersionInfo>> Registry::ListVersions(std::string_view token, std::string_view model) {
  std::vector<VersionInfo> versions;
  RETURN_IF_ERROR(impl_->db().Read([&](Transaction& tx) -> Status {
    RETURN_IF_ERROR(impl_->AuthenticateReader(tx, token));
    ASSIGN_OR_RETURN(ModelRow m, impl_->LoadModel(tx, model));
    ASSIGN_OR_RETURN(Rows rows, tx.Query(std::string("SELECT ") + kVersionColumns +
                                         " FROM versions v JOIN users u ON u.id = v.creator_id WHERE v.model_id = $1"
                                         " ORDER BY v.number",
                                         {Param(m.id)}));
    for (const Row& r : rows) versions.push_back(VersionFromRow(r, m.info.spec.name).info);
    return Status::Ok();
  }));
  return versions;
}

Result<VersionInfo> Registry::Resolve(std::string_view token, std::string_view reference) {
  const size_t at = reference.find('@');
  const std::string_view model = reference.substr(0, at);
  const std::string_view label = at == std::string_view::npos ? std::string_view() : reference.substr(at + 1);
  VersionInfo info;
  RETURN_IF_ERROR(impl_->db().Read([&](Transaction& tx) -> Status {
    RETURN_IF_ERROR(impl_->AuthenticateReader(tx, token));
    ASSIGN_OR_RETURN(ModelRow m, impl_->LoadModel(tx, model));
    int64_t number = 0;
    if (label.empty()) {
      if (m.info.latest_version == 0) return NotFoundError("model '" + m.info.spec.name + "' has no versions");
      number = m.info.latest_version;
    } else if (AllDigits(label)) {
      if (label.size() > 18) return InvalidArgumentError("version number '" + std::string(label) + "' is too large");
      number = std::stoll(std::string(label));
    } else {
      RETURN_IF_ERROR(ValidateName("alias", label));
      ASSIGN_OR_RETURN(std::optional<Row> row,
                       tx.QueryOptionalRow("SELECT v.number FROM aliases a JOIN versions v ON v.id = a.version_id"
                                           " WHERE a.model_id = $1 AND a.alias = $2",
                                           {Param(m.id), Param(label)}));
      if (!row) {
        ASSIGN_OR_RETURN(row, tx.QueryOptionalRow("SELECT v.number FROM deployments d JOIN versions v ON v.id = d.version_id"
                                                  " WHERE d.model_id = $1 AND d.environment = $2",
                                                  {Param(m.id), Param(label)}));
      }
      if (!row) {
        return NotFoundError("model '" + m.info.spec.name + "' has no alias or deployment named '" + std::string(label) + "'");
      }
      number = row->Int(0);
    }
    ASSIGN_OR_RETURN(VersionRow v, impl_->LoadVersion(tx, m, number));
    info = std::move(v.info);
    return Status::Ok();
  }));
  return info;
}

Result<std::string> Registry::GetArtifact(std::string_view token, std::string_view model, int64_t number) {
  ASSIGN_OR_RETURN(VersionInfo v, GetVersion(token, model, number));
  return impl_->artifacts().Get(v.artifact_digest);
}

Status Registry::SetAlias(std::string_view token, std::string_view model, std::string_view alias, int64_t number,
                          std::string_view reason) {
  RETURN_IF_ERROR(ValidateName("alias", alias));
  if (AllDigits(alias)) return InvalidArgumentError("alias '" + std::string(alias) + "' would read as a version number");
  RETURN_IF_ERROR(ValidateText("reason", reason));
  std::vector<ChangeEvent> events;
  RETURN_IF_ERROR(impl_->db().Write([&](Transaction& tx) -> Status {
    events.clear();  // a retried body starts afresh
    ASSIGN_OR_RETURN(Caller caller, impl_->Authenticate(tx, token));
    ASSIGN_OR_RETURN(ModelRow m, impl_->LoadModel(tx, model));
    RETURN_IF_ERROR(impl_->Authorize(tx, caller, Action::kSetAlias, &m));
    if (impl_->LoadEnvironment(tx, alias).ok()) {
      return InvalidArgumentError("'" + std::string(alias) + "' is an environment; use promote to deploy there");
    }
    ASSIGN_OR_RETURN(VersionRow v, impl_->LoadVersion(tx, m, number));
    if (v.info.archived) return FailedPreconditionError("version " + std::to_string(number) + " is archived");
    ASSIGN_OR_RETURN(std::optional<Row> old,
                     tx.QueryOptionalRow("SELECT v.number FROM aliases a JOIN versions v ON v.id = a.version_id"
                                         " WHERE a.model_id = $1 AND a.alias = $2",
                                         {Param(m.id), Param(alias)}));
    RETURN_IF_ERROR(tx.Exec("INSERT INTO aliases (model_id, alias, version_id, set_by, set_at) VALUES ($1, $2, $3, $4, $5)"
                            " ON CONFLICT (model_id, alias) DO UPDATE SET version_id = excluded.version_id,"
                            " set_by = excluded.set_by, set_at = excluded.set_at",
                            {Param(m.id), Param(alias), Param(v.id), Param(caller.id), Param(impl_->Now())}));
    return impl_->AppendAudit(tx, caller.name, "alias.set", "model/" + std::string(model) + "/alias/" + std::string(alias),
                              old ? Json{{"version", old->Int(0)}} : Json(nullptr), Json{{"version", number}}, reason,
                              &events);
  }));
  impl_->Publish(events);
  return Status::Ok();
}

Status Registry::RemoveAlias(std::string_view token, std::string_view model, std::string_view alias,
                             std::string_view reason) {
  RETURN_IF_ERROR(ValidateName("alias", alias));
  RETURN_IF_ERROR(ValidateText("reason", reason));
  std::vector<ChangeEvent> events;
  RETURN_IF_ERROR(impl_->db().Write([&](Transaction& tx) -> Status {
    events.clear();  // a retried body starts afresh
    ASSIGN_OR_RETURN(Caller caller, impl_->Authenticate(tx, token));
    ASSIGN_OR_RETURN(ModelRow m, impl_->LoadModel(tx, model));
    RETURN_IF_ERROR(impl_->Authorize(tx, caller, Action::kSetAlias, &m));
    ASSIGN_OR_RETURN(std::optional<Row> old,
                     tx.QueryOptionalRow("SELECT v.number FROM aliases a JOIN versions v ON v.id = a.version_id"
                                         " WHERE a.model_id = $1 AND a.alias = $2",
                                         {Param(m.id), Param(alias)}));
    if (!old) return NotFoundError("model '" + std::string(model) + "' has no alias '" + std::string(alias) + "'");
    RETURN_IF_ERROR(tx.Exec("DELETE FROM aliases WHERE model_id = $1 AND alias = $2", {Param(m.id), Param(alias)}));
    return impl_->AppendAudit(tx, caller.name, "alias.remove", "model/" + std::string(model) + "/alias/" + std::string(alias),
                              Json{{"version", old->Int(0)}}, nullptr, reason, &events);
  }));
  impl_->Publish(events);
  return Status::Ok();
}

// --- approvals and promotion ------------------------------------------------------------

Result<ApprovalStatement> Registry::PrepareDecision(std::string_view token, std::string_view model, int64_t number,
                                                    std::string_view environment, std::string_view decision,
                                                    std::string_view comment) {
  if (decision != "approve" && decision != "reject") {
    return InvalidArgumentError("decision '" + std::string(decision) + "' must be approve or reject");
  }
  RETURN_IF_ERROR(ValidateText("comment", comment));
  ApprovalStatement statement;
  RETURN_IF_ERROR(impl_->db().Read([&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(Caller caller, impl_->Authenticate(tx, token));
    ASSIGN_OR_RETURN(ModelRow m, impl_->LoadModel(tx, model));
    ASSIGN_OR_RETURN(VersionRow v, impl_->LoadVersion(tx, m, number));
    ASSIGN_OR_RETURN(EnvironmentInfo env, impl_->LoadEnvironment(tx, environment));
    statement = ApprovalStatement{m.info.spec.name, v.info.number, v.info.artifact_digest, env.name,
                                  std::string(decision), caller.name, std::string(comment), impl_->Now()};
    return Status::Ok();
  }));
  return statement;
}

Status Registry::Decide(std::string_view token, const DecisionRequest& request) {
  const ApprovalStatement& s = request.statement;
  if (s.decision != "approve" && s.decision != "reject") {
    return InvalidArgumentError("decision '" + s.decision + "' must be approve or reject");
  }
  RETURN_IF_ERROR(ValidateText("comment", s.comment));
  if (s.comment.empty()) return InvalidArgumentError("an approval or rejection needs a comment");
  ASSIGN_OR_RETURN(int64_t signed_at, ParseTime(s.time));
  ASSIGN_OR_RETURN(int64_t now, ParseTime(impl_->Now()));
  const int64_t skew = impl_->options().max_signature_skew_seconds * 1000000;
  if (signed_at < now - skew || signed_at > now + skew) {
    return FailedPreconditionError("the statement's time " + s.time + " is more than " +
                                   std::to_string(impl_->options().max_signature_skew_seconds) +
                                   " s from the registry's clock; sign a fresh statement");
  }
  return impl_->db().Write([&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(Caller caller, impl_->Authenticate(tx, token));
    ASSIGN_OR_RETURN(ModelRow m, impl_->LoadModel(tx, s.model));
    RETURN_IF_ERROR(impl_->Authorize(tx, caller, Action::kApprove, &m));
    if (s.approver != caller.name) {
      return PermissionDeniedError("the statement names approver '" + s.approver + "' but the caller is '" +
                                   caller.name + "'");
    }
    ASSIGN_OR_RETURN(VersionRow v, impl_->LoadVersion(tx, m, s.version));
    if (v.creator_id == caller.id) {
      return PermissionDeniedError("user '" + caller.name + "' is the author of version " + std::to_string(s.version) +
                                   " of '" + s.model + "' and cannot approve or reject it");
    }
    if (v.info.archived) return FailedPreconditionError("version " + std::to_string(s.version) + " is archived");
    if (s.artifact_digest != v.info.artifact_digest) {
      return InvalidArgumentError("the statement names artifact " + s.artifact_digest + " but version " +
                                  std::to_string(s.version) + " is " + v.info.artifact_digest);
    }
    ASSIGN_OR_RETURN(EnvironmentInfo env, impl_->LoadEnvironment(tx, s.environment));
    ASSIGN_OR_RETURN(Rows key_rows, tx.Query("SELECT public_key FROM users WHERE id = $1", {Param(caller.id)}));
    const std::string public_key = key_rows.at(0).Text(0);
    if (public_key.empty()) {
      return FailedPreconditionError("user '" + caller.name +
                                     "' has no signing key; create one with podium registry keygen");
    }
    const std::string statement = CanonicalStatement(s);
    RETURN_IF_ERROR(VerifySignature(statement, request.signature, public_key).WithContext("approval signature"));
    RETURN_IF_ERROR(tx.Exec("INSERT INTO approvals (version_id, environment, user_id, role, decision, comment, signed_at,"
                            " statement, public_key, signature) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                            {Param(v.id), Param(env.name), Param(caller.id), Param(RoleName(caller.role)),
                             Param(s.decision), Param(s.comment), Param(s.time), Param(statement), Param(public_key),
                             Param(request.signature)}));
    return impl_->AppendAudit(tx, caller.name, "approval." + s.decision,
                              VersionEntity(s.model, s.version) + "/environment/" + env.name, nullptr,
                              Json{{"decision", s.decision},
                                   {"role", RoleName(caller.role)},
                                   {"signed_at", s.time},
                                   {"artifact", s.artifact_digest},
                                   {"public_key", public_key},
                                   {"signature", request.signature}},
                              s.comment);
  });
}

Status Registry::Promote(std::string_view token, std::string_view model, int64_t number, std::string_view environment,
                         std::string_view reason) {
  RETURN_IF_ERROR(ValidateText("reason", reason));
  std::vector<ChangeEvent> events;
  RETURN_IF_ERROR(impl_->db().Write([&](Transaction& tx) -> Status {
    events.clear();  // a retried body starts afresh
    ASSIGN_OR_RETURN(Caller caller, impl_->Authenticate(tx, token));
    ASSIGN_OR_RETURN(ModelRow m, impl_->LoadModel(tx, model));
    RETURN_IF_ERROR(impl_->Authorize(tx, caller, Action::kPromote, &m));
    if (m.info.archived) return FailedPreconditionError("model '" + std::string(model) + "' is archived");
    ASSIGN_OR_RETURN(VersionRow v, impl_->LoadVersion(tx, m, number));
    if (v.info.archived) return FailedPreconditionError("version " + std::to_string(number) + " is archived");
    ASSIGN_OR_RETURN(EnvironmentInfo env, impl_->LoadEnvironment(tx, environment));
    ASSIGN_OR_RETURN(std::optional<Row> current,
                     tx.QueryOptionalRow("SELECT v.number FROM deployments d JOIN versions v ON v.id = d.version_id"
                                         " WHERE d.model_id = $1 AND d.environment = $2",
                                         {Param(m.id), Param(env.name)}));
    if (current && current->Int(0) == number) {
      return AlreadyExistsError("version " + std::to_string(number) + " of '" + std::string(model) +
                                "' is deployed in " + env.name + " already");
    }
    ASSIGN_OR_RETURN(std::optional<Row> below,
                     tx.QueryOptionalRow("SELECT name FROM environments WHERE stage_order < $1"
                                         " ORDER BY stage_order DESC LIMIT 1",
                                         {Param(env.order)}));
    if (below) {
      ASSIGN_OR_RETURN(std::optional<Row> there,
                       tx.QueryOptionalRow("SELECT version_id FROM deployments WHERE model_id = $1 AND environment = $2",
                                           {Param(m.id), Param(below->Text(0))}));
      if (!there || there->Int(0) != v.id) {
        return FailedPreconditionError("version " + std::to_string(number) + " of '" + std::string(model) +
                                       "' is not deployed in " + below->Text(0) + "; promote it there first");
      }
    }
    RETURN_IF_ERROR(impl_->CheckFeatures(tx, m, v.info.features));
    if (env.policy.required_approvals > 0 || env.policy.required_risk_approvals > 0) {
      ASSIGN_OR_RETURN(std::vector<Decision> decisions, impl_->LatestDecisions(tx, v.id, env.name));
      RETURN_IF_ERROR(CheckApprovals(env.policy, v.info.creator, decisions)
                          .WithContext("promoting version " + std::to_string(number) + " of '" + std::string(model) +
                                       "' to " + env.name));
    }
    RETURN_IF_ERROR(tx.Exec("INSERT INTO deployments (model_id, environment, version_id, deployed_by, deployed_at)"
                            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (model_id, environment) DO UPDATE SET"
                            " version_id = excluded.version_id, deployed_by = excluded.deployed_by,"
                            " deployed_at = excluded.deployed_at",
                            {Param(m.id), Param(env.name), Param(v.id), Param(caller.id), Param(impl_->Now())}));
    return impl_->AppendAudit(tx, caller.name, "deployment.set", DeploymentEntity(model, env.name),
                              current ? Json{{"version", current->Int(0)}} : Json(nullptr),
                              Json{{"version", number}, {"artifact", v.info.artifact_digest}}, reason, &events);
  }));
  impl_->Publish(events);
  return Status::Ok();
}

Status Registry::ArchiveVersion(std::string_view token, std::string_view model, int64_t number, std::string_view reason) {
  RETURN_IF_ERROR(ValidateText("reason", reason));
  std::vector<ChangeEvent> events;
  RETURN_IF_ERROR(impl_->db().Write([&](Transaction& tx) -> Status {
    events.clear();  // a retried body starts afresh
    ASSIGN_OR_RETURN(Caller caller, impl_->Authenticate(tx, token));
    ASSIGN_OR_RETURN(ModelRow m, impl_->LoadModel(tx, model));
    RETURN_IF_ERROR(impl_->Authorize(tx, caller, Action::kArchive, &m));
    ASSIGN_OR_RETURN(VersionRow v, impl_->LoadVersion(tx, m, number));
    if (v.info.archived) return FailedPreconditionError("version " + std::to_string(number) + " is archived already");
    RETURN_IF_ERROR(impl_->FillVersionDetails(tx, v));
    if (!v.info.environments.empty() || !v.info.aliases.empty()) {
      std::string where;
      for (const std::string& e : v.info.environments) where += (where.empty() ? "" : ", ") + e;
      for (const std::string& a : v.info.aliases) where += (where.empty() ? "alias " : ", alias ") + a;
      return FailedPreconditionError("version " + std::to_string(number) + " of '" + std::string(model) +
                                     "' is still in use (" + where + "); move those first");
    }
    RETURN_IF_ERROR(tx.Exec("UPDATE versions SET archived = 1 WHERE id = $1", {Param(v.id)}));
    return impl_->AppendAudit(tx, caller.name, "version.archive", VersionEntity(model, number), Json{{"archived", false}},
                              Json{{"archived", true}}, reason, &events);
  }));
  impl_->Publish(events);
  return Status::Ok();
}

Status Registry::ArchiveModel(std::string_view token, std::string_view model, std::string_view reason) {
  RETURN_IF_ERROR(ValidateText("reason", reason));
  std::vector<ChangeEvent> events;
  RETURN_IF_ERROR(impl_->db().Write([&](Transaction& tx) -> Status {
    events.clear();  // a retried body starts afresh
    ASSIGN_OR_RETURN(Caller caller, impl_->Authenticate(tx, token));
    ASSIGN_OR_RETURN(ModelRow m, impl_->LoadModel(tx, model));
    RETURN_IF_ERROR(impl_->Authorize(tx, caller, Action::kArchive, &m));
    if (m.info.archived) return FailedPreconditionError("model '" + std::string(model) + "' is archived already");
    ASSIGN_OR_RETURN(Rows dependants, tx.Query("SELECT m.name FROM model_dependencies d JOIN models m ON m.id = d.model_id"
                                               " WHERE d.depends_on_id = $1 AND m.archived = 0 ORDER BY m.name",
                                               {Param(m.id)}));
    if (!dependants.empty()) {
      std::string names;
      for (const Row& r : dependants) names += (names.empty() ? "" : ", ") + r.Text(0);
      return FailedPreconditionError("model '" + std::string(model) + "' cannot be retired: " + names +
                                     " depend" + (dependants.size() == 1 ? "s" : "") + " on it");
    }
    RETURN_IF_ERROR(tx.Exec("UPDATE models SET archived = 1 WHERE id = $1", {Param(m.id)}));
    return impl_->AppendAudit(tx, caller.name, "model.archive", "model/" + std::string(model), Json{{"archived", false}},
                              Json{{"archived", true}}, reason, &events);
  }));
  impl_->Publish(events);
  return Status::Ok();
}

// --- datasets, lineage, dependencies -----------------------------------------------------------

Status Registry::RegisterDataset(std::string_view token, const DatasetInfo& d) {
  RETURN_IF_ERROR(ValidateName("dataset", d.name));
  RETURN_IF_ERROR(ValidateName("dataset version", d.version));
  RETURN_IF_ERROR(ValidateText("fingerprint", d.fingerprint, 256));
  if (d.fingerprint.empty()) return InvalidArgumentError("a dataset needs a content fingerprint");
  ASSIGN_OR_RETURN(Json schema, ParseJsonText("dataset schema", d.schema.empty() ? "{}" : d.schema));
  ASSIGN_OR_RETURN(Json profile, ParseJsonText("dataset profile", d.profile.empty() ? "{}" : d.profile));
  if (d.row_count < 0) return InvalidArgumentError("row count must be >= 0");
  return impl_->db().Write([&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(Caller caller, impl_->Authenticate(tx, token));
    RETURN_IF_ERROR(impl_->Authorize(tx, caller, Action::kManageDatasets));
    ASSIGN_OR_RETURN(std::optional<Row> existing,
                     tx.QueryOptionalRow("SELECT id FROM datasets WHERE name = $1 AND version = $2",
                                         {Param(d.name), Param(d.version)}));
    if (existing) return AlreadyExistsError("dataset '" + d.name + "' version '" + d.version + "' is registered already");
    RETURN_IF_ERROR(tx.Exec("INSERT INTO datasets (name, version, fingerprint, schema_json, row_count, profile,"
                            " created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                            {Param(d.name), Param(d.version), Param(d.fingerprint), Param(Dump(schema)),
                             Param(d.row_count), Param(Dump(profile)), Param(caller.id), Param(impl_->Now())}));
    return impl_->AppendAudit(tx, caller.name, "dataset.register", "dataset/" + d.name + "/" + d.version, nullptr,
                              Json{{"fingerprint", d.fingerprint}, {"row_count", d.row_count}, {"schema", schema}}, "");
  });
}

namespace {
DatasetInfo DatasetFromRow(const Row& r) {
  return DatasetInfo{r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Int(4), r.Text(5), r.Text(6), r.Text(7)};
}
constexpr char kDatasetColumns[] =
    "d.name, d.version, d.fingerprint, d.schema_json, d.row_count, d.profile, u.name, d.created_at";
}  // namespace

Result<DatasetInfo> Registry::GetDataset(std::string_view token, std::string_view name, std::string_view version) {
  DatasetInfo info;
  RETURN_IF_ERROR(impl_->db().Read([&](Transaction& tx) -> Status {
    RETURN_IF_ERROR(impl_->AuthenticateReader(tx, token));
    ASSIGN_OR_RETURN(std::optional<Row> row,
                     tx.QueryOptionalRow(std::string("SELECT ") + kDatasetColumns +
                                             " FROM datasets d JOIN users u ON u.id = d.created_by"
                                             " WHERE d.name = $1 AND d.version = $2",
                                         {Param(name), Param(version)}));
    if (!row) return NotFoundError("dataset '" + std::string(name) + "' version '" + std::string(version) + "' is not registered");
    info = DatasetFromRow(*row);
    return Status::Ok();
  }));
  return info;
}

Status Registry::AddDependency(std::string_view token, std::string_view model, std::string_view depends_on,
                               std::string_view reason) {
  RETURN_IF_ERROR(ValidateText("reason", reason));
  if (model == depends_on) return InvalidArgumentError("a model cannot depend on itself");
  return impl_->db().Write([&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(Caller caller, impl_->Authenticate(tx, token));
    ASSIGN_OR_RETURN(ModelRow m, impl_->LoadModel(tx, model));
    ASSIGN_OR_RETURN(ModelRow target, impl_->LoadModel(tx, depends_on));
    RETURN_IF_ERROR(impl_->Authorize(tx, caller, Action::kRegisterVersion, &m));
    if (target.info.archived) return FailedPreconditionError("model '" + std::string(depends_on) + "' is archived");
    // Refuse cycles: walk what `depends_on` depends on.
    std::vector<int64_t> frontier = {target.id};
    std::set<int64_t> seen = {target.id};
    while (!frontier.empty()) {
      const int64_t next = frontier.back();
      frontier.pop_back();
      ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT depends_on_id FROM model_dependencies WHERE model_id = $1", {Param(next)}));
      for (const Row& r : rows) {
        if (r.Int(0) == m.id) {
          return FailedPreconditionError("'" + std::string(depends_on) + "' already depends on '" + std::string(model) +
                                         "'; the dependency would form a cycle");
        }
        if (seen.insert(r.Int(0)).second) frontier.push_back(r.Int(0));
      }
    }
    RETURN_IF_ERROR(tx.Exec("INSERT INTO model_dependencies (model_id, depends_on_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                            {Param(m.id), Param(target.id)}));
    return impl_->AppendAudit(tx, caller.name, "dependency.add", "model/" + std::string(model) + "/depends_on/" +
                              std::string(depends_on), nullptr, Json{{"depends_on", depends_on}}, reason);
  });
}

Result<Lineage> Registry::GetLineage(std::string_view token, std::string_view model, int64_t number) {
  Lineage lineage;
  RETURN_IF_ERROR(impl_->db().Read([&](Transaction& tx) -> Status {
    RETURN_IF_ERROR(impl_->AuthenticateReader(tx, token));
    ASSIGN_OR_RETURN(ModelRow m, impl_->LoadModel(tx, model));
    ASSIGN_OR_RETURN(VersionRow v, impl_->LoadVersion(tx, m, number));
    RETURN_IF_ERROR(impl_->FillVersionDetails(tx, v));
    lineage.version = v.info;
    ASSIGN_OR_RETURN(Rows datasets, tx.Query(std::string("SELECT ") + kDatasetColumns +
                                             " FROM version_datasets vd JOIN datasets d ON d.id = vd.dataset_id"
                                             " JOIN users u ON u.id = d.created_by WHERE vd.version_id = $1"
                                             " ORDER BY vd.role, d.name, d.version",
                                             {Param(v.id)}));
    for (const Row& r : datasets) lineage.datasets.push_back(DatasetFromRow(r));
    ASSIGN_OR_RETURN(Rows up, tx.Query("SELECT m.name FROM model_dependencies d JOIN models m ON m.id = d.depends_on_id"
                                       " WHERE d.model_id = $1 ORDER BY m.name",
                                       {Param(m.id)}));
    for (const Row& r : up) lineage.depends_on.push_back(r.Text(0));
    ASSIGN_OR_RETURN(Rows down, tx.Query("SELECT m.name FROM model_dependencies d JOIN models m ON m.id = d.model_id"
                                         " WHERE d.depends_on_id = $1 ORDER BY m.name",
                                         {Param(m.id)}));
    for (const Row& r : down) lineage.depended_on_by.push_back(r.Text(0));
    return Status::Ok();
  }));
  return lineage;
}

// --- search, cards, diffs ------------------------------------------------------------------

Result<std::vector<SearchHit>> Registry::Search(std::string_view token, const SearchQuery& query) {
  RETURN_IF_ERROR(ValidateText("search text", query.text, 1024));
  const int limit = std::clamp(query.limit, 1, kMaxSearchLimit);
  std::string sql =
      "SELECT m.name, v.number, m.description, u.name FROM versions v JOIN models m ON m.id = v.model_id"
      " JOIN users u ON u.id = m.owner_id WHERE 1 = 1";
  std::vector<SqlParam> params;
  auto next = [&params](SqlParam p) {
    params.push_back(std::move(p));
    return "$" + std::to_string(params.size());
  };
  if (!query.include_archived) sql += " AND v.archived = 0 AND m.archived = 0";
  for (const std::string& word : Words(query.text)) {
    sql += " AND m.id IN (SELECT model_id FROM search_terms WHERE term >= " + next(Param(word)) +
           " AND term < " + next(Param(PrefixUpperBound(word))) + ")";
  }
  if (!query.owner.empty()) sql += " AND u.name = " + next(Param(query.owner));
  if (!query.environment.empty()) {
    sql += " AND v.id IN (SELECT version_id FROM deployments WHERE environment = " + next(Param(query.environment)) + ")";
  }
  if (!query.alias.empty()) {
    sql += " AND v.id IN (SELECT version_id FROM aliases WHERE alias = " + next(Param(query.alias)) + ")";
  }
  if (!query.dataset.empty()) {
    sql += " AND v.id IN (SELECT vd.version_id FROM version_datasets vd JOIN datasets d ON d.id = vd.dataset_id"
           " WHERE d.name = " + next(Param(query.dataset)) + ")";
  }
  for (const SearchQuery::MetricRange& range : query.metrics) {
    RETURN_IF_ERROR(ValidateName("metric", range.name));
    sql += " AND v.id IN (SELECT version_id FROM version_metrics WHERE name = " + next(Param(range.name));
    if (range.min) sql += " AND value >= " + next(Param(*range.min));
    if (range.max) sql += " AND value <= " + next(Param(*range.max));
    sql += ")";
  }
  sql += " ORDER BY m.name, v.number DESC LIMIT " + std::to_string(limit);
  std::vector<SearchHit> hits;
  RETURN_IF_ERROR(impl_->db().Read([&](Transaction& tx) -> Status {
    RETURN_IF_ERROR(impl_->AuthenticateReader(tx, token));
    ASSIGN_OR_RETURN(Rows rows, tx.Query(sql, params));
    for (const Row& r : rows) hits.push_back({r.Text(0), r.Int(1), r.Text(2), r.Text(3)});
    return Status::Ok();
  }));
  return hits;
}

Result<std::string> Registry::ModelCard(std::string_view token, std::string_view model, int64_t number,
                                        std::string_view format) {
  if (format != "markdown" && format != "html") {
    return InvalidArgumentError("card format '" + std::string(format) + "' must be markdown or html");
  }
  ASSIGN_OR_RETURN(ModelInfo info, GetModel(token, model));
  ASSIGN_OR_RETURN(Lineage lineage, GetLineage(token, model, number));
  ASSIGN_OR_RETURN(std::string artifact, impl_->artifacts().Get(lineage.version.artifact_digest));
  ASSIGN_OR_RETURN(Pipeline pipeline, ReadPipelineJson(artifact));
  const std::string markdown = RenderModelCard(info, lineage, pipeline);
  return format == "html" ? MarkdownCardToHtml(markdown) : markdown;
}

Result<std::string> Registry::Diff(std::string_view token, std::string_view model, int64_t a, int64_t b) {
  ASSIGN_OR_RETURN(VersionInfo va, GetVersion(token, model, a));
  ASSIGN_OR_RETURN(VersionInfo vb, GetVersion(token, model, b));
  ASSIGN_OR_RETURN(std::string artifact_a, impl_->artifacts().Get(va.artifact_digest));
  ASSIGN_OR_RETURN(std::string artifact_b, impl_->artifacts().Get(vb.artifact_digest));
  ASSIGN_OR_RETURN(Pipeline pa, ReadPipelineJson(artifact_a));
  ASSIGN_OR_RETURN(Pipeline pb, ReadPipelineJson(artifact_b));
  return DiffVersions(va, pa, vb, pb);
}

// --- verification and audit ----------------------------------------------------------------

Result<VerifyReport> Registry::VerifyVersion(std::string_view token, std::string_view model, int64_t number) {
  ASSIGN_OR_RETURN(VersionInfo v, GetVersion(token, model, number));
  VerifyReport report;
  ASSIGN_OR_RETURN(std::string artifact, impl_->artifacts().Get(v.artifact_digest));
  (void)artifact;
  report.artifact_digest = v.artifact_digest;
  std::map<std::string, std::set<std::string>> keys;  // user -> every key it registered
  RETURN_IF_ERROR(impl_->db().Read([&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT u.name, k.public_key FROM user_keys k JOIN users u ON u.id = k.user_id"));
    for (const Row& r : rows) keys[r.Text(0)].insert(r.Text(1));
    return Status::Ok();
  }));
  for (const ApprovalInfo& a : v.approvals) {
    const std::string what = a.decision + " by " + a.approver + " for " + a.environment + " at " + a.signed_at;
    const ApprovalStatement rebuilt{v.model, v.number, v.artifact_digest, a.environment, a.decision,
                                    a.approver, a.comment, a.signed_at};
    if (CanonicalStatement(rebuilt) != a.statement) {
      return DataLossError(what + ": the recorded statement does not match the registry's records");
    }
    if (!keys[a.approver].count(a.public_key)) {
      return DataLossError(what + ": signed with a key that user never registered");
    }
    const Status status = VerifySignature(a.statement, a.signature, a.public_key);
    if (!status.ok()) return DataLossError(what + ": " + status.message());
    ++report.approvals_checked;
  }
  return report;
}

namespace {
AuditRecord AuditFromRow(const Row& r) {
  AuditRecord a;
  a.seq = r.Int(0);
  a.time = r.Text(1);
  a.actor = r.Text(2);
  a.action = r.Text(3);
  a.entity = r.Text(4);
  a.before = r.Text(5);
  a.after = r.Text(6);
  a.reason = r.Text(7);
  a.prev_hash = r.Text(8);
  a.hash = r.Text(9);
  return a;
}
constexpr char kAuditColumns[] = "seq, at, actor, action, entity, before_json, after_json, reason, prev_hash, hash";
constexpr int64_t kAuditPage = 5000;
}  // namespace

Result<int64_t> Registry::VerifyAudit(std::string_view token) {
  int64_t count = 0;
  RETURN_IF_ERROR(impl_->db().Read([&](Transaction& tx) -> Status {
    RETURN_IF_ERROR(impl_->AuthenticateReader(tx, token));
    ASSIGN_OR_RETURN(Rows head, tx.Query("SELECT seq, hash FROM audit_head WHERE id = 1"));
    if (head.size() != 1) return DataLossError("the audit head is missing");
    AuditChainVerifier verifier;
    int64_t after = 0;
    for (;;) {
      ASSIGN_OR_RETURN(Rows rows, tx.Query(std::string("SELECT ") + kAuditColumns + " FROM audit_log WHERE seq > $1"
                                                                                 " ORDER BY seq LIMIT " +
                                               std::to_string(kAuditPage),
                                           {Param(after)}));
      for (const Row& r : rows) RETURN_IF_ERROR(verifier.Add(AuditFromRow(r)));
      if (static_cast<int64_t>(rows.size()) < kAuditPage) break;
      after = rows.back().Int(0);
    }
    RETURN_IF_ERROR(verifier.Finish(head[0].Int(0), head[0].Text(1)));
    count = verifier.count();
    return Status::Ok();
  }));
  return count;
}

Result<std::vector<AuditRecord>> Registry::AuditLog(std::string_view token, const AuditQuery& query) {
  RETURN_IF_ERROR(ValidateText("entity prefix", query.entity_prefix, 1024));
  std::string sql = std::string("SELECT ") + kAuditColumns + " FROM audit_log WHERE 1 = 1";
  std::vector<SqlParam> params;
  if (!query.entity_prefix.empty()) {
    // Characters, not bytes, as substr counts them in both stores.
    int64_t chars = 0;
    for (char c : query.entity_prefix) chars += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    params.push_back(Param(query.entity_prefix));
    params.push_back(Param(chars));
    sql += " AND substr(entity, 1, $2) = $1";
  }
  if (query.after_seq > 0) {
    params.push_back(Param(query.after_seq));
    sql += " AND seq > $" + std::to_string(params.size());
  }
  if (!query.since.empty()) {
    ASSIGN_OR_RETURN(int64_t since, ParseTime(query.since.size() == 10 ? query.since + "T00:00:00Z" : query.since));
    params.push_back(Param(FormatTime(since)));
    sql += " AND at >= $" + std::to_string(params.size());
  }
  if (!query.until.empty()) {
    ASSIGN_OR_RETURN(int64_t until, ParseTime(query.until));
    params.push_back(Param(FormatTime(until)));
    sql += " AND at <= $" + std::to_string(params.size());
  }
  sql += " ORDER BY seq LIMIT " + std::to_string(std::clamp(query.limit, 1, 1000000));
  std::vector<AuditRecord> records;
  RETURN_IF_ERROR(impl_->db().Read([&](Transaction& tx) -> Status {
    RETURN_IF_ERROR(impl_->AuthenticateReader(tx, token));
    ASSIGN_OR_RETURN(Rows rows, tx.Query(sql, params));
    for (const Row& r : rows) records.push_back(AuditFromRow(r));
    return Status::Ok();
  }));
  return records;
}

Result<DeploymentAt> Registry::DeployedAt(std::string_view token, std::string_view model, std::string_view environment,
                                          std::string_view time) {
  RETURN_IF_ERROR(ValidateName("model", model));
  RETURN_IF_ERROR(ValidateName("environment", environment));
  ASSIGN_OR_RETURN(int64_t micros, ParseTime(time));
  DeploymentAt answer;
  answer.model = model;
  answer.environment = environment;
  answer.time = FormatTime(micros);
  RETURN_IF_ERROR(impl_->db().Read([&](Transaction& tx) -> Status {
    RETURN_IF_ERROR(impl_->AuthenticateReader(tx, token));
    ASSIGN_OR_RETURN(ModelRow m, impl_->LoadModel(tx, model));
    (void)m;
    ASSIGN_OR_RETURN(std::optional<Row> row,
                     tx.QueryOptionalRow(std::string("SELECT ") + kAuditColumns +
                                             " FROM audit_log WHERE entity = $1 AND action = 'deployment.set'"
                                             " AND at <= $2 ORDER BY seq DESC LIMIT 1",
                                         {Param(DeploymentEntity(model, environment)), Param(answer.time)}));
    if (!row) return Status::Ok();
    const AuditRecord record = AuditFromRow(*row);
    Json after = Json::parse(record.after, nullptr, false);
    if (after.is_object() && after.contains("version") && after["version"].is_number_integer()) {
      answer.version = after["version"].get<int64_t>();
    }
    answer.deployed_by = record.actor;
    answer.deployed_at = record.time;
    answer.reason = record.reason;
    answer.audit_seq = record.seq;
    return Status::Ok();
  }));
  return answer;
}

// --- change events ---------------------------------------------------------------------------

Registry::SubscriptionId Registry::Subscribe(ChangeListener listener) { return impl_->Subscribe(std::move(listener)); }

void Registry::Unsubscribe(SubscriptionId id) { impl_->Unsubscribe(id); }

Result<int64_t> Registry::ChangeSequence(std::string_view token) {
  int64_t seq = 0;
  RETURN_IF_ERROR(impl_->db().Read([&](Transaction& tx) -> Status {
    RETURN_IF_ERROR(impl_->AuthenticateReader(tx, token));
    ASSIGN_OR_RETURN(Rows head, tx.Query("SELECT seq FROM audit_head WHERE id = 1"));
    if (head.size() != 1) return DataLossError("the audit head is missing");
    seq = head[0].Int(0);
    return Status::Ok();
  }));
  return seq;
}

const RegistryOptions& Registry::options() const { return impl_->options(); }

}  // namespace podium::registry
