#pragma once
// The actors of this process by address (host, name), and the routes to other hosts:
// how a role or a port finds the destination of an envelope, and later how the shell
// lists what runs where.
// Thread-safe: brokers and actors on any scheduler thread read it.
#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "runtime/envelope.hpp"

namespace cairn {

// Transport counters, shared by every broker of the process.
struct transport_counters {
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> connections_refused{0};
  std::atomic<uint64_t> connections_closed_bad_frame{0};
  std::atomic<uint64_t> frames_received{0};
  std::atomic<uint64_t> frames_rejected{0};
  // Cut by the port: refused over the per-IP cap; a failed or unfinished handshake;
  // silent past idle_timeout; a frame left half sent past frame_timeout.
  std::atomic<uint64_t> connections_refused_per_ip{0};
  std::atomic<uint64_t> handshakes_ok{0};
  std::atomic<uint64_t> handshakes_failed{0};
  std::atomic<uint64_t> connections_closed_idle{0};
  std::atomic<uint64_t> connections_closed_slow{0};
};

class registry {
 public:
  void put(const address& where, caf::actor who);
  void erase(const address& where);
  // Erases `where` only while it still names `who` (a restarted role may have taken it).
  void erase_if_held(const address& where, const caf::actor_addr& who);
  // The actor registered at `where`; failing that, the route to where.host (another
  // host's peer link, or for host 0 the way to the coordinator).
  std::optional<caf::actor> find(const address& where) const;
  // Multi-host: envelopes for `host` that no local actor takes go to `link`.
  void set_route(host_id host, caf::actor link);
  void erase_route(host_id host);
  std::vector<address> addresses() const;
  // Drops every handle. The registry holds strong references: an actor system
  // cannot finish shutting down detached actors while they are still registered.
  void clear();

  transport_counters& counters() { return counters_; }

 private:
  struct key_less {
    bool operator()(const address& a, const address& b) const {
      return a.host != b.host ? a.host < b.host : a.actor < b.actor;
    }
  };
  mutable std::mutex mutex_;
  std::map<address, caf::actor, key_less> actors_;
  std::map<host_id, caf::actor> routes_;
  transport_counters counters_;
};

// Takes `self` out of `reg` at `where` when it exits, however it exits.
// REQUIRES: `reg` outlives the actor.
void unregister_on_exit(caf::scheduled_actor* self, registry& reg, address where);

}  // namespace cairn
