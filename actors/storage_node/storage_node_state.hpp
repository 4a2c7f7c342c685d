#pragma once
// storage_node_state: the storage node's group-commit logic, free of I/O. It decides
// when the store's open batch is committed and which reply each request gets once
// its fate is known. The shell (storage_node_actor) performs the store calls and
// carries out the returned effects in order.
//
// Contract with the shell: every put/delete is staged in the store, then reported
// here with its ticket; when effects say commit_now, the shell calls
// chunk_store::commit() and hands the result to on_committed() before handling any
// other message. Includes no CAF, LMDB, Cap'n Proto or spdlog header; reads no clock.
#include <cstdint>
#include <string>
#include <vector>

#include "actors/storage_node/chunk_store.hpp"
#include "runtime/result.hpp"

namespace cairn {

struct storage_node_limits {
  uint32_t group_commit_max = 256;                       // requests per batch
  uint64_t group_commit_bytes_max = uint64_t{64} << 20;  // put payload bytes per batch
};

enum class staged_kind : uint8_t { put, remove };

// The answer to one request.
struct op_reply {
  uint64_t ticket = 0;
  errc code = errc::ok;
  std::string message;   // when code != ok
  chunk_receipt put;     // a put's acknowledgement
  bool existed = false;  // a delete's answer
};

struct batch_effects {
  std::vector<op_reply> replies;  // deliver now
  bool send_flush = false;        // send the flush message to self (behind queued requests)
  bool commit_now = false;        // commit the store's batch and report it to on_committed
};

struct storage_node_counters {
  uint64_t puts = 0;
  uint64_t deletes = 0;
  uint64_t reads = 0;
  uint64_t corrupt_reads = 0;  // reads refused because the CRC did not match
  uint64_t batches = 0;        // commits that succeeded
  uint64_t batches_failed = 0;
  uint64_t batch_ops_max = 0;       // the largest batch committed
  uint64_t bad_frames = 0;          // frames that did not open as an envelope
  uint64_t malformed_payloads = 0;  // envelopes whose payload did not decode
};

class storage_node_state {
 public:
  explicit storage_node_state(storage_node_limits limits = {});

  // A fresh ticket naming one request until its reply.
  uint64_t next_ticket() { return ++last_ticket_; }

  // A put was handed to chunk_store::append, which returned `appended`.
  batch_effects on_put_staged(uint64_t ticket, const result<chunk_receipt>& appended);
  // A delete was handed to chunk_store::remove.
  batch_effects on_delete_staged(uint64_t ticket);
  // The flush message arrived: every request queued before it has been staged.
  batch_effects on_flush();
  // chunk_store::commit() returned. Answers every request staged since the last commit.
  std::vector<op_reply> on_committed(const result<batch_receipt>& committed);

  void on_read(errc code);
  void on_bad_frame() { ++counters_.bad_frames; }
  void on_malformed_payload() { ++counters_.malformed_payloads; }

  const storage_node_counters& counters() const { return counters_; }
  // Requests staged and not yet answered.
  size_t staged() const { return staged_.size(); }
  bool flush_scheduled() const { return flush_scheduled_; }

 private:
  struct staged_op {
    uint64_t ticket;
    staged_kind kind;
    chunk_receipt receipt;
  };
  // Effects common to every staged request: schedule the flush, or commit early at a bound.
  batch_effects after_staging();

  storage_node_limits limits_;
  uint64_t last_ticket_ = 0;
  std::vector<staged_op> staged_;
  uint64_t staged_bytes_ = 0;
  // The store's batch has been touched since the last commit (a failed append still
  // leaves the store's batch failed until it is committed).
  bool batch_open_ = false;
  bool flush_scheduled_ = false;
  storage_node_counters counters_;
};

}  // namespace cairn
