// Helpers shared by the benchmarks that measure Podium against XGBoost's C API
// on the same synthetic data and models (engine_vs_xgboost.cc, formats_bench.cc).
#ifndef PODIUM_BENCH_XGBOOST_BENCH_UTIL_H_
#define PODIUM_BENCH_XGBOOST_BENCH_UTIL_H_

#include <xgboost/c_api.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace podium_bench {

using Clock = std::chrono::steady_clock;
constexpr int kFeatures = 28;

#define XGB_CHECK(call)                                                              \
  do {                                                                               \
    if ((call) != 0) {                                                               \
      std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, XGBGetLastError()); \
      std::exit(1);                                                                  \
    }                                                                                \
  } while (false)

// Rows of 28 features: normal, uniform, skewed and discrete columns, with
// ~3% missing values; the label depends non-linearly on a dozen of them.
inline void Generate(size_t rows, uint64_t seed, std::vector<float>* x, std::vector<float>* y) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  x->assign(rows * kFeatures, 0.0f);
  if (y != nullptr) y->assign(rows, 0.0f);
  double v[kFeatures];
  for (size_t r = 0; r < rows; ++r) {
    for (int j = 0; j < kFeatures; ++j) {
      switch (j % 4) {
        case 0: v[j] = normal(rng); break;
        case 1: v[j] = unit(rng) * 10.0; break;
        case 2: v[j] = std::exp(normal(rng) * 0.75); break;
        default: v[j] = std::floor(unit(rng) * 7.0); break;
      }
    }
    v[5] = 0.6 * v[0] + 0.4 * normal(rng);  // correlated pair
    const double logit = 1.2 * v[0] * v[4] + std::sin(v[1]) + 0.8 * std::log(v[2]) - 0.25 * v[3] +
                         (v[7] > 3.0 ? 0.9 : -0.4) + 0.5 * v[8] * v[8] - 0.5 + 0.3 * v[9] -
                         0.6 * std::sqrt(v[10]) + 0.2 * v[11] * v[12] - 0.1 * v[13] + 0.4 * v[16] -
                         0.3 * v[20] + 0.5 * std::tanh(v[24]);
    for (int j = 0; j < kFeatures; ++j) {
      (*x)[r * kFeatures + static_cast<size_t>(j)] =
          unit(rng) < 0.03 ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(v[j]);
    }
    if (y != nullptr) (*y)[r] = unit(rng) < 1.0 / (1.0 + std::exp(-logit)) ? 1.0f : 0.0f;
  }
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline bool FileExists(const std::string& path) { return std::ifstream(path).good(); }

// Trains a binary:logistic model of `trees` trees of depth `depth` (tree_method
// hist) on `train_rows` generated rows and saves it as JSON at `path`.
inline void TrainXgboostModel(const std::string& name, int trees, int depth, size_t train_rows, const std::string& path) {
  std::vector<float> x, y;
  Generate(train_rows, 1234, &x, &y);
  DMatrixHandle dtrain;
  XGB_CHECK(XGDMatrixCreateFromMat(x.data(), train_rows, kFeatures,
                                   std::numeric_limits<float>::quiet_NaN(), &dtrain));
  XGB_CHECK(XGDMatrixSetFloatInfo(dtrain, "label", y.data(), train_rows));
  BoosterHandle booster;
  XGB_CHECK(XGBoosterCreate(&dtrain, 1, &booster));
  const std::string max_depth = std::to_string(depth);
  const std::pair<const char*, const char*> params[] = {
      {"objective", "binary:logistic"}, {"tree_method", "hist"}, {"max_depth", max_depth.c_str()},
      {"eta", "0.1"}, {"subsample", "0.8"}, {"min_child_weight", "1"}, {"nthread", "2"}, {"seed", "7"}};
  for (const auto& [key, value] : params) XGB_CHECK(XGBoosterSetParam(booster, key, value));
  const auto start = Clock::now();
  for (int i = 0; i < trees; ++i) XGB_CHECK(XGBoosterUpdateOneIter(booster, i, dtrain));
  std::printf("  trained %s in %.1f s\n", name.c_str(),
              std::chrono::duration<double>(Clock::now() - start).count());
  XGB_CHECK(XGBoosterSaveModel(booster, path.c_str()));
  XGB_CHECK(XGBoosterFree(booster));
  XGB_CHECK(XGDMatrixFree(dtrain));
}

inline std::string ArrayInterface(const float* data, size_t rows) {
  char buffer[256];
  std::snprintf(buffer, sizeof(buffer),
                "{\"data\": [%llu, true], \"shape\": [%zu, %d], \"typestr\": \"<f4\", \"version\": 3}",
                static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(data)), rows, kFeatures);
  return buffer;
}

// XGBoosterPredictFromDense; `type` 0 = probability, 1 = margin.
inline const float* XgbPredict(BoosterHandle booster, const std::string& array, int type, bst_ulong* count) {
  const std::string config = "{\"type\": " + std::to_string(type) +
                             ", \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
                             "\"strict_shape\": false, \"cache_id\": 0, \"missing\": NaN}";
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  XGB_CHECK(XGBoosterPredictFromDense(booster, array.c_str(), config.c_str(), nullptr, &shape, &dim, &result));
  *count = 1;
  for (bst_ulong i = 0; i < dim; ++i) *count *= shape[i];
  return result;
}

// The 1-minute load average: other processes on the machine skew the figures.
inline std::string LoadAverage() {
  std::string text = ReadFile("/proc/loadavg");
  return text.substr(0, text.find(' '));
}

inline double Seconds(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// CPU time used by this process (all threads), in seconds.
inline double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

inline double Percentile(std::vector<double>& sorted, double q) {
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(q * static_cast<double>(sorted.size())));
  return sorted[i];
}

}  // namespace podium_bench

#endif  // PODIUM_BENCH_XGBOOST_BENCH_UTIL_H_
