#pragma once
// Paths in the cairn namespace: absolute, '/'-separated; names are 1..255 bytes,
// contain no '/' or NUL, and are not "." or "..".
#include <string>
#include <string_view>
#include <vector>

#include "runtime/result.hpp"

namespace cairn {

inline constexpr size_t name_bytes_max = 255;
inline constexpr size_t path_depth_max = 128;

status validate_name(std::string_view name);

// "/a/b/c" -> {"a","b","c"}; "/" -> {}. Repeated and trailing slashes are accepted.
// invalid_argument for relative paths and invalid names.
result<std::vector<std::string>> split_path(std::string_view path);

// {"a","b"} -> "/a/b"
std::string join_path(const std::vector<std::string>& parts);

}  // namespace cairn
