#include "formats/onnx.h"

// onnx_pb.h defines ONNX_API, then includes onnx/onnx-ml.pb.h (ONNX_ML=1).
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "data/number.h"
#include "formats/message.h"
#include "formats/svm_kernel.h"
#include "pipeline/validate.h"

namespace podium {
namespace {

using formats_internal::Quote;

constexpr std::string_view kMlDomain = "ai.onnx.ml";
// The opsets whose operator definitions this importer implements
// (docs/formats/onnx.md lists the versions each operator accepts).
constexpr int64_t kMinOnnxOpset = 7;
constexpr int64_t kMaxOnnxOpset = 21;
constexpr int64_t kMinMlOpset = 1;
constexpr int64_t kMaxMlOpset = 5;
// A sum longer than this is split into partial-sum columns, so that no
// expression comes near the expression language's depth limit (256).
constexpr size_t kMaxTermsPerExpression = 64;
// Tree nodes times the leaf width (the number of classes): the leaf values
// the IR stores.
constexpr size_t kMaxLeafValues = 200'000'000;
// Platt probabilities of 3+ classes: onnxruntime's coupling solver stopped
// within 4 rounds for every one of ~5 million simulated rows of 3 to 10
// classes (5 for 2 rows of 8 classes); the columns run 6. Each round costs
// about 2k² + 5k columns, so 10 classes need about 1,800 columns.
constexpr int kPlattRounds = 6;
constexpr size_t kMaxPlattClasses = 10;

std::string Show(double value) {
  std::string out;
  if (!FormatNumber(value, &out)) return std::isnan(value) ? "NaN" : (value > 0 ? "inf" : "-inf");
  return out;
}

// `value` rounded to the nearest float, or nothing beyond float's range
// (where a cast to float would be undefined).
std::optional<double> ToFloat(double value) {
  constexpr double kMax = std::numeric_limits<float>::max();
  if (!(std::fabs(value) <= kMax)) return std::nullopt;
  return static_cast<double>(static_cast<float>(value));
}

// A number as an expression operand: negative literals in parentheses.
std::string Literal(double value) {
  const std::string text = Show(value);
  return value < 0 ? "(" + text + ")" : text;
}

// A column reference in the expression language: always backquoted.
std::string Ref(std::string_view name) {
  std::string out = "`";
  for (const char c : name) {
    out += c;
    if (c == '`') out += '`';
  }
  return out + "`";
}

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  return out;
}

enum class ElemType { kFloat, kDouble, kInt64, kString, kOther };

ElemType FromOnnx(int32_t type) {
  switch (type) {
    case onnx::TensorProto::FLOAT: return ElemType::kFloat;
    case onnx::TensorProto::DOUBLE: return ElemType::kDouble;
    case onnx::TensorProto::INT64: return ElemType::kInt64;
    case onnx::TensorProto::STRING: return ElemType::kString;
    default: return ElemType::kOther;
  }
}

std::string TypeName(int32_t type) {
  if (!onnx::TensorProto_DataType_IsValid(type)) return "type " + std::to_string(type);
  return onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(type));
}

// One scalar of a tensor, per row: a constant or a pipeline column.
struct Col {
  bool is_const = false;
  double value = 0.0;
  std::string name;
  // An input field of a float tensor: the pipeline holds the double the
  // caller gave, onnxruntime the float nearest to it.
  bool round = false;
};

// What a per-row tensor holds.
enum class Role {
  kRows,           // columns (inputs, derived columns, constants)
  kValue,          // the estimator's predicted value
  kProbabilities,  // one probability per class
  kLabel,          // the predicted class
};

struct RowTensor {
  Role role = Role::kRows;
  ElemType type = ElemType::kFloat;
  // 1: [N], 2: [N,k], 3: [N,1,k]; 4: any other shape (only Flatten and
  // Reshape read it: the columns are in row-major order either way).
  int rank = 2;
  std::vector<Col> cols;
  // kProbabilities made by a Softmax node (a graph without an estimator):
  // the columns it normalises, the linear predictors of the GLM.
  bool from_softmax = false;
  std::vector<Col> logits;
  // Class labels named by a ZipMap, if any.
  std::vector<std::string> zipmap_labels;
  // kProbabilities of an SVMClassifier with support vectors: Podium scores
  // vote shares, while onnxruntime's tensor holds pairwise decision values,
  // so nothing may read it as probabilities.
  bool votes = false;
};

// A constant tensor (an initializer or a Constant node's value).
struct Constant {
  std::vector<int64_t> dims;
  ElemType type = ElemType::kFloat;
  std::vector<double> numbers;
  std::vector<std::string> strings;
  size_t size() const { return type == ElemType::kString ? strings.size() : numbers.size(); }
};

// A column that is intercept + sum of coefficient * column (the output of a
// MatMul or Gemm, possibly shifted or scaled by constants).
struct LinearForm {
  double intercept = 0.0;
  std::vector<std::pair<Col, double>> terms;
};

// A transform the graph defines, with the columns it defines and reads (so
// that unused ones can be dropped).
struct Derived {
  Transform transform;
  std::vector<std::string> outputs;
  std::vector<std::string> deps;
};

class Importer {
 public:
  Importer(const onnx::ModelProto& model, const OnnxImportOptions& options) : model_(model), options_(options) {}

  Result<Pipeline> Run();

 private:
  // ----- messages
  std::string Where(const onnx::NodeProto& node) const {
    std::string where = node.name().empty() ? "node #" + std::to_string(node_index_) : "node " + Quote(node.name());
    return where + " (" + node.op_type() + ")";
  }
  Status Invalid(const onnx::NodeProto& node, const std::string& problem) const {
    return InvalidArgumentError(Where(node) + ": " + problem);
  }
  Status Unsupported(const onnx::NodeProto& node, const std::string& problem) const {
    return UnimplementedError(Where(node) + ": " + problem);
  }

  // ----- attributes
  const onnx::AttributeProto* Attr(const onnx::NodeProto& node, std::string_view name) const {
    for (const onnx::AttributeProto& attr : node.attribute()) {
      if (attr.name() == name) return &attr;
    }
    return nullptr;
  }
  Result<int64_t> IntAttr(const onnx::NodeProto& node, std::string_view name, int64_t fallback) const;
  Result<double> FloatAttr(const onnx::NodeProto& node, std::string_view name, double fallback) const;
  Result<std::string> StringAttr(const onnx::NodeProto& node, std::string_view name, std::string fallback) const;
  Result<std::vector<int64_t>> IntsAttr(const onnx::NodeProto& node, std::string_view name) const;
  Result<std::vector<double>> FloatsAttr(const onnx::NodeProto& node, std::string_view name) const;
  Result<std::vector<std::string>> StringsAttr(const onnx::NodeProto& node, std::string_view name) const;
  Status RefuseAttr(const onnx::NodeProto& node, std::string_view name) const {
    if (Attr(node, name) != nullptr) return Unsupported(node, "attribute '" + std::string(name) + "' is not supported");
    return Status::Ok();
  }

  // ----- constants
  Result<Constant> ReadTensor(const onnx::TensorProto& tensor, const std::string& what);
  Result<std::string> ReadExternal(const onnx::TensorProto& tensor, const std::string& what, size_t bytes);

  // ----- node inputs and outputs
  std::string InputName(const onnx::NodeProto& node, int i) const {
    return i < node.input_size() ? node.input(i) : std::string();
  }
  Result<const RowTensor*> RowInput(const onnx::NodeProto& node, int i) const;
  // RowInput that must hold float columns (else unsupported, saying
  // `float_reason`) and, when `matrix`, be of shape [N,k]: the operators that
  // onnxruntime applies to the last axis act on one row only then.
  Result<const RowTensor*> FloatRows(const onnx::NodeProto& node, int i, bool matrix,
                                     const std::string& float_reason) const;
  Result<const Constant*> ConstInput(const onnx::NodeProto& node, int i, bool optional = false) const;
  Result<std::string> OutputName(const onnx::NodeProto& node, int i) const;
  Status SetOutput(const onnx::NodeProto& node, int i, RowTensor tensor);

  // ----- columns
  std::string UniqueName(const std::string& base);
  // The column as an operand of an expression over floats (or doubles).
  std::string Operand(const Col& col) const;
  // `expression` rounded to float when the tensor is float.
  static std::string Round(ElemType type, const std::string& expression) {
    return type == ElemType::kFloat ? "float32(" + expression + ")" : expression;
  }
  Result<Col> Derive(const std::string& base, std::string expression, const std::vector<Col>& uses);
  // A named column for `col` (constants get a derived column).
  Result<Col> Materialise(const Col& col, const std::string& base);
  Status CountTerms(const onnx::NodeProto& node, size_t terms);
  // intercept + sum of terms, split into partial sums when long.
  Result<std::string> SumExpression(const std::string& base, const LinearForm& form, std::vector<Col>* uses);
  // The sum of `terms` (each an expression over one column); long sums are
  // split into partial-sum columns. Empty for no terms.
  Result<std::string> SumTerms(const std::string& base, std::vector<std::pair<std::string, Col>> terms,
                               std::vector<Col>* uses);
  LinearForm FormOf(const Col& col) const;
  std::string OutputBase(const std::string& tensor, size_t j, size_t width) const {
    return width == 1 ? tensor : tensor + "_" + std::to_string(j);
  }

  // ----- graph
  Status ReadOpsets();
  Status ReadInitializers();
  Status ReadInputs();
  Status CheckNode(const onnx::NodeProto& node);
  Status LowerNode(const onnx::NodeProto& node);
  Status Finish();

  // ----- operators
  Status LowerIdentity(const onnx::NodeProto& node);
  Status LowerConstant(const onnx::NodeProto& node);
  Status LowerCast(const onnx::NodeProto& node);
  Status LowerConcat(const onnx::NodeProto& node, bool vectorizer);
  Status LowerReshape(const onnx::NodeProto& node, bool flatten);
  Status LowerArrayFeatureExtractor(const onnx::NodeProto& node);
  Status LowerScaler(const onnx::NodeProto& node);
  Status LowerImputer(const onnx::NodeProto& node);
  Status LowerNormalizer(const onnx::NodeProto& node);
  Status LowerBinarizer(const onnx::NodeProto& node);
  Status LowerUnary(const onnx::NodeProto& node);
  Status LowerClip(const onnx::NodeProto& node);
  Status LowerArithmetic(const onnx::NodeProto& node);
  Status LowerMatMul(const onnx::NodeProto& node, bool gemm);
  Status LowerSoftmax(const onnx::NodeProto& node);
  Status LowerArgMax(const onnx::NodeProto& node);
  Status LowerZipMap(const onnx::NodeProto& node);
  Status LowerOneHotEncoder(const onnx::NodeProto& node);
  Status LowerStringMap(const onnx::NodeProto& node);
  Status LowerLinearRegressor(const onnx::NodeProto& node);
  Status LowerLinearClassifier(const onnx::NodeProto& node);
  Status LowerTreeEnsemble(const onnx::NodeProto& node, bool classifier);
  Status LowerTreeEnsemble5(const onnx::NodeProto& node);
  Status LowerSvmRegressor(const onnx::NodeProto& node);
  Status LowerSvmClassifier(const onnx::NodeProto& node);
  // One float32 kernel column K(x, sv_j) per support vector (`vectors` holds
  // them row by row, input.cols.size() values each).
  Result<std::vector<Col>> KernelColumns(const onnx::NodeProto& node, const RowTensor& input,
                                         const std::string& kernel, const std::vector<double>& params,
                                         const std::vector<double>& vectors, size_t count, const std::string& base);
  // The one-vs-one decision columns of an SVMClassifier with support vectors
  // and the tree ensemble that counts their votes.
  Result<TreeEnsembleModel> SvmVotes(const onnx::NodeProto& node, const RowTensor& input,
                                     const std::vector<int64_t>& vectors_per_class,
                                     const std::vector<double>& vectors, const std::vector<double>& coefficients,
                                     const std::vector<double>& rho, std::vector<std::string>* features);
  // onnxruntime's probabilities of a binary SVMClassifier with prob_a and
  // prob_b, from the decision column `decision`: Platt's sigmoid and its
  // pairwise-coupling solver for two classes, in float; one column per class.
  Result<std::vector<Col>> SvmPlattBinary(const Col& decision, double prob_a, double prob_b, const std::string& base);
  // The same for three to kMaxPlattClasses classes, from the pairs' decision
  // columns (in onnxruntime's pair order): Platt's sigmoid per pair and the
  // coupling solver unrolled over kPlattRounds rounds; one column per class.
  Result<std::vector<Col>> SvmPlattCoupled(const std::vector<Col>& decisions, const std::vector<double>& prob_a,
                                           const std::vector<double>& prob_b, size_t classes,
                                           const std::string& base);
  // SVMClassifier without support vectors: a GLM over the inputs.
  Result<GlmModel> SvmLinearClassifier(const onnx::NodeProto& node, size_t classes, size_t columns);
  // The sum of `terms` in their order, in double: sums longer than
  // kMaxTermsPerExpression continue from partial-sum columns, so the
  // additions happen in the same order as onnxruntime's loop.
  Result<std::string> OrderedSum(const std::string& base, std::vector<std::pair<std::string, Col>> terms,
                                 std::vector<Col>* uses);
  Result<Constant> TensorAttr(const onnx::NodeProto& node, std::string_view name);

  // The estimator's input columns as Pipeline::features.
  Result<std::vector<std::string>> Features(const onnx::NodeProto& node, const RowTensor& input);
  Result<std::vector<std::string>> ClassLabels(const onnx::NodeProto& node);
  Status SetEstimator(const onnx::NodeProto& node, Model model, std::vector<std::string> features);
  // A GLM over linear forms (a graph without an estimator).
  Status GlmFromForms(const std::vector<LinearForm>& forms, GlmModel* glm);

  const onnx::ModelProto& model_;
  const OnnxImportOptions& options_;
  int64_t onnx_opset_ = 0;  // 0: not imported
  int64_t ml_opset_ = 0;
  int node_index_ = 0;
  size_t constant_elements_ = 0;
  size_t terms_ = 0;
  size_t tensor_columns_ = 0;
  std::map<std::string, Constant, std::less<>> constants_;
  std::map<std::string, RowTensor, std::less<>> tensors_;
  std::set<std::string, std::less<>> used_names_;
  std::vector<Derived> derived_;
  std::map<std::string, LinearForm, std::less<>> linear_;
  std::map<std::string, Col, std::less<>> sigmoid_of_;
  bool has_estimator_ = false;
  std::string estimator_where_;
  // The model's class values are SVM vote shares (named apart from
  // probabilities).
  bool vote_shares_ = false;
  // A binary SVMClassifier with prob_a/prob_b: onnxruntime's probabilities,
  // one column per class, written as derived outputs under the graph's names.
  std::vector<Col> platt_;
  Pipeline pipeline_;
};

// ---------------------------------------------------------------------------
// Attributes
// ---------------------------------------------------------------------------

Result<int64_t> Importer::IntAttr(const onnx::NodeProto& node, std::string_view name, int64_t fallback) const {
  const onnx::AttributeProto* attr = Attr(node, name);
  if (attr == nullptr) return fallback;
  if (attr->type() != onnx::AttributeProto::INT) {
    return Invalid(node, "attribute '" + std::string(name) + "' must be an int");
  }
  return attr->i();
}

Result<double> Importer::FloatAttr(const onnx::NodeProto& node, std::string_view name, double fallback) const {
  const onnx::AttributeProto* attr = Attr(node, name);
  if (attr == nullptr) return fallback;
  if (attr->type() != onnx::AttributeProto::FLOAT) {
    return Invalid(node, "attribute '" + std::string(name) + "' must be a float");
  }
  return static_cast<double>(attr->f());
}

Result<std::string> Importer::StringAttr(const onnx::NodeProto& node, std::string_view name,
                                         std::string fallback) const {
  const onnx::AttributeProto* attr = Attr(node, name);
  if (attr == nullptr) return fallback;
  if (attr->type() != onnx::AttributeProto::STRING) {
    return Invalid(node, "attribute '" + std::string(name) + "' must be a string");
  }
  return attr->s();
}

Result<std::vector<int64_t>> Importer::IntsAttr(const onnx::NodeProto& node, std::string_view name) const {
  const onnx::AttributeProto* attr = Attr(node, name);
  if (attr == nullptr) return std::vector<int64_t>{};
  if (attr->type() != onnx::AttributeProto::INTS) {
    return Invalid(node, "attribute '" + std::string(name) + "' must be a list of ints");
  }
  return std::vector<int64_t>(attr->ints().begin(), attr->ints().end());
}

Result<std::vector<double>> Importer::FloatsAttr(const onnx::NodeProto& node, std::string_view name) const {
  const onnx::AttributeProto* attr = Attr(node, name);
  if (attr == nullptr) return std::vector<double>{};
  if (attr->type() != onnx::AttributeProto::FLOATS) {
    return Invalid(node, "attribute '" + std::string(name) + "' must be a list of floats");
  }
  std::vector<double> out;
  out.reserve(static_cast<size_t>(attr->floats_size()));
  for (const float v : attr->floats()) {
    if (!std::isfinite(v)) {
      return Unsupported(node, "attribute '" + std::string(name) + "' holds " + Show(v) +
                                   " (only finite values are supported)");
    }
    out.push_back(static_cast<double>(v));
  }
  return out;
}

Result<std::vector<std::string>> Importer::StringsAttr(const onnx::NodeProto& node, std::string_view name) const {
  const onnx::AttributeProto* attr = Attr(node, name);
  if (attr == nullptr) return std::vector<std::string>{};
  if (attr->type() != onnx::AttributeProto::STRINGS) {
    return Invalid(node, "attribute '" + std::string(name) + "' must be a list of strings");
  }
  return std::vector<std::string>(attr->strings().begin(), attr->strings().end());
}

// ---------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------

Result<std::string> Importer::ReadExternal(const onnx::TensorProto& tensor, const std::string& what,
                                           size_t bytes) {
  namespace fs = std::filesystem;
  std::string location;
  int64_t offset = 0;
  int64_t length = -1;
  for (const onnx::StringStringEntryProto& entry : tensor.external_data()) {
    if (entry.key() == "location") {
      location = entry.value();
    } else if (entry.key() == "offset" || entry.key() == "length") {
      std::optional<double> number = ParseNumber(entry.value());
      if (!number || *number < 0 || *number != std::floor(*number) || *number > 9.0e15) {
        return InvalidArgumentError(what + ": external data " + entry.key() + " " + Quote(entry.value()) +
                                    " is not a non-negative integer");
      }
      (entry.key() == "offset" ? offset : length) = static_cast<int64_t>(*number);
    }
  }
  if (location.empty()) return InvalidArgumentError(what + ": external data without a location");
  if (options_.model_folder.empty()) {
    return PermissionDeniedError(what + ": its data is in an external file (" + Quote(location) +
                                 "); external data is read only from the model's own folder, and none was given");
  }
  if (location.find('\0') != std::string::npos) {
    return PermissionDeniedError(what + ": external data location holds a NUL character");
  }
  const fs::path relative(location);
  if (relative.is_absolute() || relative.has_root_name() || relative.has_root_directory()) {
    return PermissionDeniedError(what + ": external data location " + Quote(location) +
                                 " is an absolute path; only paths inside the model's folder are allowed");
  }
  for (const fs::path& part : relative) {
    if (part == "..") {
      return PermissionDeniedError(what + ": external data location " + Quote(location) +
                                   " contains '..'; only paths inside the model's folder are allowed");
    }
  }
  std::error_code error;
  const fs::path folder = fs::canonical(options_.model_folder, error);
  if (error) {
    return InvalidArgumentError(what + ": the model folder " + Quote(options_.model_folder) +
                                " cannot be resolved: " + error.message());
  }
  const fs::path file = fs::canonical(folder / relative, error);
  if (error) {
    return InvalidArgumentError(what + ": external data file " + Quote(location) + " cannot be opened: " +
                                error.message());
  }
  // After resolving symbolic links the file must still be inside the folder.
  const fs::path inside = file.lexically_relative(folder);
  if (inside.empty() || *inside.begin() == ".." || inside.is_absolute()) {
    return PermissionDeniedError(what + ": external data location " + Quote(location) +
                                 " resolves outside the model's folder (through a symbolic link)");
  }
  if (!fs::is_regular_file(file, error)) {
    return InvalidArgumentError(what + ": external data " + Quote(location) + " is not a regular file");
  }
  const uintmax_t file_size = fs::file_size(file, error);
  if (error) return InvalidArgumentError(what + ": external data " + Quote(location) + ": " + error.message());
  const uint64_t want = length < 0 ? bytes : static_cast<uint64_t>(length);
  if (want != bytes) {
    return InvalidArgumentError(what + ": external data length " + std::to_string(want) + " does not match its " +
                                std::to_string(bytes) + " bytes of elements");
  }
  if (static_cast<uint64_t>(offset) > file_size || file_size - static_cast<uint64_t>(offset) < want) {
    return InvalidArgumentError(what + ": external data " + Quote(location) + " is too short (" +
                                std::to_string(file_size) + " bytes, needs " + std::to_string(want) +
                                " from offset " + std::to_string(offset) + ")");
  }
  std::ifstream in(file, std::ios::binary);
  std::string data(static_cast<size_t>(want), '\0');
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(data.data(), static_cast<std::streamsize>(want));
  if (!in) return InvalidArgumentError(what + ": external data " + Quote(location) + " cannot be read");
  return data;
}

