// The version manager of the scoring server: one ModelManager per server owns
// every loaded model version and publishes what is served as an immutable
// ServingSnapshot.
//
// Hot swap = build aside, publish atomically, readers pin:
//   * A load (Apply) reads and compiles the new version with no lock that
//     readers take. Only when it succeeded does the writer build a new
//     snapshot (a copy of the model map with the one entry replaced) and
//     publish it with a pointer swap.
//   * A request calls Snapshot() once and keeps the shared_ptr for its whole
//     life, so it finishes on the versions it started with; an old version is
//     freed with its last reader.
//   * A failed load never replaces the serving version: the snapshot keeps
//     the old version and records the error (ModelHealth::last_error), which
//     /v1/models/{name}/status and /metrics show.
// Each successful load of a model gets the next version number of that model
// (1, 2, ...), whichever slot it fills; a version loaded from the registry
// keeps its registry number instead, so responses name the registry version.
// Version states follow lifecycle.h.
//
// Change events: Apply(ModelChange) is the one entry point for "this model
// slot should now serve that source". The admin reload endpoint and SIGHUP
// produce them from the configured files; registry deployments
// (deploy/registry_deployments.h) produce them from the registry's change
// events (a deployment moved, an alias re-pointed), with sources that name a
// registry version and a Loader that reads the registry's artifact bytes.
// This module knows nothing else of the registry.
//
// Thread safety: thread-safe. Snapshot() may be called from any thread at any
// rate; writers (Apply, Reload, ReloadAll, SetEnabled) are serialised by
// write_mutex_ and never block readers for longer than a pointer copy.
#ifndef PODIUM_SERVING_MODEL_MANAGER_H_
#define PODIUM_SERVING_MODEL_MANAGER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/engine.h"
#include "pipeline/pipeline.h"
#include "serving/lifecycle.h"
#include "serving/traffic_policy.h"

namespace podium::serving {

// A version in the model registry: what a registry deployment resolved to.
// The loader must check that the bytes it reads have `digest`.
struct RegistryVersionRef {
  std::string model;
  int64_t version = 0;
  std::string digest;  // the artifact digest, "sha256:<hex>"
};

// Where a model version comes from: a file, or a registry version.
struct ModelSource {
  std::string path;
  std::optional<RegistryVersionRef> registry = std::nullopt;  // set: a registry version (path unused)
  // The path, or "registry:MODEL@VERSION (sha256:...)".
  std::string Describe() const;
};

// What a Loader returns: a validated pipeline and how it was obtained.
struct LoadedArtifact {
  Pipeline pipeline;
  std::string digest;  // PipelineDigest
  std::string format;  // "pipeline", "xgboost", ...
};

// Reads one source into a pipeline. Must be thread-safe; errors name the
// source. The server wires app::LoadModelFile in here.
using Loader = std::function<Result<LoadedArtifact>(const ModelSource&)>;

// One loaded, compiled model version. Immutable except for its pool of
// scratch buffers, which is thread-safe. Shared by the snapshots that list it
// and by the requests that pinned it.
class ServedVersion {
 public:
  ServedVersion(std::string model, int64_t version, Slot slot, ModelSource source, LoadedArtifact artifact,
                std::shared_ptr<const engine::ScoringPlan> plan, double load_seconds);
  ServedVersion(const ServedVersion&) = delete;
  ServedVersion& operator=(const ServedVersion&) = delete;

  const std::string& model() const { return model_; }
  int64_t version() const { return version_; }
  Slot slot() const { return slot_; }
  const ModelSource& source() const { return source_; }
  const std::string& digest() const { return digest_; }
  const std::string& format() const { return format_; }
  const engine::ScoringPlan& plan() const { return *plan_; }
  std::chrono::system_clock::time_point loaded_at() const { return loaded_at_; }
  double load_seconds() const { return load_seconds_; }
  // The position of input field `name` in plan().pipeline().inputs, or -1.
  int InputIndex(std::string_view name) const;

  // A scratch buffer of this version's plan, returned to the pool when the
  // lease dies. Never blocks: makes a new scratch when the pool is empty.
  class ScratchLease {
   public:
    ScratchLease(const ServedVersion* owner, std::unique_ptr<engine::Scratch> scratch);
    ~ScratchLease();
    ScratchLease(ScratchLease&&) = default;
    ScratchLease(const ScratchLease&) = delete;
    ScratchLease& operator=(const ScratchLease&) = delete;
    engine::Scratch& get() { return *scratch_; }

   private:
    const ServedVersion* owner_;
    std::unique_ptr<engine::Scratch> scratch_;
  };
  ScratchLease AcquireScratch() const;

 private:
  const std::string model_;
  const int64_t version_;
  const Slot slot_;
  const ModelSource source_;
  const std::string digest_;
  const std::string format_;
  const std::shared_ptr<const engine::ScoringPlan> plan_;
  const std::chrono::system_clock::time_point loaded_at_;
  const double load_seconds_;
  std::map<std::string, int, std::less<>> input_index_;  // set in the constructor

