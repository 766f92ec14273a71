// Turning raw input values (CSV text, JSON scalars, API values) into the typed
// values a pipeline computes on, applying each field's missing and invalid
// value policies. Shared by every scorer so that they all read inputs alike.
// The rules are specified in docs/formats/pipeline.md ("Input values").
// Thread-safe (pure functions).
#ifndef PODIUM_PIPELINE_INPUT_H_
#define PODIUM_PIPELINE_INPUT_H_

#include <string>
#include <string_view>

#include "base/status.h"
#include "pipeline/pipeline.h"

namespace podium {

// A value as it arrives. kText comes from CSV cells and JSON strings; an empty
// text is missing.
struct RawValue {
  enum class Kind { kMissing, kText, kNumber, kBoolean };
  Kind kind = Kind::kMissing;
  std::string_view text;
  double number = 0.0;
  bool boolean = false;

  static RawValue Missing() { return {}; }
  static RawValue Text(std::string_view t) { return {Kind::kText, t, 0.0, false}; }
  static RawValue Number(double v) { return {Kind::kNumber, {}, v, false}; }
  static RawValue Boolean(bool b) { return {Kind::kBoolean, {}, 0.0, b}; }
};

// A typed input value. Numbers, integers and booleans (0/1) are in `number`;
// categories in `text`, which points into the RawValue's text, into the
// field's levels or into the field's replacement, so it lives as long as both.
struct InputValue {
  bool missing = true;
  double number = 0.0;
  std::string_view text;
};

// Converts one raw value for `field`. Text is parsed with ParseNumber and
// ParseBoolean (data/number.h). Errors are kInvalidArgument and name the
// field and the value, e.g. "field 'age': 'abc' is not a number".
Result<InputValue> ConvertInput(const InputField& field, const RawValue& raw);

}  // namespace podium

#endif  // PODIUM_PIPELINE_INPUT_H_
