#include "actors/meta_shard/drop_planner.hpp"

#include <algorithm>

namespace cairn {

result<std::vector<inode_id>> drop_planner::plan(meta_txn& txn, int64_t now_ms) {
  std::vector<inode_id> out;
  if (inflight_.size() >= cfg_.inflight_max) return out;
  auto files = txn.scan_drop_outbox(cursor_, cfg_.scan_max);
  if (!files) return files.err();
  cursor_ = files->size() < cfg_.scan_max ? std::nullopt : std::optional<inode_id>(files->back());
  for (inode_id file : *files) {
    if (inflight_.size() >= cfg_.inflight_max) {
      cursor_ = std::nullopt;  // resume from the start: older records first
      return out;
    }
    auto it = backoff_.find(home_shard(file));
    if (it != backoff_.end() && it->second.until_ms > now_ms) continue;
    if (inflight_.insert(file).second) out.push_back(file);
  }
  return out;
}

std::optional<drop_done_request> drop_planner::on_answer(inode_id file, const status& answer,
                                                         int64_t now_ms) {
  shard_id shard = home_shard(file);
  if (answer.ok() || answer.code() == errc::invalid_argument) {
    backoff_.erase(shard);
    return drop_done_request{file};
  }
  inflight_.erase(file);
  auto& b = backoff_[shard];
  // Answers of drops sent before the backoff began do not double it again.
  if (b.until_ms > now_ms) return std::nullopt;
  b.delay_ms = std::clamp(b.delay_ms * 2, cfg_.retry_ms_min, cfg_.retry_ms_max);
  b.until_ms = now_ms + b.delay_ms;
  return std::nullopt;
}

}  // namespace cairn
