// Shared by the golden suites: the CSV of golden case files, one record per
// line (no embedded line breaks).
#ifndef PODIUM_TESTS_GOLDEN_CSV_LINE_H_
#define PODIUM_TESTS_GOLDEN_CSV_LINE_H_

#include <string>
#include <string_view>
#include <vector>

namespace podium::golden {

// Splits one CSV record: fields separated by commas, a field starting with
// '"' is quoted and "" inside it is a quote.
inline std::vector<std::string> SplitCsvLine(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"' && fields.back().empty()) {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

}  // namespace podium::golden

#endif  // PODIUM_TESTS_GOLDEN_CSV_LINE_H_
