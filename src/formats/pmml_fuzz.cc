// libFuzzer driver: ImportPmml must return a Status, never crash, on any input,
// and a pipeline it returns must compile and score the same one row at a time
// as in a batch (fuzz_score.h). Seeds: src/formats/testdata/pmml/*.pmml.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "formats/pmml.h"
#include "formats/fuzz_score.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  podium::PmmlImportOptions options;
  options.name = "fuzz";
  // Small limits keep each run fast; the limits themselves are tested.
  options.max_bytes = 1 << 20;
  options.max_nodes = 100'000;
  const podium::Result<podium::Pipeline> result = podium::ImportPmml(text, options);
  if (result.ok()) podium::fuzzing::CompileAndScore(*result);
  (void)podium::LooksLikePmml(text);
  return 0;
}
