#include "http/metrics.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace podium::http {
namespace {

std::string Number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  return buffer;
}

// Label values escape backslash, quote and newline.
std::string Escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// utime + stime of this process, from /proc/self/stat.
double ProcessCpuSeconds() {
  std::ifstream in("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::strtod(field.c_str(), nullptr);
    if (i == 15) stime = std::strtod(field.c_str(), nullptr);
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double ResidentBytes() {
  std::ifstream in("/proc/self/statm");
  long size = 0, resident = 0;
  in >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

double Seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

void LatencyHistogram::Add(double seconds) {
  size_t i = 0;
  while (i < kLatencyBuckets.size() && seconds > kLatencyBuckets[i]) ++i;
  counts[i]++;
  count++;
  sum += seconds;
}

double LatencyHistogram::Quantile(double q) const {
  if (count == 0) return 0;
  const double target = q * static_cast<double>(count);
  int64_t seen = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    seen += counts[i];
    if (static_cast<double>(seen) >= target) {
      return i < kLatencyBuckets.size() ? kLatencyBuckets[i] : std::numeric_limits<double>::infinity();
    }
  }
  return std::numeric_limits<double>::infinity();
}

Metrics::Metrics() : start_time_(Seconds(std::chrono::system_clock::now())) {}

void Metrics::RecordRequest(std::string_view endpoint, std::string_view model, int64_t version, int status,
                            double seconds, int64_t rows) {
  std::lock_guard<std::mutex> lock(mutex_);
  requests_[RequestKey(std::string(endpoint), std::string(model), version, status)]++;
  if (model.empty()) return;
  ModelCounters& counters = models_[ModelKey(std::string(model), version)];
  counters.requests++;
  if (status >= 400) counters.errors++;
  counters.rows += rows;
  counters.latency.Add(seconds);
}

std::string Metrics::RenderPrometheus(const serving::ServingSnapshot& snapshot,
                                      const serving::ShadowLog* shadow) const {
  std::ostringstream out;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    out << "# HELP podium_http_requests_total HTTP requests answered.\n"
        << "# TYPE podium_http_requests_total counter\n";
    for (const auto& [key, count] : requests_) {
      const auto& [endpoint, model, version, code] = key;
      out << "podium_http_requests_total{endpoint=\"" << Escape(endpoint) << "\",model=\"" << Escape(model)
          << "\",version=\"" << version << "\",code=\"" << code << "\"} " << count << "\n";
    }
    out << "# HELP podium_http_request_errors_total HTTP requests answered with a 4xx or 5xx status.\n"
        << "# TYPE podium_http_request_errors_total counter\n";
    for (const auto& [key, count] : requests_) {
      const auto& [endpoint, model, version, code] = key;
      if (code < 400) continue;
      out << "podium_http_request_errors_total{endpoint=\"" << Escape(endpoint) << "\",model=\"" << Escape(model)
          << "\",version=\"" << version << "\",code=\"" << code << "\"} " << count << "\n";
    }
    out << "# HELP podium_request_duration_seconds Time to answer a request that named a model.\n"
        << "# TYPE podium_request_duration_seconds histogram\n";
    for (const auto& [key, counters] : models_) {
      const std::string labels = "model=\"" + Escape(key.first) + "\",version=\"" + std::to_string(key.second) + "\"";
      int64_t cumulative = 0;
      for (size_t i = 0; i < counters.latency.counts.size(); ++i) {
        cumulative += counters.latency.counts[i];
        out << "podium_request_duration_seconds_bucket{" << labels << ",le=\""
            << (i < kLatencyBuckets.size() ? Number(kLatencyBuckets[i]) : "+Inf") << "\"} " << cumulative << "\n";
      }
      out << "podium_request_duration_seconds_sum{" << labels << "} " << Number(counters.latency.sum) << "\n";
      out << "podium_request_duration_seconds_count{" << labels << "} " << counters.latency.count << "\n";
    }
    out << "# HELP podium_rows_scored_total Rows scored.\n# TYPE podium_rows_scored_total counter\n";
    for (const auto& [key, counters] : models_) {
      out << "podium_rows_scored_total{model=\"" << Escape(key.first) << "\",version=\"" << key.second << "\"} "
          << counters.rows << "\n";
    }
  }
  out << "# HELP podium_http_in_flight_requests Requests being answered.\n"
      << "# TYPE podium_http_in_flight_requests gauge\n"
      << "podium_http_in_flight_requests " << in_flight() << "\n";

  out << "# HELP podium_model_loads_total Model version loads by result.\n# TYPE podium_model_loads_total counter\n";
  for (const auto& [name, entry] : snapshot.models) {
    out << "podium_model_loads_total{model=\"" << Escape(name) << "\",result=\"ok\"} " << entry->health.loads_ok
        << "\n";
    out << "podium_model_loads_total{model=\"" << Escape(name) << "\",result=\"failed\"} "
        << entry->health.loads_failed << "\n";
  }
  out << "# HELP podium_model_swaps_total New versions published after the first load.\n"
      << "# TYPE podium_model_swaps_total counter\n";
  for (const auto& [name, entry] : snapshot.models) {
    out << "podium_model_swaps_total{model=\"" << Escape(name) << "\"} " << entry->health.swaps << "\n";
  }
  out << "# HELP podium_model_load_seconds_total Time spent loading and compiling versions.\n"
      << "# TYPE podium_model_load_seconds_total counter\n";
  for (const auto& [name, entry] : snapshot.models) {
    out << "podium_model_load_seconds_total{model=\"" << Escape(name) << "\"} "
        << Number(entry->health.load_seconds_total) << "\n";
  }
  out << "# HELP podium_model_last_load_seconds Duration of the last load.\n"
      << "# TYPE podium_model_last_load_seconds gauge\n";
  for (const auto& [name, entry] : snapshot.models) {
    out << "podium_model_last_load_seconds{model=\"" << Escape(name) << "\"} "
        << Number(entry->health.last_load_seconds) << "\n";
  }
  out << "# HELP podium_model_last_load_failed 1 when the last load of the model failed (it serves its old version).\n"
      << "# TYPE podium_model_last_load_failed gauge\n";
  for (const auto& [name, entry] : snapshot.models) {
    out << "podium_model_last_load_failed{model=\"" << Escape(name) << "\"} "
        << (entry->health.last_error.empty() ? 0 : 1) << "\n";
  }
  out << "# HELP podium_model_serving_version The version serving in each slot.\n"
      << "# TYPE podium_model_serving_version gauge\n";
  for (const auto& [name, entry] : snapshot.models) {
    out << "podium_model_serving_version{model=\"" << Escape(name) << "\",slot=\"champion\"} "
        << entry->champion->version() << "\n";
    if (entry->challenger) {
      out << "podium_model_serving_version{model=\"" << Escape(name) << "\",slot=\"challenger\"} "
          << entry->challenger->version() << "\n";
    }
  }
  out << "# HELP podium_model_enabled 0 when the kill switch is on.\n# TYPE podium_model_enabled gauge\n";
  for (const auto& [name, entry] : snapshot.models) {
    out << "podium_model_enabled{model=\"" << Escape(name) << "\"} " << (entry->enabled ? 1 : 0) << "\n";
  }
  if (shadow != nullptr) {
    out << "# HELP podium_shadow_records_total Requests also scored by the challenger.\n"
        << "# TYPE podium_shadow_records_total counter\n";
    for (const auto& [name, entry] : snapshot.models) {
      out << "podium_shadow_records_total{model=\"" << Escape(name) << "\"} " << shadow->Count(name) << "\n";
    }
  }
  out << "# HELP process_cpu_seconds_total User and system CPU time.\n# TYPE process_cpu_seconds_total counter\n"
      << "process_cpu_seconds_total " << Number(ProcessCpuSeconds()) << "\n"
      << "# HELP process_resident_memory_bytes Resident memory.\n# TYPE process_resident_memory_bytes gauge\n"
      << "process_resident_memory_bytes " << Number(ResidentBytes()) << "\n"
      << "# HELP process_start_time_seconds Start time since the epoch.\n# TYPE process_start_time_seconds gauge\n"
      << "process_start_time_seconds " << Number(start_time_) << "\n";
  return out.str();
}

std::string Metrics::ModelStatsJson(const std::string& model) const {
  nlohmann::json versions = nlohmann::json::array();
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = models_.lower_bound(ModelKey(model, INT64_MIN)); it != models_.end() && it->first.first == model;
       ++it) {
    const ModelCounters& c = it->second;
    versions.push_back({{"version", it->first.second},
                        {"requests", c.requests},
                        {"errors", c.errors},
                        {"rows", c.rows},
                        {"latency_seconds",
                         {{"mean", c.latency.count ? c.latency.sum / static_cast<double>(c.latency.count) : 0.0},
                          {"p50_upper_bound", c.latency.Quantile(0.5)},
                          {"p99_upper_bound", c.latency.Quantile(0.99)}}}});
  }
  return nlohmann::json{{"model", model}, {"versions", versions}}.dump();
}

}  // namespace podium::http
