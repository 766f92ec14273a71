// Importing ONNX models (ONNX-ML graphs as scikit-learn-style converters and
// small neural-network exporters write them; docs/formats/onnx.md).
//
// ImportOnnx lowers the graph to the pipeline IR (pipeline/pipeline.h)
// exactly, or refuses it: a node whose meaning the IR cannot express is an
// error naming the node (its name and op_type) and the reason, never an
// approximation. The graph is walked in its (topological) order keeping, for
// every tensor, the scalar columns it holds per row:
//   * Inputs: a float tensor [N,k] becomes k kNumber fields "<input>_<j>";
//     a [N,1] or [N] tensor one field named after the tensor. Options can
//     name the fields instead. Missing values are allowed (NaN in ONNX).
//     A string tensor's columns become category fields.
//   * Elementwise and linear operators (Scaler, Imputer, Normalizer,
//     Binarizer, Cast, Identity, Concat, FeatureVectorizer, Flatten, Reshape,
//     ArrayFeatureExtractor, MatMul, Gemm, Add, Sub, Mul, Div, Relu, Sigmoid,
//     Tanh, Exp, Log, Clip) become derive transforms, one column per tensor
//     element, named "<tensor>_<j>" ("<tensor>" for one element); string
//     encoders (OneHotEncoder, CategoryMapper, LabelEncoder) one_hot,
//     ordinal or derive transforms. Values the
//     source holds as float32 are rounded with the expression language's
//     float32(), so elementwise arithmetic reproduces onnxruntime's exactly;
//     matrix products are summed in double, then rounded.
//   * The estimator becomes the model: LinearRegressor -> gaussian GLM;
//     LinearClassifier -> binomial (LOGISTIC) or multinomial (SOFTMAX) GLM;
//     TreeEnsembleRegressor / TreeEnsembleClassifier / TreeEnsemble -> a
//     float32 tree
//     ensemble (every BRANCH_* mode is rewritten as the IR's `x < t`; an
//     equality split as two such nodes); SVMRegressor -> a gaussian GLM
//     over one kernel column per support vector. A graph
//     without an estimator ends in a layer whose output is the prediction (an
//     MLP): its last linear layer (+ Softmax or Sigmoid) becomes the GLM over
//     the previous layer's columns.
//   * Outputs keep the graph's names: a regression value is named after its
//     output; a probability tensor (or its ZipMap) gives one column per class,
//     "<output>_<class label>"; the label column is named after the label
//     output (an estimator's, or an ArgMax over the probabilities).
// Supported operators and opsets are listed in docs/formats/onnx.md.
//
// Safety: the bytes are bounded (options.max_bytes) before protobuf parses
// them; graph nodes, columns, constant elements, expression terms and tree
// nodes are bounded; subgraphs (If, Loop, Scan, any graph attribute) are
// refused; tree node ids, child ids and feature ids are range-checked, and a
// tree whose nodes do not form a tree (cycles, shared nodes) is refused. A
// tensor stored in an external file is refused unless options.model_folder
// is set, and then only read from a relative path that stays inside that
// folder after resolving "..", symbolic links and absolute paths.
//
// Errors:
//   kInvalidArgument   not an ONNX model (protobuf parse failure, no graph),
//                      or a malformed one: an undefined tensor, an attribute
//                      of the wrong size, a tree child or feature id out of
//                      range, a cycle, a shape mismatch.
//   kResourceExhausted larger than a limit in the options.
//   kPermissionDenied  external data without options.model_folder, or a path
//                      that leaves it.
//   kUnimplemented     a valid model that the IR cannot express exactly, an
//                      unsupported operator, attribute value or opset.
// Messages name the node: "node 'dense1' (Gemm): transA=1 is not supported".
// Never crashes or throws on any input.
//
// Thread-safe (pure function; reads external data files only when
// options.model_folder is set).
#ifndef PODIUM_FORMATS_ONNX_H_
#define PODIUM_FORMATS_ONNX_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "pipeline/pipeline.h"

namespace podium {

struct OnnxImportOptions {
  // Input field names for the numeric columns of all graph inputs, in graph
  // input order (e.g. one name per column of a single [N,k] input). Empty:
  // "<input>_<j>", or the input's name for a one-column input. Unique and
  // non-empty.
  std::vector<std::string> feature_names;
  // Pipeline::name. The caller usually derives it from the file name.
  std::string name;
  // The folder external tensor data may be read from (usually the model
  // file's folder). Empty: external data is refused.
  std::string model_folder;
  // Refuse larger models (bytes). At most 2 GiB - 1, protobuf's limit.
  size_t max_bytes = size_t{1} << 30;
  // Refuse graphs with more nodes than this.
  size_t max_graph_nodes = 100'000;
  // Refuse graphs that need more pipeline columns (inputs and derived
  // columns) than this.
  size_t max_columns = 1'000'000;
  // Refuse constants (initializers) with more elements than this, in all.
  size_t max_constant_elements = 100'000'000;
  // Refuse graphs whose expressions would hold more terms than this, in all
  // (a MatMul [k,m] needs k * m).
  size_t max_expression_terms = 20'000'000;
  // Refuse tree ensembles with more nodes than this, over all trees
  // (equality splits count twice, with the subtree they copy).
  size_t max_tree_nodes = 10'000'000;
  // Refuse graphs whose tensors hold more columns than this, summed over all
  // tensors (every node's output counts its own).
  size_t max_tensor_columns = 20'000'000;
};

// True when `bytes` looks like an ONNX model: a protobuf message whose
// top-level fields are well formed, starting with ir_version (field 1) and
// holding a graph (field 7). Reads only the top-level field headers; for
// format detection.
bool LooksLikeOnnx(std::string_view bytes);

// Parses an ONNX ModelProto and returns the pipeline that scores it. The
// result passes ValidatePipeline. Pipeline::source records the provenance,
// e.g. "onnx ir_version 8, ai.onnx 13, ai.onnx.ml 3 (skl2onnx 1.16)".
Result<Pipeline> ImportOnnx(std::string_view bytes, const OnnxImportOptions& options);

}  // namespace podium

#endif  // PODIUM_FORMATS_ONNX_H_
