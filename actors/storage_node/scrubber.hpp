#pragma once
// scrubber: the storage node's background walk that reads every chunk it holds and
// verifies its CRC32C, so that a copy gone bad on disk is found before a client needs
// it. Pure logic, like orphan_scanner: it reads no store, clock or network. The shell
// reads the pages and chunks it asks for (through chunk_store, whose get() verifies
// the CRC and answers corrupt on a mismatch), sends the corruption reports it yields to
// each chunk's home meta shard, and reports every outcome back.
//
// Pacing:
//   - a pass walks every committed key once, in key order from the smallest; a pass
//     starts interval_ms after the previous one started, or at once when that one ends
//     later; the first pass starts at the first poll;
//   - reads are paced by a token bucket of rate_bytes_per_s, holding at most one second
//     of tokens: a chunk is read only while the bucket is not in debt, and its bytes are
//     then taken from it (a chunk larger than the bucket leaves it in debt, so the long
//     run rate stays bounded; every read costs at least 4 KiB). When the bucket is in
//     debt the step names wake_ms;
//   - one round of work reads at most round_keys_max keys and round_bytes_max chunk
//     bytes; past that the step asks to be polled again after the messages queued now.
//
// Corruption: a chunk read as corrupt is counted and reported (at most reports_max in
// flight). A report the shard accepted is not sent again while the chunk stays bad; one
// that failed is sent again when a later pass finds the chunk bad again. The bytes are
// kept: the meta shard deletes the copy (GC) once repair restored the chunk elsewhere.
// A chunk read as corrupt by a client's get is reported the same way, once.
//
// Contract with the shell: carry out a step's reports, then its read or verify, and hand
// that result to on_page() / on_verified() before the next poll(); report every chunk
// written again (on_rewritten). Includes no CAF, LMDB, Cap'n Proto or spdlog header.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <vector>

#include "actors/storage_node/chunk_store.hpp"
#include "actors/storage_node/orphan_scanner.hpp"
#include "runtime/ids.hpp"
#include "runtime/result.hpp"

namespace cairn {

struct scrubber_config {
  uint64_t rate_bytes_per_s = uint64_t{32} << 20;  // chunk bytes read per second
  int64_t interval_ms = 24 * 60 * 60 * 1000;       // from the start of one pass to the next
  uint32_t page_keys_max = 256;                    // keys per store read
  uint32_t round_keys_max = 4096;                  // keys read per round of work
  uint64_t round_bytes_max = uint64_t{16} << 20;   // chunk bytes read per round of work
  uint32_t reports_max = 16;                       // reports in flight
  size_t reported_max = 65536;                     // accepted reports remembered
};

// How a chunk read went (chunk_store::get).
enum class scrub_outcome : uint8_t {
  ok,       // the bytes matched their CRC32C
  corrupt,  // they did not (or the record did not match the index)
  missing,  // the chunk was deleted since its page was read
  failed,   // the read failed (io_error): neither good nor bad
};

// What became of a corruption report.
enum class report_outcome : uint8_t {
  accepted,  // the home shard answered it
  failed,    // no answer, an error, no such shard: send it again when found bad again
};

struct scrub_step {
  std::optional<scan_read> read;    // chunk_store::scan, then on_page()
  std::optional<chunk_key> verify;  // chunk_store::get, then on_verified()
  std::vector<chunk_key> reports;   // corruptReport to the home shard, then on_report()
  bool poll_soon = false;           // work is left: poll() after the messages queued now
  bool pass_done = false;           // a pass ended in this step
  std::optional<int64_t> wake_ms;   // the bucket is in debt: poll() again at this time
};

struct scrubber_counters {
  uint64_t passes = 0;             // passes completed
  uint64_t chunks_verified = 0;    // reads whose bytes matched their CRC
  uint64_t bytes_verified = 0;     // their bytes
  uint64_t corruptions_found = 0;  // scrub reads that found a bad chunk (every pass counts)
  uint64_t reports_sent = 0;       // scrub's and clients' finds alike
  uint64_t reports_failed = 0;     // sent and not accepted, or not sent: window full
  uint64_t read_errors = 0;        // page or chunk reads that failed
  uint64_t missing = 0;            // chunks deleted between their page and their read
};

class scrubber {
 public:
  // REQUIRES: rate_bytes_per_s, interval_ms, page_keys_max, reports_max > 0;
  // round_keys_max >= page_keys_max; round_bytes_max > 0.
  explicit scrubber(scrubber_config cfg);

  // Whether poll(now_ms) has work: a pass is due, or the current one waits for tokens
  // that have come. Cheap enough to ask after every message.
  bool due(int64_t now_ms) const;
  // Starts a pass when one is due, or continues the current one.
  scrub_step poll(int64_t now_ms);
  // The result of the last step's read. REQUIRES: a read was asked for.
  scrub_step on_page(const result<std::vector<stored_chunk_info>>& page, int64_t now_ms);
  // The result of the last step's verify; `bytes` read (0 unless ok).
  // REQUIRES: a verify was asked for.
  scrub_step on_verified(const chunk_key& key, scrub_outcome outcome, uint64_t bytes,
                         int64_t now_ms);
  // A read outside the scrub (a client's get) found `key` corrupt: report it once.
  scrub_step on_read_corrupt(const chunk_key& key);
  // The answer to a report. A key not in flight is ignored.
  void on_report(const chunk_key& key, report_outcome outcome);
  // `key` was written again (a put or a replicate): a later corruption is news.
  void on_rewritten(const chunk_key& key) { reported_.erase(key); }

  const scrubber_counters& counters() const { return counters_; }
  bool pass_active() const { return active_; }
  size_t reports_in_flight() const { return reporting_.size(); }

 private:
  void advance(scrub_step& step, int64_t now_ms);
  void refill(int64_t now_ms);
  void report(const chunk_key& key, scrub_step& step);
  void finish_pass(scrub_step& step);

  scrubber_config cfg_;
  bool active_ = false;
  int64_t pass_started_ms_ = 0;
  int64_t next_pass_ms_ = 0;  // the first pass starts at the first poll
  chunk_key cursor_;          // the last key read in this pass
  bool end_reached_ = false;  // this pass read its last page
  bool awaiting_ = false;     // a read or verify is out
  bool poll_requested_ = false;
  std::optional<int64_t> wake_ms_;  // the bucket is in debt until then
  uint64_t round_keys_ = 0;
  uint64_t round_bytes_ = 0;
  std::deque<chunk_key> to_verify_;  // read from the index, not yet verified; <= one page
  // Token bucket in thousandths of a byte, so that a refill of one ms at any rate is
  // exact. At most rate_bytes_per_s * 1000 (one second); below 0 is debt.
  int64_t tokens_milli_ = 0;
  int64_t refilled_ms_ = 0;
  bool bucket_started_ = false;
  std::set<chunk_key> reporting_;  // reports in flight
  std::set<chunk_key> reported_;   // reports accepted, the chunk not written since
  scrubber_counters counters_;
};

}  // namespace cairn
