#include "registry/change_event.h"

#include <nlohmann/json.hpp>
#include <vector>

namespace podium::registry {
namespace {

// "model/credit/alias/champion" -> {"model", "credit", "alias", "champion"}.
std::vector<std::string_view> SplitEntity(std::string_view entity) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= entity.size()) {
    const size_t slash = entity.find('/', start);
    const size_t end = slash == std::string_view::npos ? entity.size() : slash;
    parts.push_back(entity.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

std::optional<int64_t> VersionOf(const std::string& json_text) {
  const nlohmann::json json = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_object() && json.contains("version") && json["version"].is_number_integer()) {
    return json["version"].get<int64_t>();
  }
  return std::nullopt;
}

}  // namespace

std::string_view ChangeKindName(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kAliasSet: return "alias.set";
    case ChangeKind::kAliasRemoved: return "alias.remove";
    case ChangeKind::kPromoted: return "deployment.set";
    case ChangeKind::kVersionArchived: return "version.archive";
    case ChangeKind::kModelArchived: return "model.archive";
  }
  return "unknown";
}

std::optional<ChangeEvent> ChangeEventFromAudit(const AuditRecord& record) {
  const std::vector<std::string_view> parts = SplitEntity(record.entity);
  if (parts.size() < 2 || parts[0] != "model") return std::nullopt;
  ChangeEvent event;
  event.model = std::string(parts[1]);
  event.seq = record.seq;
  if (record.action == "alias.set" && parts.size() == 4 && parts[2] == "alias") {
    event.kind = ChangeKind::kAliasSet;
    event.label = std::string(parts[3]);
    event.version = VersionOf(record.after);
  } else if (record.action == "alias.remove" && parts.size() == 4 && parts[2] == "alias") {
    event.kind = ChangeKind::kAliasRemoved;
    event.label = std::string(parts[3]);
  } else if (record.action == "deployment.set" && parts.size() == 4 && parts[2] == "environment") {
    event.kind = ChangeKind::kPromoted;
    event.label = std::string(parts[3]);
    event.version = VersionOf(record.after);
  } else if (record.action == "version.archive" && parts.size() == 4 && parts[2] == "version") {
    event.kind = ChangeKind::kVersionArchived;
    if (parts[3].empty() || parts[3].size() > 18) return std::nullopt;
    int64_t number = 0;
    for (char c : parts[3]) {
      if (c < '0' || c > '9') return std::nullopt;
      number = number * 10 + (c - '0');
    }
    event.version = number;
  } else if (record.action == "model.archive" && parts.size() == 2) {
    event.kind = ChangeKind::kModelArchived;
  } else {
    return std::nullopt;
  }
  return event;
}

}  // namespace podium::registry
