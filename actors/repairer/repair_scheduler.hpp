#pragma once
// repair_scheduler: decides which chunk repairs a repairer starts. Pure: the queue, the
// cluster map, the time and the rng are passed in; the shell sends and reports the
// outcomes back. It owns the in-flight window, the per-chunk backoff, the bandwidth
// token bucket, the choice of target and sources, and the counters.
//
// Invariants it keeps (tests/unit/repair_scheduler_test.cpp):
// - at most inflight_max repairs in flight, at most one per chunk;
// - a target is a storage host that is placeable() in the map and holds no record of
//   the chunk — or, only when there is none such, a host whose record is corrupt or
//   offline (the copy overwrites its bytes); a rack already holding a live replica is used only
//   when no other rack has a candidate;
// - sources are replicas that are live on a reachable() host, then offline replicas on
//   draining hosts; never a corrupt or missing replica, never an unreachable host;
// - nothing starts while the map is older than an epoch the shard is known to hold.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "actors/repairer/repair_types.hpp"
#include "runtime/cluster_map.hpp"
#include "runtime/errc.hpp"
#include "runtime/rng.hpp"

namespace cairn {

struct repair_scheduler_config {
  size_t inflight_max = 8;                   // chunk copies awaiting their outcome
  uint64_t bandwidth = uint64_t{256} << 20;  // bytes per second; also the bucket's size
  uint32_t page_entries_max = 256;           // queue entries asked for per read
  size_t pages_per_pass_max = 16;            // queue pages read back to back, then wait a tick
  int64_t backoff_initial_ms = 1000;         // after the first failure in a row; doubles
  int64_t backoff_max_ms = 60000;
  int64_t throughput_window_ms = 60000;  // the ETA looks at repairs done this recently
  size_t tracked_max = 65536;            // chunks remembered (backoff, done, unrepairable)
};

// One repair to carry out: chunkReplicate to `target` (copy from `sources`, in order),
// then replicaAdd{chunk, target, crc, epoch} to the shard.
struct repair_start {
  chunk_key chunk;
  uint32_t length = 0;
  uint32_t crc = 0;
  host_id target = 0;
  std::vector<host_id> sources;
  uint64_t epoch = 0;  // the map epoch the target was chosen under
};

struct repair_counters {
  uint64_t started = 0;
  uint64_t done = 0;
  uint64_t failed = 0;        // outcomes other than done (stale epochs included)
  uint64_t stale_epoch = 0;   // of which the shard's map was newer
  uint64_t bytes_copied = 0;  // of done repairs
  uint64_t unrepairable = 0;  // chunks seen without any source (recently: see below)
  uint64_t unplaceable = 0;   // chunks seen without any possible target
  uint64_t queue_total = 0;   // the shard's queue length at the last read
  uint64_t inflight = 0;
};

// What one page of the queue led to.
struct repair_plan {
  std::vector<repair_start> starts;
  bool read_more = false;  // read the next page now (capacity left, the queue goes on)
};

class repair_scheduler {
 public:
  explicit repair_scheduler(repair_scheduler_config cfg);

  // The next queue page to ask for, and the ticket to hand back to plan(). A pass over
  // the queue starts at its head (highest priority), unless the previous pass stopped
  // on pages_per_pass_max: then it goes on where that one stopped.
  struct page_read {
    uint64_t ticket = 0;
    repair::queue_request request;
  };
  page_read begin_read();
  // The read failed (timeout, error reply): the pass ends; the next starts at the head.
  void read_failed();

  // Decides which entries of `page` to repair now, in queue order (fewest live first),
  // under `map`. Entries in flight, in backoff, or done since `ticket` was issued are
  // skipped. REQUIRES: `ticket` came from begin_read().
  repair_plan plan(uint64_t ticket, const repair::queue_reply& page, const cluster_map& map,
                   int64_t now_ms, rng& r);

  // The copy and the replicaAdd both succeeded.
  void on_done(const chunk_key& chunk, int64_t now_ms);
  // The repair failed with `code`; `copied` when the target holds the bytes (the
  // replicaAdd failed). stale_epoch: nothing starts again before a newer map; any other
  // code backs the chunk off, 1 s doubling per failure in a row up to 60 s, jittered.
  void on_failed(const chunk_key& chunk, errc code, bool copied, int64_t now_ms, rng& r);

  bool has_capacity() const { return inflight_ < cfg_.inflight_max; }
  // True while the map is older than the newest epoch seen from the shard.
  bool waiting_for_map(const cluster_map& map) const { return map.epoch < epoch_needed_; }
  // When `chunk` may be retried; nullopt when it is not backing off.
  std::optional<int64_t> retry_at_ms(const chunk_key& chunk) const;
  const repair_counters& counters() const { return counters_; }
  // Time to drain the queue at the throughput of the last throughput_window_ms;
  // nullopt before any repair finished in that window.
  std::optional<int64_t> eta_ms(int64_t now_ms) const;

 private:
  struct chunk_status {
    bool inflight = false;
    host_id target = 0;   // in flight: where it copies to
    uint32_t length = 0;  // in flight: bytes
    uint64_t epoch = 0;   // in flight: the map epoch
    uint32_t failures = 0;
    int64_t retry_at_ms = 0;
    std::optional<host_id> reuse_target;  // holds a copy the shard has not recorded yet
    std::set<host_id> bad_targets;        // copies to these failed: others first
  };

  bool blocked(const chunk_key& chunk, uint64_t ticket, int64_t now_ms) const;
  std::vector<host_id> sources_of(const repair::entry& e, const cluster_map& map, rng& r) const;
  std::optional<host_id> target_of(const repair::entry& e, const cluster_map& map, rng& r) const;
  bool take_tokens(uint32_t bytes, int64_t now_ms);
  void note(std::map<chunk_key, int64_t>& seen, const chunk_key& chunk, bool member,
            int64_t now_ms);
  void end_pass(bool resume);
  void forget_old(uint64_t ticket, int64_t now_ms);

  repair_scheduler_config cfg_;
  std::map<chunk_key, chunk_status> chunks_;
  std::map<chunk_key, uint64_t> done_at_ticket_;  // pages asked before this are stale for it
  // Chunks seen without a source / without a target, and when; forgotten when seen
  // repairable, or when not seen so for 2 * backoff_max_ms.
  std::map<chunk_key, int64_t> unrepairable_, unplaceable_;
  size_t inflight_ = 0;
  uint64_t epoch_needed_ = 0;
  uint64_t tickets_ = 0;
  std::optional<repair::cursor> cursor_;  // where the current or next read starts
  size_t pass_pages_ = 0;
  bool in_pass_ = false;
  double tokens_ = 0;
  int64_t tokens_at_ms_ = 0;
  bool tokens_started_ = false;
  std::deque<int64_t> done_times_ms_;  // repairs done within the throughput window
  repair_counters counters_;
};

}  // namespace cairn
