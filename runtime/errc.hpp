#pragma once
// Error codes shared by every role, the wire (wire::ErrorCode mirrors the values)
// and the CLI (each code maps to an exit status).
#include <cstdint>
#include <string>
#include <string_view>

namespace cairn {

enum class errc : uint8_t {
  ok = 0,
  not_found,
  already_exists,
  not_empty,
  not_a_directory,
  is_a_directory,
  invalid_argument,
  stale_epoch,
  timeout,
  no_space,
  corrupt,
  overloaded,
  unavailable,
  io_error,
  internal,
};
inline constexpr uint8_t errc_count = 15;

std::string_view to_string(errc code);

// True when the same request may succeed if retried later unchanged.
bool is_retryable(errc code);

// Process exit status the CLI uses for a code (0 only for ok).
int exit_status(errc code);

// An error code with a human-readable, one-line explanation.
struct error {
  errc code = errc::internal;
  std::string message;

  std::string to_string() const;
};

}  // namespace cairn
