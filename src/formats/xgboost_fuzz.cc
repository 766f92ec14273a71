// libFuzzer driver: ImportXgboostJson must return a Status, never crash, on any
// input, and a pipeline it returns must compile and score the same one row at a
// time as in a batch (fuzz_score.h). Seeds:
// src/formats/testdata/xgboost/*.json.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "formats/xgboost.h"
#include "formats/fuzz_score.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  podium::XgboostImportOptions options;
  options.name = "fuzz";
  const podium::Result<podium::Pipeline> result = podium::ImportXgboostJson(text, options);
  if (result.ok()) podium::fuzzing::CompileAndScore(*result);
  return 0;
}
