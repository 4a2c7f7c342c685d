#pragma once
// Internal to the storage node's CAF shell: the actor's state and the helpers its
// source files share (storage_node_actor.cpp: requests, group commit, orphan scan;
// storage_node_replicate.cpp: chunkReplicate; storage_node_scrub.cpp: the scrub and
// corruption reports; storage_node_announce.cpp: the new-disk notice). Not for use
// outside actors/storage_node.
#include <caf/all.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/storage_node/orphan_scanner.hpp"
#include "actors/storage_node/scrubber.hpp"
#include "actors/storage_node/storage_codec.hpp"
#include "actors/storage_node/storage_node_actor.hpp"
#include "actors/storage_node/storage_node_state.hpp"
#include "runtime/log.hpp"
#include "runtime/net/atoms.hpp"

namespace cairn {

// To itself: the orphan scan has work left after the messages queued now.
using scan_atom = caf::atom_constant<caf::atom("scan")>;
// To itself: the scrub has work left after the messages queued now.
using scrub_atom = caf::atom_constant<caf::atom("scrub")>;

// A staged put or delete waiting for its batch: a client's request (answered through
// the promise), or work of the node's own (an orphan remove, a replicated chunk) whose
// outcome goes to `done` instead.
struct pending_reply {
  caf::response_promise promise;
  envelope_header request;
  std::function<void(const op_reply&)> done;
};

struct held_batch {
  uint64_t id = 0;
  std::vector<op_reply> replies;
  bool synced = false;  // its sync time has passed; it leaves once every earlier one has
};

// One chunkReplicate in progress, and every request for the same chunk and crc that
// arrived meanwhile: they are answered together, and the chunk is written once.
struct replicate_op {
  struct waiter {
    caf::response_promise promise;
    envelope_header request;
  };
  chunk_replicate_request request;
  std::vector<waiter> waiters;
  size_t next_source = 0;   // index into request.sources
  uint32_t answers = 0;     // sources that answered at all
  uint32_t bad_copies = 0;  // answers whose bytes failed the CRC (or were corrupt there)
  std::string failures;     // per source, for the error message
  host_id source = 0;       // the source whose bytes are being stored
  bool storing = false;     // staged in the open batch: waiting for its commit
};

struct storage_actor_state {
  storage_node_options opt;
  std::unique_ptr<chunk_store> store;  // closed when the state is destroyed at exit
  storage_node_state logic;
  std::unordered_map<uint64_t, pending_reply> pending;
  // Replies leave in commit order: a batch waits behind every earlier held one.
  // Empty unless the store reports a sync latency (simulation only).
  std::deque<held_batch> held;
  uint64_t last_held_id = 0;
  registry* reg = nullptr;
  address self_address;
  std::optional<orphan_scanner> scanner;  // set when opt.shard_hosts is not empty
  orphan_scanner_counters scan_logged;    // scanner counters at the last pass's log line
  std::optional<scrubber> scrub;          // set when opt.shard_hosts is not empty
  scrubber_counters scrub_logged;         // scrub counters at the last pass's log line
  std::map<chunk_key, replicate_op> replicating;
  uint64_t map_epoch = 0;  // the newest cluster map epoch pushed to this node
  // Correlation ids of the requests the node sends. Meta shards answer a repeated
  // (source, correlation, trace, kind) from their duplicate filter, so two different
  // requests must never share one.
  uint64_t next_correlation = 0;
  // Started with an empty store: the meta shards that have not yet confirmed they
  // stopped counting this host's old replicas (storage_node_announce.cpp).
  std::set<shard_id> wipe_unconfirmed;
  std::set<shard_id> wipe_asking;  // a notice is in flight
  int64_t wipe_due_ms = 0;         // the next round of notices
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "storage_node";
};

using storage_actor = caf::stateful_actor<storage_actor_state>;

// Committed batches whose replies wait for a slow sync; past this, new writes are
// refused with overloaded.
inline constexpr size_t held_batches_max = 1024;

int64_t now_ms(storage_actor* self);
void carry_out(storage_actor* self, const batch_effects& effects);
// Stages a write of the node's own (no client waits on it) and carries out the effects;
// `done` gets its outcome once its batch committed or failed (possibly at once).
void stage_own_put(storage_actor* self, const chunk_key& key, std::string_view bytes,
                   std::function<void(const op_reply&)> done);
// A put, replicate or orphan check would be held behind too many slow syncs.
std::optional<std::string> refuse_when_held_full(storage_actor* self, const envelope_header& h);
caf::result<std::string> malformed(storage_actor* self, const envelope_header& h, const error& why);

// storage_node_announce.cpp
// Called once at start: an empty store means a new or wiped disk, which every meta shard
// must hear of (their replicas on this host are gone).
void announce_if_empty(storage_actor* self);
// Sends the notices that are due; the shell asks after every message and when idle.
void announce_if_due(storage_actor* self);

// storage_node_replicate.cpp
caf::result<std::string> on_replicate(storage_actor* self, const envelope_reader& env);

// storage_node_scrub.cpp
// Runs the scrub when it is due; the shell asks after every message and when idle.
void scrub_if_due(storage_actor* self);
// Continues the scrub after a scrub_atom.
void continue_scrub(storage_actor* self);
// A client's get found `key` corrupt: report it to the home shard, once.
void report_corrupt_read(storage_actor* self, const chunk_key& key);
// The coordinator's map push: keeps the newest epoch and its shard hosts.
caf::result<std::string> on_map_update(storage_actor* self, const envelope_reader& env);

}  // namespace cairn
