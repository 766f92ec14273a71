// libFuzzer driver: ImportOnnx must return a Status, never crash, on any input,
// and a pipeline it returns must compile and score the same one row at a time
// as in a batch (fuzz_score.h). Seeds: src/formats/testdata/onnx/*.onnx.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "formats/onnx.h"
#include "formats/fuzz_score.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  podium::OnnxImportOptions options;
  options.name = "fuzz";
  // Small limits keep each run fast; the limits themselves are tested. No
  // model folder: external data is refused without touching the disk.
  options.max_bytes = 1 << 20;
  options.max_graph_nodes = 1'000;
  options.max_columns = 10'000;
  options.max_constant_elements = 100'000;
  options.max_expression_terms = 100'000;
  options.max_tree_nodes = 100'000;
  options.max_tensor_columns = 100'000;
  const podium::Result<podium::Pipeline> result = podium::ImportOnnx(bytes, options);
  if (result.ok()) podium::fuzzing::CompileAndScore(*result);
  (void)podium::LooksLikeOnnx(bytes);
  return 0;
}
