#pragma once
// The simulated network: one "NIC" actor per simulated host, registered in the
// registry under every address of that host in place of the real actor. Role code
// does not change: whoever looks an address up (the client's local_link, a meta
// shard sending GC deletes) sends its (envelope_atom, frame) request to the NIC, which
// asks the link model for the message's fate (lost, delayed, duplicated, blocked by a
// partition, held by a clog), delivers it to the real actor after that delay, and
// sends the reply back through the model the same way. A lost message is simply never
// answered: the sender's own request timeout fires, as it would over TCP.
//
// A crashed host's NIC drops everything; a message sent to a host before it crashed
// is not delivered to its next incarnation (its connection would have died).
#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <map>
#include <set>

#include "runtime/address.hpp"
#include "runtime/rng.hpp"
#include "sim/link_model.hpp"
#include "sim/trace_log.hpp"
#include "sim/sim_world.hpp"

namespace cairn {

struct network_counters {
  uint64_t requests = 0, replies = 0;
  uint64_t dropped = 0;     // by the link model (loss, partition)
  uint64_t duplicated = 0;  // extra copies delivered
  uint64_t host_down = 0;   // arrived at a crashed host or a later incarnation
  uint64_t undecodable = 0;
};

// Shared by every NIC of a run. Single-threaded: the simulation runs on one thread.
struct sim_network {
  sim_network(sim_world& world, link_model links, rng r, trace_log& trace)
      : world(world), links(std::move(links)), random(r), trace(trace) {}

  sim_world& world;
  link_model links;
  rng random;
  trace_log& trace;
  network_counters counters;

  // The real actor behind each address, while its host is up.
  std::map<std::pair<host_id, std::string>, caf::actor> targets;
  std::set<host_id> down;
  std::map<host_id, uint64_t> incarnation;

  void set_target(const address& a, caf::actor who) { targets[{a.host, a.actor}] = std::move(who); }
  void clear_targets(host_id host);
};

// The NIC of `host`. `net` must outlive it.
caf::actor spawn_nic(caf::actor_system& sys, sim_network& net, host_id host);

}  // namespace cairn
