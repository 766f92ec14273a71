#include "deploy/registry_deployments.h"

#include <algorithm>
#include <set>
#include <utility>

#include "pipeline/pipeline_json.h"
#include "registry/artifact_store.h"

namespace podium::deploy {
namespace {

bool AllDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Result<RegistryReference> ParseRegistryReference(std::string_view text) {
  const size_t at = text.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == text.size() ||
      text.find('@', at + 1) != std::string_view::npos) {
    return InvalidArgumentError("registry reference '" + std::string(text) +
                                "' must be MODEL@ENVIRONMENT or MODEL@ALIAS, e.g. churn@production");
  }
  RegistryReference reference{std::string(text.substr(0, at)), std::string(text.substr(at + 1))};
  if (AllDigits(reference.label)) {
    return InvalidArgumentError("registry reference '" + std::string(text) +
                                "' names a fixed version; a deployment follows an environment or an alias");
  }
  return reference;
}

Result<Deployment> ParseDeploymentFlag(std::string_view text) {
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return InvalidArgumentError("deployment '" + std::string(text) + "' must be NAME=MODEL@ENVIRONMENT_OR_ALIAS");
  }
  Deployment deployment;
  deployment.name = std::string(text.substr(0, eq));
  Result<RegistryReference> reference = ParseRegistryReference(text.substr(eq + 1));
  if (!reference.ok()) return reference.status().WithContext("deployment '" + deployment.name + "'");
  deployment.champion = std::move(reference).value();
  return deployment;
}

serving::Loader RegistryLoader(registry::Registry* registry, std::string token, serving::Loader files) {
  return [registry, token = std::move(token),
          files = std::move(files)](const serving::ModelSource& source) -> Result<serving::LoadedArtifact> {
    if (!source.registry) {
      if (files) return files(source);
      return InvalidArgumentError("'" + source.Describe() + "' is not a registry version");
    }
    const serving::RegistryVersionRef& ref = *source.registry;
    Result<std::string> bytes = registry->GetArtifact(token, ref.model, ref.version);
    if (!bytes.ok()) return bytes.status().WithContext(source.Describe());
    // The store re-hashes what it reads against the version's digest; this
    // also holds the bytes to the digest the deployment resolved.
    const std::string digest = registry::ArtifactDigest(*bytes);
    if (digest != ref.digest) {
      return DataLossError(source.Describe() + ": the artifact read has digest " + digest);
    }
    Result<Pipeline> pipeline = ReadPipelineJson(*bytes);
    if (!pipeline.ok()) return pipeline.status().WithContext(source.Describe());
    serving::LoadedArtifact artifact;
    artifact.digest = PipelineDigest(*pipeline);
    artifact.pipeline = std::move(pipeline).value();
    artifact.format = "pipeline";
    return artifact;
  };
}

// --- RegistryDeployments -------------------------------------------------------

RegistryDeployments::RegistryDeployments(Options options) : options_(std::move(options)) {}

Result<std::unique_ptr<RegistryDeployments>> RegistryDeployments::Create(Options options) {
  if (options.registry == nullptr) return InvalidArgumentError("registry deployments need a registry");
  if (options.token.empty()) {
    return InvalidArgumentError("registry deployments need a registry token that may read (see docs/SERVER.md)");
  }
  if (options.deployments.empty()) return InvalidArgumentError("no registry deployments to serve");
  std::set<std::string> names;
  for (const Deployment& d : options.deployments) {
    if (d.name.empty()) return InvalidArgumentError("a deployment has an empty name");
    if (!names.insert(d.name).second) return InvalidArgumentError("deployment '" + d.name + "' is listed twice");
    Status policy = serving::ValidatePolicy(d.policy, d.challenger.has_value());
    if (!policy.ok()) return policy.WithContext("deployment '" + d.name + "'");
  }
  std::unique_ptr<RegistryDeployments> deployments(new RegistryDeployments(std::move(options)));
  const Options& o = deployments->options_;
  // Read before resolving: a change committed after this is delivered by
  // the feed, however soon after it lands.
  Result<int64_t> seq = o.registry->ChangeSequence(o.token);
  if (!seq.ok()) return seq.status().WithContext("registry deployments");
  deployments->start_seq_ = *seq;
  for (const Deployment& d : o.deployments) {
    for (serving::Slot slot : {serving::Slot::kChampion, serving::Slot::kChallenger}) {
      if (slot == serving::Slot::kChallenger && !d.challenger) continue;
      DeploymentState state;
      state.name = d.name;
      state.slot = slot;
      state.reference = slot == serving::Slot::kChampion ? d.champion : *d.challenger;
      Result<registry::VersionInfo> version = o.registry->Resolve(o.token, state.reference.ToString());
      if (!version.ok()) {
        return version.status().WithContext("deployment '" + d.name + "' (" + state.reference.ToString() + ")");
      }
      state.version = version->number;
      state.digest = version->artifact_digest;
      deployments->states_.push_back(std::move(state));
    }
  }
  return deployments;
}

