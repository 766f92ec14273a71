#include "registry/store/database.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>

namespace podium::registry {

SqlParam Param(double x) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), x);
  return std::string(buffer, result.ptr);
}

const std::string& Row::Text(size_t i) const {
  static const std::string kEmpty;
  const auto& cell = cells_.at(i);
  return cell.has_value() ? *cell : kEmpty;
}

int64_t Row::Int(size_t i) const {
  const std::string& text = Text(i);
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

double Row::Double(size_t i) const {
  const std::string& text = Text(i);
  return text.empty() ? 0.0 : std::strtod(text.c_str(), nullptr);
}

Result<std::optional<Row>> Transaction::QueryOptionalRow(std::string_view sql, const std::vector<SqlParam>& params) {
  ASSIGN_OR_RETURN(Rows rows, Query(sql, params));
  if (rows.size() > 1) return InternalError("expected at most one row from '" + std::string(sql.substr(0, 80)) + "'");
  if (rows.empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(rows.front()));
}

Status Transaction::Exec(std::string_view sql, const std::vector<SqlParam>& params) {
  return Query(sql, params).status();
}

}  // namespace podium::registry
