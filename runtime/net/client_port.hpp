#pragma once
// The TCP port clients connect to: a CAF io broker that cuts the byte stream into
// envelope frames, routes each to the local actor named by its destination, and
// writes the actor's reply frame back on the same connection. Any malformed frame
// closes its connection (counted and logged); other connections are unaffected.
#include <caf/actor_system.hpp>

#include <cstdint>
#include <string>

#include "runtime/net/registry.hpp"
#include "runtime/result.hpp"

namespace cairn {

struct client_port_config {
  std::string host = "127.0.0.1";
  uint16_t port = 7400;  // 0: any free port
  size_t frame_bytes_max = 5u << 20;
  uint32_t request_timeout_ms = 10000;  // local actor must answer within this
  uint32_t connections_max = 256;
  uint32_t inflight_per_connection_max = 1024;
};

struct client_port_handle {
  caf::actor broker;
  uint16_t port = 0;  // the port actually bound
};

// REQUIRES: the actor system loaded caf::io::middleman. `reg` must outlive the broker.
result<client_port_handle> spawn_client_port(caf::actor_system& sys, registry& reg,
                                             const client_port_config& cfg);

}  // namespace cairn
