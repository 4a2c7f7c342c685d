#include "runtime/path.hpp"

namespace cairn {

status validate_name(std::string_view name) {
  if (name.empty()) return error{errc::invalid_argument, "empty name"};
  if (name.size() > name_bytes_max)
    return error{errc::invalid_argument, "name longer than 255 bytes"};
  if (name == "." || name == "..")
    return error{errc::invalid_argument, "\"" + std::string(name) + "\" is not a valid name"};
  for (char c : name)
    if (c == '/' || c == '\0')
      return error{errc::invalid_argument, "names must not contain '/' or NUL"};
  return ok_status();
}

result<std::vector<std::string>> split_path(std::string_view path) {
  if (path.empty() || path.front() != '/')
    return error{errc::invalid_argument, "path \"" + std::string(path) + "\" must start with /"};
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = i;
    while (j < path.size() && path[j] != '/') ++j;
    if (j > i) {
      auto name = path.substr(i, j - i);
      if (auto st = validate_name(name); !st)
        return error{errc::invalid_argument,
                     "in \"" + std::string(path) + "\": " + st.err().message};
      parts.emplace_back(name);
      if (parts.size() > path_depth_max)
        return error{errc::invalid_argument, "path deeper than 128 components"};
    }
    i = j;
  }
  return parts;
}

std::string join_path(const std::vector<std::string>& parts) {
  if (parts.empty()) return "/";
  std::string out;
  for (auto& p : parts) out += "/" + p;
  return out;
}

}  // namespace cairn
