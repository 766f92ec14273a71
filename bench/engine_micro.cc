// Micro-benchmarks of the compiled engine on synthetic models (no XGBoost
// needed): batch scoring, single-row scoring and explanations of full binary
// trees over 28 numeric features with ~3% missing values.
//
//   podium_bench_engine_micro --benchmark_filter=Batch
#include <benchmark/benchmark.h>

#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <vector>

#include "engine/engine.h"

namespace {

constexpr int kFeatures = 28;

// A full binary tree of `depth` levels with random splits, covers and leaves.
podium::Tree FullTree(std::mt19937& rng, int depth) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  podium::Tree tree;
  const int internal = (1 << depth) - 1;
  const int total = (1 << (depth + 1)) - 1;
  for (int i = 0; i < total; ++i) {
    const bool leaf = i >= internal;
    tree.feature.push_back(leaf ? -1 : static_cast<int32_t>(rng() % kFeatures));
    tree.threshold.push_back(leaf ? 0.0 : static_cast<float>(unit(rng) * 2 - 1));
    tree.left.push_back(leaf ? -1 : 2 * i + 1);
    tree.right.push_back(leaf ? -1 : 2 * i + 2);
    tree.default_left.push_back(unit(rng) < 0.5 ? 1 : 0);
    tree.leaf_values.push_back(leaf ? static_cast<float>(unit(rng) * 0.2 - 0.1) : 0.0);
    tree.cover.push_back(0.0);
  }
  for (int i = total - 1; i >= 0; --i) {
    tree.cover[static_cast<size_t>(i)] =
        i >= internal ? 1.0 + std::floor(unit(rng) * 100)
                      : tree.cover[static_cast<size_t>(2 * i + 1)] + tree.cover[static_cast<size_t>(2 * i + 2)];
  }
  return tree;
}

// `trees` boosting rounds of full trees of `depth`; with classes > 2, one tree
// per class a round and a softmax, as in a multi:softprob booster.
std::shared_ptr<const podium::engine::ScoringPlan> Plan(int trees, int depth, int classes = 2) {
  std::mt19937 rng(static_cast<uint32_t>(trees * 100 + depth));
  podium::Pipeline p;
  p.name = "micro";
  for (int j = 0; j < kFeatures; ++j) {
    podium::InputField field;
    field.name = "f";
    field.name += std::to_string(j);  // not "f" + ...: GCC 12 warns falsely (-Wrestrict)
    p.inputs.push_back(field);
    p.features.push_back(field.name);
  }
  podium::TreeEnsembleModel e;
  const int outputs = classes > 2 ? classes : 1;
  e.num_outputs = outputs;
  e.base_score.assign(static_cast<size_t>(outputs), 0.0);
  e.output_transform = outputs > 1 ? podium::OutputTransform::kSoftmax : podium::OutputTransform::kLogistic;
  e.precision = podium::NumericPrecision::kFloat32;
  for (int t = 0; t < trees * outputs; ++t) {
    e.trees.push_back(FullTree(rng, depth));
    e.trees.back().output = t % outputs;
  }
  p.model.task = podium::Task::kClassification;
  for (int c = 0; c < classes; ++c) p.model.classes.push_back(std::to_string(c));
  p.model.body = std::move(e);
  auto plan = podium::engine::ScoringPlan::Compile(p);
  if (!plan.ok()) std::abort();
  return *plan;
}

std::vector<double> Rows(size_t rows) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<double> x(rows * kFeatures);
  for (double& v : x) {
    v = unit(rng) < 0.03 ? std::numeric_limits<double>::quiet_NaN() : static_cast<float>(unit(rng) * 2 - 1);
  }
  return x;
}

void BM_ScoreBatch(benchmark::State& state) {
  const auto plan = Plan(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  const size_t rows = 65536;
  const std::vector<double> x = Rows(rows);
  auto scratch = plan->NewScratch();
  podium::engine::BatchResult out;
  for (auto _ : state) {
    plan->ScoreBatch(x.data(), rows, *scratch, &out);
    benchmark::DoNotOptimize(out.values.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(rows));
}
BENCHMARK(BM_ScoreBatch)->Args({100, 6})->Args({500, 8})->Unit(benchmark::kMillisecond);

// Arguments: rounds, depth, classes.
void BM_ScoreRow(benchmark::State& state) {
  const auto plan =
      Plan(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), static_cast<int>(state.range(2)));
  const size_t rows = 4096;
  const std::vector<double> x = Rows(rows);
  auto scratch = plan->NewScratch();
  podium::Prediction out;
  size_t r = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(plan->ScoreRow(x.data() + r * kFeatures, *scratch, &out).ok());
    r = (r + 1) % rows;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ScoreRow)->Args({100, 6, 2})->Args({500, 8, 2})->Args({100, 6, 5});

void BM_ExplainRow(benchmark::State& state) {
  const auto plan = Plan(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  const size_t rows = 256;
  const std::vector<double> x = Rows(rows);
  auto scratch = plan->NewScratch();
  podium::Prediction out;
  size_t r = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(plan->ScoreRow(x.data() + r * kFeatures, *scratch, &out, true).ok());
    r = (r + 1) % rows;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ExplainRow)->Args({100, 6})->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
