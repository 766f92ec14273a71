#include "pipeline/input.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "data/number.h"

namespace podium {
namespace {

std::string Quoted(std::string_view text) {
  constexpr size_t kMaxShown = 40;
  std::string out = "'";
  out.append(text.substr(0, kMaxShown));
  if (text.size() > kMaxShown) out += "...";
  out += "'";
  return out;
}

std::string FormatForMessage(double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return ec == std::errc() ? std::string(buffer, end) : std::string("?");
}

// Applies `policy` to a missing or invalid value; `problem` describes it.
Result<InputValue> ApplyPolicy(const InputField& field, const ValuePolicy& policy,
                               const std::string& problem) {
  switch (policy.kind) {
    case ValuePolicyKind::kError:
      return InvalidArgumentError("field '" + field.name + "': " + problem);
    case ValuePolicyKind::kMissing:
      return InputValue{};
    case ValuePolicyKind::kReplace: {
      InputValue value;
      value.missing = false;
      if (const auto* number = std::get_if<double>(&policy.replacement)) {
        value.number = *number;
      } else {
        value.text = std::get<std::string>(policy.replacement);
      }
      return value;
    }
  }
  return InternalError("unknown value policy");
}

// Checks a numeric value against the field's type and range. `shown` is the
// value as the input wrote it; empty: the number, formatted only when a
// message needs it (valid values are the hot path).
Result<InputValue> CheckNumber(const InputField& field, double number, std::string_view shown) {
  auto quoted = [&] { return shown.empty() ? Quoted(FormatForMessage(number)) : Quoted(shown); };
  if (!std::isfinite(number)) {
    return ApplyPolicy(field, field.on_invalid, quoted() + " is not a finite number");
  }
  if (field.type == FieldType::kInteger && number != std::floor(number)) {
    return ApplyPolicy(field, field.on_invalid, quoted() + " is not a whole number");
  }
  if ((field.min && number < *field.min) || (field.max && number > *field.max)) {
    // Appended: GCC 12 warns falsely (-Wrestrict) on "[" + std::string.
    std::string range = "[";
    range.append(field.min ? FormatForMessage(*field.min) : std::string("-inf"));
    range.append(", ").append(field.max ? FormatForMessage(*field.max) : std::string("inf")).append("]");
    return ApplyPolicy(field, field.on_invalid, quoted() + " is outside the allowed range " + range);
  }
  InputValue value;
  value.missing = false;
  value.number = number;
  return value;
}

Result<InputValue> CheckLevel(const InputField& field, std::string_view text) {
  if (!field.levels.empty() &&
      std::find(field.levels.begin(), field.levels.end(), text) == field.levels.end()) {
    return ApplyPolicy(field, field.on_invalid, Quoted(text) + " is not one of the field's levels");
  }
  InputValue value;
  value.missing = false;
  value.text = text;
  return value;
}

}  // namespace

Result<InputValue> ConvertInput(const InputField& field, const RawValue& raw) {
  if (raw.kind == RawValue::Kind::kMissing ||
      (raw.kind == RawValue::Kind::kText && raw.text.empty())) {
    return ApplyPolicy(field, field.on_missing, "a value is required but it is missing");
  }
  switch (field.type) {
    case FieldType::kNumber:
    case FieldType::kInteger: {
      if (raw.kind == RawValue::Kind::kNumber) {
        return CheckNumber(field, raw.number, {});
      }
      if (raw.kind == RawValue::Kind::kBoolean) {
        return ApplyPolicy(field, field.on_invalid, "a boolean is not a number");
      }
      const std::optional<double> number = ParseNumber(raw.text);
      if (!number) return ApplyPolicy(field, field.on_invalid, Quoted(raw.text) + " is not a number");
      return CheckNumber(field, *number, raw.text);
    }
    case FieldType::kBoolean: {
      bool flag = false;
      if (raw.kind == RawValue::Kind::kBoolean) {
        flag = raw.boolean;
      } else if (raw.kind == RawValue::Kind::kNumber) {
        if (raw.number != 0.0 && raw.number != 1.0) {
          return ApplyPolicy(field, field.on_invalid,
                             Quoted(FormatForMessage(raw.number)) + " is not a boolean");
        }
        flag = raw.number == 1.0;
      } else if (const std::optional<bool> parsed = ParseBoolean(raw.text)) {
        flag = *parsed;
      } else {
        return ApplyPolicy(field, field.on_invalid, Quoted(raw.text) + " is not a boolean");
      }
      InputValue value;
      value.missing = false;
      value.number = flag ? 1.0 : 0.0;
      return value;
    }
    case FieldType::kCategory: {
      if (raw.kind == RawValue::Kind::kText) return CheckLevel(field, raw.text);
      // A JSON number sent for a category is refused rather than guessed at:
      // 415 and 415.0 would otherwise have to mean the same level.
      return ApplyPolicy(field, field.on_invalid,
                         raw.kind == RawValue::Kind::kBoolean
                             ? std::string("a boolean is not a category level")
                             : Quoted(FormatForMessage(raw.number)) +
                                   " is a number, but the field is a category (send it as a string)");
    }
  }
  return InternalError("unknown field type");
}

}  // namespace podium
