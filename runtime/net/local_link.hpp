#pragma once
// A link to the actors of this process: takes (envelope_atom, correlation, frame) like
// cluster_link, but delivers the frame to the registered actor its destination names
// instead of writing it to TCP. Lets the client library run against an in-process
// cluster (tests, embedding) through exactly the code it uses over the network.
#include <caf/fwd.hpp>

#include "runtime/net/registry.hpp"

namespace cairn {

struct local_link_config {
  size_t frame_bytes_max = 64u << 20;
  uint32_t request_timeout_ms = 10000;
};

// `reg` must outlive the link.
caf::actor spawn_local_link(caf::actor_system& sys, registry& reg, const local_link_config& cfg);

// The registered actor a frame is addressed to, with the frame's header.
// corrupt: the frame does not open. `destination` is null when nobody has the address.
struct routed_frame {
  caf::actor destination;
  envelope_header header;
  std::string frame;
};
error no_such_actor(const address& a);
result<routed_frame> route_frame(const registry& reg, std::string frame, size_t frame_bytes_max);

}  // namespace cairn
