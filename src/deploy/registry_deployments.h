// Deployments from the registry: the scoring server serves what the model
// registry says is deployed, and follows it when that changes.
//
// A deployment names a serving model and the registry reference it follows,
// "churn=churn@production": model `churn` of the registry, the version
// deployed in its `production` environment (or held by an alias of that
// name), optionally with a challenger reference and a traffic policy.
// RegistryDeployments resolves each reference to a registry version, gives
// the ModelManager the specs to load (ModelSpecs), and, once started, follows
// the registry's changes (registry/change_feed.h): on every change to a
// followed model it resolves the references again and, when one names
// another version, loads that version's artifact aside and publishes it with
// ModelManager::Apply. Requests in flight finish on the version they pinned;
// a version that fails to load (unreadable or corrupt artifact, digest
// mismatch, compile error) never replaces the serving one, and its error is
// in ModelHealth (status and metrics), in States() and in the log. Details:
// docs/SERVER.md, "Deployments from the registry".
//
// Threads: a RegistryDeployments owns one ChangeFeed, whose thread resolves
// and applies every change, one at a time. A Registry subscription (the
// in-process listener) only wakes that thread. Thread-safe: States() and the
// accessors may be called from any thread.
#ifndef PODIUM_DEPLOY_REGISTRY_DEPLOYMENTS_H_
#define PODIUM_DEPLOY_REGISTRY_DEPLOYMENTS_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "registry/change_feed.h"
#include "registry/registry.h"
#include "serving/model_manager.h"
#include "serving/traffic_policy.h"

namespace podium::deploy {

// "MODEL@LABEL": a registry model and one of its environments or aliases.
struct RegistryReference {
  std::string model;
  std::string label;
  std::string ToString() const { return model + "@" + label; }
};

// kInvalidArgument unless `text` is MODEL@LABEL with both parts non-empty.
// A numeric label (a fixed version) is refused: a deployment follows a name.
Result<RegistryReference> ParseRegistryReference(std::string_view text);

struct Deployment {
  std::string name;  // the serving model name (URLs, metrics)
  RegistryReference champion;
  std::optional<RegistryReference> challenger;
  serving::TrafficPolicy policy;  // champion-only unless a challenger is set
  std::optional<std::string> fallback_decision;  // the kill switch's answer
};

// The --deploy flag: "NAME=MODEL@LABEL".
Result<Deployment> ParseDeploymentFlag(std::string_view text);

// A serving::Loader for registry sources: reads the version's artifact
// through `registry` with `token`, refuses bytes whose digest is not the
// source's (kDataLoss), and parses the pipeline. Sources without a registry
// reference go to `files` (refused when `files` is empty). `registry` must
// outlive the loader.
serving::Loader RegistryLoader(registry::Registry* registry, std::string token, serving::Loader files);

// What one slot of a deployment serves.
struct DeploymentState {
  std::string name;
  serving::Slot slot = serving::Slot::kChampion;
  RegistryReference reference;
  int64_t version = 0;      // the registry version served
  std::string digest;       // its artifact digest
  int64_t applied_seq = 0;  // the change (audit seq) last acted on; 0: the initial resolution
  std::string last_error;   // empty when the last resolution and load worked
};

class RegistryDeployments {
 public:
  struct Options {
    // The registry to follow (required; not owned, must outlive this).
    registry::Registry* registry = nullptr;
    // A registry API token that may read (any role; required). The server
    // reads it from a file: docs/SERVER.md.
    std::string token;
    // The deployments (at least one; unique names).
    std::vector<Deployment> deployments;
    // How the change feed learns of changes made by other processes
    // (registry/change_feed.h).
    std::chrono::milliseconds poll_interval{50};
    std::chrono::milliseconds notify_timeout{2000};
    // Optional: one line for each change applied or failed, and for feed
    // trouble. Called on the feed's thread.
    std::function<void(const std::string&)> log;
  };

  // Resolves every reference now (kNotFound naming the deployment when one
  // does not resolve) and remembers the registry's change sequence, so that
  // Start misses no change made after this resolution.
  static Result<std::unique_ptr<RegistryDeployments>> Create(Options options);
  // Unsubscribes and stops the feed's thread; the ModelManager is not used
  // afterwards.
  ~RegistryDeployments();
  RegistryDeployments(const RegistryDeployments&) = delete;
  RegistryDeployments& operator=(const RegistryDeployments&) = delete;

  // The specs for ModelManager::Create: each deployment with registry
  // sources of the versions resolved. Load them with RegistryLoader.
  std::vector<serving::ModelSpec> ModelSpecs() const;

  // Follows changes from the sequence Create saw, applying them to
  // `manager`, which must serve ModelSpecs() and outlive this object.
  // kFailedPrecondition when started twice.
  Status Start(serving::ModelManager* manager);

  std::vector<DeploymentState> States() const;
  // The feed's health: OK, or why it cannot read changes now (it retries).
  Status feed_health() const;
  // The last change (audit seq) the feed delivered.
  int64_t last_seq() const;

 private:
  explicit RegistryDeployments(Options options);
  void OnChange(const registry::ChangeEvent& event);  // the feed's thread
  void Reconcile(size_t index, int64_t seq);          // the feed's thread
  void Log(const std::string& line) const;

  const Options options_;
  int64_t start_seq_ = 0;
  serving::ModelManager* manager_ = nullptr;  // set by Start

  mutable std::mutex states_mutex_;  // guards states_ (held for copies, never across a load)
  std::vector<DeploymentState> states_;

  std::unique_ptr<registry::ChangeFeed> feed_;  // owns the thread that applies changes
  std::optional<registry::Registry::SubscriptionId> subscription_;
};

}  // namespace podium::deploy

#endif  // PODIUM_DEPLOY_REGISTRY_DEPLOYMENTS_H_
