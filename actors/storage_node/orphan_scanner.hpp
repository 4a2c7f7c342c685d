#pragma once
// orphan_scanner: the storage node's walk over its own chunks in search of orphans,
// chunks no committed file references (the chunks of a put that never committed, a
// straggler replica written but never listed, a put that arrived after GC had deleted
// its chunk). Pure logic, like storage_node_state: it reads no store, clock or network.
// The shell reads the pages it asks for, sends the checks it yields to each chunk's
// home meta shard, stages the removes it yields, and reports every outcome back.
//
// A chunk is removed only when all of these hold:
//   - the page listing it was read at least grace_ms after the chunk was committed;
//   - no put of it was in the store's open batch when that page was read, nor staged
//     since (a put makes it a new chunk);
//   - its home meta shard answered referenced = false.
// Anything else (referenced, an error, a timeout, a put meanwhile) keeps the chunk,
// and the next pass asks again.
//
// Pacing: a pass walks every key once, in key order from the smallest, then the cursor
// wraps to the start. A pass starts once the previous one is over and scan_interval_ms
// after the previous one started. At most checks_max checks are in flight, and one
// round of work (a poll, or an answer) reads at most round_keys_max keys; past that the
// step asks to be polled again after the messages already queued.
//
// Contract with the shell: carry out a step's checks, removes and read in any order,
// hand the read's result to on_page() before the next poll() or on_answer(), and
// report every put staged in the store (on_put_staged) and every commit of its batch
// (on_batch_committed). Includes no CAF, LMDB, Cap'n Proto or spdlog header.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "actors/storage_node/chunk_store.hpp"
#include "runtime/ids.hpp"
#include "runtime/result.hpp"

namespace cairn {

struct orphan_scanner_config {
  int64_t grace_ms = 15 * 60 * 1000;     // a chunk younger than this is never checked
  int64_t scan_interval_ms = 60 * 1000;  // from the start of one pass to the next
  uint32_t checks_max = 16;              // checks in flight
  uint32_t page_keys_max = 256;          // keys per store read
  uint32_t round_keys_max = 4096;        // keys read per round of work
};

// What the home meta shard said about one chunk.
enum class chunk_verdict : uint8_t {
  referenced,    // a file still wants this node's copy: keep it
  unreferenced,  // no file wants it: delete it
  failed,        // no answer (error, timeout, an unexpected reply): keep it
};

struct scan_read {
  chunk_key after;  // chunk_store::scan(after, limit)
  size_t limit = 0;
};

struct orphan_scan_step {
  std::optional<scan_read> read;   // then hand the result to on_page()
  std::vector<chunk_key> checks;   // ask each chunk's home meta shard; answer via on_answer()
  std::vector<chunk_key> removes;  // stage in the store's batch; report via on_removed()
  bool poll_soon = false;          // work is left: poll() again after the messages queued now
  bool pass_done = false;          // a pass ended in this step
};

struct orphan_scanner_counters {
  uint64_t passes = 0;           // passes completed
  uint64_t scanned = 0;          // keys read from the store
  uint64_t checked = 0;          // checks sent
  uint64_t referenced = 0;       // checks answered referenced = true
  uint64_t orphans_found = 0;    // checks answered referenced = false: removes yielded
  uint64_t orphans_deleted = 0;  // removes committed while the chunk was there
  uint64_t check_errors = 0;     // checks that failed or timed out
  uint64_t rewritten = 0;        // unreferenced verdicts ignored: the chunk was put meanwhile
  uint64_t read_errors = 0;      // store reads that failed (the pass ends early)
  uint64_t delete_errors = 0;    // removes whose batch failed or that could not be staged
};

class orphan_scanner {
 public:
  // REQUIRES: checks_max, page_keys_max > 0; round_keys_max >= page_keys_max;
  // grace_ms >= 0; scan_interval_ms > 0.
  explicit orphan_scanner(orphan_scanner_config cfg);

  // Whether a pass is due to start at now_ms: cheap enough to ask on every message.
  bool due(int64_t now_ms) const { return !active_ && now_ms >= next_pass_ms_; }
  // Starts a pass when one is due, or continues the current one (after poll_soon).
  orphan_scan_step poll(int64_t now_ms);
  // The result of the last step's read, taken at now_ms from committed state.
  // REQUIRES: a read was asked for and not answered yet.
  orphan_scan_step on_page(const result<std::vector<stored_chunk_info>>& page, int64_t now_ms);
  // The verdict on a checked chunk. A key not in flight is ignored (a late duplicate).
  orphan_scan_step on_answer(const chunk_key& key, chunk_verdict verdict);

  // A put of `key` was staged in the store's open batch, accepted or not.
  void on_put_staged(const chunk_key& key);
  // The store's open batch committed or failed.
  void on_batch_committed() { staged_puts_.clear(); }
  // A remove from a step was committed (`existed`: the chunk was still there), or its
  // batch failed, or it could not be staged (committed = false).
  void on_removed(bool committed, bool existed);

  const orphan_scanner_counters& counters() const { return counters_; }
  bool pass_active() const { return active_; }
  size_t in_flight() const { return in_flight_.size(); }

 private:
  // Sends candidates while the window has room, then reads on within the round's budget.
  void advance(orphan_scan_step& step);
  void finish_pass_if_over(orphan_scan_step& step);

  orphan_scanner_config cfg_;
  bool active_ = false;
  int64_t pass_started_ms_ = 0;
  int64_t next_pass_ms_ = 0;  // the first pass starts at the first poll
  chunk_key cursor_;          // the last key read in this pass
  bool end_reached_ = false;  // this pass read its last page
  bool awaiting_page_ = false;
  bool poll_requested_ = false;          // a poll_soon is outstanding
  size_t round_keys_ = 0;                // keys read in the current round
  std::deque<chunk_key> candidates_;     // old enough, not yet asked about; <= one page
  std::map<chunk_key, bool> in_flight_;  // key -> a put of it was staged since
  std::set<chunk_key> staged_puts_;      // puts in the store's open batch
  orphan_scanner_counters counters_;
};

}  // namespace cairn
