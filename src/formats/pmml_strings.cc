// PMML's string functions (declared in pmml_internal.h). The IR's columns are
// numbers, booleans and categories, never computed text, so a string function
// is lowered only where its arguments take finitely many values: a category
// with listed levels, a string-valued derived field (SymbolicCategory), or a
// constant. The function is evaluated here, at import, for every combination
// of those values, and its result is spelled over the columns they come from:
// a SymbolicCategory for a text result (so equal, isIn, NormDiscrete, tree
// predicates... work on it unchanged), a boolean for `matches`, a number for
// `stringLength`. Anything whose value could not be listed is refused.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "formats/pmml_internal.h"

namespace podium::pmml_internal {
namespace {

// Combinations of argument values evaluated for one Apply.
constexpr size_t kMaxCombinations = 10000;
// Regular expressions: pattern length, and the longest value one is applied
// to (std::regex backtracks recursively).
constexpr size_t kMaxPatternBytes = 256;
constexpr size_t kMaxRegexSubjectBytes = 1000;
// Counted repetitions ({n,m}) are unrolled by std::regex: counts are bounded.
constexpr unsigned long kMaxRepeatCount = 100;
// std::regex backtracks: a bound on the steps one Apply's patterns may take
// over all the values they are applied to (see RegexWork).
constexpr double kMaxRegexWork = 1e8;
// The expression language's limit on one expression.
constexpr size_t kMaxExpressionBytes = 65536;
// Distinct lengths in one stringLength if-chain (one nesting level each).
constexpr size_t kMaxLengthGroups = 200;

// As in pmml_expr.cc: 0 / 0 is the expression language's missing number, and
// comparing it gives a missing boolean.
constexpr std::string_view kMissingNumber = "(0 / 0)";
constexpr std::string_view kMissingBoolean = "((0 / 0) > 0)";

// The values one argument can take.
struct Choices {
  std::vector<std::string> values;
  // conditions[i]: "the argument is values[i]", missing when the argument is.
  std::vector<std::string> conditions;
  // The quoted category column whose levels the values are (else empty).
  std::string column;
  // "the argument is missing" (never missing itself); "false" for a constant.
  std::string is_missing = "false";
  bool Constant() const { return is_missing == "false" && values.size() == 1 && conditions[0] == "true"; }
};

// a op b op c ... as a balanced tree, so that many parts nest only log2 deep
// (Kleene and/or are associative).
std::string Balanced(const std::vector<std::string>& parts, size_t begin, size_t end, const std::string& op) {
  if (end - begin == 1) return parts[begin];
  const size_t middle = begin + (end - begin) / 2;
  return "(" + Balanced(parts, begin, middle, op) + " " + op + " " + Balanced(parts, middle, end, op) + ")";
}

std::string AnyOf(const std::vector<std::string>& parts) {
  return parts.empty() ? std::string("false") : Balanced(parts, 0, parts.size(), "or");
}

std::string AllOf(const std::vector<std::string>& parts) {
  return parts.empty() ? std::string("true") : Balanced(parts, 0, parts.size(), "and");
}

Choices ChoicesOfSymbolic(const SymbolicCategory& symbolic) {
  Choices out;
  for (const auto& [value, condition] : symbolic.equals) {
    out.values.push_back(value);
    out.conditions.push_back(condition);
  }
  out.is_missing = symbolic.is_missing;
  return out;
}

// The values of a text argument of `function`.
Result<Choices> TextChoices(const Locator& at, const pugi::xml_node& apply, const std::string& function,
                            const pugi::xml_node& arg_node, const Lowered& arg) {
  if (arg.symbolic) return ChoicesOfSymbolic(*arg.symbolic);
  if (arg.column != nullptr && arg.column->symbolic) return ChoicesOfSymbolic(*arg.column->symbolic);
  const std::string what = "function " + QuoteString(function) + ": the argument " + at.Where(arg_node);
  if (arg.column != nullptr && arg.type == expr::Type::kString) {
    if (arg.column->levels.empty()) {
      return at.Unsupported(apply, what + " is a category without listed values, so its results cannot be "
                                          "listed (the IR has no string columns to compute them in)");
    }
    Choices out;
    out.column = QuoteColumn(arg.column->column);
    for (const std::string& level : arg.column->levels) {
      out.values.push_back(level);
      out.conditions.push_back("(" + out.column + " == " + QuoteString(level) + ")");
    }
    out.is_missing = "is_missing(" + out.column + ")";
    return out;
  }
  if (LocalName(arg_node) == "Constant") {
    if (Attribute(arg_node, "missing").value_or("false") == "true") {
      return at.Unsupported(apply, what + " is a missing constant");
    }
    if (arg.type != expr::Type::kString || !arg.literal) {
      return at.Unsupported(apply, what + " is a constant that is not text (give it dataType=\"string\"; a number's "
                                          "text form is not defined exactly)");
    }
    Choices out;
    out.values.push_back(*arg.literal);
    out.conditions.push_back("true");
    return out;
  }
  if (arg.type == expr::Type::kString) {
    return at.Unsupported(apply, what + " is text without listed values (the IR has no string columns)");
  }
  return at.Unsupported(apply, what + " is " + (arg.type == expr::Type::kBoolean ? "a boolean" : "a number") +
                                   ", not text (the IR has no string columns to convert it into)");
}

// A constant argument as written (a pattern, a replacement).
Result<std::string> ConstantText(const Locator& at, const pugi::xml_node& apply, const std::string& function,
                                 const pugi::xml_node& arg_node, const Lowered& arg, const std::string& role) {
  if (LocalName(arg_node) != "Constant" || !arg.literal ||
      Attribute(arg_node, "missing").value_or("false") == "true") {
    return at.Unsupported(apply, "function " + QuoteString(function) + ": the " + role + " " +
                                     at.Where(arg_node) + " must be a Constant");
  }
  return *arg.literal;
}

// A constant whole number argument of at least `minimum`.
Result<int64_t> ConstantInteger(const Locator& at, const pugi::xml_node& apply, const std::string& function,
                                const pugi::xml_node& arg_node, const Lowered& arg, const std::string& role,
                                int64_t minimum) {
  const std::string what = "function " + QuoteString(function) + ": the " + role + " " + at.Where(arg_node);
  if (LocalName(arg_node) != "Constant" || !arg.literal) return at.Unsupported(apply, what + " must be a Constant");
  const std::optional<double> value = ParseDouble(*arg.literal);
  if (!value || *value < static_cast<double>(minimum) || *value > 1e9 ||
      *value != static_cast<double>(static_cast<int64_t>(*value))) {
    return at.Invalid(apply, what + " must be a whole number of at least " + std::to_string(minimum) + ", not " +
                                 QuoteString(*arg.literal));
  }
  return static_cast<int64_t>(*value);
}

// ---- Characters -------------------------------------------------------------

bool IsAscii(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

// Byte offsets of each character's start, and the text's size at the end;
// nullopt unless the text is UTF-8 of characters up to U+FFFF. PMML counts
// characters, and implementations in UTF-16 count a character beyond U+FFFF
// twice, so such characters are refused where positions matter.
std::optional<std::vector<size_t>> CharacterStarts(std::string_view text) {
  std::vector<size_t> starts;
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80 ? 1 : (lead >= 0xC2 && lead < 0xE0) ? 2 : (lead >= 0xE0 && lead < 0xF0) ? 3 : 0;
    if (length == 0 || i + length > text.size()) return std::nullopt;
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return std::nullopt;
    }
    starts.push_back(i);
    i += length;
  }
  starts.push_back(text.size());
  return starts;
}

// ---- Regular expressions ------------------------------------------------------

// PMML's replace and matches take Perl-compatible regular expressions; the
// importer evaluates them with std::regex (ECMAScript grammar). The accepted
// subset is the one whose meaning is the same in Perl, Java and ECMAScript
// on the values it is applied to (printable ASCII and tab, no line breaks):
// literals, escaped punctuation, ., classes [...] with ranges and \d \w \s,
// groups (...) and (?:...), |, ^, $, \b, \B, and the greedy and lazy
// quantifiers * + ? {n} {n,} {n,m}. A repeated group may not hold a
// quantifier or an alternation, which would let backtracking take
// exponential time.
struct PatternInfo {
  size_t groups = 0;            // capturing groups
  bool repeated_capture = false;  // a capturing group inside a repeated group
  size_t quantifiers = 0;
  double alternatives = 1;  // the product of each group's number of alternatives
};

struct GroupFrame {
  bool capture = false;
  bool has_capture = false;   // the group is or holds a capturing group
  bool may_be_empty = false;  // (conservatively) the group may match an empty string
  bool alternative_consumes = false;  // the current alternative has a consuming atom
  bool has_quantifier = false;
  size_t alternatives = 1;
};

// An upper bound on the backtracking steps of a pattern over a value of
// `length` bytes: from each start, every quantifier ranges over at most the
// rest of the value and every group tries each alternative.
double RegexWork(const PatternInfo& info, size_t length) {
  return std::pow(static_cast<double>(length + 1), static_cast<double>(info.quantifiers + 1)) * info.alternatives;
}

bool IsPrintableAscii(char c) { return c >= 0x20 && c < 0x7F; }

bool IsPunctuation(char c) {
  return IsPrintableAscii(c) && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
         c != ' ';
}

Result<PatternInfo> CheckPattern(const Locator& at, const pugi::xml_node& apply, const std::string& pattern) {
  auto refuse = [&](const std::string& why) {
    return at.Unsupported(apply, "regular expression " + QuoteString(pattern) + ": " + why);
  };
  // Not a regular expression in any dialect.
  auto malformed = [&](const std::string& why) {
    return at.Invalid(apply, "regular expression " + QuoteString(pattern) + " is not valid: " + why);
  };
  if (pattern.size() > kMaxPatternBytes) {
    return refuse("longer than " + std::to_string(kMaxPatternBytes) + " bytes");
  }
  const size_t n = pattern.size();
  auto at_index = [&](size_t i) { return i < n ? pattern[i] : '\0'; };
  // Escapes with the same meaning in Perl, Java and ECMAScript (inside a
  // class \b is a backspace in some dialects and an error in others).
  auto escape_ok = [&](char e, bool in_class) {
    if (e == 'd' || e == 'D' || e == 'w' || e == 'W' || e == 's' || e == 'S') return true;
    if (e == 't' || e == 'n' || e == 'r') return true;
    if (!in_class && (e == 'b' || e == 'B')) return true;
    return IsPunctuation(e);
  };
  const std::string escape_why =
      " (back-references, \\p{...}, \\x.., \\A, \\z, \\Q...\\E and the like differ between "
      "regular-expression dialects)";
  PatternInfo info;
  std::vector<GroupFrame> stack(1);
  bool quantifiable = false;  // the previous item is an atom a quantifier may follow
  bool after_group = false;  // that atom is a group: last_group
  GroupFrame last_group;
  size_t i = 0;
  while (i < n) {
    const char c = pattern[i];
    if (!IsPrintableAscii(c)) return refuse("only printable ASCII characters are accepted");
    GroupFrame& frame = stack.back();
    if (c == '\\') {
      if (i + 1 >= n) return malformed("it ends with a backslash");
      const char e = pattern[i + 1];
      if (!escape_ok(e, false)) return refuse("the escape \\" + std::string(1, e) + escape_why);
      if (e == 'b' || e == 'B') {
        frame.may_be_empty = true;  // zero-width
        quantifiable = false;
      } else {
        frame.alternative_consumes = true;
        quantifiable = true;
      }
      after_group = false;
      i += 2;
      continue;
    }
    if (c == '[') {
      size_t j = i + 1;
      if (at_index(j) == '^') ++j;
      if (at_index(j) == ']') return refuse("']' first in a class is read differently by dialects (write \\])");
      while (j < n && pattern[j] != ']') {
        const char k = pattern[j];
        if (!IsPrintableAscii(k)) return refuse("only printable ASCII characters are accepted");
        if (k == '[') return refuse("'[' inside a class (POSIX classes, nested classes, intersections)");
        if (k == '&' && at_index(j + 1) == '&') return refuse("'&&' inside a class (an intersection in Java)");
        if (k == '\\') {
          const char e = at_index(j + 1);
          if (e == '\0' || !escape_ok(e, true)) return refuse("the escape \\" + std::string(1, e) + " in a class" + escape_why);
          j += 2;
          continue;
        }
        ++j;
      }
      if (j >= n) return malformed("an unterminated class '['");
      frame.alternative_consumes = true;
      quantifiable = true;
      after_group = false;
      i = j + 1;
      continue;
    }
    if (c == '(') {
      GroupFrame group;
      if (at_index(i + 1) == '?') {
        if (at_index(i + 2) != ':') {
          return refuse("'(?' other than the group (?:...) (lookaround, inline flags, named and atomic groups)");
        }
        i += 3;
      } else {
        group.capture = group.has_capture = true;
        ++info.groups;
        ++i;
      }
      stack.push_back(group);
      quantifiable = false;
      after_group = false;
      continue;
    }
    if (c == ')') {
      if (stack.size() == 1) return malformed("an unbalanced ')'");
      GroupFrame group = stack.back();
      stack.pop_back();
      if (!group.alternative_consumes) group.may_be_empty = true;
      GroupFrame& parent = stack.back();
      parent.has_capture = parent.has_capture || group.has_capture;
      parent.may_be_empty = parent.may_be_empty || group.may_be_empty;
      parent.has_quantifier = parent.has_quantifier || group.has_quantifier;
      info.alternatives *= static_cast<double>(group.alternatives);
      parent.alternative_consumes = true;
      quantifiable = true;
      last_group = group;
      after_group = true;
      ++i;
      continue;
    }
    if (c == '|') {
      if (!frame.alternative_consumes) frame.may_be_empty = true;
      frame.alternative_consumes = false;
      ++frame.alternatives;
      quantifiable = false;
      after_group = false;
      ++i;
      continue;
    }
    if (c == '*' || c == '+' || c == '?' || c == '{') {
      if (!quantifiable) return malformed("a quantifier with nothing to repeat");
      bool may_repeat_zero = c != '+';
      size_t j = i + 1;
      if (c == '{') {
        // A count: digits, at most 3 of them (kMaxRepeatCount).
        auto count = [&](size_t& k) -> std::optional<unsigned long> {
          const size_t digits = k;
          while (k < n && pattern[k] >= '0' && pattern[k] <= '9') ++k;
          if (k == digits) return std::nullopt;
          return std::stoul(pattern.substr(digits, std::min<size_t>(k - digits, 4)));
        };
        const std::string not_quantifier = "'{' that does not start a quantifier {n}, {n,} or {n,m} (write \\{)";
        const std::optional<unsigned long> low = count(j);
        if (!low) return refuse(not_quantifier);
        std::optional<unsigned long> high = low;
        if (at_index(j) == ',') {
          ++j;
          high = count(j);
          if (!high && at_index(j) != '}') return refuse(not_quantifier);
        }
        if (at_index(j) != '}') return refuse(not_quantifier);
        ++j;
        if (*low > kMaxRepeatCount || (high && *high > kMaxRepeatCount)) {
          return refuse("a repeat count above " + std::to_string(kMaxRepeatCount));
        }
        may_repeat_zero = *low == 0;
      }
      if (at_index(j) == '+') return refuse("possessive quantifiers ('*+', '++', '?+', '{n}+')");
      if (at_index(j) == '?') ++j;  // lazy
      if (after_group) {
        if (last_group.may_be_empty) {
          return refuse("a repeated group that may match an empty string (dialects repeat such groups differently)");
        }
        if (last_group.has_quantifier || last_group.alternatives > 1) {
          return refuse("a repeated group that holds a quantifier or '|' (backtracking could take exponential time)");
        }
        if (last_group.has_capture) info.repeated_capture = true;
      }
      if (may_repeat_zero) frame.may_be_empty = true;
      frame.has_quantifier = true;
      ++info.quantifiers;
      quantifiable = false;
      after_group = false;
      i = j;
      continue;
    }
    if (c == '}') return refuse("an unescaped '}' (write \\})");
    if (c == ']') return refuse("an unescaped ']' (write \\])");
    if (c == '^' || c == '$') {
      frame.may_be_empty = true;  // zero-width
      quantifiable = false;
      after_group = false;
      ++i;
      continue;
    }
    frame.alternative_consumes = true;  // a literal or '.'
    quantifiable = true;
    after_group = false;
    ++i;
  }
  if (stack.size() != 1) return malformed("an unbalanced '('");
  info.alternatives *= static_cast<double>(stack[0].alternatives);
  return info;
}

Result<std::regex> CompilePattern(const Locator& at, const pugi::xml_node& apply, const std::string& pattern) {
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& error) {
    return at.Invalid(apply, "regular expression " + QuoteString(pattern) + " is not valid (" + error.what() + ")");
  }
}

