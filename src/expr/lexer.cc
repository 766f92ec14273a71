#include "expr/lexer.h"

#include <charconv>
#include <cstdio>
#include <string>
#include <system_error>

#include "expr/internal.h"

namespace podium::expr::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsWordChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '.'; }
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

// "'x'" for a printable character, "byte 0xNN" otherwise.
std::string DescribeChar(char c) {
  if (c >= 0x20 && c < 0x7f) return std::string("'") + c + "'";
  char buf[16];
  std::snprintf(buf, sizeof buf, "byte 0x%02X", static_cast<unsigned char>(c));
  return buf;
}

struct Keyword {
  std::string_view word;
  TokenKind kind;
};
constexpr Keyword kKeywords[] = {
    {"and", TokenKind::kAnd},   {"else", TokenKind::kElse},
    {"false", TokenKind::kFalse}, {"if", TokenKind::kIf},
    {"in", TokenKind::kIn},     {"not", TokenKind::kNot},
    {"or", TokenKind::kOr},     {"then", TokenKind::kThen},
    {"true", TokenKind::kTrue},
};

}  // namespace

bool IsKeyword(std::string_view word) {
  for (const Keyword& keyword : kKeywords) {
    if (keyword.word == word) return true;
  }
  return false;
}

std::string DescribeToken(const Token& token) {
  const std::string raw = Shorten(token.raw);
  switch (token.kind) {
    case TokenKind::kEnd:
      return "end of expression";
    case TokenKind::kNumber:
      return "number " + raw;
    case TokenKind::kString:
      return "string " + raw;
    default:
      return "'" + raw + "'";
  }
}

int Lexer::ColumnOf(std::size_t offset) {
  if (offset < memo_offset_) {
    memo_offset_ = 0;
    memo_column_ = 1;
  }
  for (; memo_offset_ < offset && memo_offset_ < text_.size(); ++memo_offset_) {
    // Count every byte except UTF-8 continuation bytes (10xxxxxx).
    if ((static_cast<unsigned char>(text_[memo_offset_]) & 0xC0) != 0x80) {
      ++memo_column_;
    }
  }
  return memo_column_;
}

Status Lexer::ErrorAtOffset(std::size_t offset, std::string_view message) {
  return ErrorAt(ColumnOf(offset), message);
}

Token Lexer::Make(TokenKind kind, std::size_t start) {
  Token token;
  token.kind = kind;
  token.raw = text_.substr(start, pos_ - start);
  token.column = ColumnOf(start);
  return token;
}

Result<Token> Lexer::Next() {
  while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
  const std::size_t start = pos_;
  if (pos_ == text_.size()) return Make(TokenKind::kEnd, start);

  const char c = text_[pos_];
  const char next = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
  if (IsDigit(c) || (c == '.' && IsDigit(next))) return LexNumber(start);
  if (c == '"' || c == '\'') return LexString(start);
  if (c == '`') return LexQuotedIdentifier(start);
  if (IsAlpha(c)) return LexWord(start);

  auto op = [&](TokenKind kind, std::size_t length) {
    pos_ += length;
    return Make(kind, start);
  };
  switch (c) {
    case '(': return op(TokenKind::kLeftParen, 1);
    case ')': return op(TokenKind::kRightParen, 1);
    case ',': return op(TokenKind::kComma, 1);
    case '+': return op(TokenKind::kPlus, 1);
    case '-': return op(TokenKind::kMinus, 1);
    case '*': return op(TokenKind::kStar, 1);
    case '/': return op(TokenKind::kSlash, 1);
    case '<':
      return next == '=' ? op(TokenKind::kLe, 2) : op(TokenKind::kLt, 1);
    case '>':
      return next == '=' ? op(TokenKind::kGe, 2) : op(TokenKind::kGt, 1);
    case '=':
      if (next == '=') return op(TokenKind::kEq, 2);
      return ErrorAtOffset(start, "unexpected '='; use '==' to compare");
    case '!':
      if (next == '=') return op(TokenKind::kNe, 2);
      return ErrorAtOffset(start, "unexpected '!'; use 'not' or '!='");
    case '&':
      return ErrorAtOffset(start, "unexpected '&'; use 'and'");
    case '|':
      return ErrorAtOffset(start, "unexpected '|'; use 'or'");
    default:
      return ErrorAtOffset(start, "unexpected character " + DescribeChar(c));
  }
}