Result<Constant> Importer::ReadTensor(const onnx::TensorProto& tensor, const std::string& what) {
  Constant out;
  out.type = FromOnnx(tensor.data_type());
  // Small integer types are read as integers (int32: Reshape shapes from
  // some writers; uint8: TreeEnsemble's nodes_modes).
  if (tensor.data_type() == onnx::TensorProto::INT32 || tensor.data_type() == onnx::TensorProto::UINT8) {
    out.type = ElemType::kInt64;
  }
  if (out.type == ElemType::kOther) {
    return UnimplementedError(what + ": element type " + TypeName(tensor.data_type()) +
                              " is not supported (float, double, int32, int64, uint8, string)");
  }
  if (tensor.has_segment()) return UnimplementedError(what + ": segmented tensors are not supported");
  size_t count = 1;
  for (const int64_t dim : tensor.dims()) {
    if (dim < 0) return InvalidArgumentError(what + ": negative dimension " + std::to_string(dim));
    if (dim > 0 && count > options_.max_constant_elements / static_cast<size_t>(dim)) {
      return ResourceExhaustedError(what + ": more than " + std::to_string(options_.max_constant_elements) +
                                    " elements");
    }
    count *= static_cast<size_t>(dim);
    out.dims.push_back(dim);
  }
  if (count > options_.max_constant_elements - constant_elements_) {
    return ResourceExhaustedError(what + ": the constants hold more than " +
                                  std::to_string(options_.max_constant_elements) + " elements in all");
  }
  constant_elements_ += count;
  auto wrong_count = [&](size_t got) {
    return InvalidArgumentError(what + ": " + std::to_string(got) + " values for " + std::to_string(count) +
                                " elements");
  };
  if (out.type == ElemType::kString) {
    if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
      return UnimplementedError(what + ": external string data is not supported");
    }
    if (static_cast<size_t>(tensor.string_data_size()) != count) return wrong_count(tensor.string_data_size());
    out.strings.assign(tensor.string_data().begin(), tensor.string_data().end());
    return out;
  }
  const size_t width = tensor.data_type() == onnx::TensorProto::UINT8 ? 1
                       : tensor.data_type() == onnx::TensorProto::FLOAT || tensor.data_type() == onnx::TensorProto::INT32
                           ? 4
                           : 8;
  std::string external;
  const std::string* raw = nullptr;
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    ASSIGN_OR_RETURN(external, ReadExternal(tensor, what, count * width));
    raw = &external;
  } else if (tensor.has_raw_data()) {
    raw = &tensor.raw_data();
  }
  out.numbers.reserve(count);
  if (raw != nullptr) {
    if (raw->size() != count * width) return wrong_count(raw->size() / width);
    // ONNX stores raw data little-endian, as this machine does.
    for (size_t i = 0; i < count; ++i) {
      const char* p = raw->data() + i * width;
      switch (tensor.data_type()) {
        case onnx::TensorProto::FLOAT: {
          float v;
          std::memcpy(&v, p, 4);
          out.numbers.push_back(static_cast<double>(v));
          break;
        }
        case onnx::TensorProto::UINT8:
          out.numbers.push_back(static_cast<double>(static_cast<uint8_t>(*p)));
          break;
        case onnx::TensorProto::INT32: {
          int32_t v;
          std::memcpy(&v, p, 4);
          out.numbers.push_back(static_cast<double>(v));
          break;
        }
        case onnx::TensorProto::DOUBLE: {
          double v;
          std::memcpy(&v, p, 8);
          out.numbers.push_back(v);
          break;
        }
        default: {
          int64_t v;
          std::memcpy(&v, p, 8);
          out.numbers.push_back(static_cast<double>(v));
          break;
        }
      }
    }
  } else {
    switch (tensor.data_type()) {
      case onnx::TensorProto::FLOAT:
        if (static_cast<size_t>(tensor.float_data_size()) != count) return wrong_count(tensor.float_data_size());
        for (const float v : tensor.float_data()) out.numbers.push_back(static_cast<double>(v));
        break;
      case onnx::TensorProto::DOUBLE:
        if (static_cast<size_t>(tensor.double_data_size()) != count) return wrong_count(tensor.double_data_size());
        out.numbers.assign(tensor.double_data().begin(), tensor.double_data().end());
        break;
      case onnx::TensorProto::INT32:
      case onnx::TensorProto::UINT8:  // stored in int32_data
        if (static_cast<size_t>(tensor.int32_data_size()) != count) return wrong_count(tensor.int32_data_size());
        for (const int32_t v : tensor.int32_data()) out.numbers.push_back(static_cast<double>(v));
        break;
      default:
        if (static_cast<size_t>(tensor.int64_data_size()) != count) return wrong_count(tensor.int64_data_size());
        for (const int64_t v : tensor.int64_data()) out.numbers.push_back(static_cast<double>(v));
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Node inputs, outputs and columns
// ---------------------------------------------------------------------------

Result<const RowTensor*> Importer::RowInput(const onnx::NodeProto& node, int i) const {
  const std::string name = InputName(node, i);
  if (name.empty()) return Invalid(node, "input " + std::to_string(i) + " is missing");
  const auto it = tensors_.find(name);
  if (it == tensors_.end()) {
    if (constants_.count(name) > 0) {
      return Unsupported(node, "input " + Quote(name) + " is a constant; a per-row tensor is needed here");
    }
    return Invalid(node, "input " + Quote(name) + " is not defined before this node");
  }
  return &it->second;
}

Result<const RowTensor*> Importer::FloatRows(const onnx::NodeProto& node, int i, bool matrix,
                                             const std::string& float_reason) const {
  ASSIGN_OR_RETURN(const RowTensor* input, RowInput(node, i));
  if (input->role != Role::kRows || input->type != ElemType::kFloat) return Unsupported(node, float_reason);
  if (matrix && input->rank != 2) return Unsupported(node, "the input must be of shape [N,k]");
  return input;
}

Result<const Constant*> Importer::ConstInput(const onnx::NodeProto& node, int i, bool optional) const {
  const std::string name = InputName(node, i);
  if (name.empty()) {
    if (optional) return static_cast<const Constant*>(nullptr);
    return Invalid(node, "input " + std::to_string(i) + " is missing");
  }
  const auto it = constants_.find(name);
  if (it == constants_.end()) {
    if (tensors_.count(name) > 0) {
      return Unsupported(node, "input " + Quote(name) + " must be a constant (an initializer)");
    }
    return Invalid(node, "input " + Quote(name) + " is not defined before this node");
  }
  return &it->second;
}

Result<std::string> Importer::OutputName(const onnx::NodeProto& node, int i) const {
  if (i >= node.output_size() || node.output(i).empty()) return std::string();
  const std::string& name = node.output(i);
  if (tensors_.count(name) > 0 || constants_.count(name) > 0) {
    return Invalid(node, "output " + Quote(name) + " is already defined (a graph defines each tensor once)");
  }
  return name;
}

Status Importer::SetOutput(const onnx::NodeProto& node, int i, RowTensor tensor) {
  ASSIGN_OR_RETURN(const std::string name, OutputName(node, i));
  // Every tensor holds its own list of columns: their total is bounded, so
  // long chains of wide tensors cannot take unbounded time or memory.
  const size_t cells = tensor.cols.size() + tensor.logits.size();
  if (cells > options_.max_tensor_columns - std::min(options_.max_tensor_columns, tensor_columns_)) {
    return ResourceExhaustedError(Where(node) + ": the graph's tensors hold more than " +
                                  std::to_string(options_.max_tensor_columns) + " columns in all");
  }
  tensor_columns_ += cells;
  if (!name.empty()) tensors_.emplace(name, std::move(tensor));
  return Status::Ok();
}

std::string Importer::UniqueName(const std::string& base) {
  std::string name = base.empty() ? std::string("column") : base;
  for (int n = 2; used_names_.count(name) > 0; ++n) name = base + "#" + std::to_string(n);
  used_names_.insert(name);
  return name;
}

std::string Importer::Operand(const Col& col) const {
  if (col.is_const) return Literal(col.value);
  return col.round ? "float32(" + Ref(col.name) + ")" : Ref(col.name);
}

Result<Col> Importer::Derive(const std::string& base, std::string expression, const std::vector<Col>& uses) {
  if (used_names_.size() >= options_.max_columns) {
    return ResourceExhaustedError("the graph needs more than " + std::to_string(options_.max_columns) + " columns");
  }
  Col col;
  col.name = UniqueName(base);
  Derived derived;
  derived.transform = DeriveTransform{col.name, std::move(expression)};
  derived.outputs = {col.name};
  for (const Col& use : uses) {
    if (!use.is_const) derived.deps.push_back(use.name);
  }
  derived_.push_back(std::move(derived));
  return col;
}

Result<Col> Importer::Materialise(const Col& col, const std::string& base) {
  if (!col.is_const) return col;
  return Derive(base, Show(col.value), {});
}

Status Importer::CountTerms(const onnx::NodeProto& node, size_t terms) {
  if (terms > options_.max_expression_terms - terms_) {
    return ResourceExhaustedError(Where(node) + ": the graph's expressions would hold more than " +
                                  std::to_string(options_.max_expression_terms) + " terms");
  }
  terms_ += terms;
  return Status::Ok();
}

LinearForm Importer::FormOf(const Col& col) const {
  LinearForm form;
  if (col.is_const) {
    form.intercept = col.value;
    return form;
  }
  const auto it = linear_.find(col.name);
  if (it != linear_.end()) return it->second;
  form.terms.emplace_back(col, 1.0);
  return form;
}

Result<std::string> Importer::SumExpression(const std::string& base, const LinearForm& form,
                                            std::vector<Col>* uses) {
  std::vector<std::pair<std::string, Col>> terms;
  for (const auto& [col, coefficient] : form.terms) {
    terms.emplace_back(Literal(coefficient) + " * " + Operand(col), col);
  }
  ASSIGN_OR_RETURN(std::string sum, SumTerms(base, std::move(terms), uses));
  if (form.intercept != 0.0 || sum.empty()) sum += (sum.empty() ? "" : " + ") + Literal(form.intercept);
  return sum;
}

Result<std::string> Importer::SumTerms(const std::string& base, std::vector<std::pair<std::string, Col>> terms,
                                       std::vector<Col>* uses) {
  // Long sums become partial sums over at most kMaxTermsPerExpression terms.
  int level = 0;
  while (terms.size() > kMaxTermsPerExpression) {
    std::vector<std::pair<std::string, Col>> next;
    for (size_t begin = 0; begin < terms.size(); begin += kMaxTermsPerExpression) {
      const size_t end = std::min(terms.size(), begin + kMaxTermsPerExpression);
      std::vector<std::string> parts;
      std::vector<Col> part_uses;
      for (size_t i = begin; i < end; ++i) {
        parts.push_back(terms[i].first);
        part_uses.push_back(terms[i].second);
      }
      ASSIGN_OR_RETURN(Col partial, Derive(base + "#sum" + std::to_string(level) + "_" + std::to_string(next.size()),
                                           Join(parts, " + "), part_uses));
      next.emplace_back(Ref(partial.name), partial);
    }
    terms = std::move(next);
    ++level;
  }
  std::vector<std::string> parts;
  for (auto& [text, col] : terms) {
    parts.push_back(text);
    uses->push_back(col);
  }
  return Join(parts, " + ");
}

// ---------------------------------------------------------------------------
// Graph: opsets, initializers, inputs
// ---------------------------------------------------------------------------

Status Importer::ReadOpsets() {
  for (const onnx::OperatorSetIdProto& opset : model_.opset_import()) {
    if (opset.domain().empty() || opset.domain() == "ai.onnx") {
      onnx_opset_ = opset.version();
    } else if (opset.domain() == kMlDomain) {
      ml_opset_ = opset.version();
    }
    // Other domains are refused by the nodes that use them.
  }
  if (onnx_opset_ != 0 && (onnx_opset_ < kMinOnnxOpset || onnx_opset_ > kMaxOnnxOpset)) {
    return UnimplementedError("opset ai.onnx " + std::to_string(onnx_opset_) + " is not supported (supported: " +
                              std::to_string(kMinOnnxOpset) + " to " + std::to_string(kMaxOnnxOpset) + ")");
  }
  if (ml_opset_ != 0 && (ml_opset_ < kMinMlOpset || ml_opset_ > kMaxMlOpset)) {
    return UnimplementedError("opset ai.onnx.ml " + std::to_string(ml_opset_) + " is not supported (supported: " +
                              std::to_string(kMinMlOpset) + " to " + std::to_string(kMaxMlOpset) + ")");
  }
  return Status::Ok();
}

Status Importer::ReadInitializers() {
  const onnx::GraphProto& graph = model_.graph();
  if (graph.sparse_initializer_size() > 0) {
    return UnimplementedError("sparse initializers are not supported");
  }
  for (const onnx::TensorProto& tensor : graph.initializer()) {
    const std::string what = "initializer " + Quote(tensor.name());
    if (tensor.name().empty()) return InvalidArgumentError("an initializer has no name");
    ASSIGN_OR_RETURN(Constant constant, ReadTensor(tensor, what));
    if (!constants_.emplace(tensor.name(), std::move(constant)).second) {
      return InvalidArgumentError(what + " is defined twice");
    }
  }
  return Status::Ok();
}

Status Importer::ReadInputs() {
  struct InputInfo {
    std::string name;
    ElemType type;
    int rank;
    size_t width;
  };
  std::vector<InputInfo> infos;
  size_t numeric_columns = 0;
  for (const onnx::ValueInfoProto& input : model_.graph().input()) {
    // Before IR version 4, initializers were listed as inputs too.
    if (constants_.count(input.name()) > 0) continue;
    const std::string what = "graph input " + Quote(input.name());
    if (input.name().empty()) return InvalidArgumentError("a graph input has no name");
    if (!input.type().has_tensor_type()) {
      return UnimplementedError(what + ": only tensor inputs are supported");
    }
    const onnx::TypeProto_Tensor& type = input.type().tensor_type();
    const ElemType elem = FromOnnx(type.elem_type());
    if (elem != ElemType::kFloat && elem != ElemType::kDouble && elem != ElemType::kString) {
      return UnimplementedError(what + ": element type " + TypeName(type.elem_type()) +
                                " is not supported (float, double, string)");
    }
    if (!type.has_shape() || (type.shape().dim_size() != 1 && type.shape().dim_size() != 2)) {
      return UnimplementedError(what + ": only inputs of shape [N] or [N,k] are supported");
    }
    size_t width = 1;
    if (type.shape().dim_size() == 2) {
      const onnx::TensorShapeProto_Dimension& dim = type.shape().dim(1);
      if (!dim.has_dim_value() || dim.dim_value() < 1) {
        return UnimplementedError(what + ": the number of columns (dimension 1) must be a fixed positive number");
      }
      if (static_cast<uint64_t>(dim.dim_value()) > options_.max_columns) {
        return ResourceExhaustedError(what + ": more than " + std::to_string(options_.max_columns) + " columns");
      }
      width = static_cast<size_t>(dim.dim_value());
    }
    if (elem != ElemType::kString) numeric_columns += width;
    infos.push_back({input.name(), elem, type.shape().dim_size(), width});
  }
  if (infos.empty()) return InvalidArgumentError("the graph has no inputs");
  if (!options_.feature_names.empty() && options_.feature_names.size() != numeric_columns) {
    return InvalidArgumentError("options.feature_names: " + std::to_string(options_.feature_names.size()) +
                                " names given, but the graph's inputs have " + std::to_string(numeric_columns) +
                                " numeric columns");
  }
  size_t next_name = 0;
  for (const InputInfo& info : infos) {
    if (info.width > options_.max_columns - used_names_.size()) {
      return ResourceExhaustedError("the graph needs more than " + std::to_string(options_.max_columns) + " columns");
    }
    RowTensor tensor;
    tensor.type = info.type;
    tensor.rank = info.rank;
    for (size_t j = 0; j < info.width; ++j) {
      InputField field;
      if (info.type == ElemType::kString) {
        field.type = FieldType::kCategory;
        // An empty cell is the empty string, as onnxruntime is given it.
        field.on_missing = ValuePolicy{ValuePolicyKind::kReplace, std::string()};
        field.name = info.width == 1 ? info.name : info.name + "_" + std::to_string(j);
      } else {
        field.type = FieldType::kNumber;
        field.name = !options_.feature_names.empty() ? options_.feature_names[next_name++]
                     : info.width == 1              ? info.name
                                                    : info.name + "_" + std::to_string(j);
      }
      if (field.name.empty()) return InvalidArgumentError("options.feature_names: a name is empty");
      if (!used_names_.insert(field.name).second) {
        return InvalidArgumentError("input field " + Quote(field.name) + " is named twice");
      }
      Col col;
      col.name = field.name;
      col.round = info.type == ElemType::kFloat;
      tensor.cols.push_back(col);
      pipeline_.inputs.push_back(std::move(field));
    }
    tensors_.emplace(info.name, std::move(tensor));
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------

struct OpInfo {
  std::string_view op_type;
  bool ml;  // domain ai.onnx.ml, else ai.onnx
  // The opset versions of the domain this importer accepts the operator in.
  int64_t min_opset;
  int64_t max_opset;
};

// The supported operators (docs/formats/onnx.md). An operator whose
// definition changed is listed for the versions whose semantics are lowered.
constexpr OpInfo kOps[] = {
    {"Add", false, 7, 21},       {"ArgMax", false, 7, 21},    {"Cast", false, 7, 21},
    {"Clip", false, 7, 21},      {"Concat", false, 7, 21},    {"Constant", false, 7, 21},
    {"Div", false, 7, 21},       {"Exp", false, 7, 21},       {"Flatten", false, 7, 21},
    {"Gemm", false, 7, 21},      {"Identity", false, 7, 21},  {"Log", false, 7, 21},
    {"MatMul", false, 7, 21},    {"Mul", false, 7, 21},       {"Relu", false, 7, 21},
    {"Reshape", false, 7, 21},   {"Sigmoid", false, 7, 21},   {"Softmax", false, 7, 21},
    {"Sub", false, 7, 21},       {"Tanh", false, 7, 21},
    {"ArrayFeatureExtractor", true, 1, 5}, {"Binarizer", true, 1, 5},
    {"FeatureVectorizer", true, 1, 5},     {"Imputer", true, 1, 5},
    {"LinearClassifier", true, 1, 5},      {"LinearRegressor", true, 1, 5},
    {"Normalizer", true, 1, 5},            {"Scaler", true, 1, 5},
    {"TreeEnsembleClassifier", true, 1, 5}, {"TreeEnsembleRegressor", true, 1, 5},
    {"ZipMap", true, 1, 5},
    {"OneHotEncoder", true, 1, 5},         {"CategoryMapper", true, 1, 5},
    {"LabelEncoder", true, 1, 5},          {"TreeEnsemble", true, 5, 5},
    {"SVMRegressor", true, 1, 5},          {"SVMClassifier", true, 1, 5},
};

// Known operators the IR cannot (yet) express; named in the error.
constexpr std::string_view kKnownUnsupported[] = {
    "DictVectorizer",
    "If", "Loop", "Scan",
};

Status Importer::CheckNode(const onnx::NodeProto& node) {
  for (const onnx::AttributeProto& attr : node.attribute()) {
    if (attr.type() == onnx::AttributeProto::GRAPH || attr.type() == onnx::AttributeProto::GRAPHS ||
        attr.has_g() || attr.graphs_size() > 0) {
      return Unsupported(node, "subgraphs and control flow are not supported (attribute '" + attr.name() + "')");
    }
    if (!attr.ref_attr_name().empty()) {
      return Unsupported(node, "attribute references are not supported (attribute '" + attr.name() + "')");
    }
  }
  const bool ml = node.domain() == kMlDomain;
  if (!ml && !node.domain().empty() && node.domain() != "ai.onnx") {
    return Unsupported(node, "domain " + Quote(node.domain()) + " is not supported (ai.onnx, ai.onnx.ml)");
  }
  for (const std::string_view name : kKnownUnsupported) {
    if (node.op_type() == name) {
      return Unsupported(node, "operator " + node.op_type() + " is not supported (docs/formats/onnx.md lists the "
                         "supported operators)");
    }
  }
  for (const OpInfo& op : kOps) {
    if (op.op_type != node.op_type() || op.ml != ml) continue;
    const int64_t opset = ml ? ml_opset_ : onnx_opset_;
    if (opset == 0) {
      return Invalid(node, "the model does not import the opset of domain " +
                               std::string(ml ? "ai.onnx.ml" : "ai.onnx"));
    }
    if (opset < op.min_opset || opset > op.max_opset) {
      return Unsupported(node, "opset " + std::to_string(opset) + " of " + std::string(ml ? "ai.onnx.ml" : "ai.onnx") +
                                   " is not supported for this operator (" + std::to_string(op.min_opset) + " to " +
                                   std::to_string(op.max_opset) + ")");
    }
    return Status::Ok();
  }
  return Unsupported(node, "operator " + Quote(node.op_type()) + " of domain " +
                               Quote(ml ? std::string(kMlDomain) : std::string("ai.onnx")) +
                               " is not supported (docs/formats/onnx.md lists the supported operators)");
}

Status Importer::LowerNode(const onnx::NodeProto& node) {
  RETURN_IF_ERROR(CheckNode(node));
  const std::string& op = node.op_type();
  if (has_estimator_) {
    // After the estimator only its outputs may be passed on or relabelled.
    for (const std::string& input : node.input()) {
      const auto it = tensors_.find(input);
      if (it != tensors_.end() && it->second.role == Role::kRows && op != "Identity" && op != "Cast") {
        return Unsupported(node, "only the estimator's outputs may be used after the estimator (" + estimator_where_ +
                                     "), and only by Identity, Cast, ArgMax or ZipMap");
      }
    }
  }
  if (op == "Identity") return LowerIdentity(node);
  if (op == "Constant") return LowerConstant(node);
  if (op == "Cast") return LowerCast(node);
  if (op == "Concat") return LowerConcat(node, false);
  if (op == "FeatureVectorizer") return LowerConcat(node, true);
  if (op == "Reshape") return LowerReshape(node, false);
  if (op == "Flatten") return LowerReshape(node, true);
  if (op == "ArrayFeatureExtractor") return LowerArrayFeatureExtractor(node);
  if (op == "Scaler") return LowerScaler(node);
  if (op == "Imputer") return LowerImputer(node);
  if (op == "Normalizer") return LowerNormalizer(node);
  if (op == "Binarizer") return LowerBinarizer(node);
  if (op == "Relu" || op == "Sigmoid" || op == "Tanh" || op == "Exp" || op == "Log") return LowerUnary(node);
  if (op == "Clip") return LowerClip(node);
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") return LowerArithmetic(node);
  if (op == "MatMul") return LowerMatMul(node, false);
  if (op == "Gemm") return LowerMatMul(node, true);
  if (op == "Softmax") return LowerSoftmax(node);
  if (op == "ArgMax") return LowerArgMax(node);
  if (op == "ZipMap") return LowerZipMap(node);
  if (op == "OneHotEncoder") return LowerOneHotEncoder(node);
  if (op == "CategoryMapper" || op == "LabelEncoder") return LowerStringMap(node);
  if (op == "LinearRegressor") return LowerLinearRegressor(node);
  if (op == "LinearClassifier") return LowerLinearClassifier(node);
  if (op == "TreeEnsembleRegressor") return LowerTreeEnsemble(node, false);
  if (op == "TreeEnsemble") return LowerTreeEnsemble5(node);
  if (op == "SVMRegressor") return LowerSvmRegressor(node);
  if (op == "SVMClassifier") return LowerSvmClassifier(node);
  return LowerTreeEnsemble(node, true);
}

// ---------------------------------------------------------------------------
// Structural operators
// ---------------------------------------------------------------------------

Status Importer::LowerIdentity(const onnx::NodeProto& node) {
  const std::string name = InputName(node, 0);
  if (const auto it = constants_.find(name); it != constants_.end()) {
    ASSIGN_OR_RETURN(const std::string out, OutputName(node, 0));
    if (!out.empty()) constants_.emplace(out, Constant(it->second));
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(const RowTensor* input, RowInput(node, 0));
  return SetOutput(node, 0, *input);
}

Status Importer::LowerConstant(const onnx::NodeProto& node) {
  const onnx::AttributeProto* value = Attr(node, "value");
  if (value == nullptr || value->type() != onnx::AttributeProto::TENSOR) {
    return Unsupported(node, "only a 'value' tensor attribute is supported");
  }
  ASSIGN_OR_RETURN(Constant constant, ReadTensor(value->t(), Where(node)));
  ASSIGN_OR_RETURN(const std::string out, OutputName(node, 0));
  if (!out.empty()) constants_.emplace(out, std::move(constant));
  return Status::Ok();
}

Status Importer::LowerCast(const onnx::NodeProto& node) {
  ASSIGN_OR_RETURN(const RowTensor* input, RowInput(node, 0));
  ASSIGN_OR_RETURN(const int64_t to, IntAttr(node, "to", -1));
  const ElemType target = to >= INT32_MIN && to <= INT32_MAX ? FromOnnx(static_cast<int32_t>(to)) : ElemType::kOther;
  if (target == input->type) return SetOutput(node, 0, *input);
  if (input->role != Role::kRows || (target != ElemType::kFloat && target != ElemType::kDouble) ||
      (input->type != ElemType::kFloat && input->type != ElemType::kDouble && input->type != ElemType::kInt64)) {
    return Unsupported(node, "only casts between float and double of per-row columns are supported (to " +
                                 TypeName(static_cast<int32_t>(to)) + ")");
  }
  RowTensor out = *input;
  out.type = target;
  if (target == ElemType::kFloat || input->type == ElemType::kInt64) {
    // double -> float rounds every value; int64 -> float too.
    ASSIGN_OR_RETURN(const std::string name, OutputName(node, 0));
    for (size_t j = 0; j < out.cols.size(); ++j) {
      const Col& col = input->cols[j];
      if (col.is_const) {
        const std::optional<double> rounded = ToFloat(col.value);
        if (!rounded) return Unsupported(node, "constant " + Show(col.value) + " is beyond float's range");
        out.cols[j].value = *rounded;
        continue;
      }
      ASSIGN_OR_RETURN(out.cols[j], Derive(OutputBase(name, j, out.cols.size()), Round(target, Operand(col)), {col}));
    }
  }
  // float -> double keeps every value (an input field still reads as the
  // float nearest to it: Col::round stays).
  return SetOutput(node, 0, std::move(out));
}

Status Importer::LowerConcat(const onnx::NodeProto& node, bool vectorizer) {
  std::vector<int64_t> dimensions;
  if (vectorizer) {
    ASSIGN_OR_RETURN(dimensions, IntsAttr(node, "inputdimensions"));
    if (dimensions.size() != static_cast<size_t>(node.input_size())) {
      return Invalid(node, "inputdimensions has " + std::to_string(dimensions.size()) + " entries for " +
                               std::to_string(node.input_size()) + " inputs");
    }
  } else {
    ASSIGN_OR_RETURN(const int64_t axis, IntAttr(node, "axis", 1));
    // The last axis: columns of [N,k], or of [N,1,k] (one-hot encodings).
    for (int i = 0; i < node.input_size(); ++i) {
      ASSIGN_OR_RETURN(const RowTensor* input, RowInput(node, i));
      if (axis != -1 && axis != input->rank - 1) {
        return Unsupported(node, "only the last axis is supported, got " + std::to_string(axis));
      }
    }
  }
  if (node.input_size() == 0) return Invalid(node, "no inputs");
  RowTensor out;
  out.type = ElemType::kFloat;
  for (int i = 0; i < node.input_size(); ++i) {
    ASSIGN_OR_RETURN(const RowTensor* input, RowInput(node, i));
    if (input->role != Role::kRows) return Unsupported(node, "input " + Quote(node.input(i)) + " is a model output");
    if (vectorizer) {
      if (input->type != ElemType::kFloat) {
        return Unsupported(node, "input " + Quote(node.input(i)) + " is not a float tensor");
      }
      if (dimensions[static_cast<size_t>(i)] != static_cast<int64_t>(input->cols.size())) {
        return Invalid(node, "input " + Quote(node.input(i)) + " has " + std::to_string(input->cols.size()) +
                                 " columns, but inputdimensions says " +
                                 std::to_string(dimensions[static_cast<size_t>(i)]));
      }
    } else {
      if (input->rank != 2 && input->rank != 3) {
        return Unsupported(node, "input " + Quote(node.input(i)) + " is not of shape [N,k] or [N,1,k]");
      }
      if (i == 0) {
        out.type = input->type;
        out.rank = input->rank;
      }
      if (input->rank != out.rank) return Invalid(node, "inputs of different ranks");
      if (input->type != out.type) return Invalid(node, "inputs of different element types");
    }
    if (input->cols.size() > options_.max_columns - out.cols.size()) {
      return ResourceExhaustedError(Where(node) + ": more than " + std::to_string(options_.max_columns) + " columns");
    }
    out.cols.insert(out.cols.end(), input->cols.begin(), input->cols.end());
  }
  if (out.cols.size() > options_.max_columns) return ResourceExhaustedError(Where(node) + ": too many columns");
  return SetOutput(node, 0, std::move(out));
}

Status Importer::LowerReshape(const onnx::NodeProto& node, bool flatten) {
  ASSIGN_OR_RETURN(const RowTensor* input, RowInput(node, 0));
  if (input->role != Role::kRows) return Unsupported(node, "the input is a model output");
  const int64_t width = static_cast<int64_t>(input->cols.size());
  RowTensor out = *input;
  if (flatten) {
    ASSIGN_OR_RETURN(const int64_t axis, IntAttr(node, "axis", 1));
    if (axis != 1) return Unsupported(node, "only axis 1 is supported, got " + std::to_string(axis));
    out.rank = 2;
    return SetOutput(node, 0, std::move(out));
  }
  if (onnx_opset_ < 5) return Unsupported(node, "the shape must be an input (opset 5 and later)");
  ASSIGN_OR_RETURN(const Constant* shape, ConstInput(node, 1));
  const std::vector<double>& dims = shape->numbers;
  // The batch dimension must stay first: [-1, k], [0, k], [N, k] or [-1].
  const bool batch_first = !dims.empty() && (dims[0] == -1 || dims[0] == 0);
  if (shape->type != ElemType::kInt64 || !batch_first || dims.size() > 2 ||
      (dims.size() == 2 && dims[1] != static_cast<double>(width) && !(dims[1] == -1 && dims[0] == 0)) ||
      (dims.size() == 1 && width != 1)) {
    std::vector<std::string> shown;
    for (const double d : dims) shown.push_back(Show(d));
    return Unsupported(node, "only reshapes to [-1, k] that keep the rows are supported (shape [" + Join(shown, ", ") +
                                 "], " + std::to_string(width) + " columns per row)");
  }
  out.rank = static_cast<int>(dims.size());
  return SetOutput(node, 0, std::move(out));
}

Status Importer::LowerArrayFeatureExtractor(const onnx::NodeProto& node) {
  ASSIGN_OR_RETURN(const RowTensor* input, RowInput(node, 0));
  if (input->role != Role::kRows) return Unsupported(node, "the input is a model output");
  ASSIGN_OR_RETURN(const Constant* indices, ConstInput(node, 1));
  if (indices->type != ElemType::kInt64 || indices->numbers.empty()) {
    return Invalid(node, "the indices must be a non-empty int64 constant");
  }
  if (indices->numbers.size() > options_.max_columns) {
    return ResourceExhaustedError(Where(node) + ": more than " + std::to_string(options_.max_columns) + " indices");
  }
  RowTensor out = *input;
  out.cols.clear();
  out.rank = 2;
  for (const double index : indices->numbers) {
    if (index < 0 || index >= static_cast<double>(input->cols.size())) {
      return Invalid(node, "index " + Show(index) + " is out of range (" + std::to_string(input->cols.size()) +
                               " columns)");
    }
    out.cols.push_back(input->cols[static_cast<size_t>(index)]);
  }
  return SetOutput(node, 0, std::move(out));
}

// ---------------------------------------------------------------------------
// Elementwise operators
// ---------------------------------------------------------------------------

// The per-column value of an attribute given once or once per column.
Result<std::vector<double>> PerColumn(const std::vector<double>& values, size_t width, double fallback) {
  if (values.empty()) return std::vector<double>(width, fallback);
  if (values.size() == 1) return std::vector<double>(width, values[0]);
  if (values.size() == width) return values;
  return InvalidArgumentError(std::to_string(values.size()) + " values for " + std::to_string(width) + " columns");
}

Status Importer::LowerScaler(const onnx::NodeProto& node) {
  ASSIGN_OR_RETURN(const RowTensor* input, FloatRows(node, 0, false, "only float columns are supported"));
  ASSIGN_OR_RETURN(const std::vector<double> offset_attr, FloatsAttr(node, "offset"));
  ASSIGN_OR_RETURN(const std::vector<double> scale_attr, FloatsAttr(node, "scale"));
  const size_t width = input->cols.size();
  Result<std::vector<double>> offset = PerColumn(offset_attr, width, 0.0);
  if (!offset.ok()) return Invalid(node, "offset: " + offset.status().message());
  Result<std::vector<double>> scale = PerColumn(scale_attr, width, 1.0);
  if (!scale.ok()) return Invalid(node, "scale: " + scale.status().message());
  ASSIGN_OR_RETURN(const std::string name, OutputName(node, 0));
  RowTensor out = *input;
  for (size_t j = 0; j < width; ++j) {
    const Col& x = input->cols[j];
    // onnxruntime: (x - offset) * scale, each step in float.
    const std::string expression =
        Round(ElemType::kFloat, Round(ElemType::kFloat, Operand(x) + " - " + Literal((*offset)[j])) + " * " +
                                    Literal((*scale)[j]));
    ASSIGN_OR_RETURN(out.cols[j], Derive(OutputBase(name, j, width), expression, {x}));
  }
  return SetOutput(node, 0, std::move(out));
}

Status Importer::LowerImputer(const onnx::NodeProto& node) {
  ASSIGN_OR_RETURN(const RowTensor* input, FloatRows(node, 0, false,
                                                     "only float columns are supported (imputed_value_floats)"));
  RETURN_IF_ERROR(RefuseAttr(node, "imputed_value_int64s"));
  ASSIGN_OR_RETURN(const std::vector<double> values_attr, FloatsAttr(node, "imputed_value_floats"));
  // NaN is not a finite attribute value, so it is read separately.
  const onnx::AttributeProto* replaced_attr = Attr(node, "replaced_value_float");
  double replaced = 0.0;  // the operator's default
  if (replaced_attr != nullptr) {
    if (replaced_attr->type() != onnx::AttributeProto::FLOAT) {
      return Invalid(node, "attribute 'replaced_value_float' must be a float");
    }
    replaced = static_cast<double>(replaced_attr->f());
    if (std::isinf(replaced)) return Unsupported(node, "replacing infinite values is not supported");
  }
  const size_t width = input->cols.size();
  if (values_attr.empty()) return Invalid(node, "imputed_value_floats is empty");
  Result<std::vector<double>> values = PerColumn(values_attr, width, 0.0);
  if (!values.ok()) return Invalid(node, "imputed_value_floats: " + values.status().message());
  ASSIGN_OR_RETURN(const std::string name, OutputName(node, 0));
  RowTensor out = *input;
  for (size_t j = 0; j < width; ++j) {
    const Col& x = input->cols[j];
    const std::string v = Literal((*values)[j]);
    const std::string expression = std::isnan(replaced)
                                       ? "coalesce(" + Operand(x) + ", " + v + ")"
                                       : "if " + Operand(x) + " == " + Literal(replaced) + " then " + v + " else " +
                                             Operand(x);
    ASSIGN_OR_RETURN(out.cols[j], Derive(OutputBase(name, j, width), expression, {x}));
  }
  return SetOutput(node, 0, std::move(out));
}

Status Importer::LowerNormalizer(const onnx::NodeProto& node) {
  // onnxruntime normalizes the last axis: for [N] that is the whole batch.
  ASSIGN_OR_RETURN(const RowTensor* input, FloatRows(node, 0, true, "only float columns are supported"));
  ASSIGN_OR_RETURN(const std::string norm, StringAttr(node, "norm", "MAX"));
  if (norm != "MAX" && norm != "L1" && norm != "L2") return Invalid(node, "unknown norm " + Quote(norm));
  ASSIGN_OR_RETURN(const std::string name, OutputName(node, 0));
  const size_t width = input->cols.size();
  RETURN_IF_ERROR(CountTerms(node, 2 * width));
  std::vector<std::string> parts;
  // onnxruntime's row maximum skips missing values (it starts from the
  // lowest float and keeps the larger value).
  const std::string lowest = Literal(static_cast<double>(std::numeric_limits<float>::lowest()));
  for (const Col& x : input->cols) {
    if (norm == "MAX") parts.push_back("coalesce(" + Operand(x) + ", " + lowest + ")");
    if (norm == "L1") parts.push_back("abs(" + Operand(x) + ")");
    if (norm == "L2") parts.push_back(Operand(x) + " * " + Operand(x));
  }
  // The row's norm, summed in double (long rows in partial sums).
  LinearForm sum_form;
  std::vector<Col> uses;
  std::string total;
  if (norm == "MAX") {
    total = "max(" + Join(parts, ", ") + ")";
    uses = input->cols;
  } else {
    std::vector<Col> terms;
    for (size_t j = 0; j < width; ++j) {
      ASSIGN_OR_RETURN(Col part, Derive(name + "#" + (norm == "L1" ? "abs" : "square") + std::to_string(j),
                                        parts[j], {input->cols[j]}));
      sum_form.terms.emplace_back(part, 1.0);
    }
    ASSIGN_OR_RETURN(total, SumExpression(name + "#norm", sum_form, &uses));
    if (norm == "L2") total = "sqrt(" + total + ")";
  }
  ASSIGN_OR_RETURN(const Col norm_col, Derive(name + "#norm", total, uses));
  RowTensor out = *input;
  for (size_t j = 0; j < width; ++j) {
    const Col& x = input->cols[j];
    // A zero norm leaves the row as it is, as in onnxruntime.
    const std::string expression = "if " + Ref(norm_col.name) + " == 0 then " + Operand(x) + " else " +
                                   Round(ElemType::kFloat, Operand(x) + " / " + Ref(norm_col.name));
    ASSIGN_OR_RETURN(out.cols[j], Derive(OutputBase(name, j, width), expression, {x, norm_col}));
  }
  return SetOutput(node, 0, std::move(out));
}

Status Importer::LowerBinarizer(const onnx::NodeProto& node) {
  ASSIGN_OR_RETURN(const RowTensor* input, FloatRows(node, 0, false, "only float columns are supported"));
  ASSIGN_OR_RETURN(const double threshold, FloatAttr(node, "threshold", 0.0));
  ASSIGN_OR_RETURN(const std::string name, OutputName(node, 0));
  RowTensor out = *input;
  for (size_t j = 0; j < out.cols.size(); ++j) {
    const Col& x = input->cols[j];
    // A missing value stays missing (onnxruntime passes NaN through).
    const std::string expression = "if " + Operand(x) + " > " + Literal(threshold) + " then 1 else if is_missing(" +
                                   Operand(x) + ") then " + Operand(x) + " else 0";
    ASSIGN_OR_RETURN(out.cols[j], Derive(OutputBase(name, j, out.cols.size()), expression, {x}));
  }
  return SetOutput(node, 0, std::move(out));
}

Status Importer::LowerUnary(const onnx::NodeProto& node) {
  ASSIGN_OR_RETURN(const RowTensor* input, RowInput(node, 0));
  if (input->role != Role::kRows || (input->type != ElemType::kFloat && input->type != ElemType::kDouble)) {
    return Unsupported(node, "only float and double columns are supported");
  }
  ASSIGN_OR_RETURN(const std::string name, OutputName(node, 0));
  const std::string& op = node.op_type();
  RowTensor out = *input;
  for (size_t j = 0; j < out.cols.size(); ++j) {
    const Col& col = input->cols[j];
    const std::string x = Operand(col);
    std::string expression;
    if (op == "Relu") {
      expression = "max(" + x + ", 0)";
    } else if (op == "Sigmoid") {
      // Both branches stay finite for any x (exp never overflows).
      expression = "if " + x + " >= 0 then 1 / (1 + exp(-" + x + ")) else exp(" + x + ") / (1 + exp(" + x + "))";
    } else if (op == "Tanh") {
      expression = "tanh(" + x + ")";
    } else if (op == "Exp") {
      expression = "exp(" + x + ")";
    } else {
      expression = "log(" + x + ")";
    }
    ASSIGN_OR_RETURN(out.cols[j], Derive(OutputBase(name, j, out.cols.size()), Round(input->type, expression), {col}));
    if (op == "Sigmoid") sigmoid_of_[out.cols[j].name] = col;
  }
  return SetOutput(node, 0, std::move(out));
}

Status Importer::LowerClip(const onnx::NodeProto& node) {
  ASSIGN_OR_RETURN(const RowTensor* input, RowInput(node, 0));
  if (input->role != Role::kRows || (input->type != ElemType::kFloat && input->type != ElemType::kDouble)) {
    return Unsupported(node, "only float and double columns are supported");
  }
  std::optional<double> low, high;
  if (onnx_opset_ < 11) {
    if (Attr(node, "min") != nullptr) {
      ASSIGN_OR_RETURN(low, FloatAttr(node, "min", 0.0));
    }
    if (Attr(node, "max") != nullptr) {
      ASSIGN_OR_RETURN(high, FloatAttr(node, "max", 0.0));
    }
  } else {
    for (int i : {1, 2}) {
      ASSIGN_OR_RETURN(const Constant* bound, ConstInput(node, i, true));
      if (bound == nullptr) continue;
      if (bound->numbers.size() != 1) return Invalid(node, "a bound must be a scalar constant");
      (i == 1 ? low : high) = bound->numbers[0];
    }
  }
  ASSIGN_OR_RETURN(const std::string name, OutputName(node, 0));
  RowTensor out = *input;
  for (size_t j = 0; j < out.cols.size(); ++j) {
    const Col& col = input->cols[j];
    std::string expression = Operand(col);
    if (low) expression = "max(" + expression + ", " + Literal(*low) + ")";
    if (high) expression = "min(" + expression + ", " + Literal(*high) + ")";
    ASSIGN_OR_RETURN(out.cols[j], Derive(OutputBase(name, j, out.cols.size()), Round(input->type, expression), {col}));
  }
  return SetOutput(node, 0, std::move(out));
}

Status Importer::LowerArithmetic(const onnx::NodeProto& node) {
  const std::string& op = node.op_type();
  const std::string symbol = op == "Add" ? "+" : op == "Sub" ? "-" : op == "Mul" ? "*" : "/";
  if (onnx_opset_ < 7) return Unsupported(node, "broadcasting before opset 7 is not supported");
  // Each side: a per-row tensor or a constant broadcast along the columns.
  struct Side {
    const RowTensor* rows = nullptr;
    const Constant* constant = nullptr;
  };
  Side sides[2];
  for (int i = 0; i < 2; ++i) {
    const std::string input = InputName(node, i);
    if (const auto it = constants_.find(input); it != constants_.end()) {
      sides[i].constant = &it->second;
    } else {
      ASSIGN_OR_RETURN(sides[i].rows, RowInput(node, i));
      if (sides[i].rows->role != Role::kRows) return Unsupported(node, "input " + Quote(input) + " is a model output");
    }
  }
  if (sides[0].rows == nullptr && sides[1].rows == nullptr) {
    return Unsupported(node, "both operands are constants (constant folding is not supported)");
  }
  size_t width = 0;
  ElemType type = ElemType::kFloat;
  int rank = 2;
  for (const Side& side : sides) {
    if (side.rows == nullptr) continue;
    if (side.rows->type != ElemType::kFloat && side.rows->type != ElemType::kDouble) {
      return Unsupported(node, "only float and double columns are supported");
    }
    if (width != 0 && side.rows->type != type) return Invalid(node, "operands of different element types");
    if (width != 0 && side.rows->rank != rank) {
      // ONNX broadcasting aligns trailing axes: [N] with [N,k] is not per row.
      return Unsupported(node, "per-row operands of different ranks do not broadcast row by row");
    }
    type = side.rows->type;
    if (side.rows->cols.size() > width) {
      width = side.rows->cols.size();
      rank = side.rows->rank;
    }
  }
  for (const Side& side : sides) {
    if (side.rows != nullptr) {
      if (side.rows->cols.size() != width && side.rows->cols.size() != 1) {
        return Invalid(node, "operands of " + std::to_string(side.rows->cols.size()) + " and " +
                                 std::to_string(width) + " columns do not broadcast");
      }
      continue;
    }
    const Constant& c = *side.constant;
    const size_t n = c.numbers.size();
    bool ok = c.type != ElemType::kString && (n == 1 || n == width);
    // Broadcasting over rows: the constant may not have a row dimension
    // other than 1.
    if (c.dims.size() > 2 || (c.dims.size() == 2 && c.dims[0] != 1)) ok = false;
    // Against [N], a constant of rank 2 would move the rows to the last axis.
    if (rank == 1 && (c.dims.size() > 1 || n != 1)) ok = false;
    if (!ok) {
      return Unsupported(node, "a constant operand must be a scalar or one value per column (" +
                                   std::to_string(width) + " columns, " + std::to_string(n) + " values)");
    }
    if (op == "Div" && side.constant == sides[1].constant) {
      for (const double v : c.numbers) {
        if (v == 0.0) return Unsupported(node, "division by a zero constant");
      }
    }
  }
  ASSIGN_OR_RETURN(const std::string name, OutputName(node, 0));
  RowTensor out;
  out.type = type;
  out.rank = rank;
  for (size_t j = 0; j < width; ++j) {
    Col operands[2];
    for (int i = 0; i < 2; ++i) {
      if (sides[i].rows != nullptr) {
        operands[i] = sides[i].rows->cols[sides[i].rows->cols.size() == 1 ? 0 : j];
      } else {
        operands[i].is_const = true;
        const std::vector<double>& values = sides[i].constant->numbers;
        operands[i].value = values[values.size() == 1 ? 0 : j];
      }
    }
    const Col& a = operands[0];
    const Col& b = operands[1];
    ASSIGN_OR_RETURN(Col col, Derive(OutputBase(name, j, width), Round(type, Operand(a) + " " + symbol + " " + Operand(b)),
                                     {a, b}));
    // A linear layer shifted or scaled by a constant stays linear.
    if (a.is_const != b.is_const) {
      const Col& row = a.is_const ? b : a;
      const double k = a.is_const ? a.value : b.value;
      LinearForm form = FormOf(row);
      bool linear = true;
      if (op == "Add" || (op == "Sub" && b.is_const)) {
        form.intercept += op == "Add" ? k : -k;
      } else if (op == "Sub") {  // constant - row
        form.intercept = k - form.intercept;
        for (auto& term : form.terms) term.second = -term.second;
      } else if (op == "Mul" || (op == "Div" && b.is_const)) {
        const double factor = op == "Mul" ? k : 1.0 / k;
        form.intercept *= factor;
        for (auto& term : form.terms) term.second *= factor;
      } else {
        linear = false;  // constant / row
      }
      if (linear) linear_[col.name] = std::move(form);
    }
    out.cols.push_back(std::move(col));
  }
  return SetOutput(node, 0, std::move(out));
}

Status Importer::LowerMatMul(const onnx::NodeProto& node, bool gemm) {
  ASSIGN_OR_RETURN(const RowTensor* a, RowInput(node, 0));
  if (a->role != Role::kRows || (a->type != ElemType::kFloat && a->type != ElemType::kDouble)) {
    return Unsupported(node, "input A must be float or double columns");
  }
  if (a->rank != 2) return Unsupported(node, "input A must be of shape [N,k]");
  ASSIGN_OR_RETURN(const Constant* b, ConstInput(node, 1));
  double alpha = 1.0, beta = 1.0;
  int64_t trans_b = 0;
  const Constant* c = nullptr;
  if (gemm) {
    ASSIGN_OR_RETURN(const int64_t trans_a, IntAttr(node, "transA", 0));
    if (trans_a != 0) return Unsupported(node, "transA=1 is not supported (rows must stay rows)");
    ASSIGN_OR_RETURN(trans_b, IntAttr(node, "transB", 0));
    ASSIGN_OR_RETURN(alpha, FloatAttr(node, "alpha", 1.0));
    ASSIGN_OR_RETURN(beta, FloatAttr(node, "beta", 1.0));
    if (InputName(node, 2).empty()) {
      c = nullptr;
    } else {
      ASSIGN_OR_RETURN(c, ConstInput(node, 2));
    }
  }
  const size_t k = a->cols.size();
  if (b->type == ElemType::kString || b->dims.size() != 2) {
    return Unsupported(node, "B must be a two-dimensional numeric constant");
  }
  const size_t rows_b = static_cast<size_t>(b->dims[0]);
  const size_t cols_b = static_cast<size_t>(b->dims[1]);
  const size_t inner = trans_b != 0 ? cols_b : rows_b;
  const size_t m = trans_b != 0 ? rows_b : cols_b;
  if (inner != k) {
    return Invalid(node, "B is [" + std::to_string(rows_b) + ", " + std::to_string(cols_b) + "]" +
                             (trans_b != 0 ? " (transposed)" : "") + " but A has " + std::to_string(k) + " columns");
  }
  if (m == 0) return Invalid(node, "B has no output columns");
  std::vector<double> bias(m, 0.0);
  if (c != nullptr) {
    const size_t n = c->numbers.size();
    if (c->type == ElemType::kString || (n != 1 && n != m) || c->dims.size() > 2 ||
        (c->dims.size() == 2 && c->dims[0] != 1)) {
      return Unsupported(node, "C must be a scalar or one value per output column");
    }
    for (size_t j = 0; j < m; ++j) bias[j] = beta * c->numbers[n == 1 ? 0 : j];
  }
  if (m > options_.max_columns) return ResourceExhaustedError(Where(node) + ": too many columns");
  RETURN_IF_ERROR(CountTerms(node, k * m));
  ASSIGN_OR_RETURN(const std::string name, OutputName(node, 0));
  RowTensor out;
  out.type = a->type;
  out.rank = 2;
  for (size_t j = 0; j < m; ++j) {
    LinearForm form;
    form.intercept = bias[j];
    for (size_t i = 0; i < k; ++i) {
      const double w = alpha * b->numbers[trans_b != 0 ? j * cols_b + i : i * cols_b + j];
      const Col& x = a->cols[i];
      if (x.is_const) {
        form.intercept += w * x.value;
      } else {
        form.terms.emplace_back(x, w);
      }
    }
    const std::string base = OutputBase(name, j, m);
    std::vector<Col> uses;
    ASSIGN_OR_RETURN(const std::string sum, SumExpression(base, form, &uses));
    ASSIGN_OR_RETURN(Col col, Derive(base, Round(out.type, sum), uses));
    linear_[col.name] = std::move(form);
    out.cols.push_back(std::move(col));
  }
  return SetOutput(node, 0, std::move(out));
}

Status Importer::LowerSoftmax(const onnx::NodeProto& node) {
  ASSIGN_OR_RETURN(const RowTensor* input, RowInput(node, 0));
  if (input->role != Role::kRows || input->rank != 2) {
    return Unsupported(node, "only a Softmax over the columns of an [N,k] tensor is supported");
  }
  ASSIGN_OR_RETURN(const int64_t axis, IntAttr(node, "axis", onnx_opset_ >= 13 ? -1 : 1));
  if (axis != 1 && axis != -1) return Unsupported(node, "only axis 1 is supported, got " + std::to_string(axis));
  if (input->cols.size() < 2) return Unsupported(node, "a Softmax over one column is always 1");
  RowTensor out;
  out.role = Role::kProbabilities;
  out.type = input->type;
  out.from_softmax = true;
  out.logits = input->cols;
  return SetOutput(node, 0, std::move(out));
}

Status Importer::LowerArgMax(const onnx::NodeProto& node) {
  ASSIGN_OR_RETURN(const RowTensor* input, RowInput(node, 0));
  if (input->role != Role::kProbabilities) {
    return Unsupported(node, "only an ArgMax over class probabilities (the predicted class) is supported");
  }
  if (input->votes) {
    return Unsupported(node, "the input is an SVMClassifier's pairwise decision values, not class probabilities");
  }
  ASSIGN_OR_RETURN(const int64_t axis, IntAttr(node, "axis", 0));
  if (axis != 1 && axis != -1) return Unsupported(node, "only axis 1 is supported, got " + std::to_string(axis));
  ASSIGN_OR_RETURN(const int64_t last, IntAttr(node, "select_last_index", 0));
  if (last != 0) return Unsupported(node, "select_last_index=1 is not supported (ties go to the first class)");
  // ArgMax gives the class's index; the pipeline's label is the class label.
  if (!input->from_softmax) {
    for (size_t c = 0; c < pipeline_.model.classes.size(); ++c) {
      if (pipeline_.model.classes[c] != std::to_string(c)) {
        return Unsupported(node, "the arg max is a class index, but the estimator's classes are labels (" +
                                     Quote(pipeline_.model.classes[c]) + ")");
      }
    }
  }
  RowTensor out = *input;
  out.role = Role::kLabel;
  out.type = ElemType::kInt64;
  return SetOutput(node, 0, std::move(out));
}

Status Importer::LowerZipMap(const onnx::NodeProto& node) {
  ASSIGN_OR_RETURN(const RowTensor* input, RowInput(node, 0));
  if (input->role != Role::kProbabilities) return Unsupported(node, "the input is not class probabilities");
  if (input->votes) {
    return Unsupported(node, "the input is an SVMClassifier's pairwise decision values, not class probabilities");
  }
  ASSIGN_OR_RETURN(std::vector<std::string> labels, ClassLabels(node));
  const size_t classes = input->from_softmax ? input->logits.size() : pipeline_.model.classes.size();
  if (labels.size() != classes) {
    return Invalid(node, std::to_string(labels.size()) + " class labels for " + std::to_string(classes) + " classes");
  }
  if (!input->from_softmax && labels != pipeline_.model.classes) {
    return Invalid(node, "its class labels differ from the estimator's");
  }
  RowTensor out = *input;
  out.zipmap_labels = std::move(labels);
  return SetOutput(node, 0, std::move(out));
}

// A string literal of the expression language.
std::optional<std::string> StringLiteral(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20) return std::nullopt;
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

Status Importer::LowerOneHotEncoder(const onnx::NodeProto& node) {
  ASSIGN_OR_RETURN(const RowTensor* input, RowInput(node, 0));
  if (input->role != Role::kRows || input->type != ElemType::kString) {
    return Unsupported(node, "only string inputs (cats_strings) are supported");
  }
  RETURN_IF_ERROR(RefuseAttr(node, "cats_int64s"));
  ASSIGN_OR_RETURN(const std::vector<std::string> cats, StringsAttr(node, "cats_strings"));
  ASSIGN_OR_RETURN(const int64_t zeros, IntAttr(node, "zeros", 1));
  if (cats.empty()) return Invalid(node, "cats_strings is empty");
  std::set<std::string_view> seen;
  for (const std::string& cat : cats) {
    if (cat.empty()) return Unsupported(node, "an empty category is not supported");
    if (!seen.insert(cat).second) return Invalid(node, "category " + Quote(cat) + " is repeated");
  }
  ASSIGN_OR_RETURN(const std::string name, OutputName(node, 0));
  if (name.empty()) return Status::Ok();  // the output is not used
  const size_t width = input->cols.size();
  if (cats.size() * width > options_.max_columns - std::min(options_.max_columns, used_names_.size())) {
    return ResourceExhaustedError(Where(node) + ": the graph needs more than " + std::to_string(options_.max_columns) +
                                  " columns");
  }
  RowTensor out;
  out.type = ElemType::kFloat;
  // [N,1] -> [N,1,C]; a wider input gives [N,k,C], which only Flatten and
  // Reshape may read.
  out.rank = width == 1 && input->rank <= 2 ? 3 : 4;
  for (size_t j = 0; j < width; ++j) {
    const Col& x = input->cols[j];
    const std::string base = OutputBase(name, j, width);
    std::string prefix = base + "=";
    for (int n = 2; std::any_of(cats.begin(), cats.end(), [&](const std::string& c) {
           return used_names_.count(prefix + c) > 0;
         });
         ++n) {
      prefix = base + "#" + std::to_string(n) + "=";
    }
    OneHotTransform transform;
    transform.input = x.name;
    transform.output_prefix = prefix;
    transform.levels = cats;
    // onnxruntime: an unknown category gives zeros, or fails with zeros=0.
    transform.unknown = zeros != 0 ? UnknownLevelPolicy::kIgnore : UnknownLevelPolicy::kError;
    Derived derived;
    derived.deps = {x.name};
    for (const std::string& cat : cats) {
      used_names_.insert(prefix + cat);
      derived.outputs.push_back(prefix + cat);
      Col col;
      col.name = prefix + cat;
      out.cols.push_back(col);
    }
    derived.transform = std::move(transform);
    derived_.push_back(std::move(derived));
  }
  return SetOutput(node, 0, std::move(out));
}

// CategoryMapper and LabelEncoder from strings: one number per known string,
// a default for the others.
Status Importer::LowerStringMap(const onnx::NodeProto& node) {
  ASSIGN_OR_RETURN(const RowTensor* input, RowInput(node, 0));
  if (input->role != Role::kRows || input->type != ElemType::kString) {
    return Unsupported(node, "only string inputs are supported");
  }
  std::vector<std::string> keys;
  std::vector<double> values;
  double fallback = -1.0;
  ElemType type = ElemType::kInt64;
  const bool mapper = node.op_type() == "CategoryMapper";
  for (const char* name : {"keys_tensor", "values_tensor", "default_tensor", "keys_int64s", "keys_floats"}) {
    RETURN_IF_ERROR(RefuseAttr(node, name));
  }
  if (mapper) {
    ASSIGN_OR_RETURN(keys, StringsAttr(node, "cats_strings"));
    ASSIGN_OR_RETURN(const std::vector<int64_t> ints, IntsAttr(node, "cats_int64s"));
    if (ints.size() != keys.size()) {
      return Invalid(node, "cats_strings and cats_int64s differ in length");
    }
    for (const int64_t v : ints) values.push_back(static_cast<double>(v));
    ASSIGN_OR_RETURN(const int64_t d, IntAttr(node, "default_int64", -1));
    fallback = static_cast<double>(d);
  } else if (ml_opset_ < 2) {
    ASSIGN_OR_RETURN(keys, StringsAttr(node, "classes_strings"));
    for (size_t i = 0; i < keys.size(); ++i) values.push_back(static_cast<double>(i));
    ASSIGN_OR_RETURN(const int64_t d, IntAttr(node, "default_int64", -1));
    fallback = static_cast<double>(d);
  } else {
    ASSIGN_OR_RETURN(keys, StringsAttr(node, "keys_strings"));
    ASSIGN_OR_RETURN(const std::vector<int64_t> ints, IntsAttr(node, "values_int64s"));
    ASSIGN_OR_RETURN(const std::vector<double> floats, FloatsAttr(node, "values_floats"));
    if (!floats.empty()) {
      values = floats;
      type = ElemType::kFloat;
      // The operator's default default_float is -0.0.
      ASSIGN_OR_RETURN(fallback, FloatAttr(node, "default_float", -0.0));
    } else {
      for (const int64_t v : ints) values.push_back(static_cast<double>(v));
      ASSIGN_OR_RETURN(const int64_t d, IntAttr(node, "default_int64", -1));
      fallback = static_cast<double>(d);
    }
    if (values.size() != keys.size()) return Invalid(node, "keys and values differ in length");
  }
  if (keys.empty()) return Invalid(node, "no keys");
  std::set<std::string_view> seen;
  for (const std::string& key : keys) {
    if (!seen.insert(key).second) return Invalid(node, "key " + Quote(key) + " is repeated");
  }
  // Keys that are 0, 1, 2, ... in order map like an ordinal encoding; other
  // mappings become a chain of comparisons, whose length the expression
  // language's nesting limit bounds.
  bool ordinal = true;
  for (size_t i = 0; i < values.size(); ++i) ordinal = ordinal && values[i] == static_cast<double>(i);
  constexpr size_t kMaxChain = 100;
  if (!ordinal && keys.size() > kMaxChain) {
    return Unsupported(node, std::to_string(keys.size()) + " keys mapped to arbitrary values (at most " +
                                 std::to_string(kMaxChain) + "; 0, 1, 2, ... in order has no limit)");
  }
  ASSIGN_OR_RETURN(const std::string name, OutputName(node, 0));
  if (name.empty()) return Status::Ok();  // the output is not used
  RowTensor out = *input;
  out.type = type;
  for (size_t j = 0; j < input->cols.size(); ++j) {
    const Col& x = input->cols[j];
    const std::string base = OutputBase(name, j, input->cols.size());
    if (ordinal) {
      if (used_names_.size() >= options_.max_columns) {
        return ResourceExhaustedError("the graph needs more than " + std::to_string(options_.max_columns) +
                                      " columns");
      }
      OrdinalTransform transform;
      transform.input = x.name;
      transform.output = UniqueName(base);
      transform.levels = keys;
      transform.unknown = UnknownLevelPolicy::kIgnore;
      transform.unknown_value = fallback;
      Col col;
      col.name = transform.output;
      Derived derived;
      derived.outputs = {transform.output};
      derived.deps = {x.name};
      derived.transform = std::move(transform);
      derived_.push_back(std::move(derived));
      out.cols[j] = col;
      continue;
    }
    std::string expression;
    for (size_t i = 0; i < keys.size(); ++i) {
      const std::optional<std::string> literal = StringLiteral(keys[i]);
      if (!literal) return Unsupported(node, "key " + Quote(keys[i]) + " holds a control character");
      expression += "if " + Ref(x.name) + " == " + *literal + " then " + Literal(values[i]) + " else ";
    }
    expression += Literal(fallback);
    ASSIGN_OR_RETURN(out.cols[j], Derive(base, expression, {x}));
  }
  return SetOutput(node, 0, std::move(out));
}

// ---------------------------------------------------------------------------
// Estimators
// ---------------------------------------------------------------------------

Result<std::vector<std::string>> Importer::ClassLabels(const onnx::NodeProto& node) {
  std::vector<std::string> labels;
  ASSIGN_OR_RETURN(const std::vector<std::string> strings, StringsAttr(node, "classlabels_strings"));
  std::vector<int64_t> ints;
  for (const char* name : {"classlabels_int64s", "classlabels_ints"}) {
    ASSIGN_OR_RETURN(std::vector<int64_t> values, IntsAttr(node, name));
    if (!values.empty()) ints = std::move(values);
  }
  if (!strings.empty() && !ints.empty()) return Invalid(node, "both string and integer class labels are given");
  if (strings.empty() && ints.empty()) return Invalid(node, "no class labels");
  if (!strings.empty()) {
    labels = strings;
  } else {
    for (const int64_t v : ints) labels.push_back(std::to_string(v));
  }
  std::set<std::string_view> seen;
  for (const std::string& label : labels) {
    if (label.empty()) return Unsupported(node, "an empty class label is not supported");
    if (!seen.insert(label).second) return Invalid(node, "class label " + Quote(label) + " is repeated");
  }
  return labels;
}

Result<std::vector<std::string>> Importer::Features(const onnx::NodeProto& node, const RowTensor& input) {
  std::vector<std::string> features;
  std::set<std::string, std::less<>> seen;
  const std::string base = InputName(node, 0);
  for (size_t j = 0; j < input.cols.size(); ++j) {
    ASSIGN_OR_RETURN(Col col, Materialise(input.cols[j], OutputBase(base, j, input.cols.size())));
    if (!seen.insert(col.name).second) {
      // The same column twice: the model's features are distinct columns.
      ASSIGN_OR_RETURN(col, Derive(OutputBase(base, j, input.cols.size()), Ref(col.name), {col}));
      seen.insert(col.name);
    }
    features.push_back(col.name);
  }
  return features;
}

Status Importer::SetEstimator(const onnx::NodeProto& node, Model model, std::vector<std::string> features) {
  if (has_estimator_) {
    return Unsupported(node, "a second estimator (after " + estimator_where_ + ") is not supported");
  }
  has_estimator_ = true;
  estimator_where_ = Where(node);
  pipeline_.model = std::move(model);
  pipeline_.features = std::move(features);
  return Status::Ok();
}

Status Importer::LowerLinearRegressor(const onnx::NodeProto& node) {
  ASSIGN_OR_RETURN(const RowTensor* input, RowInput(node, 0));
  if (input->role != Role::kRows || (input->type != ElemType::kFloat && input->type != ElemType::kDouble)) {
    return Unsupported(node, "the input must be float or double columns");
  }
  if (input->rank != 2) {
    // onnxruntime reads a one-dimensional input as a single row.
    return Unsupported(node, "the input must be of shape [N,k]");
  }
  ASSIGN_OR_RETURN(const std::vector<double> coefficients, FloatsAttr(node, "coefficients"));
  ASSIGN_OR_RETURN(const std::vector<double> intercepts, FloatsAttr(node, "intercepts"));
  ASSIGN_OR_RETURN(const int64_t targets, IntAttr(node, "targets", 1));
  ASSIGN_OR_RETURN(const std::string post, StringAttr(node, "post_transform", "NONE"));
  if (targets != 1) return Unsupported(node, "targets=" + std::to_string(targets) + " (only one target is supported)");
  if (post != "NONE") return Unsupported(node, "post_transform " + post + " is not supported (NONE)");
  const size_t k = input->cols.size();
  if (coefficients.size() != k) {
    return Invalid(node, std::to_string(coefficients.size()) + " coefficients for " + std::to_string(k) + " columns");
  }
  if (intercepts.size() > 1) return Invalid(node, std::to_string(intercepts.size()) + " intercepts for one target");
  GlmModel glm;
  glm.family = GlmFamily::kGaussian;
  glm.link = LinkFunction::kIdentity;
  glm.intercepts = {intercepts.empty() ? 0.0 : intercepts[0]};
  glm.coefficients = coefficients;
  Model model;
  model.task = Task::kRegression;
  model.body = std::move(glm);
  ASSIGN_OR_RETURN(std::vector<std::string> features, Features(node, *input));
  RETURN_IF_ERROR(SetEstimator(node, std::move(model), std::move(features)));
  RowTensor out;
  out.role = Role::kValue;
  return SetOutput(node, 0, std::move(out));
}

Status Importer::LowerLinearClassifier(const onnx::NodeProto& node) {
  ASSIGN_OR_RETURN(const RowTensor* input, RowInput(node, 0));
  if (input->role != Role::kRows || (input->type != ElemType::kFloat && input->type != ElemType::kDouble)) {
    return Unsupported(node, "the input must be float or double columns");
  }
  if (input->rank != 2) {
    // onnxruntime reads a one-dimensional input as a single row.
    return Unsupported(node, "the input must be of shape [N,k]");
  }
  ASSIGN_OR_RETURN(std::vector<std::string> labels, ClassLabels(node));
  ASSIGN_OR_RETURN(const std::vector<double> coefficients, FloatsAttr(node, "coefficients"));
  ASSIGN_OR_RETURN(std::vector<double> intercepts, FloatsAttr(node, "intercepts"));
  ASSIGN_OR_RETURN(const std::string post, StringAttr(node, "post_transform", "NONE"));
  const size_t k = input->cols.size();
  const size_t classes = labels.size();
  if (coefficients.empty() || coefficients.size() % k != 0) {
    return Invalid(node, std::to_string(coefficients.size()) + " coefficients for " + std::to_string(k) + " columns");
  }
  const size_t rows = coefficients.size() / k;
  if (!intercepts.empty() && intercepts.size() != rows) {
    return Invalid(node, std::to_string(intercepts.size()) + " intercepts for " + std::to_string(rows) +
                             " rows of coefficients");
  }
  if (intercepts.empty()) intercepts.assign(rows, 0.0);
  GlmModel glm;
  glm.coefficients = coefficients;
  glm.intercepts = intercepts;
  if (rows == 1 && classes == 2) {
    if (post != "LOGISTIC") {
      return Unsupported(node, "a binary classifier with post_transform " + post +
                                   " outputs raw scores, not probabilities (LOGISTIC is supported)");
    }
    glm.family = GlmFamily::kBinomial;
    glm.link = LinkFunction::kLogit;
  } else if (rows == classes && classes >= 2) {
    if (post != "SOFTMAX") {
      return Unsupported(node, "a classifier with one score per class and post_transform " + post +
                                   " is not supported (SOFTMAX)");
    }
    glm.family = GlmFamily::kMultinomial;
    glm.link = LinkFunction::kIdentity;
  } else {
    return Invalid(node, std::to_string(rows) + " rows of coefficients for " + std::to_string(classes) + " classes");
  }
  Model model;
  model.task = Task::kClassification;
  model.classes = std::move(labels);
  model.body = std::move(glm);
  ASSIGN_OR_RETURN(std::vector<std::string> features, Features(node, *input));
  RETURN_IF_ERROR(SetEstimator(node, std::move(model), std::move(features)));
  RowTensor label;
  label.role = Role::kLabel;
  RETURN_IF_ERROR(SetOutput(node, 0, label));
  RowTensor probabilities;
  probabilities.role = Role::kProbabilities;
  return SetOutput(node, 1, probabilities);
}

// How one ONNX branch mode maps onto the IR's "x < threshold goes left".
// With float x and t: x <= t iff x < nextafter(t, +inf); x > t and x >= t are
// the negations of x <= t and x < t, so their true branch goes right.
struct Split {
  double threshold = 0.0;
  bool true_is_left = true;
};

std::optional<Split> MapMode(std::string_view mode, float t) {
  const float next = std::nextafter(t, std::numeric_limits<float>::infinity());
  if (mode == "BRANCH_LEQ") return Split{static_cast<double>(next), true};
  if (mode == "BRANCH_LT") return Split{static_cast<double>(t), true};
  if (mode == "BRANCH_GTE") return Split{static_cast<double>(t), false};
  if (mode == "BRANCH_GT") return Split{static_cast<double>(next), false};
  return std::nullopt;
}

Status Importer::LowerTreeEnsemble(const onnx::NodeProto& node, bool classifier) {
  // onnxruntime reads a one-dimensional input as a single row.
  ASSIGN_OR_RETURN(const RowTensor* input, FloatRows(node, 0, true,
                                                     "the input must be float columns (onnxruntime compares them as floats)"));
  for (const char* name : {"nodes_values_as_tensor", "base_values_as_tensor", "target_weights_as_tensor",
                           "class_weights_as_tensor"}) {
    RETURN_IF_ERROR(RefuseAttr(node, name));
  }
  ASSIGN_OR_RETURN(const std::vector<int64_t> tree_ids, IntsAttr(node, "nodes_treeids"));
  ASSIGN_OR_RETURN(const std::vector<int64_t> node_ids, IntsAttr(node, "nodes_nodeids"));
  ASSIGN_OR_RETURN(const std::vector<int64_t> feature_ids, IntsAttr(node, "nodes_featureids"));
  ASSIGN_OR_RETURN(const std::vector<std::string> modes, StringsAttr(node, "nodes_modes"));
  ASSIGN_OR_RETURN(const std::vector<int64_t> true_ids, IntsAttr(node, "nodes_truenodeids"));
  ASSIGN_OR_RETURN(const std::vector<int64_t> false_ids, IntsAttr(node, "nodes_falsenodeids"));
  ASSIGN_OR_RETURN(const std::vector<int64_t> tracks_true, IntsAttr(node, "nodes_missing_value_tracks_true"));
  // nodes_values is read as floats, as onnxruntime compares them.
  const onnx::AttributeProto* values_attr = Attr(node, "nodes_values");
  if (values_attr == nullptr || values_attr->type() != onnx::AttributeProto::FLOATS) {
    return Invalid(node, "attribute 'nodes_values' (floats) is missing");
  }
  const size_t n = node_ids.size();
  if (n == 0) return Invalid(node, "the ensemble has no nodes");
  if (n > options_.max_tree_nodes) {
    return ResourceExhaustedError(Where(node) + ": more than " + std::to_string(options_.max_tree_nodes) +
                                  " tree nodes");
  }
  auto check_size = [&](size_t size, const char* name) -> Status {
    if (size != n) {
      return Invalid(node, std::string(name) + " has " + std::to_string(size) + " entries, nodes_nodeids " +
                               std::to_string(n));
    }
    return Status::Ok();
  };
  RETURN_IF_ERROR(check_size(tree_ids.size(), "nodes_treeids"));
  RETURN_IF_ERROR(check_size(feature_ids.size(), "nodes_featureids"));
  RETURN_IF_ERROR(check_size(modes.size(), "nodes_modes"));
  RETURN_IF_ERROR(check_size(static_cast<size_t>(values_attr->floats_size()), "nodes_values"));
  RETURN_IF_ERROR(check_size(true_ids.size(), "nodes_truenodeids"));
  RETURN_IF_ERROR(check_size(false_ids.size(), "nodes_falsenodeids"));
  if (!tracks_true.empty()) RETURN_IF_ERROR(check_size(tracks_true.size(), "nodes_missing_value_tracks_true"));

  const std::string prefix = classifier ? "class_" : "target_";
  ASSIGN_OR_RETURN(const std::vector<int64_t> leaf_trees, IntsAttr(node, prefix + "treeids"));
  ASSIGN_OR_RETURN(const std::vector<int64_t> leaf_nodes, IntsAttr(node, prefix + "nodeids"));
  ASSIGN_OR_RETURN(const std::vector<int64_t> leaf_ids, IntsAttr(node, prefix + "ids"));
  ASSIGN_OR_RETURN(const std::vector<double> leaf_weights, FloatsAttr(node, prefix + "weights"));
  const size_t w = leaf_trees.size();
  if (leaf_nodes.size() != w || leaf_ids.size() != w || leaf_weights.size() != w) {
    return Invalid(node, prefix + "treeids, " + prefix + "nodeids, " + prefix + "ids and " + prefix +
                             "weights differ in length");
  }
  ASSIGN_OR_RETURN(const std::string post, StringAttr(node, "post_transform", "NONE"));
  ASSIGN_OR_RETURN(const std::vector<double> base_values, FloatsAttr(node, "base_values"));
  ASSIGN_OR_RETURN(const std::string aggregate, StringAttr(node, "aggregate_function", "SUM"));

  TreeEnsembleModel ensemble;
  ensemble.precision = NumericPrecision::kFloat32;
  Model model;
  int32_t width = 1;
  if (aggregate == "SUM") {
    ensemble.aggregation = Aggregation::kSum;
  } else if (aggregate == "AVERAGE") {
    ensemble.aggregation = Aggregation::kAverage;
  } else {
    return Unsupported(node, "aggregate_function " + aggregate + " is not supported (SUM, AVERAGE)");
  }
  if (!classifier) {
    ASSIGN_OR_RETURN(const int64_t targets, IntAttr(node, "n_targets", 1));
    if (targets != 1) return Unsupported(node, "n_targets=" + std::to_string(targets) + " (only one is supported)");
    if (post != "NONE") return Unsupported(node, "post_transform " + post + " is not supported (NONE)");
    if (base_values.size() > 1) return Invalid(node, std::to_string(base_values.size()) + " base_values for one target");
    for (const int64_t id : leaf_ids) {
      if (id != 0) return Invalid(node, "target id " + std::to_string(id) + " is out of range (one target)");
    }
    model.task = Task::kRegression;
    ensemble.output_transform = OutputTransform::kIdentity;
    ensemble.base_score = {base_values.empty() ? 0.0 : base_values[0]};
  } else {
    ASSIGN_OR_RETURN(model.classes, ClassLabels(node));
    model.task = Task::kClassification;
    const size_t classes = model.classes.size();
    if (classes < 2) return Unsupported(node, "a classifier needs at least two classes");
    for (const int64_t id : leaf_ids) {
      if (id < 0 || static_cast<size_t>(id) >= classes) {
        return Invalid(node, "class id " + std::to_string(id) + " is out of range (" + std::to_string(classes) +
                                 " classes)");
      }
    }
    const bool one_id = std::all_of(leaf_ids.begin(), leaf_ids.end(), [](int64_t id) { return id == 0; });
    if (classes == 2) {
      // onnxruntime's binary case: one score s per row, probabilities
      // [logistic(-s), logistic(s)], label classes[1] when s > 0. With only
      // non-negative weights the label is classes[1] when s > 0.5 instead,
      // a threshold on the probability the IR cannot state exactly.
      if (!one_id || leaf_ids.empty()) {
        return Unsupported(node, "a binary classifier must score class id 0 only (onnxruntime's binary layout)");
      }
      if (post != "LOGISTIC") {
        return Unsupported(node, "a binary classifier with post_transform " + post + " is not supported (LOGISTIC)");
      }
      if (std::all_of(leaf_weights.begin(), leaf_weights.end(), [](double v) { return v >= 0; })) {
        return Unsupported(node, "a binary classifier whose weights are all non-negative is not supported "
                                 "(onnxruntime then predicts the positive class when the raw score exceeds 0.5, "
                                 "not 0)");
      }
      if (base_values.size() > 1) {
        return Unsupported(node, std::to_string(base_values.size()) + " base_values for a binary classifier (0 or 1)");
      }
      ensemble.output_transform = OutputTransform::kLogistic;
      ensemble.base_score = {base_values.empty() ? 0.0 : base_values[0]};
    } else {
      if (post == "NONE") {
        ensemble.output_transform = OutputTransform::kIdentity;
      } else if (post == "SOFTMAX") {
        ensemble.output_transform = OutputTransform::kSoftmax;
      } else {
        return Unsupported(node, "post_transform " + post + " is not supported for " + std::to_string(classes) +
                                     " classes (NONE, SOFTMAX)");
      }
      if (!base_values.empty() && base_values.size() != classes) {
        return Invalid(node, std::to_string(base_values.size()) + " base_values for " + std::to_string(classes) +
                                 " classes");
      }
      width = static_cast<int32_t>(classes);
      ensemble.base_score = base_values.empty() ? std::vector<double>(classes, 0.0) : base_values;
    }
  }
  ensemble.num_outputs = width;

  // Group the nodes by tree; a tree's nodes are listed together, its root
  // first (as onnxruntime reads them).
  struct TreeNodes {
    int64_t id = 0;
    std::map<int64_t, size_t> index;  // node id -> attribute position
    size_t root = 0;
  };
  std::vector<TreeNodes> trees;
  std::map<int64_t, size_t> tree_of;
  for (size_t i = 0; i < n; ++i) {
    if (trees.empty() || trees.back().id != tree_ids[i]) {
      if (tree_of.count(tree_ids[i]) > 0) {
        return Invalid(node, "the nodes of tree " + std::to_string(tree_ids[i]) + " are not listed together");
      }
      tree_of[tree_ids[i]] = trees.size();
      trees.push_back(TreeNodes{tree_ids[i], {}, i});
    }
    if (!trees.back().index.emplace(node_ids[i], i).second) {
      return Invalid(node, "tree " + std::to_string(tree_ids[i]) + ": node id " + std::to_string(node_ids[i]) +
                               " is repeated");
    }
  }
  // Leaf weights, per attribute position.
  std::map<size_t, std::vector<double>> leaf_value;
  std::map<size_t, std::vector<uint8_t>> leaf_has;
  for (size_t e = 0; e < w; ++e) {
    const auto tree = tree_of.find(leaf_trees[e]);
    const std::string at = "tree " + std::to_string(leaf_trees[e]) + ", node " + std::to_string(leaf_nodes[e]);
    if (tree == tree_of.end()) return Invalid(node, prefix + "weights: tree " + std::to_string(leaf_trees[e]) + " has no nodes");
    const auto pos = trees[tree->second].index.find(leaf_nodes[e]);
    if (pos == trees[tree->second].index.end()) return Invalid(node, prefix + "weights: " + at + " does not exist");
    if (modes[pos->second] != "LEAF") return Invalid(node, prefix + "weights: " + at + " is not a leaf");
    std::vector<double>& values = leaf_value[pos->second];
    std::vector<uint8_t>& has = leaf_has[pos->second];
    if (values.empty()) {
      values.assign(static_cast<size_t>(width), 0.0);
      has.assign(static_cast<size_t>(std::max<int32_t>(width, 1)), 0);
    }
    const size_t slot = width == 1 ? 0 : static_cast<size_t>(leaf_ids[e]);
    // Weights for the same leaf and class add up in float.
    const std::optional<double> sum = ToFloat(values[slot] + leaf_weights[e]);
    if (!sum) return Unsupported(node, prefix + "weights: " + at + ": the weights add up beyond float's range");
    values[slot] = *sum;
    has[slot] = 1;
  }

  const size_t k = input->cols.size();
  std::vector<uint8_t> class_covered(static_cast<size_t>(width), 0);
  size_t total_nodes = 0;
  for (const TreeNodes& group : trees) {
    const std::string at_tree = "tree " + std::to_string(group.id);
    // Pass 1: the nodes reachable from the root must form a tree, and every
    // branch must be valid.
    // A tree's nodes are contiguous from its root: index them locally, so
    // the work stays linear in the number of nodes.
    std::vector<uint8_t> reached(group.index.size(), 0);
    std::vector<size_t> stack = {group.root};
    reached[0] = 1;
    std::vector<size_t> leaves_with(static_cast<size_t>(width), 0);
    size_t leaves = 0;
    while (!stack.empty()) {
      const size_t i = stack.back();
      stack.pop_back();
      const std::string at = at_tree + ", node " + std::to_string(node_ids[i]);
      if (modes[i] == "LEAF") {
        ++leaves;
        const auto has = leaf_has.find(i);
        for (int32_t o = 0; o < width; ++o) {
          if (has != leaf_has.end() && has->second[static_cast<size_t>(o)] != 0) ++leaves_with[static_cast<size_t>(o)];
        }
        continue;
      }
      const float t = values_attr->floats(static_cast<int>(i));
      if (!std::isfinite(t)) return Unsupported(node, at + ": threshold " + Show(t) + " is not finite");
      const bool equality = modes[i] == "BRANCH_EQ" || modes[i] == "BRANCH_NEQ";
      if (!equality && !MapMode(modes[i], t)) return Invalid(node, at + ": unknown mode " + Quote(modes[i]));
      if (!std::isfinite(std::nextafter(t, std::numeric_limits<float>::infinity()))) {
        return Unsupported(node, at + ": threshold " + Show(t) + " (the largest float) with mode " + modes[i] +
                                     " is not supported");
      }
      if (feature_ids[i] < 0 || static_cast<size_t>(feature_ids[i]) >= k) {
        return Invalid(node, at + ": feature id " + std::to_string(feature_ids[i]) + " is out of range (" +
                                 std::to_string(k) + " columns)");
      }
      for (const int64_t id : {true_ids[i], false_ids[i]}) {
        const auto child = group.index.find(id);
        if (child == group.index.end()) {
          return Invalid(node, at + ": child node id " + std::to_string(id) + " does not exist in " + at_tree);
        }
        if (reached[child->second - group.root] != 0) {
          return Invalid(node, at + ": node id " + std::to_string(id) +
                                   " is reached twice (the nodes do not form a tree)");
        }
        reached[child->second - group.root] = 1;
        stack.push_back(child->second);
      }
    }
    for (int32_t o = 0; o < width; ++o) {
      if (leaves > 0 && leaves_with[static_cast<size_t>(o)] == leaves) class_covered[static_cast<size_t>(o)] = 1;
    }

    // Pass 2: emit IR nodes. An equality split becomes two `<` nodes and one
    // of its subtrees is emitted twice, so IR nodes are allocated as needed.
    Tree tree;
    tree.leaf_width = width;
    auto allocate = [&]() -> Result<int32_t> {
      if (++total_nodes > options_.max_tree_nodes || total_nodes * static_cast<size_t>(width) > kMaxLeafValues) {
        return ResourceExhaustedError(Where(node) + ": more than " + std::to_string(options_.max_tree_nodes) +
                                      " tree nodes");
      }
      tree.feature.push_back(-1);
      tree.threshold.push_back(0.0);
      tree.left.push_back(-1);
      tree.right.push_back(-1);
      tree.default_left.push_back(0);
      tree.leaf_values.insert(tree.leaf_values.end(), static_cast<size_t>(width), 0.0);
      return static_cast<int32_t>(tree.feature.size() - 1);
    };
    struct Task {
      size_t onnx;
      int32_t ir;
    };
    ASSIGN_OR_RETURN(const int32_t root, allocate());
    std::vector<Task> tasks = {{group.root, root}};
    while (!tasks.empty()) {
      const Task task = tasks.back();
      tasks.pop_back();
      const size_t i = task.onnx;
      const size_t me = static_cast<size_t>(task.ir);
      if (modes[i] == "LEAF") {
        const auto values = leaf_value.find(i);
        if (values != leaf_value.end()) {
          for (int32_t o = 0; o < width; ++o) {
            tree.leaf_values[me * static_cast<size_t>(width) + static_cast<size_t>(o)] =
                values->second[static_cast<size_t>(o)];
          }
        }
        continue;
      }
      const float t = values_attr->floats(static_cast<int>(i));
      const bool tracks = !tracks_true.empty() && tracks_true[i] != 0;
      const size_t true_child = group.index.at(true_ids[i]);
      const size_t false_child = group.index.at(false_ids[i]);
      const int32_t feature = static_cast<int32_t>(feature_ids[i]);
      ASSIGN_OR_RETURN(const int32_t left, allocate());
      ASSIGN_OR_RETURN(const int32_t right, allocate());
      tree.feature[me] = feature;
      tree.left[me] = left;
      tree.right[me] = right;
      if (const std::optional<Split> split = MapMode(modes[i], t)) {
        tree.threshold[me] = split->threshold;
        // A missing value goes to the true branch only when tracked.
        tree.default_left[me] = tracks == split->true_is_left ? 1 : 0;
        tasks.push_back({split->true_is_left ? false_child : true_child, right});
        tasks.push_back({split->true_is_left ? true_child : false_child, left});
        continue;
      }
      // x == t is !(x < t) and x < nextafterf(t, +inf): node A splits at t,
      // its right child B at the next float.
      const bool equal = modes[i] == "BRANCH_EQ";
      const size_t inside = equal ? true_child : false_child;    // x == t
      const size_t outside = equal ? false_child : true_child;   // x != t
      const size_t b = static_cast<size_t>(right);
      ASSIGN_OR_RETURN(const int32_t b_left, allocate());
      ASSIGN_OR_RETURN(const int32_t b_right, allocate());
      tree.threshold[me] = static_cast<double>(t);
      tree.feature[b] = feature;
      tree.threshold[b] = static_cast<double>(std::nextafter(t, std::numeric_limits<float>::infinity()));
      tree.left[b] = b_left;
      tree.right[b] = b_right;
      // Missing: NaN == t is false and NaN != t is true; the EQ node's true
      // branch is taken when tracked. So EQ sends it to B's "x == t" side only
      // when tracked; NEQ always to the "x != t" side (A's left).
      const bool missing_inside = equal && tracks;
      tree.default_left[me] = missing_inside ? 0 : 1;
      tree.default_left[b] = 1;
      tasks.push_back({outside, b_right});
      tasks.push_back({inside, b_left});
      tasks.push_back({outside, left});
    }
    ensemble.trees.push_back(std::move(tree));
  }
  if (classifier && width > 1 && base_values.empty()) {
    // onnxruntime leaves a class without any weight out of its arg max; the
    // IR scores every class. They agree when every row scores every class.
    for (int32_t o = 0; o < width; ++o) {
      if (class_covered[static_cast<size_t>(o)] == 0) {
        return Unsupported(node, "class " + Quote(model.classes[static_cast<size_t>(o)]) +
                                     " is not scored by every leaf of some tree and there are no base_values");
      }
    }
  }
  model.body = std::move(ensemble);
  ASSIGN_OR_RETURN(std::vector<std::string> features, Features(node, *input));
  RETURN_IF_ERROR(SetEstimator(node, std::move(model), std::move(features)));
  if (!classifier) {
    RowTensor out;
    out.role = Role::kValue;
    return SetOutput(node, 0, std::move(out));
  }
  RowTensor label;
  label.role = Role::kLabel;
  RETURN_IF_ERROR(SetOutput(node, 0, label));
  RowTensor probabilities;
  probabilities.role = Role::kProbabilities;
  return SetOutput(node, 1, probabilities);
}

Result<Constant> Importer::TensorAttr(const onnx::NodeProto& node, std::string_view name) {
  const onnx::AttributeProto* attr = Attr(node, name);
  if (attr == nullptr || attr->type() != onnx::AttributeProto::TENSOR) {
    return Invalid(node, "attribute '" + std::string(name) + "' (a tensor) is missing");
  }
  return ReadTensor(attr->t(), Where(node) + ": attribute '" + std::string(name) + "'");
}

// TreeEnsemble (ai.onnx.ml opset 5): trees given by their roots; a child is
// a node or, when its *_leafs flag is set, a leaf (leaf_targetids,
// leaf_weights). Modes are numbers: 0 LEQ, 1 LT, 2 GTE, 3 GT, 4 EQ, 5 NEQ,
// 6 MEMBER.
Status Importer::LowerTreeEnsemble5(const onnx::NodeProto& node) {
  // onnxruntime reads a one-dimensional input as a single row.
  ASSIGN_OR_RETURN(const RowTensor* input, FloatRows(node, 0, true,
                                                     "the input must be float columns (onnxruntime compares them as floats)"));
  ASSIGN_OR_RETURN(const int64_t targets, IntAttr(node, "n_targets", 1));
  ASSIGN_OR_RETURN(const int64_t aggregate, IntAttr(node, "aggregate_function", 1));
  ASSIGN_OR_RETURN(const int64_t post, IntAttr(node, "post_transform", 0));
  if (targets != 1) return Unsupported(node, "n_targets=" + std::to_string(targets) + " (only one is supported)");
  if (aggregate != 0 && aggregate != 1) {
    return Unsupported(node, "aggregate_function " + std::to_string(aggregate) + " is not supported (0 AVERAGE, 1 SUM)");
  }
  if (post != 0) return Unsupported(node, "post_transform " + std::to_string(post) + " is not supported (0 NONE)");
  ASSIGN_OR_RETURN(const std::vector<int64_t> roots, IntsAttr(node, "tree_roots"));
  ASSIGN_OR_RETURN(const std::vector<int64_t> feature_ids, IntsAttr(node, "nodes_featureids"));
  ASSIGN_OR_RETURN(const std::vector<int64_t> true_ids, IntsAttr(node, "nodes_truenodeids"));
  ASSIGN_OR_RETURN(const std::vector<int64_t> true_leafs, IntsAttr(node, "nodes_trueleafs"));
  ASSIGN_OR_RETURN(const std::vector<int64_t> false_ids, IntsAttr(node, "nodes_falsenodeids"));
  ASSIGN_OR_RETURN(const std::vector<int64_t> false_leafs, IntsAttr(node, "nodes_falseleafs"));
  ASSIGN_OR_RETURN(const std::vector<int64_t> tracks_true, IntsAttr(node, "nodes_missing_value_tracks_true"));
  ASSIGN_OR_RETURN(const std::vector<int64_t> leaf_targets, IntsAttr(node, "leaf_targetids"));
  const onnx::AttributeProto* splits_attr = Attr(node, "nodes_splits");
  const onnx::AttributeProto* weights_attr = Attr(node, "leaf_weights");
  if (splits_attr == nullptr || weights_attr == nullptr || splits_attr->type() != onnx::AttributeProto::TENSOR ||
      weights_attr->type() != onnx::AttributeProto::TENSOR) {
    return Invalid(node, "attributes 'nodes_splits' and 'leaf_weights' (tensors) are required");
  }
  if (splits_attr->t().data_type() != onnx::TensorProto::FLOAT ||
      weights_attr->t().data_type() != onnx::TensorProto::FLOAT) {
    return Unsupported(node, "only float nodes_splits and leaf_weights are supported");
  }
  if (Attr(node, "membership_values") != nullptr) {
    return Unsupported(node, "membership_values (mode MEMBER) are not supported");
  }
  const size_t n = feature_ids.size();
  if (n > options_.max_tree_nodes) {
    return ResourceExhaustedError(Where(node) + ": more than " + std::to_string(options_.max_tree_nodes) +
                                  " tree nodes");
  }
  ASSIGN_OR_RETURN(const Constant splits, TensorAttr(node, "nodes_splits"));
  ASSIGN_OR_RETURN(const Constant modes, TensorAttr(node, "nodes_modes"));
  ASSIGN_OR_RETURN(const Constant weights, TensorAttr(node, "leaf_weights"));
  auto check_size = [&](size_t size, const char* name, size_t expected, const char* of) -> Status {
    if (size != expected) {
      return Invalid(node, std::string(name) + " has " + std::to_string(size) + " entries, " + of + " " +
                               std::to_string(expected));
    }
    return Status::Ok();
  };
  RETURN_IF_ERROR(check_size(splits.numbers.size(), "nodes_splits", n, "nodes_featureids"));
  RETURN_IF_ERROR(check_size(modes.numbers.size(), "nodes_modes", n, "nodes_featureids"));
  RETURN_IF_ERROR(check_size(true_ids.size(), "nodes_truenodeids", n, "nodes_featureids"));
  RETURN_IF_ERROR(check_size(true_leafs.size(), "nodes_trueleafs", n, "nodes_featureids"));
  RETURN_IF_ERROR(check_size(false_ids.size(), "nodes_falsenodeids", n, "nodes_featureids"));
  RETURN_IF_ERROR(check_size(false_leafs.size(), "nodes_falseleafs", n, "nodes_featureids"));
  if (!tracks_true.empty()) {
    RETURN_IF_ERROR(check_size(tracks_true.size(), "nodes_missing_value_tracks_true", n, "nodes_featureids"));
  }
  RETURN_IF_ERROR(check_size(weights.numbers.size(), "leaf_weights", leaf_targets.size(), "leaf_targetids"));
  for (const int64_t target : leaf_targets) {
    if (target != 0) return Invalid(node, "leaf target id " + std::to_string(target) + " is out of range (one target)");
  }
  if (roots.empty()) return Invalid(node, "tree_roots is empty");
  const size_t k = input->cols.size();
  const size_t leaves = leaf_targets.size();
  static constexpr std::string_view kModeNames[] = {"BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT",
                                                    "BRANCH_EQ", "BRANCH_NEQ"};
  // Pass 1: every node is valid and reached at most once over all trees.
  std::vector<uint8_t> reached(n, 0);
  for (size_t t = 0; t < roots.size(); ++t) {
    if (roots[t] < 0 || static_cast<size_t>(roots[t]) >= n) {
      return Invalid(node, "tree " + std::to_string(t) + ": root " + std::to_string(roots[t]) + " is out of range (" +
                               std::to_string(n) + " nodes)");
    }
    std::vector<size_t> stack = {static_cast<size_t>(roots[t])};
    while (!stack.empty()) {
      const size_t i = stack.back();
      stack.pop_back();
      const std::string at = "tree " + std::to_string(t) + ", node " + std::to_string(i);
      if (reached[i] != 0) return Invalid(node, at + " is reached twice (the nodes do not form trees)");
      reached[i] = 1;
      const double mode = modes.numbers[i];
      if (mode == 6) return Unsupported(node, at + ": mode MEMBER is not supported");
      if (mode < 0 || mode > 5) return Invalid(node, at + ": unknown mode " + Show(mode));
      const float split = static_cast<float>(splits.numbers[i]);
      if (!std::isfinite(split) ||
          !std::isfinite(std::nextafter(split, std::numeric_limits<float>::infinity()))) {
        return Unsupported(node, at + ": split value " + Show(split) + " is not supported");
      }
      if (feature_ids[i] < 0 || static_cast<size_t>(feature_ids[i]) >= k) {
        return Invalid(node, at + ": feature id " + std::to_string(feature_ids[i]) + " is out of range (" +
                                 std::to_string(k) + " columns)");
      }
      for (int c = 0; c < 2; ++c) {
        const int64_t id = c == 0 ? true_ids[i] : false_ids[i];
        const bool leaf = (c == 0 ? true_leafs[i] : false_leafs[i]) != 0;
        const size_t limit = leaf ? leaves : n;
        if (id < 0 || static_cast<size_t>(id) >= limit) {
          return Invalid(node, at + ": " + (leaf ? "leaf " : "child ") + std::to_string(id) + " is out of range (" +
                                   std::to_string(limit) + (leaf ? " leaves)" : " nodes)"));
        }
        if (!leaf) stack.push_back(static_cast<size_t>(id));
      }
    }
  }
  // Pass 2: emit; a child that is a leaf index becomes a leaf node.
  TreeEnsembleModel ensemble;
  ensemble.precision = NumericPrecision::kFloat32;
  ensemble.aggregation = aggregate == 0 ? Aggregation::kAverage : Aggregation::kSum;
  ensemble.output_transform = OutputTransform::kIdentity;
  ensemble.base_score = {0.0};
  size_t total_nodes = 0;
  for (size_t t = 0; t < roots.size(); ++t) {
    Tree tree;
    auto allocate = [&]() -> Result<int32_t> {
      if (++total_nodes > options_.max_tree_nodes) {
        return ResourceExhaustedError(Where(node) + ": more than " + std::to_string(options_.max_tree_nodes) +
                                      " tree nodes");
      }
      tree.feature.push_back(-1);
      tree.threshold.push_back(0.0);
      tree.left.push_back(-1);
      tree.right.push_back(-1);
      tree.default_left.push_back(0);
      tree.leaf_values.push_back(0.0);
      return static_cast<int32_t>(tree.feature.size() - 1);
    };
    // A task is a node (index) or a leaf (~index) to emit at IR index `ir`.
    struct Task {
      int64_t ref;
      bool leaf;
      int32_t ir;
    };
    ASSIGN_OR_RETURN(const int32_t root, allocate());
    std::vector<Task> tasks = {{roots[t], false, root}};
    while (!tasks.empty()) {
      const Task task = tasks.back();
      tasks.pop_back();
      const size_t me = static_cast<size_t>(task.ir);
      if (task.leaf) {
        tree.leaf_values[me] = weights.numbers[static_cast<size_t>(task.ref)];
        continue;
      }
      const size_t i = static_cast<size_t>(task.ref);
      const std::string_view mode = kModeNames[static_cast<size_t>(modes.numbers[i])];
      const float split = static_cast<float>(splits.numbers[i]);
      const bool tracks = !tracks_true.empty() && tracks_true[i] != 0;
      const Task true_task{true_ids[i], true_leafs[i] != 0, -1};
      const Task false_task{false_ids[i], false_leafs[i] != 0, -1};
      ASSIGN_OR_RETURN(const int32_t left, allocate());
      ASSIGN_OR_RETURN(const int32_t right, allocate());
      tree.feature[me] = static_cast<int32_t>(feature_ids[i]);
      tree.left[me] = left;
      tree.right[me] = right;
      if (const std::optional<Split> mapped = MapMode(mode, split)) {
        tree.threshold[me] = mapped->threshold;
        tree.default_left[me] = tracks == mapped->true_is_left ? 1 : 0;
        Task l = mapped->true_is_left ? true_task : false_task;
        Task r = mapped->true_is_left ? false_task : true_task;
        l.ir = left;
        r.ir = right;
        tasks.push_back(r);
        tasks.push_back(l);
        continue;
      }
      // Equality: as in LowerTreeEnsemble.
      const bool equal = mode == "BRANCH_EQ";
      Task inside = equal ? true_task : false_task;
      Task outside = equal ? false_task : true_task;
      const size_t b = static_cast<size_t>(right);
      ASSIGN_OR_RETURN(const int32_t b_left, allocate());
      ASSIGN_OR_RETURN(const int32_t b_right, allocate());
      tree.threshold[me] = static_cast<double>(split);
      tree.feature[b] = static_cast<int32_t>(feature_ids[i]);
      tree.threshold[b] = static_cast<double>(std::nextafter(split, std::numeric_limits<float>::infinity()));
      tree.left[b] = b_left;
      tree.right[b] = b_right;
      tree.default_left[me] = equal && tracks ? 0 : 1;
      tree.default_left[b] = 1;
      Task outside_copy = outside;
      outside.ir = left;
      inside.ir = b_left;
      outside_copy.ir = b_right;
      tasks.push_back(outside_copy);
      tasks.push_back(inside);
      tasks.push_back(outside);
    }
    ensemble.trees.push_back(std::move(tree));
  }
  Model model;
  model.task = Task::kRegression;
  model.body = std::move(ensemble);
  ASSIGN_OR_RETURN(std::vector<std::string> features, Features(node, *input));
  RETURN_IF_ERROR(SetEstimator(node, std::move(model), std::move(features)));
  RowTensor out;
  out.role = Role::kValue;
  return SetOutput(node, 0, std::move(out));
}

// An SVM operator's kernel_type; nothing for names onnxruntime would not
// read as written (it takes any unknown name for SIGMOID).
std::optional<svm_kernel::Kernel> SvmKernel(std::string_view name) {
  if (name == "LINEAR") return svm_kernel::Kernel::kLinear;
  if (name == "POLY") return svm_kernel::Kernel::kPolynomial;
  if (name == "RBF") return svm_kernel::Kernel::kRadialBasis;
  if (name == "SIGMOID") return svm_kernel::Kernel::kSigmoid;
  return std::nullopt;
}

Result<std::vector<Col>> Importer::KernelColumns(const onnx::NodeProto& node, const RowTensor& input,
                                                 const std::string& kernel, const std::vector<double>& params,
                                                 const std::vector<double>& vectors, size_t count,
                                                 const std::string& base) {
  const std::optional<svm_kernel::Kernel> svm = SvmKernel(kernel);
  if (!svm) return Invalid(node, "unknown kernel_type " + Quote(kernel) + " (LINEAR, POLY, RBF or SIGMOID)");
  const double gamma = params.size() > 0 ? params[0] : 0.0;
  const double coef0 = params.size() > 1 ? params[1] : 0.0;
  const double degree = params.size() > 2 ? params[2] : 0.0;
  const size_t k = input.cols.size();
  RETURN_IF_ERROR(CountTerms(node, count * k));
  std::vector<Col> columns;
  for (size_t j = 0; j < count; ++j) {
    const std::string name = base + "#kernel" + std::to_string(j);
    std::vector<std::pair<std::string, Col>> terms;
    for (size_t i = 0; i < k; ++i) {
      const Col& x = input.cols[i];
      terms.emplace_back(svm_kernel::Term(*svm, Operand(x), Literal(vectors[j * k + i])), x);
    }
    std::vector<Col> uses;
    ASSIGN_OR_RETURN(const std::string sum, SumTerms(name, std::move(terms), &uses));
    const std::string expression = svm_kernel::Expression(*svm, sum, gamma, coef0, degree, Literal);
    ASSIGN_OR_RETURN(Col column, Derive(name, Round(ElemType::kFloat, expression), uses));
    columns.push_back(std::move(column));
  }
  return columns;
}

// SVMRegressor: y = rho + sum_j coefficient_j * K(x, sv_j), or, without
// support vectors, rho + coefficients . x. Each kernel value is a derived
// column and the sum a gaussian GLM over them.
Status Importer::LowerSvmRegressor(const onnx::NodeProto& node) {
  // onnxruntime reads a one-dimensional input as a single row.
  ASSIGN_OR_RETURN(const RowTensor* input, FloatRows(node, 0, true, "the input must be float columns"));
  ASSIGN_OR_RETURN(const std::string kernel, StringAttr(node, "kernel_type", "LINEAR"));
  ASSIGN_OR_RETURN(const std::vector<double> params, FloatsAttr(node, "kernel_params"));
  ASSIGN_OR_RETURN(const std::vector<double> vectors, FloatsAttr(node, "support_vectors"));
  ASSIGN_OR_RETURN(const std::vector<double> coefficients, FloatsAttr(node, "coefficients"));
  ASSIGN_OR_RETURN(const std::vector<double> rho, FloatsAttr(node, "rho"));
  ASSIGN_OR_RETURN(const int64_t supports, IntAttr(node, "n_supports", 0));
  ASSIGN_OR_RETURN(const int64_t one_class, IntAttr(node, "one_class", 0));
  ASSIGN_OR_RETURN(const std::string post, StringAttr(node, "post_transform", "NONE"));
  if (one_class != 0) return Unsupported(node, "one_class=1 (a +1/-1 decision) is not supported");
  if (post != "NONE") return Unsupported(node, "post_transform " + post + " is not supported (NONE)");
  if (!SvmKernel(kernel)) return Invalid(node, "unknown kernel_type " + Quote(kernel));
  if (rho.size() != 1) return Invalid(node, std::to_string(rho.size()) + " rho values (one expected)");
  const size_t k = input->cols.size();
  GlmModel glm;
  glm.family = GlmFamily::kGaussian;
  glm.link = LinkFunction::kIdentity;
  glm.intercepts = {rho[0]};
  std::vector<std::string> features;
  if (supports <= 0) {
    // onnxruntime's linear mode: a dot product with the coefficients.
    if (coefficients.size() != k) {
      return Invalid(node, std::to_string(coefficients.size()) + " coefficients for " + std::to_string(k) + " columns");
    }
    glm.coefficients = coefficients;
    ASSIGN_OR_RETURN(features, Features(node, *input));
  } else {
    const size_t n = static_cast<size_t>(supports);
    if (n > vectors.size() || vectors.size() != n * k || coefficients.size() != n) {
      return Invalid(node, std::to_string(vectors.size()) + " support vector values and " +
                               std::to_string(coefficients.size()) + " coefficients for " + std::to_string(n) +
                               " support vectors of " + std::to_string(k) + " columns");
    }
    const std::string base = node.output_size() > 0 && !node.output(0).empty() ? node.output(0) : "svm";
    ASSIGN_OR_RETURN(const std::vector<Col> kernels, KernelColumns(node, *input, kernel, params, vectors, n, base));
    for (const Col& column : kernels) features.push_back(column.name);
    glm.coefficients = coefficients;
  }
  Model model;
  model.task = Task::kRegression;
  model.body = std::move(glm);
  RETURN_IF_ERROR(SetEstimator(node, std::move(model), std::move(features)));
  RowTensor out;
  out.role = Role::kValue;
  return SetOutput(node, 0, std::move(out));
}

Result<std::string> Importer::OrderedSum(const std::string& base, std::vector<std::pair<std::string, Col>> terms,
                                         std::vector<Col>* uses) {
  std::string sum;
  std::vector<Col> part_uses;
  size_t in_part = 0;
  for (size_t i = 0; i < terms.size(); ++i) {
    if (in_part == kMaxTermsPerExpression) {
      // Close this part as a column; the next part starts from it.
      ASSIGN_OR_RETURN(const Col partial, Derive(base + "#part" + std::to_string(i), sum, part_uses));
      sum = Ref(partial.name);
      part_uses = {partial};
      in_part = 1;
    }
    sum += (sum.empty() ? "" : " + ") + terms[i].first;
    part_uses.push_back(terms[i].second);
    ++in_part;
  }
  uses->insert(uses->end(), part_uses.begin(), part_uses.end());
  return sum;
}

// SVMClassifier with support vectors, as onnxruntime scores it: for each
// pair of classes i < j (in order: (0,1), (0,2), ..., (1,2), ...) the
// decision value
//   d_ij = sum over class i's vectors m of coefficients[j-1][m] * K(x, sv_m)
//        + sum over class j's vectors m of coefficients[i][m] * K(x, sv_m)
//        + rho[pair]
// (float kernels and float products, summed in double in this order) gives
// a vote to i when d_ij > 0 and to j otherwise (NaN included); the label is
// the class with the most votes, the first on ties. Each pair becomes a
// one-split tree over its decision column whose leaves vote, and the
// ensemble averages them: the class values are vote shares, and the IR's
// arg max (lowest index on ties) is onnxruntime's label.
Result<TreeEnsembleModel> Importer::SvmVotes(const onnx::NodeProto& node, const RowTensor& input,
                                             const std::vector<int64_t>& vectors_per_class,
                                             const std::vector<double>& vectors,
                                             const std::vector<double>& coefficients, const std::vector<double>& rho,
                                             std::vector<std::string>* features) {
  ASSIGN_OR_RETURN(const std::string kernel, StringAttr(node, "kernel_type", "LINEAR"));
  ASSIGN_OR_RETURN(const std::vector<double> params, FloatsAttr(node, "kernel_params"));
  const size_t classes = vectors_per_class.size();
  std::vector<size_t> first(classes, 0);  // each class's first support vector
  size_t count = 0;
  for (size_t c = 0; c < classes; ++c) {
    first[c] = count;
    count += static_cast<size_t>(vectors_per_class[c]);
  }
  const std::string base = node.output_size() > 1 && !node.output(1).empty() ? node.output(1)
                           : node.output_size() > 0 && !node.output(0).empty() ? node.output(0)
                                                                              : "svm";
  ASSIGN_OR_RETURN(const std::vector<Col> kernels, KernelColumns(node, input, kernel, params, vectors, count, base));
  RETURN_IF_ERROR(CountTerms(node, (classes - 1) * count));
  TreeEnsembleModel ensemble;
  ensemble.num_outputs = static_cast<int32_t>(classes);
  ensemble.aggregation = Aggregation::kAverage;
  ensemble.output_transform = OutputTransform::kIdentity;
  ensemble.precision = NumericPrecision::kFloat64;
  ensemble.base_score.assign(classes, 0.0);
  size_t pair = 0;
  for (size_t i = 0; i + 1 < classes; ++i) {
    for (size_t j = i + 1; j < classes; ++j, ++pair) {
      std::vector<std::pair<std::string, Col>> terms;
      // Class i's vectors weigh in with row j - 1, class j's with row i.
      const auto add = [&](size_t klass, size_t row) {
        for (size_t m = first[klass]; m < first[klass] + static_cast<size_t>(vectors_per_class[klass]); ++m) {
          const double w = coefficients[row * count + m];
          terms.emplace_back("float32(" + Literal(w) + " * " + Ref(kernels[m].name) + ")", kernels[m]);
        }
      };
      add(i, j - 1);
      add(j, i);
      terms.emplace_back(Literal(rho[pair]), Col{true, rho[pair], "", false});
      const std::string name = base + "#decision" + std::to_string(i) + "_" + std::to_string(j);
      std::vector<Col> uses;
      ASSIGN_OR_RETURN(const std::string sum, OrderedSum(name, std::move(terms), &uses));
      ASSIGN_OR_RETURN(const Col decision, Derive(name, sum, uses));
      // d <= 0 (and missing: NaN > 0 is false) votes for j, on the left.
      Tree tree;
      tree.feature = {static_cast<int32_t>(features->size()), -1, -1};
      tree.threshold = {std::nextafter(0.0, 1.0), 0.0, 0.0};
      tree.left = {1, -1, -1};
      tree.right = {2, -1, -1};
      tree.default_left = {1, 0, 0};
      tree.leaf_width = static_cast<int32_t>(classes);
      tree.leaf_values.assign(3 * classes, 0.0);
      tree.leaf_values[classes + j] = 1.0;
      tree.leaf_values[2 * classes + i] = 1.0;
      ensemble.trees.push_back(std::move(tree));
      features->push_back(decision.name);
    }
  }
  return ensemble;
}

// onnxruntime's probabilities of a binary SVMClassifier with prob_a and
// prob_b, spelled in float arithmetic (float32 of each double operation is
// the float result):
//   v = 1 - logistic(float(d) * A + B), clamped to [1e-7, 1 - 1e-7]
// (its logistic: e = exp(-|t|), l = 1 / (1 + e), 1 - l for t < 0), then its
// pairwise-coupling solver for two classes with r01 = v, r10 = 1 - v:
// Q00 = r10², Q01 = Q10 = -r10 r01, Q11 = r01², p = (1/2, 1/2); each round
// computes Qp and pQp, stops when max |Qp_i - pQp| < 0.005 / 2, else for
// t = 0, 1 moves p_t by (pQp - Qp_t) / Q_tt and rescales p, Qp and pQp by
// 1 + diff. For two classes the solver stops within two rounds (checked
// over fifteen million values of v); the columns run three rounds, and a
// row that would need more gets missing probabilities rather than a wrong
// one. A missing decision (a missing input) gives onnxruntime's NaN, which
// stops its solver at once: probabilities 1/2.
Result<std::vector<Col>> Importer::SvmPlattBinary(const Col& decision, double prob_a, double prob_b,
                                                  const std::string& base) {
  constexpr int kRounds = 3;
  std::vector<Col> uses = {decision};
  auto column = [&](const std::string& suffix, const std::string& expression) -> Result<std::string> {
    ASSIGN_OR_RETURN(const Col col, Derive(base + "#platt_" + suffix, expression, uses));
    uses.push_back(col);
    return Ref(col.name);
  };
  const auto f = [](const std::string& expression) { return "float32(" + expression + ")"; };
  const std::string d = Ref(decision.name);
  ASSIGN_OR_RETURN(const std::string t, column("t", f(f(f(d) + " * " + Literal(prob_a)) + " + " + Literal(prob_b))));
  ASSIGN_OR_RETURN(const std::string l,
                   column("logistic", "(if " + t + " < 0 then " + f("1 - " + f("1 / " + f("1 + " + f("exp(-abs(" + t +
                                                                                                     "))")))) +
                                          " else " + f("1 / " + f("1 + " + f("exp(-abs(" + t + "))"))) + ")"));
  const std::string low = Literal(static_cast<double>(1e-7f));
  const std::string high = Literal(static_cast<double>(1.0f - 1e-7f));
  ASSIGN_OR_RETURN(const std::string r01, column("r01", "min(max(" + f("1 - " + l) + ", " + low + "), " + high + ")"));
  ASSIGN_OR_RETURN(const std::string r10, column("r10", f("1 - " + r01)));
  ASSIGN_OR_RETURN(const std::string q00, column("q00", f(r10 + " * " + r10)));
  ASSIGN_OR_RETURN(const std::string q01, column("q01", f("-" + r10 + " * " + r01)));
  ASSIGN_OR_RETURN(const std::string q11, column("q11", f(r01 + " * " + r01)));
  const std::string q[2][2] = {{q00, q01}, {q01, q11}};
  const std::string eps = Literal(static_cast<double>(0.005f / 2.0f));
  std::string p[2] = {"0.5", "0.5"};
  std::string done = "0";  // 1 once the solver has stopped
  for (int round = 0; round <= kRounds; ++round) {
    const std::string r = std::to_string(round);
    std::string qp[2];
    for (int i = 0; i < 2; ++i) {
      ASSIGN_OR_RETURN(qp[i], column("qp" + std::to_string(i) + "_" + r,
                                     f(f(q[i][0] + " * " + p[0]) + " + " + f(q[i][1] + " * " + p[1]))));
    }
    ASSIGN_OR_RETURN(std::string pqp, column("pqp_" + r, f(f(p[0] + " * " + qp[0]) + " + " + f(p[1] + " * " + qp[1]))));
    ASSIGN_OR_RETURN(done, column("done_" + r, "(if " + done + " == 1 or max(abs(" + f(qp[0] + " - " + pqp) +
                                                   "), abs(" + f(qp[1] + " - " + pqp) + ")) < " + eps +
                                                   " then 1 else 0)"));
    if (round == kRounds) break;
    // One round of updates, kept only while the solver runs.
    std::string next[2] = {p[0], p[1]};
    for (int k = 0; k < 2; ++k) {
      const std::string tk = r + "_" + std::to_string(k);
      ASSIGN_OR_RETURN(const std::string diff, column("diff" + tk, f(f(pqp + " - " + qp[k]) + " / " + q[k][k])));
      ASSIGN_OR_RETURN(const std::string one, column("one" + tk, f("1 + " + diff)));
      next[k] = f(next[k] + " + " + diff);
      ASSIGN_OR_RETURN(pqp, column("pqp" + tk, f(f(f(pqp + " + " + f(diff + " * " + f(f(diff + " * " + q[k][k]) +
                                                                                     " + " + f("2 * " + qp[k])))) +
                                                     " / " + one) + " / " + one)));
      for (int j = 0; j < 2; ++j) {
        ASSIGN_OR_RETURN(qp[j], column("qp" + std::to_string(j) + "_" + tk,
                                       f(f(qp[j] + " + " + f(diff + " * " + q[k][j])) + " / " + one)));
        ASSIGN_OR_RETURN(next[j], column("p" + std::to_string(j) + "_" + tk, f(next[j] + " / " + one)));
      }
    }
    for (int j = 0; j < 2; ++j) {
      ASSIGN_OR_RETURN(p[j], column("p" + std::to_string(j) + "_" + r,
                                    "(if " + done + " == 1 then " + p[j] + " else " + next[j] + ")"));
    }
  }
  std::vector<Col> out;
  for (int j = 0; j < 2; ++j) {
    ASSIGN_OR_RETURN(Col probability, Derive(base + "#platt_" + std::to_string(j),
                                             "(if is_missing(" + d + ") then 0.5 else if " + done + " == 1 then " +
                                                 p[j] + " else (0 / 0))",
                                             uses));
    out.push_back(std::move(probability));
  }
  return out;
}

// onnxruntime's probabilities of an SVMClassifier of k >= 3 classes with
// prob_a and prob_b (one of each per pair, in pair order), in float as
// SvmPlattBinary: each pair (i, j)'s decision gives
//   r_ij = 1 - logistic(float(d_ij) * A + B), clamped to [1e-7, 1 - 1e-7],
//   r_ji = 1 - r_ij;
// its coupling solver (libsvm's multiclass_probability) then builds
//   Q_ii = sum over j != i, in order, of r_ji², Q_ij = Q_ji = -r_ji r_ij (i < j),
// starts at p = 1/k and, each round, computes Qp_t (sums over j in order)
// and pQp, stops when max_t |Qp_t - pQp| < 0.005 / k, else for t = 0 .. k-1
// moves p_t by diff = (pQp - Qp_t) / Q_tt and rescales p, Qp and pQp by
// 1 + diff. The columns run kPlattRounds rounds; a row that would need more
// gets missing probabilities rather than a wrong one, as does a row where a
// float value overflows. Missing decisions (a missing input) give
// onnxruntime's NaN, which stops its solver at once: probabilities 1/k.
Result<std::vector<Col>> Importer::SvmPlattCoupled(const std::vector<Col>& decisions,
                                                   const std::vector<double>& prob_a,
                                                   const std::vector<double>& prob_b, size_t classes,
                                                   const std::string& base) {
  const size_t k = classes;
  // Each column lists the columns it reads (by reference; literals are
  // skipped): a list of every earlier column would grow quadratically.
  std::map<std::string, Col, std::less<>> by_ref;
  for (const Col& decision : decisions) by_ref.emplace(Ref(decision.name), decision);
  const auto uses_of = [&](const std::vector<std::string>& inputs) {
    std::vector<Col> uses;
    for (const std::string& input : inputs) {
      const auto it = by_ref.find(input);
      if (it != by_ref.end()) uses.push_back(it->second);
    }
    return uses;
  };
  auto column = [&](const std::string& suffix, const std::string& expression,
                    const std::vector<std::string>& inputs) -> Result<std::string> {
    ASSIGN_OR_RETURN(const Col col, Derive(base + "#platt_" + suffix, expression, uses_of(inputs)));
    by_ref.emplace(Ref(col.name), col);
    return Ref(col.name);
  };
  const auto f = [](const std::string& expression) { return "float32(" + expression + ")"; };
  const auto name = [](size_t a, size_t b) { return std::to_string(a) + "_" + std::to_string(b); };
  const std::string low = Literal(static_cast<double>(1e-7f));
  const std::string high = Literal(static_cast<double>(1.0f - 1e-7f));
  const auto both = [](std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  // r[a][b]: onnxruntime's pairwise probability matrix.
  std::vector<std::vector<std::string>> r(k, std::vector<std::string>(k));
  std::string all_missing;
  size_t pair = 0;
  for (size_t i = 0; i + 1 < k; ++i) {
    for (size_t j = i + 1; j < k; ++j, ++pair) {
      const std::string d = Ref(decisions[pair].name);
      all_missing += (all_missing.empty() ? "" : " and ") + ("is_missing(" + d + ")");
      ASSIGN_OR_RETURN(const std::string t,
                       column("t" + name(i, j),
                              f(f(f(d) + " * " + Literal(prob_a[pair])) + " + " + Literal(prob_b[pair])), {d}));
      const std::string e = f("exp(-abs(" + t + "))");
      const std::string logistic = "(if " + t + " < 0 then " + f("1 - " + f("1 / " + f("1 + " + e))) + " else " +
                                   f("1 / " + f("1 + " + e)) + ")";
      ASSIGN_OR_RETURN(const std::string l, column("logistic" + name(i, j), logistic, {t}));
      ASSIGN_OR_RETURN(r[i][j],
                       column("r" + name(i, j), "min(max(" + f("1 - " + l) + ", " + low + "), " + high + ")", {l}));
      ASSIGN_OR_RETURN(r[j][i], column("r" + name(j, i), f("1 - " + r[i][j]), {r[i][j]}));
    }
  }
  std::vector<std::vector<std::string>> q(k, std::vector<std::string>(k));
  for (size_t i = 0; i < k; ++i) {
    std::string diagonal;
    std::vector<std::string> column_i;
    for (size_t j = 0; j < k; ++j) {
      if (j == i) continue;
      column_i.push_back(r[j][i]);
      const std::string square = f(r[j][i] + " * " + r[j][i]);
      diagonal = diagonal.empty() ? square : f(diagonal + " + " + square);
    }
    ASSIGN_OR_RETURN(q[i][i], column("q" + name(i, i), diagonal, column_i));
    for (size_t j = i + 1; j < k; ++j) {
      ASSIGN_OR_RETURN(q[i][j], column("q" + name(i, j), f("-" + r[j][i] + " * " + r[i][j]), {r[j][i], r[i][j]}));
      q[j][i] = q[i][j];
    }
  }
  const std::string eps = Literal(static_cast<double>(0.005f / static_cast<float>(k)));
  const std::string start = Literal(static_cast<double>(1.0f / static_cast<float>(k)));
  std::vector<std::string> p(k, start);
  std::string done = "0";  // 1 once the solver has stopped
  for (int round = 0; round <= kPlattRounds; ++round) {
    const std::string rs = std::to_string(round);
    // Float sums in onnxruntime's order (its first addition, to 0, is exact).
    const auto dot = [&](const std::vector<std::string>& a, const std::vector<std::string>& b) {
      std::string sum;
      for (size_t j = 0; j < k; ++j) {
        const std::string product = f(a[j] + " * " + b[j]);
        sum = sum.empty() ? product : f(sum + " + " + product);
      }
      return sum;
    };
    std::vector<std::string> qp(k);
    for (size_t t = 0; t < k; ++t) {
      ASSIGN_OR_RETURN(qp[t], column("qp" + std::to_string(t) + "_" + rs, dot(q[t], p), both(q[t], p)));
    }
    ASSIGN_OR_RETURN(std::string pqp, column("pqp_" + rs, dot(p, qp), both(p, qp)));
    std::string errors;
    for (size_t t = 0; t < k; ++t) errors += (t == 0 ? "" : ", ") + ("abs(" + f(qp[t] + " - " + pqp) + ")");
    ASSIGN_OR_RETURN(done, column("done_" + rs, "(if " + done + " == 1 or max(" + errors + ") < " + eps +
                                                    " then 1 else 0)",
                                  both({done, pqp}, qp)));
    if (round == kPlattRounds) break;
    // One round of updates, kept only while the solver runs.
    std::vector<std::string> next = p;
    for (size_t t = 0; t < k; ++t) {
      const std::string tk = rs + "_" + std::to_string(t);
      ASSIGN_OR_RETURN(const std::string diff,
                       column("diff" + tk, f(f(pqp + " - " + qp[t]) + " / " + q[t][t]), {pqp, qp[t], q[t][t]}));
      ASSIGN_OR_RETURN(const std::string one, column("one" + tk, f("1 + " + diff), {diff}));
      ASSIGN_OR_RETURN(pqp, column("pqp" + tk, f(f(f(pqp + " + " + f(diff + " * " + f(f(diff + " * " + q[t][t]) +
                                                                                     " + " + f("2 * " + qp[t])))) +
                                                     " / " + one) + " / " + one),
                                         {pqp, diff, q[t][t], qp[t], one}));
      for (size_t j = 0; j < k; ++j) {
        ASSIGN_OR_RETURN(qp[j], column("qp" + std::to_string(j) + "_" + tk,
                                       f(f(qp[j] + " + " + f(diff + " * " + q[t][j])) + " / " + one),
                                       {qp[j], diff, q[t][j], one}));
        // p_t += diff comes first (pQp's update does not read p).
        const std::string moved = j == t ? f(next[j] + " + " + diff) : next[j];
        ASSIGN_OR_RETURN(next[j], column("p" + std::to_string(j) + "_" + tk, f(moved + " / " + one),
                                         {next[j], diff, one}));
      }
    }
    for (size_t j = 0; j < k; ++j) {
      ASSIGN_OR_RETURN(p[j], column("p" + std::to_string(j) + "_" + rs,
                                    "(if " + done + " == 1 then " + p[j] + " else " + next[j] + ")",
                                    {done, p[j], next[j]}));
    }
  }
  std::vector<Col> out;
  std::vector<std::string> decision_refs;
  for (const Col& decision : decisions) decision_refs.push_back(Ref(decision.name));
  for (size_t j = 0; j < k; ++j) {
    ASSIGN_OR_RETURN(Col probability, Derive(base + "#platt_" + std::to_string(j),
                                             "(if " + all_missing + " then " + start + " else if " + done +
                                                 " == 1 then " + p[j] + " else (0 / 0))",
                                             uses_of(both(decision_refs, {done, p[j]}))));
    out.push_back(std::move(probability));
  }
  return out;
}

// SVMClassifier without support vectors (onnxruntime's linear mode, where
// kernel_type is ignored): score_c = coefficients[c] . x + rho[0] for every
// class c, softmax-normalised. The label is the arg max of the scores, the
// arg max of the probabilities.
Result<GlmModel> Importer::SvmLinearClassifier(const onnx::NodeProto& node, size_t classes, size_t columns) {
  ASSIGN_OR_RETURN(const std::vector<double> vectors, FloatsAttr(node, "support_vectors"));
  ASSIGN_OR_RETURN(const std::vector<double> coefficients, FloatsAttr(node, "coefficients"));
  ASSIGN_OR_RETURN(const std::vector<double> rho, FloatsAttr(node, "rho"));
  ASSIGN_OR_RETURN(const std::vector<double> prob_a, FloatsAttr(node, "prob_a"));
  ASSIGN_OR_RETURN(const std::string post, StringAttr(node, "post_transform", "NONE"));
  if (!vectors.empty()) {
    return Invalid(node, std::to_string(vectors.size()) +
                             " support vector values, but vectors_per_class counts no support vectors");
  }
  if (coefficients.size() != classes * columns) {
    return Invalid(node, std::to_string(coefficients.size()) + " coefficients for " + std::to_string(classes) +
                             " classes of " + std::to_string(columns) + " columns (one row per class without "
                             "support vectors)");
  }
  if (rho.size() != 1) {
    return Invalid(node, std::to_string(rho.size()) + " rho values (one without support vectors: onnxruntime adds "
                         "rho[0] to every class's score)");
  }
  if (classes == 2) {
    return Unsupported(node, "two classes without support vectors are not supported: onnxruntime labels the second "
                             "class whenever the larger score is positive, not the class with the larger score");
  }
  if (!prob_a.empty()) {
    return Unsupported(node, "prob_a and prob_b without support vectors are not supported (onnxruntime ignores them)");
  }
  if (post != "SOFTMAX") {
    return Unsupported(node, "post_transform " + post + " without support vectors is not supported: its scores are "
                             "not class probabilities (SOFTMAX is supported)");
  }
  GlmModel glm;
  glm.family = GlmFamily::kMultinomial;
  glm.link = LinkFunction::kIdentity;
  glm.intercepts.assign(classes, rho[0]);
  glm.coefficients = coefficients;
  return glm;
}

Status Importer::LowerSvmClassifier(const onnx::NodeProto& node) {
  // onnxruntime reads a one-dimensional input as a single row.
  ASSIGN_OR_RETURN(const RowTensor* input, FloatRows(node, 0, true, "the input must be float columns"));
  ASSIGN_OR_RETURN(std::vector<std::string> labels, ClassLabels(node));
  ASSIGN_OR_RETURN(const std::string kernel, StringAttr(node, "kernel_type", "LINEAR"));
  ASSIGN_OR_RETURN(const std::vector<double> params, FloatsAttr(node, "kernel_params"));
  ASSIGN_OR_RETURN(const std::vector<int64_t> vectors_per_class, IntsAttr(node, "vectors_per_class"));
  ASSIGN_OR_RETURN(const std::vector<double> vectors, FloatsAttr(node, "support_vectors"));
  ASSIGN_OR_RETURN(const std::vector<double> coefficients, FloatsAttr(node, "coefficients"));
  ASSIGN_OR_RETURN(const std::vector<double> rho, FloatsAttr(node, "rho"));
  ASSIGN_OR_RETURN(const std::vector<double> prob_a, FloatsAttr(node, "prob_a"));
  ASSIGN_OR_RETURN(const std::vector<double> prob_b, FloatsAttr(node, "prob_b"));
  ASSIGN_OR_RETURN(const std::string post, StringAttr(node, "post_transform", "NONE"));
  if (!SvmKernel(kernel)) {
    return Invalid(node, "unknown kernel_type " + Quote(kernel) + " (LINEAR, POLY, RBF or SIGMOID)");
  }
  if (Attr(node, "kernel_params") == nullptr) {
    return Invalid(node, "attribute 'kernel_params' is missing (onnxruntime requires it)");
  }
  if (!params.empty() && params.size() != 3) {
    return Invalid(node, "kernel_params holds " + std::to_string(params.size()) +
                             " values (gamma, coef0 and degree: 3, or none)");
  }
  if (post != "NONE" && post != "LOGISTIC" && post != "SOFTMAX" && post != "SOFTMAX_ZERO" && post != "PROBIT") {
    return Invalid(node, "unknown post_transform " + Quote(post));
  }
  if (prob_a.size() != prob_b.size()) {
    return Invalid(node, std::to_string(prob_a.size()) + " prob_a values but " + std::to_string(prob_b.size()) +
                             " prob_b values");
  }
  const size_t classes = labels.size();
  if (classes < 2) return Unsupported(node, "a classifier with one class is not supported");
  size_t count = 0;
  for (const int64_t n : vectors_per_class) {
    if (n < 0 || n > static_cast<int64_t>(vectors.size())) {
      return Invalid(node, "vectors_per_class holds " + std::to_string(n) + " (a number of support vectors, at most "
                           "the " + std::to_string(vectors.size()) + " support vector values given)");
    }
    count += static_cast<size_t>(n);
  }
  const size_t k = input->cols.size();
  Model model;
  model.task = Task::kClassification;
  model.classes = std::move(labels);
  std::vector<std::string> features;
  if (count == 0) {
    ASSIGN_OR_RETURN(GlmModel glm, SvmLinearClassifier(node, classes, k));
    model.body = std::move(glm);
    ASSIGN_OR_RETURN(features, Features(node, *input));
  } else {
    const size_t pairs = classes * (classes - 1) / 2;
    if (vectors_per_class.size() != classes) {
      return Invalid(node, "vectors_per_class has " + std::to_string(vectors_per_class.size()) + " entries for " +
                               std::to_string(classes) + " classes");
    }
    if (vectors.size() != count * k) {
      return Invalid(node, std::to_string(vectors.size()) + " support vector values for " + std::to_string(count) +
                               " support vectors (vectors_per_class) of " + std::to_string(k) + " columns");
    }
    if (coefficients.size() != (classes - 1) * count) {
      return Invalid(node, std::to_string(coefficients.size()) + " coefficients for " + std::to_string(count) +
                               " support vectors and " + std::to_string(classes) + " classes (" +
                               std::to_string(classes - 1) + " rows of " + std::to_string(count) + ")");
    }
    if (rho.size() != pairs) {
      return Invalid(node, std::to_string(rho.size()) + " rho values for " + std::to_string(pairs) +
                               " pairs of classes");
    }
    if (!prob_a.empty() && prob_a.size() != pairs) {
      return Invalid(node, std::to_string(prob_a.size()) + " prob_a and prob_b values for " + std::to_string(pairs) +
                               (pairs == 1 ? " pair" : " pairs") + " of classes (one of each per pair)");
    }
    if (!prob_a.empty() && classes > kMaxPlattClasses) {
      return Unsupported(node, "prob_a and prob_b for " + std::to_string(classes) + " classes are not supported: "
                               "onnxruntime's coupling solver is unrolled into columns that grow with the square "
                               "of the classes (at most " + std::to_string(kMaxPlattClasses) + " classes)");
    }
    ASSIGN_OR_RETURN(TreeEnsembleModel ensemble,
                     SvmVotes(node, *input, vectors_per_class, vectors, coefficients, rho, &features));
    model.body = std::move(ensemble);
    vote_shares_ = true;
    if (!prob_a.empty()) {
      // The label stays the vote winner (as onnxruntime's, not the arg max
      // of the probabilities); the probabilities are derived outputs beside it.
      const std::string base = node.output_size() > 1 && !node.output(1).empty() ? node.output(1) : "svm";
      if (classes == 2) {
        ASSIGN_OR_RETURN(platt_, SvmPlattBinary(Col{false, 0.0, features[0], false}, prob_a[0], prob_b[0], base));
      } else {
        std::vector<Col> decisions;
        for (const std::string& feature : features) decisions.push_back(Col{false, 0.0, feature, false});
        ASSIGN_OR_RETURN(platt_, SvmPlattCoupled(decisions, prob_a, prob_b, classes, base));
      }
    }
  }
  RETURN_IF_ERROR(SetEstimator(node, std::move(model), std::move(features)));
  RowTensor label;
  label.role = Role::kLabel;
  RETURN_IF_ERROR(SetOutput(node, 0, label));
  RowTensor scores;
  scores.role = Role::kProbabilities;
  scores.votes = vote_shares_;
  return SetOutput(node, 1, scores);
}

// ---------------------------------------------------------------------------
// The model and the outputs
// ---------------------------------------------------------------------------

Status Importer::GlmFromForms(const std::vector<LinearForm>& forms, GlmModel* glm) {
  // Features: every column any form uses, in first-use order.
  std::map<std::string, size_t, std::less<>> feature_index;
  std::vector<std::string> features;
  for (const LinearForm& form : forms) {
    for (const auto& [col, coefficient] : form.terms) {
      if (feature_index.emplace(col.name, features.size()).second) features.push_back(col.name);
    }
  }
  glm->intercepts.clear();
  glm->coefficients.assign(forms.size() * features.size(), 0.0);
  for (size_t r = 0; r < forms.size(); ++r) {
    glm->intercepts.push_back(forms[r].intercept);
    for (const auto& [col, coefficient] : forms[r].terms) {
      glm->coefficients[r * features.size() + feature_index.at(col.name)] += coefficient;
    }
  }
  pipeline_.features = std::move(features);
  return Status::Ok();
}

Status Importer::Finish() {
  const onnx::GraphProto& graph = model_.graph();
  if (graph.output_size() == 0) return InvalidArgumentError("the graph has no outputs");
  std::vector<std::pair<std::string, const RowTensor*>> outputs;
  for (const onnx::ValueInfoProto& output : graph.output()) {
    const auto it = tensors_.find(output.name());
    if (it == tensors_.end()) {
      if (constants_.count(output.name()) > 0) {
        return UnimplementedError("graph output " + Quote(output.name()) + " is a constant");
      }
      return InvalidArgumentError("graph output " + Quote(output.name()) + " is not computed by any node");
    }
    outputs.emplace_back(output.name(), &it->second);
  }
  OutputNames names;
  std::string probability_output;
  const RowTensor* probabilities = nullptr;
  for (const auto& [name, tensor] : outputs) {
    switch (tensor->role) {
      case Role::kValue:
        if (names.value.empty()) names.value = name;
        break;
      case Role::kLabel:
        if (names.label.empty()) names.label = name;
        break;
      case Role::kProbabilities:
        if (probabilities == nullptr) {
          probabilities = tensor;
          probability_output = name;
        }
        break;
      case Role::kRows:
        break;
    }
  }
  if (!has_estimator_) {
    // A graph without an estimator: its last layer is the model.
    if (probabilities != nullptr) {
      if (!probabilities->from_softmax) return InternalError("probabilities without a Softmax");
      std::vector<LinearForm> forms;
      for (const Col& logit : probabilities->logits) forms.push_back(FormOf(logit));
      GlmModel glm;
      glm.family = GlmFamily::kMultinomial;
      glm.link = LinkFunction::kIdentity;
      RETURN_IF_ERROR(GlmFromForms(forms, &glm));
      pipeline_.model.task = Task::kClassification;
      if (!probabilities->zipmap_labels.empty()) {
        pipeline_.model.classes = probabilities->zipmap_labels;
        for (size_t c = 0; c < forms.size() && !names.label.empty(); ++c) {
          if (pipeline_.model.classes[c] != std::to_string(c)) {
            return UnimplementedError("graph output " + Quote(names.label) +
                                      " is a class index (ArgMax), but a ZipMap names the classes (" +
                                      Quote(pipeline_.model.classes[c]) + ")");
          }
        }
      } else {
        for (size_t c = 0; c < forms.size(); ++c) pipeline_.model.classes.push_back(std::to_string(c));
      }
      pipeline_.model.body = std::move(glm);
    } else {
      const RowTensor* value = nullptr;
      for (const auto& [name, tensor] : outputs) {
        if (tensor->role != Role::kRows) continue;
        if (value != nullptr) {
          return UnimplementedError("graph output " + Quote(name) + ": only one output value is supported");
        }
        if (tensor->cols.size() != 1) {
          return UnimplementedError("graph output " + Quote(name) + " has " + std::to_string(tensor->cols.size()) +
                                    " columns; a regression output has one (a classifier ends in a Softmax)");
        }
        value = tensor;
        names.value = name;
      }
      if (value == nullptr) return UnimplementedError("the graph has no output Podium can score");
      Col col = value->cols[0];
      if (col.round) {
        // An input passed through: read it as the float onnxruntime sees.
        ASSIGN_OR_RETURN(col, Derive(names.value, Operand(col), {col}));
      }
      const auto sigmoid = sigmoid_of_.find(col.name);
      GlmModel glm;
      if (sigmoid != sigmoid_of_.end()) {
        // A final Sigmoid: p(class "1"), a logistic regression over the layer
        // before it.
        Col logit = sigmoid->second;
        if (logit.round) {
          ASSIGN_OR_RETURN(logit, Derive(names.value + "#logit", Operand(logit), {logit}));
        }
        glm.family = GlmFamily::kBinomial;
        glm.link = LinkFunction::kLogit;
        RETURN_IF_ERROR(GlmFromForms({FormOf(logit)}, &glm));
        pipeline_.model.task = Task::kClassification;
        pipeline_.model.classes = {"0", "1"};
        probability_output = names.value;
        names.value.clear();
      } else {
        glm.family = GlmFamily::kGaussian;
        glm.link = LinkFunction::kIdentity;
        RETURN_IF_ERROR(GlmFromForms({FormOf(col)}, &glm));
        pipeline_.model.task = Task::kRegression;
      }
      pipeline_.model.body = std::move(glm);
    }
  } else {
    for (const auto& [name, tensor] : outputs) {
      if (tensor->role == Role::kRows) {
        return UnimplementedError("graph output " + Quote(name) + " is not an output of the estimator (" +
                                  estimator_where_ + ")");
      }
    }
  }
  std::set<std::string, std::less<>> needed(pipeline_.features.begin(), pipeline_.features.end());
  if (vote_shares_) {
    // Vote shares are not onnxruntime's decision values: named apart.
    const std::string prefix = probability_output.empty() ? "votes_" : probability_output + "_votes_";
    for (const std::string& label : pipeline_.model.classes) names.probabilities.push_back(prefix + label);
    // Platt probabilities: onnxruntime's tensor, under the graph's names.
    for (size_t c = 0; c < platt_.size() && !probability_output.empty(); ++c) {
      pipeline_.post.outputs.push_back(
          DerivedOutput{probability_output + "_" + pipeline_.model.classes[c], Ref(platt_[c].name)});
      needed.insert(platt_[c].name);
    }
  } else if (!probability_output.empty()) {
    for (const std::string& label : pipeline_.model.classes) names.probabilities.push_back(probability_output + "_" + label);
  }
  if (pipeline_.model.task == Task::kRegression) {
    names.label.clear();
    names.probabilities.clear();
  }
  pipeline_.output_names = std::move(names);

  // Keep only the derived columns the model and the derived outputs need.
  std::vector<bool> keep(derived_.size(), false);
  for (size_t i = derived_.size(); i-- > 0;) {
    const std::vector<std::string>& outputs = derived_[i].outputs;
    if (std::none_of(outputs.begin(), outputs.end(), [&](const std::string& o) { return needed.count(o) > 0; })) {
      continue;
    }
    keep[i] = true;
    needed.insert(derived_[i].deps.begin(), derived_[i].deps.end());
  }
  for (size_t i = 0; i < derived_.size(); ++i) {
    if (keep[i]) pipeline_.transforms.emplace_back(std::move(derived_[i].transform));
  }
  return Status::Ok();
}

Result<Pipeline> Importer::Run() {
  if (model_.has_graph() == false) return InvalidArgumentError("not an ONNX model: the model has no graph");
  if (model_.ir_version() < 3) {
    return UnimplementedError("ir_version " + std::to_string(model_.ir_version()) + " is not supported (3 or later)");
  }
  RETURN_IF_ERROR(ReadOpsets());
  const onnx::GraphProto& graph = model_.graph();
  if (static_cast<size_t>(graph.node_size()) > options_.max_graph_nodes) {
    return ResourceExhaustedError("the graph has " + std::to_string(graph.node_size()) + " nodes, more than " +
                                  std::to_string(options_.max_graph_nodes));
  }
  RETURN_IF_ERROR(ReadInitializers());
  RETURN_IF_ERROR(ReadInputs());
  for (int i = 0; i < graph.node_size(); ++i) {
    node_index_ = i;
    RETURN_IF_ERROR(LowerNode(graph.node(i)));
  }
  RETURN_IF_ERROR(Finish());
  pipeline_.name = options_.name;
  std::string source = "onnx ir_version " + std::to_string(model_.ir_version());
  if (onnx_opset_ != 0) source += ", ai.onnx " + std::to_string(onnx_opset_);
  if (ml_opset_ != 0) source += ", ai.onnx.ml " + std::to_string(ml_opset_);
  if (!model_.producer_name().empty()) {
    source += " (" + model_.producer_name().substr(0, 60);
    if (!model_.producer_version().empty()) source += " " + model_.producer_version().substr(0, 30);
    source += ")";
  }
  pipeline_.source = std::move(source);
  if (!model_.doc_string().empty()) pipeline_.description = model_.doc_string().substr(0, 1000);
  const Status valid = ValidatePipeline(pipeline_);
  if (!valid.ok()) return valid.WithContext("the imported pipeline is invalid");
  return std::move(pipeline_);
}

// Reads a protobuf varint at *pos; false if malformed or truncated.
bool ReadVarint(std::string_view bytes, size_t* pos, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= bytes.size()) return false;
    const uint8_t byte = static_cast<uint8_t>(bytes[(*pos)++]);
    *value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace

bool LooksLikeOnnx(std::string_view bytes) {
  // ModelProto: ir_version (field 1, varint) comes first as writers emit
  // fields in number order; graph is field 7 (length-delimited).
  size_t pos = 0;
  bool first = true;
  bool graph = false;
  while (pos < bytes.size()) {
    uint64_t key = 0;
    if (!ReadVarint(bytes, &pos, &key)) return false;
    const uint64_t field = key >> 3;
    const uint64_t wire = key & 7;
    if (field == 0 || (first && (field != 1 || wire != 0))) return false;
    first = false;
    uint64_t value = 0;
    switch (wire) {
      case 0:
        if (!ReadVarint(bytes, &pos, &value)) return false;
        break;
      case 1:
        if (bytes.size() - pos < 8) return false;
        pos += 8;
        break;
      case 2:
        if (!ReadVarint(bytes, &pos, &value) || value > bytes.size() - pos) return false;
        pos += static_cast<size_t>(value);
        if (field == 7) graph = true;
        break;
      case 5:
        if (bytes.size() - pos < 4) return false;
        pos += 4;
        break;
      default:
        return false;
    }
  }
  return graph;
}

Result<Pipeline> ImportOnnx(std::string_view bytes, const OnnxImportOptions& options) {
  const size_t limit = std::min<size_t>(options.max_bytes, INT_MAX);
  if (bytes.size() > limit) {
    return ResourceExhaustedError("the model is " + std::to_string(bytes.size()) + " bytes, more than the limit of " +
                                  std::to_string(limit));
  }
  try {
    onnx::ModelProto model;
    if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return InvalidArgumentError("not an ONNX model: the protobuf message cannot be parsed");
    }
    return Importer(model, options).Run();
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory while importing the ONNX model");
  } catch (const std::exception& e) {
    return InternalError(std::string("unexpected error while importing the ONNX model: ") + e.what());
  }
}

}  // namespace podium
