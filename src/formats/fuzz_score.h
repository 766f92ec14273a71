// For the importers' libFuzzer drivers: a pipeline that imports must also
// compile and score. Compiles it and scores a few rows built from its inputs,
// one at a time (the single-row kernels) and as one batch (the block
// kernels). Neither may crash, and both must give the same values to the bit;
// a disagreement traps, so the fuzzer reports it.
#ifndef PODIUM_FORMATS_FUZZ_SCORE_H_
#define PODIUM_FORMATS_FUZZ_SCORE_H_

#include <cmath>
#include <cstddef>
#include <cstring>
#include <vector>

#include "engine/engine.h"
#include "pipeline/input.h"
#include "pipeline/pipeline.h"

namespace podium::fuzzing {

// Value r of input i: numbers across signs and magnitudes, each listed level
// of a category, both booleans, and some missing values.
inline RawValue FuzzRowValue(const InputField& field, size_t r, size_t i) {
  static constexpr double kNumbers[] = {0.0, 1.0, -1.0, 0.5, 3.0, -2.5, 1e30, -1e30, 1e-40, 7.0, -0.0};
  const size_t k = r * 7 + i * 3;
  if (k % 6 == 5) return RawValue::Missing();
  switch (field.type) {
    case FieldType::kCategory:
      return field.levels.empty() ? RawValue::Text("a") : RawValue::Text(field.levels[k % field.levels.size()]);
    case FieldType::kBoolean:
      return RawValue::Boolean(k % 2 == 0);
    case FieldType::kInteger:
      return RawValue::Number(static_cast<double>(static_cast<int>(k % 9) - 4));
    default:
      return RawValue::Number(kNumbers[k % std::size(kNumbers)]);
  }
}

inline bool SameBits(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof(double)) == 0;
}

// Pipelines with more inputs than this are only imported: a fuzzed header
// can declare hundreds of thousands of features, and encoding and scoring
// rows that wide would spend the run on one input rather than on many.
inline constexpr size_t kMaxScoredInputs = 1000;

inline void CompileAndScore(const Pipeline& pipeline) {
  if (pipeline.inputs.size() > kMaxScoredInputs) return;
  const Result<std::shared_ptr<const engine::ScoringPlan>> compiled = engine::ScoringPlan::Compile(pipeline);
  if (!compiled.ok()) return;
  const engine::ScoringPlan& plan = **compiled;
  constexpr size_t kRows = 12;
  const size_t n = static_cast<size_t>(plan.num_inputs());
  std::vector<double> encoded(kRows * n);
  for (size_t r = 0; r < kRows; ++r) {
    for (size_t i = 0; i < n; ++i) {
      Result<double> value = plan.EncodeInput(static_cast<int>(i), FuzzRowValue(pipeline.inputs[i], r, i));
      // A value the field refuses (a range, a required field): try missing.
      if (!value.ok()) value = plan.EncodeInput(static_cast<int>(i), RawValue::Missing());
      if (!value.ok()) return;
      encoded[r * n + i] = *value;
    }
  }
  const std::unique_ptr<engine::Scratch> batch_scratch = plan.NewScratch();
  const std::unique_ptr<engine::Scratch> row_scratch = plan.NewScratch();
  engine::BatchResult batch;
  plan.ScoreBatch(encoded.data(), kRows, *batch_scratch, &batch);
  size_t next_error = 0;
  for (size_t r = 0; r < kRows; ++r) {
    Prediction one;
    const Status status = plan.ScoreRow(encoded.data() + r * n, *row_scratch, &one);
    const bool batch_failed = next_error < batch.errors.size() && batch.errors[next_error].row == r;
    if (batch_failed) ++next_error;
    if (status.ok() == batch_failed) __builtin_trap();
    if (!status.ok()) continue;
    const size_t k = static_cast<size_t>(batch.num_values);
    if (one.values.size() != k) __builtin_trap();
    for (size_t j = 0; j < k; ++j) {
      if (!SameBits(one.values[j], batch.values[r * k + j])) __builtin_trap();
    }
    if (one.label != batch.labels[r]) __builtin_trap();
  }
}

}  // namespace podium::fuzzing

#endif  // PODIUM_FORMATS_FUZZ_SCORE_H_
