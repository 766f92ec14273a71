// Internal to the importers: how they show text from a model file in an
// error message.
#ifndef PODIUM_FORMATS_MESSAGE_H_
#define PODIUM_FORMATS_MESSAGE_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace podium::formats_internal {

// 'text', cut after 60 characters ("..."): a long value from a file must not
// flood the message that names it.
inline std::string Quote(std::string_view text) {
  constexpr size_t kMaxShown = 60;
  std::string out = "'";
  out.append(text.substr(0, kMaxShown));
  if (text.size() > kMaxShown) out += "...";
  return out + "'";
}

}  // namespace podium::formats_internal

#endif  // PODIUM_FORMATS_MESSAGE_H_
