// The server's counters and their exposition in the Prometheus text format
// (version 0.0.4), plus the per-model statistics of /v1/models/{m}/stats.
//
// Recorded here: requests and errors by endpoint, model, version and status
// code; latency histograms and rows scored per model and version; requests in
// flight. Read at exposition time from elsewhere: model loads, swaps and
// their durations (the ModelManager's snapshot), shadow records (ShadowLog),
// process CPU time and resident memory (/proc/self).
// Thread-safe: the counters are guarded by mutex_; in-flight is atomic.
#ifndef PODIUM_HTTP_METRICS_H_
#define PODIUM_HTTP_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "serving/model_manager.h"
#include "serving/shadow_log.h"

namespace podium::http {

// Latency histogram upper bounds in seconds (plus +Inf).
inline constexpr std::array<double, 14> kLatencyBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                           0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   2.5};

struct LatencyHistogram {
  std::array<int64_t, kLatencyBuckets.size() + 1> counts{};  // the last is +Inf
  int64_t count = 0;
  double sum = 0;
  void Add(double seconds);
  // The upper bound of the bucket holding quantile q (an upper estimate).
  double Quantile(double q) const;
};

class Metrics {
 public:
  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // One answered request. `model` is empty and `version` 0 when the request
  // named none; rows > 0 only for scoring requests.
  void RecordRequest(std::string_view endpoint, std::string_view model, int64_t version, int status,
                     double seconds, int64_t rows);
  void AddInFlight(int delta) { in_flight_.fetch_add(delta, std::memory_order_relaxed); }
  int64_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }

  // The whole exposition.
  std::string RenderPrometheus(const serving::ServingSnapshot& snapshot, const serving::ShadowLog* shadow) const;
  // {"model": ..., "versions": [{"version", "requests", "errors", "rows", "latency_seconds": {p50, p99, mean}}]}
  std::string ModelStatsJson(const std::string& model) const;

 private:
  using RequestKey = std::tuple<std::string, std::string, int64_t, int>;  // endpoint, model, version, code
  using ModelKey = std::pair<std::string, int64_t>;                      // model, version
  struct ModelCounters {
    int64_t requests = 0;
    int64_t errors = 0;
    int64_t rows = 0;
    LatencyHistogram latency;
  };

  const double start_time_;  // seconds since the epoch
  std::atomic<int64_t> in_flight_{0};
  mutable std::mutex mutex_;  // guards the maps below
  std::map<RequestKey, int64_t> requests_;
  std::map<ModelKey, ModelCounters> models_;
};

}  // namespace podium::http

#endif  // PODIUM_HTTP_METRICS_H_
