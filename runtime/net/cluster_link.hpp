#pragma once
// A client's TCP connection to a cluster: a CAF io broker that takes
// (envelope_atom, correlation_id, frame) requests from local actors, writes the frame,
// and answers each request with the reply frame carrying the same correlation id.
// Correlation ids must be unique among a link's requests in flight. When the
// connection drops, every pending request fails with caf::sec::request_receiver_down
// and the link quits.
#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <string>

#include "runtime/result.hpp"

namespace cairn {

struct cluster_link_config {
  std::string host = "127.0.0.1";
  uint16_t port = 7400;
  size_t frame_bytes_max = 64u << 20;
  uint32_t inflight_max = 4096;
};

// REQUIRES: the actor system loaded caf::io::middleman.
result<caf::actor> connect_cluster_link(caf::actor_system& sys, const cluster_link_config& cfg);

}  // namespace cairn
