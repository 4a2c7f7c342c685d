#pragma once
// A connection to one host (a peer, or the cluster for the CLI): a CAF io broker that
// takes (envelope_atom, frame) requests from local actors — the same message a local
// actor would get, so the registry can hand a link out as the route to a host — writes
// them to TCP and answers each with the reply frame that comes back.
//
//   connecting --socket--> handshaking --proofs match--> open
//        ^                                                 | connection lost
//        +------------------ backoff (100 ms .. 5 s) <-----+
//
// - Connects on a thread of its own (tcp_connect), never blocking the broker.
// - Speaks TLS when given a context, under the frames.
// - Runs the client side of the handshake (runtime/handshake.hpp) when given a secret,
//   and checks the server is the host it expected.
// - Requests wait while connecting or handshaking (bounded by queue_bytes_max, like the
//   bytes not yet taken by the socket when open: a slow peer cannot exhaust memory;
//   past it a request fails with `overloaded`). In backoff they fail at once, so
//   callers see a dead peer as quickly as a refused connection. A lost connection fails
//   every request in flight (caf::sec::request_receiver_down): the protocols' timeouts.
// - Replies are matched by (reply destination, correlation id): several local actors
//   share a link and their correlation ids are only unique per sender.
// - reconnect = false (the CLI): the link quits instead of backing off.
#include <caf/fwd.hpp>

#include <cstdint>
#include <string>

#include "runtime/handshake.hpp"
#include "runtime/net/tls_session.hpp"
#include "runtime/result.hpp"

namespace cairn {

struct peer_link_config {
  std::string host = "127.0.0.1";
  uint16_t port = 7400;
  auth_identity identity;            // identity.secret empty: no handshake
  host_id expect_host = 0;           // nonzero: the server must be this host
  std::shared_ptr<tls_context> tls;  // set: TLS under the handshake (docs/tls.md)
  size_t frame_bytes_max = 64u << 20;
  uint32_t inflight_max = 4096;
  uint64_t queue_bytes_max = 64u << 20;
  bool reconnect = true;
  int64_t connect_timeout_ms = 3000;
  int64_t backoff_min_ms = 100;
  int64_t backoff_max_ms = 5000;
  std::string name;  // for logs: "host 3" or "seed 10.0.0.1:7400"
};

// REQUIRES: the actor system loaded caf::io::middleman. Returns at once; the link
// connects in the background. (caf::get_atom) answers once the link is open, or with
// the error that made it give up (reconnect = false) — for callers that must know.
caf::actor spawn_peer_link(caf::actor_system& sys, const peer_link_config& cfg);

}  // namespace cairn
