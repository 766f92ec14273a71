// Where shadow results go: the champion's and the challenger's answers to the
// same request, one JSON object per line, kept in a bounded in-memory ring
// (GET /v1/models/{name}/shadow) and appended to a JSONL file when one is
// configured. The caller formats the lines; this class only keeps them.
// Thread-safe: every member is guarded by mutex_.
#ifndef PODIUM_SERVING_SHADOW_LOG_H_
#define PODIUM_SERVING_SHADOW_LOG_H_

#include <cstdint>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"

namespace podium::serving {

class ShadowLog {
 public:
  struct Options {
    size_t capacity = 1000;  // lines kept in memory, all models together
    std::string jsonl_path;  // empty: memory only
  };
  // kInvalidArgument when the file cannot be opened for appending.
  static Result<std::unique_ptr<ShadowLog>> Create(Options options);
  ~ShadowLog();
  ShadowLog(const ShadowLog&) = delete;
  ShadowLog& operator=(const ShadowLog&) = delete;

  // Keeps `line` (one JSON object, no newline) for `model`.
  void Append(const std::string& model, std::string line);
  // The newest `limit` lines of `model`, oldest first.
  std::vector<std::string> Recent(const std::string& model, size_t limit) const;
  // Lines ever appended for `model`.
  int64_t Count(const std::string& model) const;

 private:
  ShadowLog(Options options, std::FILE* file);

  const Options options_;
  mutable std::mutex mutex_;  // guards everything below
  std::FILE* file_;           // owned; null without a file
  std::deque<std::pair<std::string, std::string>> ring_;
  std::map<std::string, int64_t> counts_;
};

}  // namespace podium::serving

#endif  // PODIUM_SERVING_SHADOW_LOG_H_
