#include "serving/shadow_log.h"

#include <cerrno>
#include <cstring>

namespace podium::serving {

Result<std::unique_ptr<ShadowLog>> ShadowLog::Create(Options options) {
  std::FILE* file = nullptr;
  if (!options.jsonl_path.empty()) {
    file = std::fopen(options.jsonl_path.c_str(), "a");
    if (file == nullptr) {
      return InvalidArgumentError("cannot open shadow log '" + options.jsonl_path + "': " + std::strerror(errno));
    }
  }
  return std::unique_ptr<ShadowLog>(new ShadowLog(std::move(options), file));
}

ShadowLog::ShadowLog(Options options, std::FILE* file) : options_(std::move(options)), file_(file) {}

ShadowLog::~ShadowLog() {
  if (file_ != nullptr) std::fclose(file_);
}

void ShadowLog::Append(const std::string& model, std::string line) {
  std::lock_guard<std::mutex> lock(mutex_);
  counts_[model]++;
  if (file_ != nullptr) {
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fputc('\n', file_);
    std::fflush(file_);
  }
  if (options_.capacity == 0) return;
  if (ring_.size() == options_.capacity) ring_.pop_front();
  ring_.emplace_back(model, std::move(line));
}

std::vector<std::string> ShadowLog::Recent(const std::string& model, size_t limit) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> lines;
  for (auto it = ring_.rbegin(); it != ring_.rend() && lines.size() < limit; ++it) {
    if (it->first == model) lines.push_back(it->second);
  }
  return {lines.rbegin(), lines.rend()};
}

int64_t ShadowLog::Count(const std::string& model) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = counts_.find(model);
  return it == counts_.end() ? 0 : it->second;
}

}  // namespace podium::serving