// A value a regular expression is applied to: printable ASCII and tab, so
// that '.', \s, \w, \b and $ mean the same in every dialect. `passes` runs
// of the pattern over it are added to `work`, which must stay within
// kMaxRegexWork.
Status CheckSubject(const Locator& at, const pugi::xml_node& apply, const std::string& function,
                    const std::string& pattern, const PatternInfo& info, const std::string& value, double passes,
                    double& work) {
  if (value.size() > kMaxRegexSubjectBytes) {
    return at.Unsupported(apply, "function " + QuoteString(function) + " on a value longer than " +
                                     std::to_string(kMaxRegexSubjectBytes) + " bytes");
  }
  for (const char c : value) {
    if (!IsPrintableAscii(c) && c != '\t') {
      return at.Unsupported(apply, "function " + QuoteString(function) + " on the value " + QuoteString(value) +
                                       ": regular expressions are applied only to printable ASCII text "
                                       "(dialects differ on line breaks and other characters)");
    }
  }
  work += passes * RegexWork(info, value.size());
  if (work > kMaxRegexWork) {
    return ResourceExhaustedError(at.Where(apply) + ": regular expression " + QuoteString(pattern) + " with " +
                                  std::to_string(info.quantifiers) +
                                  " quantifiers could take more than 100000000 steps over the values it is applied to");
  }
  return Status::Ok();
}

