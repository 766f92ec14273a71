// Support vector machine kernels spelled in the expression language
// (docs/formats/expressions.md), shared by the importers that lower SVMs to
// derived columns: ONNX SVMRegressor (onnx.cc) and PMML
// SupportVectorMachineModel (pmml_svm.cc).
//
// A kernel value K(x, v) is built in two steps: the inner sum over the
// coordinates (Term gives each coordinate's summand: v_i * x_i for the dot
// product <x, v>, (x_i - v_i) * (x_i - v_i) for the squared distance
// ||x - v||^2 of the radial basis kernel), then Expression applies the
// kernel's function to that sum. Operands and literals arrive as expression
// text, so each importer keeps its own spelling (float rounding, quoting).
#ifndef PODIUM_FORMATS_SVM_KERNEL_H_
#define PODIUM_FORMATS_SVM_KERNEL_H_

#include <functional>
#include <string>

namespace podium::svm_kernel {

enum class Kernel {
  kLinear,       // <x, v>
  kPolynomial,   // (gamma <x, v> + coef0)^degree
  kRadialBasis,  // exp(-gamma ||x - v||^2)
  kSigmoid,      // tanh(gamma <x, v> + coef0)
};

// One coordinate's summand of the inner sum; `x` is an operand expression,
// `v` the support vector's coordinate as a literal.
inline std::string Term(Kernel kernel, const std::string& x, const std::string& v) {
  if (kernel == Kernel::kRadialBasis) {
    const std::string difference = "(" + x + " - " + v + ")";
    return difference + " * " + difference;
  }
  return v + " * " + x;
}

// K(x, v) from the inner sum `sum` (an expression); `literal` spells a number
// as an operand (negative numbers parenthesised).
inline std::string Expression(Kernel kernel, const std::string& sum, double gamma, double coef0, double degree,
                              const std::function<std::string(double)>& literal) {
  switch (kernel) {
    case Kernel::kLinear:
      return sum;
    case Kernel::kPolynomial:
      return "pow(" + literal(gamma) + " * (" + sum + ") + " + literal(coef0) + ", " + literal(degree) + ")";
    case Kernel::kRadialBasis:
      return "exp(" + literal(-gamma) + " * (" + sum + "))";
    case Kernel::kSigmoid:
      return "tanh(" + literal(gamma) + " * (" + sum + ") + " + literal(coef0) + ")";
  }
  return sum;
}

}  // namespace podium::svm_kernel

#endif  // PODIUM_FORMATS_SVM_KERNEL_H_
