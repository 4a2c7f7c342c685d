#include "actors/meta_shard/gc_planner.hpp"

namespace cairn {

result<std::vector<chunk_delete_send>> gc_planner::plan(meta_txn& txn, int64_t now_ms) {
  std::vector<chunk_delete_send> out;
  if (inflight_.size() >= cfg_.inflight_max) return out;
  auto entries = txn.scan_gc(cursor_, cfg_.scan_max);
  if (!entries) return entries.err();
  cursor_ = entries->size() < cfg_.scan_max || entries->empty()
                ? std::nullopt
                : std::optional<chunk_key>(entries->back().first);
  for (auto& [chunk, rec] : *entries) {
    if (rec.not_before_ms > now_ms) continue;
    for (host_id h : rec.hosts) {
      if (inflight_.size() >= cfg_.inflight_max) {
        cursor_ = std::nullopt;  // resume from the start: older entries first
        return out;
      }
      auto it = backoff_until_ms_.find(h);
      if (it != backoff_until_ms_.end() && it->second > now_ms) continue;
      chunk_delete_send s{chunk, h};
      if (inflight_.insert(s).second) out.push_back(s);
    }
  }
  return out;
}

std::optional<gc_done_request> gc_planner::on_answer(const chunk_delete_send& s, bool done,
                                                     int64_t now_ms) {
  if (done) {
    backoff_until_ms_.erase(s.host);
    return gc_done_request{s.chunk, s.host};
  }
  inflight_.erase(s);
  backoff_until_ms_[s.host] = now_ms + cfg_.retry_ms;
  return std::nullopt;
}

}  // namespace cairn