  mutable std::mutex pool_mutex_;  // guards pool_
  mutable std::vector<std::unique_ptr<engine::Scratch>> pool_;
};

// One line of a model's load history, newest last.
struct VersionRecord {
  int64_t version = 0;  // 0 for a failed load (it never got a number)
  Slot slot = Slot::kChampion;
  VersionState state = VersionState::kLoading;
  std::string source;
  std::string digest;
  std::string error;  // kFailed only
  std::chrono::system_clock::time_point time;
};

// Load counters and the last error of a model.
struct ModelHealth {
  int64_t loads_ok = 0;
  int64_t loads_failed = 0;
  int64_t swaps = 0;  // successful publications of a new version
  double load_seconds_total = 0;  // successful and failed loads
  double last_load_seconds = 0;
  std::string last_error;  // empty when the last load succeeded
  std::chrono::system_clock::time_point last_error_time;
};

// How a model is served: what the configuration (or later the registry) asks.
struct ModelSpec {
  std::string name;
  ModelSource champion;
  std::optional<ModelSource> challenger;
  TrafficPolicy policy;
  // What a disabled model answers (kill switch). None: it answers 503.
  std::optional<std::string> fallback_decision;
};

// One model as published. Immutable once in a snapshot.
struct ModelEntry {
  ModelSpec spec;
  std::shared_ptr<const ServedVersion> champion;    // never null once published
  std::shared_ptr<const ServedVersion> challenger;  // null without a challenger
  bool enabled = true;
  ModelHealth health;
  std::vector<VersionRecord> history;  // the last ModelManager::Options::history_limit

  // The loaded version numbered `version` (champion or challenger), or null.
  std::shared_ptr<const ServedVersion> FindVersion(int64_t version) const;
};

// What is served at one instant. Immutable; shared by the requests using it.
struct ServingSnapshot {
  int64_t generation = 0;  // incremented by every publication
  std::map<std::string, std::shared_ptr<const ModelEntry>, std::less<>> models;

  const ModelEntry* Find(std::string_view name) const;
};

// "Serve `source` in `slot` of `model`."
struct ModelChange {
  std::string model;
  Slot slot = Slot::kChampion;
  ModelSource source;
};

class ModelManager {
 public:
  struct Options {
    // The models to serve; names must be unique and non-empty. May be empty
    // (a server that answers registry calls only, until models are applied).
    std::vector<ModelSpec> models;
    // Reads a source into a pipeline (required).
    Loader loader;
    // Load history lines kept per model.
    size_t history_limit = 20;
  };

  // Loads and compiles every model (champion and challenger) and publishes
  // the first snapshot. Fails with the first load error, naming the model:
  // a server does not start half-configured.
  static Result<std::unique_ptr<ModelManager>> Create(Options options);

  ModelManager(const ModelManager&) = delete;
  ModelManager& operator=(const ModelManager&) = delete;

  // The current snapshot. Pin it for the duration of a request.
  std::shared_ptr<const ServingSnapshot> Snapshot() const;

  // Loads `change.source` aside and, when it compiles, publishes it in the
  // slot (a new version number). On failure the serving version stays and
  // the error is recorded and returned. kNotFound for an unknown model.
  Result<int64_t> Apply(const ModelChange& change);

  // Re-reads the model's configured champion (and challenger) files. Returns
  // the first error; a slot that loaded is published even when the other
  // failed.
  Status Reload(std::string_view model);
  // Reload of every model (SIGHUP). Returns the first error.
  Status ReloadAll();

  // The kill switch. kNotFound for an unknown model.
  Status SetEnabled(std::string_view model, bool enabled);

  // Records a problem that is not a load (e.g. a registry deployment no
  // longer resolves): it shows as ModelHealth::last_error, like a failed
  // load, and the serving versions stay. kNotFound for an unknown model.
  Status RecordError(std::string_view model, std::string error);

 private:
  explicit ModelManager(Options options);

  // Runs the loader and compiles; no lock held. Fills `record`.
  Result<std::shared_ptr<const ServedVersion>> LoadVersion(const std::string& model, Slot slot,
                                                           const ModelSource& source, int64_t version,
                                                           VersionRecord* record, double* seconds) const;
  Result<int64_t> ApplyLocked(const ModelChange& change);  // requires write_mutex_
  void Publish(std::shared_ptr<const ModelEntry> entry);    // requires write_mutex_

  const Options options_;

  std::mutex write_mutex_;  // serialises writers; guards next_version_
  std::map<std::string, int64_t, std::less<>> next_version_;

  mutable std::mutex snapshot_mutex_;  // guards snapshot_ (held for a pointer copy only)
  std::shared_ptr<const ServingSnapshot> snapshot_;
};

}  // namespace podium::serving

#endif  // PODIUM_SERVING_MODEL_MANAGER_H_
