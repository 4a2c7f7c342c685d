#pragma once
// A TCP connect with a deadline. CAF 0.17's own connect blocks its caller for as long
// as the kernel retries SYNs (minutes towards a host behind a dead link); a broker
// must never block, so links connect through this on a thread of their own and hand
// the socket to the broker. No CAF here.
#include <cstdint>
#include <string>

#include "runtime/result.hpp"

namespace cairn {

// Resolves `host` (name or address) and connects to the first address that accepts
// within `timeout_ms` in all. Returns a connected socket with TCP_NODELAY set;
// errc::unavailable naming the endpoint and the reason otherwise.
result<int> tcp_connect(const std::string& host, uint16_t port, int64_t timeout_ms);

}  // namespace cairn
