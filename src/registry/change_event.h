// Registry change events: what a committed change did to the names a
// deployment can follow (aliases, environments) and to the versions and
// models behind them. Format and delivery: docs/REGISTRY.md, "Change events".
//
// An event is derived from the audit record its change appended, so the audit
// log is the one source of truth: Registry::Subscribe delivers events in the
// process that made the change, ChangeFeed (change_feed.h) reads the same
// records for changes made anywhere. Thread-safe (value types and pure
// functions).
#ifndef PODIUM_REGISTRY_CHANGE_EVENT_H_
#define PODIUM_REGISTRY_CHANGE_EVENT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "registry/audit.h"

namespace podium::registry {

enum class ChangeKind {
  kAliasSet,         // label: the alias; version: the version it names now
  kAliasRemoved,     // label: the alias; no version
  kPromoted,         // label: the environment; version: deployed there now
  kVersionArchived,  // version: the archived version
  kModelArchived,    // no label, no version
};

// "alias.set", "alias.remove", "deployment.set", "version.archive",
// "model.archive": the audit actions the kinds come from.
std::string_view ChangeKindName(ChangeKind kind);

struct ChangeEvent {
  std::string model;
  ChangeKind kind = ChangeKind::kAliasSet;
  std::string label;
  std::optional<int64_t> version;
  int64_t seq = 0;  // the sequence number of the change's audit record
};

// The event `record` describes, or none for a record that changes nothing a
// deployment follows (users, approvals, registrations, ...).
std::optional<ChangeEvent> ChangeEventFromAudit(const AuditRecord& record);

// Receives events; where it runs is documented by whoever calls it.
using ChangeListener = std::function<void(const ChangeEvent&)>;

// The PostgreSQL NOTIFY channel a change is announced on (payload
// "<model> <seq>"). A notification is only a wake-up: listeners read the
// audit log for what changed.
inline constexpr char kChangeChannel[] = "podium_registry_changes";

}  // namespace podium::registry

#endif  // PODIUM_REGISTRY_CHANGE_EVENT_H_
