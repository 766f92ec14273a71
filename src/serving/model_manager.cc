#include "serving/model_manager.h"

#include <set>
#include <utility>

namespace podium::serving {

// --- ModelSource -------------------------------------------------------------

std::string ModelSource::Describe() const {
  if (!registry) return path;
  return "registry:" + registry->model + "@" + std::to_string(registry->version) + " (" + registry->digest + ")";
}

// --- ServedVersion -----------------------------------------------------------

ServedVersion::ServedVersion(std::string model, int64_t version, Slot slot, ModelSource source,
                             LoadedArtifact artifact, std::shared_ptr<const engine::ScoringPlan> plan,
                             double load_seconds)
    : model_(std::move(model)),
      version_(version),
      slot_(slot),
      source_(std::move(source)),
      digest_(std::move(artifact.digest)),
      format_(std::move(artifact.format)),
      plan_(std::move(plan)),
      loaded_at_(std::chrono::system_clock::now()),
      load_seconds_(load_seconds) {
  const std::vector<InputField>& inputs = plan_->pipeline().inputs;
  for (size_t i = 0; i < inputs.size(); ++i) input_index_.emplace(inputs[i].name, static_cast<int>(i));
}

int ServedVersion::InputIndex(std::string_view name) const {
  auto it = input_index_.find(name);
  return it == input_index_.end() ? -1 : it->second;
}

ServedVersion::ScratchLease::ScratchLease(const ServedVersion* owner, std::unique_ptr<engine::Scratch> scratch)
    : owner_(owner), scratch_(std::move(scratch)) {}

ServedVersion::ScratchLease::~ScratchLease() {
  if (owner_ == nullptr || scratch_ == nullptr) return;
  std::lock_guard<std::mutex> lock(owner_->pool_mutex_);
  owner_->pool_.push_back(std::move(scratch_));
}

ServedVersion::ScratchLease ServedVersion::AcquireScratch() const {
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (!pool_.empty()) {
      std::unique_ptr<engine::Scratch> scratch = std::move(pool_.back());
      pool_.pop_back();
      return ScratchLease(this, std::move(scratch));
    }
  }
  return ScratchLease(this, plan_->NewScratch());
}

// --- Snapshot ----------------------------------------------------------------

std::shared_ptr<const ServedVersion> ModelEntry::FindVersion(int64_t version) const {
  if (champion && champion->version() == version) return champion;
  if (challenger && challenger->version() == version) return challenger;
  return nullptr;
}

const ModelEntry* ServingSnapshot::Find(std::string_view name) const {
  auto it = models.find(name);
  return it == models.end() ? nullptr : it->second.get();
}

// --- ModelManager ------------------------------------------------------------

namespace {

void AddRecord(std::vector<VersionRecord>* history, VersionRecord record, size_t limit) {
  history->push_back(std::move(record));
  if (history->size() > limit) history->erase(history->begin(), history->end() - static_cast<long>(limit));
}

// Marks the history line of `version` as `state` (a legal transition only).
void MoveState(std::vector<VersionRecord>* history, int64_t version, VersionState state) {
  for (VersionRecord& record : *history) {
    if (record.version == version && IsLegalTransition(record.state, state)) record.state = state;
  }
}

}  // namespace

ModelManager::ModelManager(Options options) : options_(std::move(options)) {}

Result<std::shared_ptr<const ServedVersion>> ModelManager::LoadVersion(const std::string& model, Slot slot,
                                                                       const ModelSource& source,
                                                                       int64_t version, VersionRecord* record,
                                                                       double* seconds) const {
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  record->slot = slot;
  record->source = source.Describe();
  record->state = VersionState::kLoading;
  record->time = std::chrono::system_clock::now();
  Result<LoadedArtifact> artifact = options_.loader(source);
  if (!artifact.ok()) {
    *seconds = elapsed();
    record->state = VersionState::kFailed;
    record->error = artifact.status().message();
    return artifact.status().WithContext("model '" + model + "'");
  }
  Result<std::shared_ptr<const engine::ScoringPlan>> plan = engine::ScoringPlan::Compile(artifact->pipeline);
  if (!plan.ok()) {
    *seconds = elapsed();
    record->state = VersionState::kFailed;
    record->error = plan.status().message();
    return plan.status().WithContext("model '" + model + "': '" + source.Describe() + "'");
  }
  *seconds = elapsed();
  record->version = version;
  record->digest = artifact->digest;
  record->state = VersionState::kReady;
  return std::shared_ptr<const ServedVersion>(std::make_shared<ServedVersion>(
      model, version, slot, source, std::move(artifact).value(), std::move(plan).value(), *seconds));
}

Result<std::unique_ptr<ModelManager>> ModelManager::Create(Options options) {
  if (!options.loader) return InvalidArgumentError("ModelManager needs a loader");
  std::set<std::string> names;
  for (const ModelSpec& spec : options.models) {
    if (spec.name.empty()) return InvalidArgumentError("a model has an empty name");
    if (!names.insert(spec.name).second) return InvalidArgumentError("model '" + spec.name + "' is listed twice");
    Status policy = ValidatePolicy(spec.policy, spec.challenger.has_value());
    if (!policy.ok()) return policy.WithContext("model '" + spec.name + "'");
  }
  std::unique_ptr<ModelManager> manager(new ModelManager(std::move(options)));
  auto snapshot = std::make_shared<ServingSnapshot>();
  snapshot->generation = 1;
  for (const ModelSpec& spec : manager->options_.models) {
    auto entry = std::make_shared<ModelEntry>();
    entry->spec = spec;
    int64_t next = 1;
    for (Slot slot : {Slot::kChampion, Slot::kChallenger}) {
      if (slot == Slot::kChallenger && !spec.challenger) continue;
      const ModelSource& source = slot == Slot::kChampion ? spec.champion : *spec.challenger;
      VersionRecord record;
      double seconds = 0;
      const int64_t number = source.registry ? source.registry->version : next++;
      ASSIGN_OR_RETURN(std::shared_ptr<const ServedVersion> version,
                       manager->LoadVersion(spec.name, slot, source, number, &record, &seconds));
      record.state = VersionState::kServing;
      AddRecord(&entry->history, std::move(record), manager->options_.history_limit);
      entry->health.loads_ok++;
      entry->health.load_seconds_total += seconds;
      entry->health.last_load_seconds = seconds;
      (slot == Slot::kChampion ? entry->champion : entry->challenger) = std::move(version);
    }
    manager->next_version_[spec.name] = next;
    snapshot->models[spec.name] = std::move(entry);
  }
  manager->snapshot_ = std::move(snapshot);
  return manager;
}

