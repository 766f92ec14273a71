// Internal to module expr: the tokenizer. Tokens are produced on demand so
// that the leftmost error in the text is the one reported.
#ifndef PODIUM_EXPR_LEXER_H_
#define PODIUM_EXPR_LEXER_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace podium::expr::internal {

enum class TokenKind {
  kEnd,
  kNumber,            // `number`
  kString,            // decoded value in `text`
  kIdentifier,        // plain name in `text`
  kQuotedIdentifier,  // backquoted name in `text`, quotes removed
  // Keywords.
  kAnd, kElse, kFalse, kIf, kIn, kNot, kOr, kThen, kTrue,
  // Punctuation and operators.
  kLeftParen, kRightParen, kComma, kPlus, kMinus, kStar, kSlash,
  kEq, kNe, kLt, kLe, kGt, kGe,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string_view raw;  // the token's source text
  std::string text;
  double number = 0;
  int column = 1;
};

// For error messages: "end of expression", "number 12", "'then'", ...
std::string DescribeToken(const Token& token);

// Is `word` a keyword ("and", "if", ...)?
bool IsKeyword(std::string_view word);

class Lexer {
 public:
  // `text` must outlive the lexer and the tokens it returns.
  explicit Lexer(std::string_view text) : text_(text) {}

  // The next token, kEnd once the text is consumed.
  Result<Token> Next();

 private:
  Result<Token> LexNumber(std::size_t start);
  Result<Token> LexString(std::size_t start);
  Result<Token> LexQuotedIdentifier(std::size_t start);
  Token LexWord(std::size_t start);
  Token Make(TokenKind kind, std::size_t start);
  Status ErrorAtOffset(std::size_t offset, std::string_view message);
  // 1-based column (in UTF-8 characters) of byte `offset`.
  int ColumnOf(std::size_t offset);

  std::string_view text_;
  std::size_t pos_ = 0;
  // Memo for ColumnOf: the column of byte offset `memo_offset_`.
  std::size_t memo_offset_ = 0;
  int memo_column_ = 1;
};

}  // namespace podium::expr::internal

#endif  // PODIUM_EXPR_LEXER_H_