RegistryDeployments::~RegistryDeployments() {
  // The subscription wakes the feed, so it goes first.
  if (subscription_) options_.registry->Unsubscribe(*subscription_);
  feed_.reset();
}

std::vector<serving::ModelSpec> RegistryDeployments::ModelSpecs() const {
  const std::vector<DeploymentState> states = States();
  auto source_of = [&](const std::string& name, serving::Slot slot) {
    serving::ModelSource source;
    for (const DeploymentState& s : states) {
      if (s.name == name && s.slot == slot) {
        source.registry = serving::RegistryVersionRef{s.reference.model, s.version, s.digest};
      }
    }
    return source;
  };
  std::vector<serving::ModelSpec> specs;
  for (const Deployment& d : options_.deployments) {
    serving::ModelSpec spec;
    spec.name = d.name;
    spec.champion = source_of(d.name, serving::Slot::kChampion);
    if (d.challenger) spec.challenger = source_of(d.name, serving::Slot::kChallenger);
    spec.policy = d.policy;
    spec.fallback_decision = d.fallback_decision;
    specs.push_back(std::move(spec));
  }
  return specs;
}

Status RegistryDeployments::Start(serving::ModelManager* manager) {
  if (manager == nullptr) return InvalidArgumentError("registry deployments need a model manager");
  if (feed_) return FailedPreconditionError("registry deployments are started already");
  manager_ = manager;
  registry::ChangeFeedOptions feed;
  feed.token = options_.token;
  feed.after_seq = start_seq_;
  feed.poll_interval = options_.poll_interval;
  feed.notify_timeout = options_.notify_timeout;
  feed.listener = [this](const registry::ChangeEvent& event) { OnChange(event); };
  feed.on_status = [this](const Status& status) {
    Log(status.ok() ? std::string("registry change feed: reading changes again")
                    : "registry change feed: " + status.message() + " (retrying; the current versions keep serving)");
  };
  ASSIGN_OR_RETURN(feed_, registry::ChangeFeed::Start(options_.registry, std::move(feed)));
  registry::ChangeFeed* raw = feed_.get();
  subscription_ = options_.registry->Subscribe([raw](const registry::ChangeEvent&) { raw->Wake(); });
  return Status::Ok();
}

std::vector<DeploymentState> RegistryDeployments::States() const {
  std::lock_guard<std::mutex> lock(states_mutex_);
  return states_;
}

Status RegistryDeployments::feed_health() const { return feed_ ? feed_->health() : Status::Ok(); }

int64_t RegistryDeployments::last_seq() const { return feed_ ? feed_->last_seq() : start_seq_; }

void RegistryDeployments::Log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

void RegistryDeployments::OnChange(const registry::ChangeEvent& event) {
  size_t count;
  {
    std::lock_guard<std::mutex> lock(states_mutex_);
    count = states_.size();
  }
  // Any change to a followed model re-resolves its references: cheap, and
  // it also retries a version that failed to load before.
  for (size_t i = 0; i < count; ++i) {
    std::string model;
    {
      std::lock_guard<std::mutex> lock(states_mutex_);
      model = states_[i].reference.model;
    }
    if (model == event.model) Reconcile(i, event.seq);
  }
}

void RegistryDeployments::Reconcile(size_t index, int64_t seq) {
  DeploymentState state;
  {
    std::lock_guard<std::mutex> lock(states_mutex_);
    state = states_[index];
  }
  const std::string what = "deployment '" + state.name + "' (" + state.reference.ToString() + ", " +
                           std::string(serving::SlotName(state.slot)) + ")";
  auto finish = [&](std::string error) {
    std::lock_guard<std::mutex> lock(states_mutex_);
    states_[index].applied_seq = seq;
    states_[index].last_error = std::move(error);
    states_[index].version = state.version;
    states_[index].digest = state.digest;
  };
  Result<registry::VersionInfo> resolved = options_.registry->Resolve(options_.token, state.reference.ToString());
  if (!resolved.ok()) {
    const std::string error = what + " no longer resolves: " + resolved.status().message() + "; version " +
                              std::to_string(state.version) + " keeps serving";
    manager_->RecordError(state.name, error).IgnoreError();  // the model exists: it was created from ModelSpecs
    Log(error);
    finish(error);
    return;
  }
  if (resolved->number == state.version && resolved->artifact_digest == state.digest && state.last_error.empty()) {
    finish("");
    return;
  }
  serving::ModelChange change;
  change.model = state.name;
  change.slot = state.slot;
  change.source.registry = serving::RegistryVersionRef{state.reference.model, resolved->number,
                                                       resolved->artifact_digest};
  Result<int64_t> applied = manager_->Apply(change);
  if (!applied.ok()) {
    const std::string error = what + ": version " + std::to_string(resolved->number) +
                              " failed to load: " + applied.status().message() + "; version " +
                              std::to_string(state.version) + " keeps serving";
    Log(error);
    finish(error);
    return;
  }
  Log(what + ": now serving version " + std::to_string(resolved->number) + " (change " + std::to_string(seq) + ")");
  state.version = resolved->number;
  state.digest = resolved->artifact_digest;
  finish("");
}

}  // namespace podium::deploy