// A replacement: literal text and $1..$9 (one digit, not followed by another).
Status CheckReplacement(const Locator& at, const pugi::xml_node& apply, const std::string& replacement,
                        const PatternInfo& info) {
  auto refuse = [&](const std::string& why) {
    return at.Unsupported(apply, "replacement " + QuoteString(replacement) + ": " + why);
  };
  for (size_t i = 0; i < replacement.size(); ++i) {
    const char c = replacement[i];
    if (c == '\\') return refuse("a backslash (dialects escape replacements differently)");
    if (c != '$') continue;
    const char d = i + 1 < replacement.size() ? replacement[i + 1] : '\0';
    const char next = i + 2 < replacement.size() ? replacement[i + 2] : '\0';
    if (d < '1' || d > '9' || (next >= '0' && next <= '9')) {
      return refuse("'$' other than a group reference $1 to $9 not followed by a digit");
    }
    if (static_cast<size_t>(d - '0') > info.groups) {
      return refuse("$" + std::string(1, d) + " names a group the pattern does not have");
    }
    if (info.repeated_capture) {
      return refuse("a group reference to a pattern with a capturing group inside a repeated group "
                    "(dialects keep different captures there)");
    }
    ++i;
  }
  return Status::Ok();
}

// ---- Lowering -------------------------------------------------------------------

