#pragma once
// What every client operation shares: the actor it runs in, the link to the cluster,
// the cluster map, and `call`, which sends one request envelope and hands back the
// reply (an errorReply, a timeout or a lost link arrive as an error).
#include <caf/event_based_actor.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>

#include "runtime/config.hpp"
#include "runtime/cluster_map.hpp"
#include "runtime/envelope.hpp"
#include "runtime/rng.hpp"

namespace cairn {

struct client_options {
  uint32_t request_timeout_ms = 10000;
  size_t frame_bytes_max = 64u << 20;
  uint32_t chunk_window_max = 4;     // chunks of one file in flight (put and get)
  uint32_t straggler_grace_ms = 20;  // after min acks, wait this long for the rest
  uint64_t correlation_base = 1;     // unique per client sharing one link
  uint64_t seed = 0;                 // trace ids and read rotation
  std::string secret;                // the cluster secret; empty: no handshake
  tls_config tls;                    // set when the cluster speaks TLS
};

using reply = std::unique_ptr<envelope_reader>;
using reply_fn = std::function<void(result<reply>)>;

class client_context {
 public:
  client_context(caf::event_based_actor* self, caf::actor link, client_options opt);

  caf::event_based_actor* self() const { return self_; }
  const client_options& options() const { return opt_; }
  const cluster_map& map() const { return map_; }
  void set_map(cluster_map m) { map_ = std::move(m); }
  uint64_t new_trace_id() { return rng_.next() | 1; }
  uint64_t random(uint64_t bound) { return rng_.below(bound); }

  // Sends a `kind` request to `to`; fill(envelope_builder&) writes the payload.
  // done() receives the reply if its kind is kind+1, else the error it carries.
  void call(const address& to, wire::MessageKind kind, uint64_t trace,
            const std::function<void(envelope_builder&)>& fill, reply_fn done);

  // Runs fn after `delay` on the actor's clock (simulated time in a simulation).
  // The owning actor forwards (tick_atom, id) messages to fire().
  void after(std::chrono::milliseconds delay, std::function<void()> fn);
  void fire(uint64_t timer_id);
  // Drops pending timers: their closures hold operations that hold this context.
  void cancel_timers() { timers_.clear(); }

 private:
  caf::event_based_actor* self_;
  caf::actor link_;
  client_options opt_;
  cluster_map map_;
  uint64_t next_correlation_;
  rng rng_;
  uint64_t next_timer_ = 1;
  std::map<uint64_t, std::function<void()>> timers_;
};

}  // namespace cairn
