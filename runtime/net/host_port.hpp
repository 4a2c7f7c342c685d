#pragma once
// The TCP port every host listens on, for clients (the CLI) and peers (other hosts)
// alike: a CAF io broker that cuts the byte stream into envelope frames, routes each
// to the actor its destination names — a local one, or through the registry's route
// the peer link of another host — and writes the reply back on the same connection.
//
// Guarding it (docs/protocols.md, "Transport"):
// - With TLS configured, the bytes are TLS 1.3 (runtime/net/tls_session.hpp) and the
//   client must present a certificate of the cluster CA.
// - With a secret, a connection must complete the handshake (runtime/handshake.hpp)
//   within handshake_timeout_ms before any other frame is read; a failure is answered
//   with an errorReply naming it and the connection is closed.
// - Any malformed frame closes its connection; other connections are unaffected.
// - At most connections_max connections, connections_per_ip_max from one IP address.
// - A connection silent for idle_timeout_ms with nothing in flight is closed, and so is
//   one that leaves a frame half sent for frame_timeout_ms (a slow sender).
// Every cut is counted (registry transport_counters) and logged.
#include <caf/actor_system.hpp>

#include <cstdint>
#include <functional>
#include <string>

#include "runtime/handshake.hpp"
#include "runtime/net/registry.hpp"
#include "runtime/net/tls_session.hpp"
#include "runtime/result.hpp"

namespace cairn {

// A served request: its kind, the seconds from its arrival to its reply, and whether
// the reply was an error (metrics).
using request_observer = std::function<void(uint16_t kind, double seconds, bool failed)>;

struct host_port_config {
  std::string host = "127.0.0.1";
  uint16_t port = 7400;  // 0: any free port
  size_t frame_bytes_max = 5u << 20;
  uint32_t request_timeout_ms = 10000;  // local actor must answer within this
  uint32_t connections_max = 256;
  uint32_t connections_per_ip_max = 64;
  uint32_t inflight_per_connection_max = 1024;
  auth_identity identity;  // identity.secret empty: no handshake (one process, tests)
  // Set: every connection is TLS (docs/tls.md) under the handshake; plain ones fail.
  std::shared_ptr<tls_context> tls;
  int64_t handshake_timeout_ms = 5000;
  int64_t idle_timeout_ms = 10 * 60 * 1000;
  int64_t frame_timeout_ms = 30 * 1000;
  int64_t sweep_interval_ms = 1000;  // how often the timeouts are checked
  request_observer observe;          // optional
};

struct host_port_handle {
  caf::actor broker;
  uint16_t port = 0;  // the port actually bound
};

// REQUIRES: the actor system loaded caf::io::middleman. `reg` must outlive the broker.
// The broker also answers (stop_accepting_atom): closes the listening socket and
// keeps serving open connections; (inflight_atom) -> uint32_t requests being served;
// (stop_atom): quits.
result<host_port_handle> spawn_host_port(caf::actor_system& sys, registry& reg,
                                         const host_port_config& cfg);

}  // namespace cairn