// What a function gives for each combination of argument values: result ->
// the conditions (one per combination) under which it is the result.
struct Outcomes {
  std::map<std::string, std::vector<std::string>> conditions;
  std::map<std::string, std::vector<std::string>> levels;  // single-column case: the levels giving it
  bool single_column = false;
  std::string is_missing = "false";  // some argument is missing
  bool several_varying = false;
};

using Evaluate = std::function<Result<std::string>(const std::vector<std::string>&)>;

Result<Outcomes> Enumerate(const Locator& at, const pugi::xml_node& apply, const std::vector<Choices>& args,
                           const Evaluate& evaluate) {
  size_t combinations = 1;
  std::vector<size_t> varying;
  for (size_t k = 0; k < args.size(); ++k) {
    if (args[k].values.empty()) {
      return at.Unsupported(apply, "an argument that never has a value");
    }
    combinations *= args[k].values.size();
    if (combinations > kMaxCombinations) {
      return ResourceExhaustedError(at.Where(apply) + ": more than " + std::to_string(kMaxCombinations) +
                                    " combinations of argument values");
    }
    if (!args[k].Constant()) varying.push_back(k);
  }
  Outcomes out;
  out.several_varying = varying.size() > 1;
  out.single_column = varying.size() == 1 && !args[varying[0]].column.empty();
  std::vector<std::string> missing;
  for (const size_t k : varying) missing.push_back(args[k].is_missing);
  out.is_missing = AnyOf(missing);
  std::vector<size_t> pick(args.size(), 0);
  std::vector<std::string> values(args.size());
  for (size_t done = 0; done < combinations; ++done) {
    std::vector<std::string> parts;
    for (size_t k = 0; k < args.size(); ++k) {
      values[k] = args[k].values[pick[k]];
      if (!args[k].Constant()) parts.push_back(args[k].conditions[pick[k]]);
    }
    ASSIGN_OR_RETURN(std::string result, evaluate(values));
    out.conditions[result].push_back(AllOf(parts));
    if (out.single_column) out.levels[result].push_back(values[varying[0]]);
    for (size_t k = args.size(); k-- > 0;) {  // the next combination, last argument fastest
      if (++pick[k] < args[k].values.size()) break;
      pick[k] = 0;
    }
  }
  return out;
}

