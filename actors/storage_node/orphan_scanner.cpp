#include "actors/storage_node/orphan_scanner.hpp"

#include <algorithm>

#include "runtime/assert.hpp"

namespace cairn {

orphan_scanner::orphan_scanner(orphan_scanner_config cfg) : cfg_(cfg) {
  CAIRN_ASSERT(cfg_.checks_max > 0 && cfg_.page_keys_max > 0);
  CAIRN_ASSERT(cfg_.round_keys_max >= cfg_.page_keys_max);
  CAIRN_ASSERT(cfg_.grace_ms >= 0 && cfg_.scan_interval_ms > 0);
}

orphan_scan_step orphan_scanner::poll(int64_t now_ms) {
  CAIRN_ASSERT(!awaiting_page_);
  orphan_scan_step step;
  poll_requested_ = false;
  round_keys_ = 0;
  if (!active_) {
    if (now_ms < next_pass_ms_) return step;
    active_ = true;
    pass_started_ms_ = now_ms;
    cursor_ = chunk_key{};
    end_reached_ = false;
  }
  advance(step);
  return step;
}

orphan_scan_step orphan_scanner::on_page(const result<std::vector<stored_chunk_info>>& page,
                                         int64_t now_ms) {
  CAIRN_ASSERT(awaiting_page_);
  awaiting_page_ = false;
  orphan_scan_step step;
  if (!page) {
    ++counters_.read_errors;
    end_reached_ = true;
  } else {
    for (auto& info : *page) {
      ++counters_.scanned;
      cursor_ = info.key;
      bool old_enough = info.commit_ms <= now_ms - cfg_.grace_ms;
      if (old_enough && !staged_puts_.contains(info.key)) candidates_.push_back(info.key);
    }
    round_keys_ += page->size();
    if (page->size() < cfg_.page_keys_max) end_reached_ = true;
  }
  advance(step);
  return step;
}

orphan_scan_step orphan_scanner::on_answer(const chunk_key& key, chunk_verdict verdict) {
  CAIRN_ASSERT(!awaiting_page_);
  orphan_scan_step step;
  auto it = in_flight_.find(key);
  if (it == in_flight_.end()) return step;
  bool put_since = it->second;
  in_flight_.erase(it);
  switch (verdict) {
    case chunk_verdict::referenced:
      ++counters_.referenced;
      break;
    case chunk_verdict::failed:
      ++counters_.check_errors;
      break;
    case chunk_verdict::unreferenced:
      if (put_since)
        ++counters_.rewritten;
      else
        step.removes.push_back(key);
      counters_.orphans_found += !put_since;
      break;
  }
  round_keys_ = 0;
  advance(step);
  return step;
}

void orphan_scanner::on_put_staged(const chunk_key& key) {
  staged_puts_.insert(key);
  std::erase(candidates_, key);
  if (auto it = in_flight_.find(key); it != in_flight_.end()) it->second = true;
}

void orphan_scanner::on_removed(bool committed, bool existed) {
  if (!committed)
    ++counters_.delete_errors;
  else if (existed)
    ++counters_.orphans_deleted;
}

void orphan_scanner::advance(orphan_scan_step& step) {
  if (!active_) return;
  while (in_flight_.size() < cfg_.checks_max && !candidates_.empty()) {
    chunk_key key = candidates_.front();
    candidates_.pop_front();
    in_flight_.emplace(key, false);
    step.checks.push_back(key);
    ++counters_.checked;
  }
  bool room = in_flight_.size() < cfg_.checks_max;
  if (room && candidates_.empty() && !end_reached_) {
    if (round_keys_ < cfg_.round_keys_max) {
      step.read = scan_read{cursor_, cfg_.page_keys_max};
      awaiting_page_ = true;
    } else if (!poll_requested_) {
      poll_requested_ = true;
      step.poll_soon = true;
    }
    return;
  }
  finish_pass_if_over(step);
}

void orphan_scanner::finish_pass_if_over(orphan_scan_step& step) {
  if (!end_reached_ || !candidates_.empty() || !in_flight_.empty()) return;
  active_ = false;
  ++counters_.passes;
  next_pass_ms_ = pass_started_ms_ + cfg_.scan_interval_ms;
  step.pass_done = true;
}

}  // namespace cairn
