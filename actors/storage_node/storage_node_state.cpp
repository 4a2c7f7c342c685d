#include "actors/storage_node/storage_node_state.hpp"

#include <algorithm>

#include "runtime/assert.hpp"

namespace cairn {

storage_node_state::storage_node_state(storage_node_limits limits) : limits_(limits) {
  CAIRN_ASSERT(limits_.group_commit_max > 0);
}

batch_effects storage_node_state::on_put_staged(uint64_t ticket,
                                                const result<chunk_receipt>& appended) {
  ++counters_.puts;
  batch_open_ = true;
  if (!appended) {
    // Never staged: answer now. The store's batch may be failed; the flush commits
    // (and so resets) it.
    auto effects = after_staging();
    effects.replies.push_back(op_reply{ticket, appended.code(), appended.err().message, {}, false});
    return effects;
  }
  staged_.push_back(staged_op{ticket, staged_kind::put, *appended});
  staged_bytes_ += appended->length;
  return after_staging();
}

batch_effects storage_node_state::on_delete_staged(uint64_t ticket) {
  ++counters_.deletes;
  batch_open_ = true;
  staged_.push_back(staged_op{ticket, staged_kind::remove, {}});
  return after_staging();
}

batch_effects storage_node_state::after_staging() {
  batch_effects effects;
  if (!flush_scheduled_) {
    flush_scheduled_ = true;
    effects.send_flush = true;
  }
  // Past a bound the batch commits before the next message; the flush already on its
  // way then commits whatever was staged after.
  effects.commit_now =
      staged_.size() >= limits_.group_commit_max || staged_bytes_ >= limits_.group_commit_bytes_max;
  return effects;
}

batch_effects storage_node_state::on_flush() {
  flush_scheduled_ = false;
  batch_effects effects;
  effects.commit_now = batch_open_;
  return effects;
}

std::vector<op_reply> storage_node_state::on_committed(const result<batch_receipt>& committed) {
  std::vector<op_reply> replies;
  replies.reserve(staged_.size());
  if (!committed) {
    if (!staged_.empty()) ++counters_.batches_failed;
    for (auto& op : staged_)
      replies.push_back(op_reply{op.ticket, committed.code(), committed.err().message, {}, false});
  } else {
    size_t removes = 0;
    for (auto& op : staged_) {
      op_reply reply{op.ticket, errc::ok, {}, op.receipt, false};
      if (op.kind == staged_kind::remove) {
        CAIRN_ASSERT(removes < committed->existed.size());
        reply.existed = committed->existed[removes++];
      }
      replies.push_back(std::move(reply));
    }
    CAIRN_ASSERT(removes == committed->existed.size());
    if (!staged_.empty()) {
      ++counters_.batches;
      counters_.batch_ops_max = std::max<uint64_t>(counters_.batch_ops_max, staged_.size());
    }
  }
  staged_.clear();
  staged_bytes_ = 0;
  batch_open_ = false;
  return replies;
}

void storage_node_state::on_read(errc code) {
  ++counters_.reads;
  if (code == errc::corrupt) ++counters_.corrupt_reads;
}

}  // namespace cairn