// "the result is `value`": missing when an argument is missing.
std::string ResultIs(const Outcomes& outcomes, const std::string& value, const std::vector<Choices>& args) {
  if (outcomes.single_column) {
    std::string column;
    for (const Choices& arg : args) {
      if (!arg.Constant()) column = arg.column;
    }
    std::string list;
    for (const std::string& level : outcomes.levels.at(value)) list += (list.empty() ? "" : ", ") + QuoteString(level);
    return "(" + column + " in (" + list + "))";
  }
  const std::string any = AnyOf(outcomes.conditions.at(value));
  // With one varying argument every condition is missing when it is; with
  // several, "a and b" can be false while a is missing, so say so.
  if (!outcomes.several_varying) return any;
  return "(if " + outcomes.is_missing + " then " + std::string(kMissingBoolean) + " else " + any + ")";
}

Status CheckSize(const Locator& at, const pugi::xml_node& apply, const std::string& text) {
  if (text.size() > kMaxExpressionBytes) {
    return ResourceExhaustedError(at.Where(apply) + ": the result would be spelled in more than " +
                                  std::to_string(kMaxExpressionBytes) + " bytes");
  }
  return Status::Ok();
}

Result<Lowered> TextResult(const Locator& at, const pugi::xml_node& apply, const std::vector<Choices>& args,
                           const Evaluate& evaluate) {
  ASSIGN_OR_RETURN(Outcomes outcomes, Enumerate(at, apply, args, evaluate));
  SymbolicCategory symbolic;
  for (const auto& entry : outcomes.conditions) {
    std::string equals = ResultIs(outcomes, entry.first, args);
    RETURN_IF_ERROR(CheckSize(at, apply, equals));
    symbolic.equals[entry.first] = std::move(equals);
  }
  symbolic.is_missing = outcomes.is_missing;
  Lowered out;
  out.type = expr::Type::kString;
  out.symbolic = std::move(symbolic);
  return out;
}

