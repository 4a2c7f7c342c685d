#pragma once
// gc_planner: decides which chunk deletions to send to storage nodes. Pure: it reads
// the gc queue through a meta_txn and tracks what is in flight; the shell sends and
// reports the answers back. A (chunk, host) pair is removed from the queue (through an
// internal gc_done_request write) only once the host confirmed the deletion, where
// "not found" also counts as done.
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "actors/meta_shard/meta_messages.hpp"
#include "actors/meta_shard/meta_store.hpp"

namespace cairn {

struct gc_planner_config {
  size_t inflight_max = 64;  // chunk deletions awaiting an answer
  size_t scan_max = 256;     // gc entries read per plan()
  int64_t retry_ms = 5000;   // a host that failed gets nothing before this passes
};

struct chunk_delete_send {
  chunk_key chunk;
  host_id host = 0;
  friend auto operator<=>(const chunk_delete_send&, const chunk_delete_send&) = default;
};

class gc_planner {
 public:
  explicit gc_planner(gc_planner_config cfg) : cfg_(cfg) {}

  // Deletions to send now. Reads at most scan_max queue entries, continuing where the
  // previous call stopped (wrapping around), so entries stuck on a down host do not
  // starve the rest.
  result<std::vector<chunk_delete_send>> plan(meta_txn& txn, int64_t now_ms);

  // The host answered: done (deleted, or had no such chunk) yields the write that
  // removes the pair from the queue; a failure backs the host off for retry_ms. The
  // pair stays in flight until released, so it is not sent twice meanwhile.
  std::optional<gc_done_request> on_answer(const chunk_delete_send& s, bool done, int64_t now_ms);
  // The gc_done write for s committed (or failed): s may be planned again if still queued.
  void release(const chunk_delete_send& s) { inflight_.erase(s); }

  size_t inflight() const { return inflight_.size(); }

 private:
  gc_planner_config cfg_;
  std::set<chunk_delete_send> inflight_;
  std::map<host_id, int64_t> backoff_until_ms_;
  std::optional<chunk_key> cursor_;
};

}  // namespace cairn
