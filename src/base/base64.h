// Base64 (RFC 4648): the standard alphabet with '=' padding, for binary data
// inside JSON (artifact uploads), and the URL-safe alphabet without padding,
// for opaque tokens in query strings (page tokens).
// Thread-safe (pure functions).
#ifndef PODIUM_BASE_BASE64_H_
#define PODIUM_BASE_BASE64_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace podium {

std::string Base64Encode(std::string_view bytes);
// kInvalidArgument naming the offset of the first character that is not
// base64, or for a length or padding that does not end the text properly.
Result<std::string> Base64Decode(std::string_view text);

std::string Base64UrlEncode(std::string_view bytes);
Result<std::string> Base64UrlDecode(std::string_view text);

}  // namespace podium

#endif  // PODIUM_BASE_BASE64_H_