Result<Lowered> BooleanResult(const Locator& at, const pugi::xml_node& apply, const std::vector<Choices>& args,
                              const Evaluate& evaluate) {
  ASSIGN_OR_RETURN(Outcomes outcomes, Enumerate(at, apply, args, evaluate));
  const bool can_be_true = outcomes.conditions.count("true") > 0;
  std::string text = can_be_true ? ResultIs(outcomes, "true", args) : std::string("false");
  if (outcomes.is_missing != "false") {
    text = "(if " + outcomes.is_missing + " then " + std::string(kMissingBoolean) + " else " + text + ")";
  }
  RETURN_IF_ERROR(CheckSize(at, apply, text));
  Lowered out;
  out.type = expr::Type::kBoolean;
  out.text = std::move(text);
  return out;
}

Result<Lowered> NumberResult(const Locator& at, const pugi::xml_node& apply, const std::vector<Choices>& args,
                             const Evaluate& evaluate) {
  ASSIGN_OR_RETURN(Outcomes outcomes, Enumerate(at, apply, args, evaluate));
  if (outcomes.conditions.size() > kMaxLengthGroups) {
    return at.Unsupported(apply, "more than " + std::to_string(kMaxLengthGroups) + " distinct results");
  }
  // The last result is the else-branch: on a present argument exactly one
  // condition holds.
  std::string text = "(if " + outcomes.is_missing + " then " + std::string(kMissingNumber);
  size_t left = outcomes.conditions.size();
  for (const auto& entry : outcomes.conditions) {
    const double number = *ParseDouble(entry.first);
    if (--left == 0) {
      text += " else " + NumberLiteral(number) + ")";
    } else {
      text += " else if " + ResultIs(outcomes, entry.first, args) + " then " + NumberLiteral(number);
    }
  }
  RETURN_IF_ERROR(CheckSize(at, apply, text));
  Lowered out;
  out.text = std::move(text);
  out.integral = true;
  return out;
}

