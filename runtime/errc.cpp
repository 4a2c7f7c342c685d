#include "runtime/errc.hpp"

namespace cairn {

std::string_view to_string(errc code) {
  switch (code) {
    case errc::ok:
      return "ok";
    case errc::not_found:
      return "not_found";
    case errc::already_exists:
      return "already_exists";
    case errc::not_empty:
      return "not_empty";
    case errc::not_a_directory:
      return "not_a_directory";
    case errc::is_a_directory:
      return "is_a_directory";
    case errc::invalid_argument:
      return "invalid_argument";
    case errc::stale_epoch:
      return "stale_epoch";
    case errc::timeout:
      return "timeout";
    case errc::no_space:
      return "no_space";
    case errc::corrupt:
      return "corrupt";
    case errc::overloaded:
      return "overloaded";
    case errc::unavailable:
      return "unavailable";
    case errc::io_error:
      return "io_error";
    case errc::internal:
      return "internal";
  }
  return "unknown";
}

bool is_retryable(errc code) {
  switch (code) {
    case errc::timeout:
    case errc::overloaded:
    case errc::unavailable:
    case errc::stale_epoch:
    case errc::no_space:
      return true;
    default:
      return false;
  }
}

int exit_status(errc code) {
  // 1 is left for usage errors reported by the argument parser.
  return code == errc::ok ? 0 : 10 + static_cast<int>(code);
}

std::string error::to_string() const {
  std::string out{cairn::to_string(code)};
  if (!message.empty()) {
    out += ": ";
    out += message;
  }
  return out;
}

}  // namespace cairn