std::shared_ptr<const ServingSnapshot> ModelManager::Snapshot() const {
  std::lock_guard<std::mutex> lock(snapshot_mutex_);
  return snapshot_;
}

void ModelManager::Publish(std::shared_ptr<const ModelEntry> entry) {
  std::shared_ptr<const ServingSnapshot> current = Snapshot();
  auto next = std::make_shared<ServingSnapshot>(*current);
  next->generation = current->generation + 1;
  next->models[entry->spec.name] = std::move(entry);
  std::lock_guard<std::mutex> lock(snapshot_mutex_);
  snapshot_ = std::move(next);
}

Result<int64_t> ModelManager::Apply(const ModelChange& change) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  return ApplyLocked(change);
}

Result<int64_t> ModelManager::ApplyLocked(const ModelChange& change) {
  std::shared_ptr<const ServingSnapshot> current = Snapshot();
  auto it = current->models.find(change.model);
  if (it == current->models.end()) return NotFoundError("no model named '" + change.model + "'");
  const ModelEntry& old_entry = *it->second;
  const int64_t number = change.source.registry ? change.source.registry->version : next_version_[change.model];

  VersionRecord record;
  double seconds = 0;
  Result<std::shared_ptr<const ServedVersion>> loaded =
      LoadVersion(change.model, change.slot, change.source, number, &record, &seconds);

  auto entry = std::make_shared<ModelEntry>(old_entry);
  entry->health.load_seconds_total += seconds;
  entry->health.last_load_seconds = seconds;
  if (!loaded.ok()) {
    entry->health.loads_failed++;
    entry->health.last_error = loaded.status().message();
    entry->health.last_error_time = std::chrono::system_clock::now();
    AddRecord(&entry->history, std::move(record), options_.history_limit);
    Publish(std::move(entry));
    return loaded.status();
  }
  if (!change.source.registry) next_version_[change.model] = number + 1;
  std::shared_ptr<const ServedVersion>& slot = change.slot == Slot::kChampion ? entry->champion : entry->challenger;
  if (slot) MoveState(&entry->history, slot->version(), VersionState::kRetired);
  slot = std::move(loaded).value();
  if (change.slot == Slot::kChampion) {
    entry->spec.champion = change.source;
  } else {
    entry->spec.challenger = change.source;
  }
  record.state = VersionState::kServing;
  AddRecord(&entry->history, std::move(record), options_.history_limit);
  entry->health.loads_ok++;
  entry->health.swaps++;
  entry->health.last_error.clear();
  Publish(std::move(entry));
  return number;
}

Status ModelManager::Reload(std::string_view model) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  std::shared_ptr<const ServingSnapshot> current = Snapshot();
  const ModelEntry* entry = current->Find(model);
  if (entry == nullptr) return NotFoundError("no model named '" + std::string(model) + "'");
  const ModelSpec spec = entry->spec;
  Status first;
  Result<int64_t> champion = ApplyLocked({spec.name, Slot::kChampion, spec.champion});
  if (!champion.ok()) first = champion.status();
  if (spec.challenger) {
    Result<int64_t> challenger = ApplyLocked({spec.name, Slot::kChallenger, *spec.challenger});
    if (!challenger.ok() && first.ok()) first = challenger.status();
  }
  return first;
}

Status ModelManager::ReloadAll() {
  std::vector<std::string> names;
  for (const auto& [name, entry] : Snapshot()->models) names.push_back(name);
  Status first;
  for (const std::string& name : names) {
    Status status = Reload(name);
    if (!status.ok() && first.ok()) first = status;
  }
  return first;
}

Status ModelManager::SetEnabled(std::string_view model, bool enabled) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  std::shared_ptr<const ServingSnapshot> current = Snapshot();
  const ModelEntry* old_entry = current->Find(model);
  if (old_entry == nullptr) return NotFoundError("no model named '" + std::string(model) + "'");
  if (old_entry->enabled == enabled) return Status::Ok();
  auto entry = std::make_shared<ModelEntry>(*old_entry);
  entry->enabled = enabled;
  Publish(std::move(entry));
  return Status::Ok();
}

Status ModelManager::RecordError(std::string_view model, std::string error) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  std::shared_ptr<const ServingSnapshot> current = Snapshot();
  const ModelEntry* old_entry = current->Find(model);
  if (old_entry == nullptr) return NotFoundError("no model named '" + std::string(model) + "'");
  auto entry = std::make_shared<ModelEntry>(*old_entry);
  entry->health.last_error = std::move(error);
  entry->health.last_error_time = std::chrono::system_clock::now();
  Publish(std::move(entry));
  return Status::Ok();
}

}  // namespace podium::serving