Status Arity(const Locator& at, const pugi::xml_node& apply, const std::string& function, size_t given, size_t min,
             size_t max) {
  if (given >= min && given <= max) return Status::Ok();
  const std::string wanted = min == max               ? std::to_string(min)
                             : max == static_cast<size_t>(-1) ? std::to_string(min) + " or more"
                                                              : std::to_string(min) + " to " + std::to_string(max);
  return at.Invalid(apply, "function " + QuoteString(function) + " takes " + wanted + " arguments, " +
                               std::to_string(given) + " given");
}

}  // namespace

bool IsStringFunction(std::string_view function) {
  return function == "uppercase" || function == "lowercase" || function == "substring" || function == "trimBlanks" ||
         function == "concat" || function == "replace" || function == "matches" || function == "stringLength" ||
         function == "formatNumber";
}

Result<Lowered> LowerStringFunction(const Locator& at, const pugi::xml_node& apply, const std::string& function,
                                    const std::vector<Lowered>& args) {
  const std::vector<pugi::xml_node> nodes = ElementChildren(apply);
  if (nodes.size() != args.size()) return at.Invalid(apply, "unexpected arguments");
  if (function == "formatNumber") {
    return at.Unsupported(apply, "function 'formatNumber' is not supported (it makes text of a number, and the IR "
                                 "has no string columns to hold it)");
  }
  for (const char* attribute : {"mapMissingTo", "defaultValue"}) {
    if (Attribute(apply, attribute)) {
      return at.Unsupported(apply, std::string(attribute) + " on the string function " + QuoteString(function));
    }
  }
  auto text_arg = [&](size_t k) { return TextChoices(at, apply, function, nodes[k], args[k]); };
  if (function == "uppercase" || function == "lowercase") {
    RETURN_IF_ERROR(Arity(at, apply, function, args.size(), 1, 1));
    ASSIGN_OR_RETURN(Choices input, text_arg(0));
    const bool upper = function == "uppercase";
    return TextResult(at, apply, {input}, [&](const std::vector<std::string>& v) -> Result<std::string> {
      // ASCII letters only: Unicode case mapping depends on tables and
      // locales that implementations do not share.
      if (!IsAscii(v[0])) {
        return at.Unsupported(apply, "function " + QuoteString(function) + " of the non-ASCII value " +
                                         QuoteString(v[0]) + " (only ASCII letters are mapped)");
      }
      std::string out = v[0];
      for (char& c : out) {
        if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      return out;
    });
  }
  if (function == "trimBlanks") {
    RETURN_IF_ERROR(Arity(at, apply, function, args.size(), 1, 1));
    ASSIGN_OR_RETURN(Choices input, text_arg(0));
    return TextResult(at, apply, {input}, [&](const std::vector<std::string>& v) -> Result<std::string> {
      const std::string& s = v[0];
      size_t begin = 0;
      size_t end = s.size();
      while (begin < end && s[begin] == ' ') ++begin;
      while (end > begin && s[end - 1] == ' ') --end;
      // Blanks are spaces; implementations disagree on tabs and other
      // control characters at the ends, so such values are refused.
      if (begin < end && (static_cast<unsigned char>(s[begin]) < 0x20 || static_cast<unsigned char>(s[end - 1]) < 0x20)) {
        return at.Unsupported(apply, "function 'trimBlanks' of " + QuoteString(s) +
                                         ", which begins or ends with a tab or another control character");
      }
      return s.substr(begin, end - begin);
    });
  }
  if (function == "substring") {
    RETURN_IF_ERROR(Arity(at, apply, function, args.size(), 3, 3));
    ASSIGN_OR_RETURN(Choices input, text_arg(0));
    ASSIGN_OR_RETURN(int64_t start, ConstantInteger(at, apply, function, nodes[1], args[1], "start position", 1));
    ASSIGN_OR_RETURN(int64_t length, ConstantInteger(at, apply, function, nodes[2], args[2], "length", 0));
    return TextResult(at, apply, {input}, [&](const std::vector<std::string>& v) -> Result<std::string> {
      const std::optional<std::vector<size_t>> characters_at = CharacterStarts(v[0]);
      if (!characters_at) {
        return at.Unsupported(apply, "function 'substring' of " + QuoteString(v[0]) +
                                         ", which has a character beyond U+FFFF (counted as one or two) or is not UTF-8");
      }
      // 1-based character positions start .. start + length - 1, clipped.
      const std::vector<size_t>& starts = *characters_at;
      const size_t characters = starts.size() - 1;
      const size_t first = std::min(static_cast<size_t>(start - 1), characters);
      const size_t last = std::min(first + static_cast<size_t>(length), characters);
      return v[0].substr(starts[first], starts[last] - starts[first]);
    });
  }
  if (function == "stringLength") {
    RETURN_IF_ERROR(Arity(at, apply, function, args.size(), 1, 1));
    ASSIGN_OR_RETURN(Choices input, text_arg(0));
    return NumberResult(at, apply, {input}, [&](const std::vector<std::string>& v) -> Result<std::string> {
      const std::optional<std::vector<size_t>> starts = CharacterStarts(v[0]);
      if (!starts) {
        return at.Unsupported(apply, "function 'stringLength' of " + QuoteString(v[0]) +
                                         ", which has a character beyond U+FFFF (counted as one or two) or is not UTF-8");
      }
      return std::to_string(starts->size() - 1);
    });
  }
  if (function == "concat") {
    RETURN_IF_ERROR(Arity(at, apply, function, args.size(), 1, static_cast<size_t>(-1)));
    std::vector<Choices> inputs;
    for (size_t k = 0; k < args.size(); ++k) {
      ASSIGN_OR_RETURN(Choices input, text_arg(k));
      inputs.push_back(std::move(input));
    }
    return TextResult(at, apply, inputs, [](const std::vector<std::string>& v) -> Result<std::string> {
      std::string out;
      for (const std::string& part : v) out += part;
      return out;
    });
  }
  if (function == "matches" || function == "replace") {
    const bool replace = function == "replace";
    RETURN_IF_ERROR(Arity(at, apply, function, args.size(), replace ? 3 : 2, replace ? 3 : 2));
    ASSIGN_OR_RETURN(Choices input, text_arg(0));
    ASSIGN_OR_RETURN(std::string pattern, ConstantText(at, apply, function, nodes[1], args[1], "pattern"));
    ASSIGN_OR_RETURN(PatternInfo info, CheckPattern(at, apply, pattern));
    ASSIGN_OR_RETURN(std::regex regex, CompilePattern(at, apply, pattern));
    double work = 0;
    if (!replace) {
      // XQuery's fn:matches, which PMML follows: some part of the value matches.
      return BooleanResult(at, apply, {input}, [&](const std::vector<std::string>& v) -> Result<std::string> {
        RETURN_IF_ERROR(CheckSubject(at, apply, function, pattern, info, v[0], 1, work));
        return std::string(std::regex_search(v[0], regex) ? "true" : "false");
      });
    }
    ASSIGN_OR_RETURN(std::string replacement, ConstantText(at, apply, function, nodes[2], args[2], "replacement"));
    RETURN_IF_ERROR(CheckReplacement(at, apply, replacement, info));
    return TextResult(at, apply, {input}, [&](const std::vector<std::string>& v) -> Result<std::string> {
      RETURN_IF_ERROR(CheckSubject(at, apply, function, pattern, info, v[0], 2, work));
      // Every match is replaced, left to right. Where a match is empty,
      // dialects differ in where the next search starts, so it is refused.
      for (auto it = std::sregex_iterator(v[0].begin(), v[0].end(), regex); it != std::sregex_iterator(); ++it) {
        if (it->length(0) == 0) {
          return at.Unsupported(apply, "regular expression " + QuoteString(pattern) + " matches an empty string in " +
                                           QuoteString(v[0]) + " (dialects continue differently after it)");
        }
      }
      return std::regex_replace(v[0], regex, replacement);
    });
  }
  return at.Unsupported(apply, "function " + QuoteString(function) + " is not supported");
}

}  // namespace podium::pmml_internal
