// libFuzzer target for module expr (built with -DPODIUM_FUZZ=ON and clang).
// Feeds arbitrary text through Parse, ToString, the analyses, TypeCheck,
// Compile, Eval and Interpret. Besides crashes and sanitizer reports it
// aborts when an invariant breaks:
//   * errors are kInvalidArgument or kResourceExhausted;
//   * ToString's text parses back to the same text;
//   * every well-typed number or boolean expression compiles, and Eval agrees
//     with Interpret on a few fixed rows.
// Run: podium_expr_fuzz -dict=src/expr/expr_fuzz.dict -max_total_time=60
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "expr/expr.h"

namespace {

using podium::StatusCode;
using namespace podium::expr;  // NOLINT: a test driver

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void Require(bool ok, const char* invariant, std::string_view text) {
  if (ok) return;
  std::fprintf(stderr, "invariant broken: %s\ninput: %.*s\n", invariant,
               static_cast<int>(text.size()), text.data());
  std::abort();
}

bool IsInputError(const podium::Status& status) {
  return status.code() == StatusCode::kInvalidArgument ||
         status.code() == StatusCode::kResourceExhausted;
}

// Columns x, y (number), b (boolean), s (category with levels CA and NY) in
// slots 0..3.
std::optional<Type> TypeOf(std::string_view name) {
  if (name == "x" || name == "y") return Type::kNumber;
  if (name == "b") return Type::kBoolean;
  if (name == "s") return Type::kString;
  return std::nullopt;
}

std::optional<int> SlotOf(std::string_view name) {
  if (name == "x") return 0;
  if (name == "y") return 1;
  if (name == "b") return 2;
  if (name == "s") return 3;
  return std::nullopt;
}

std::optional<double> LevelCode(std::string_view, std::string_view literal) {
  if (literal == "CA") return 1;
  if (literal == "NY") return 2;
  return std::nullopt;
}

struct Row {
  Value x, y, b, s;
  double slots[4];
};

const Row kRows[] = {
    {1.5, -2.0, true, std::string("CA"), {1.5, -2.0, 1, 1}},
    {0.0, 1e308, false, std::string("NY"), {0.0, 1e308, 0, 2}},
    {std::monostate{}, 3.0, std::monostate{}, std::monostate{}, {kNaN, 3.0, kNaN, kNaN}},
    {-0.5, std::monostate{}, true, std::string("NY"), {-0.5, kNaN, 1, 2}},
};

double AsDouble(const Value& value) {
  if (const double* d = std::get_if<double>(&value)) return *d;
  if (const bool* b = std::get_if<bool>(&value)) return *b ? 1 : 0;
  return kNaN;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  podium::Result<std::unique_ptr<Node>> ast = Parse(text);
  if (!ast.ok()) {
    Require(IsInputError(ast.status()), "parse errors are input errors", text);
    return 0;
  }

  const std::string canonical = ToString(**ast);
  podium::Result<std::unique_ptr<Node>> again = Parse(canonical);
  if (again.ok()) {
    Require(ToString(**again) == canonical, "ToString round-trips", text);
  } else {
    // Added parentheses may push the text over a limit, nothing else.
    Require(again.status().code() == StatusCode::kResourceExhausted,
            "ToString's text parses", text);
  }
  (void)ReferencedColumns(**ast);
  (void)StringLiteralsByColumn(**ast);

  podium::Result<Type> type = TypeCheck(**ast, TypeOf);
  if (!type.ok()) {
    Require(IsInputError(type.status()), "type errors are input errors", text);
    return 0;
  }
  podium::Result<Program> program = Compile(**ast, TypeOf, SlotBinding{SlotOf, LevelCode});
  if (*type == Type::kString) {
    Require(!program.ok(), "string expressions do not compile", text);
    return 0;
  }
  Require(program.ok(), "well-typed expressions compile", text);
  for (const Row& row : kRows) {
    const Value interpreted = Interpret(**ast, [&row](std::string_view name) -> Value {
      if (name == "x") return row.x;
      if (name == "y") return row.y;
      if (name == "b") return row.b;
      return row.s;
    });
    const double want = AsDouble(interpreted);
    const double got = program->Eval(row.slots);
    Require((std::isnan(want) && std::isnan(got)) || want == got,
            "Eval agrees with Interpret", text);
  }
  return 0;
}
