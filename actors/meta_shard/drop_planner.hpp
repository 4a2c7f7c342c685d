#pragma once
// drop_planner: decides which queued remote inode drops (the drop_outbox) to send to the
// inodes' shards. Pure: it reads the outbox through a meta_txn and tracks what is in
// flight; the shell sends inodeDrop and reports the answers back. A record is removed
// (through an internal drop_done_request write) only once the inode's shard answered
// for good; a shard that failed gets nothing until its backoff passed, and each failure
// in a row doubles the backoff, from retry_ms_min up to retry_ms_max.
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "actors/meta_shard/meta_messages.hpp"
#include "actors/meta_shard/meta_store.hpp"

namespace cairn {

struct drop_planner_config {
  size_t inflight_max = 64;     // inode drops awaiting an answer
  size_t scan_max = 256;        // outbox records read per plan()
  int64_t retry_ms_min = 1000;  // backoff after a shard's first failure
  int64_t retry_ms_max = 60000;
};

class drop_planner {
 public:
  explicit drop_planner(drop_planner_config cfg) : cfg_(cfg) {}

  // Inode drops to send now (the shard is home_shard of each). Reads at most scan_max
  // records, continuing where the previous call stopped (wrapping around), so records
  // of a down shard do not starve the rest.
  result<std::vector<inode_id>> plan(meta_txn& txn, int64_t now_ms);

  // The inode's shard answered. Final answers yield the write that removes the record:
  // success (the inode is gone now or was already), and invalid_argument (the shard
  // refuses for good: the inode is still linked there, so it is no orphan). Any other
  // error backs the shard off. The record stays in flight until released, so it is not
  // sent twice meanwhile.
  std::optional<drop_done_request> on_answer(inode_id file, const status& answer, int64_t now_ms);
  // The drop_done write for `file` committed (or failed): it may be planned again if
  // still queued.
  void release(inode_id file) { inflight_.erase(file); }

  size_t inflight() const { return inflight_.size(); }

 private:
  struct backoff {
    int64_t until_ms = 0;
    int64_t delay_ms = 0;
  };

  drop_planner_config cfg_;
  std::set<inode_id> inflight_;
  std::map<shard_id, backoff> backoff_;
  std::optional<inode_id> cursor_;
};

}  // namespace cairn