Result<Token> Lexer::LexNumber(std::size_t start) {
  auto digits = [&] {
    while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
  };
  digits();
  if (pos_ < text_.size() && text_[pos_] == '.') {
    ++pos_;
    digits();
  }
  bool malformed = false;
  if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
    ++pos_;
    if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) {
      ++pos_;
    }
    const std::size_t exponent = pos_;
    digits();
    malformed = pos_ == exponent;
  }
  // A number running into a name ("12abc", "1.2.3") is one malformed token.
  while (pos_ < text_.size() && IsWordChar(text_[pos_])) {
    malformed = true;
    ++pos_;
  }
  Token token = Make(TokenKind::kNumber, start);
  if (malformed) {
    return ErrorAtOffset(start, "malformed number '" + std::string(token.raw) + "'");
  }
  const char* first = token.raw.data();
  const char* last = first + token.raw.size();
  auto [end, ec] = std::from_chars(first, last, token.number);
  if (ec == std::errc::result_out_of_range) {
    return ErrorAtOffset(start, "number " + std::string(token.raw) +
                                    " is out of the range of a double");
  }
  if (ec != std::errc() || end != last) {
    return ErrorAtOffset(start, "malformed number '" + std::string(token.raw) + "'");
  }
  return token;
}

Result<Token> Lexer::LexString(std::size_t start) {
  const char quote = text_[pos_++];
  std::string value;
  while (true) {
    if (pos_ >= text_.size()) return ErrorAtOffset(start, "unterminated string");
    const char c = text_[pos_];
    if (c == quote) {
      ++pos_;
      break;
    }
    if (c != '\\') {
      value += c;
      ++pos_;
      continue;
    }
    if (pos_ + 1 >= text_.size()) {
      return ErrorAtOffset(start, "unterminated string");
    }
    const char escaped = text_[pos_ + 1];
    switch (escaped) {
      case '"': case '\'': case '\\': value += escaped; break;
      case 'n': value += '\n'; break;
      case 't': value += '\t'; break;
      default:
        return ErrorAtOffset(
            pos_, "unknown escape \\" + std::string(1, escaped) +
                      " in string (known: \\\" \\' \\\\ \\n \\t)");
    }
    pos_ += 2;
  }
  Token token = Make(TokenKind::kString, start);
  token.text = std::move(value);
  return token;
}

Result<Token> Lexer::LexQuotedIdentifier(std::size_t start) {
  ++pos_;
  std::string name;
  while (true) {
    if (pos_ >= text_.size()) {
      return ErrorAtOffset(start, "unterminated backquoted name");
    }
    const char c = text_[pos_++];
    if (c != '`') {
      name += c;
    } else if (pos_ < text_.size() && text_[pos_] == '`') {
      name += '`';  // `` stands for one backquote
      ++pos_;
    } else {
      break;
    }
  }
  if (name.empty()) return ErrorAtOffset(start, "empty backquoted name");
  Token token = Make(TokenKind::kQuotedIdentifier, start);
  token.text = std::move(name);
  return token;
}

Token Lexer::LexWord(std::size_t start) {
  while (pos_ < text_.size() && IsWordChar(text_[pos_])) ++pos_;
  Token token = Make(TokenKind::kIdentifier, start);
  for (const Keyword& keyword : kKeywords) {
    if (token.raw == keyword.word) token.kind = keyword.kind;
  }
  if (token.kind == TokenKind::kIdentifier) token.text = std::string(token.raw);
  return token;
}

}  // namespace podium::expr::internal
