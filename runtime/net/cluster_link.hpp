#pragma once
// A client's connection to a cluster (the CLI's): a peer link (peer_link.hpp) that does
// not reconnect, opened before this returns so a wrong address or secret is reported
// at once. Requests are (envelope_atom, correlation_id, frame) or (envelope_atom,
// frame); each is answered with its reply frame. When the connection drops, every
// pending request fails with caf::sec::request_receiver_down and the link quits.
#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <string>

#include "runtime/config.hpp"
#include "runtime/result.hpp"

namespace cairn {

struct cluster_link_config {
  std::string host = "127.0.0.1";
  uint16_t port = 7400;
  size_t frame_bytes_max = 64u << 20;
  uint32_t inflight_max = 4096;
  std::string secret;  // the cluster secret, when the cluster has one
  tls_config tls;      // client certificate and cluster CA, when the cluster uses TLS
  int64_t connect_timeout_ms = 5000;
};

// REQUIRES: the actor system loaded caf::io::middleman. errc::unavailable when the
// cluster cannot be reached; invalid_argument ("authentication failed: ...") when the
// handshake fails.
result<caf::actor> connect_cluster_link(caf::actor_system& sys, const cluster_link_config& cfg);

}  // namespace cairn
