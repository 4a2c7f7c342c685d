#include "actors/storage_node/scrubber.hpp"

#include <algorithm>

#include "runtime/assert.hpp"

namespace cairn {
namespace {

// Every read costs at least one block, so that a run of empty or unreadable chunks
// (whose bytes are unknown) is paced too.
constexpr uint64_t read_charge_bytes_min = 4096;
// Keeps the bucket's arithmetic (thousandths of a byte, one second deep) inside int64.
constexpr uint64_t rate_bytes_per_s_max = uint64_t{1} << 40;

}  // namespace

scrubber::scrubber(scrubber_config cfg) : cfg_(cfg) {
  CAIRN_ASSERT(cfg_.rate_bytes_per_s > 0 && cfg_.rate_bytes_per_s <= rate_bytes_per_s_max);
  CAIRN_ASSERT(cfg_.interval_ms > 0 && cfg_.page_keys_max > 0 && cfg_.reports_max > 0);
  CAIRN_ASSERT(cfg_.round_keys_max >= cfg_.page_keys_max && cfg_.round_bytes_max > 0);
}

bool scrubber::due(int64_t now_ms) const {
  if (awaiting_ || poll_requested_) return false;
  if (!active_) return now_ms >= next_pass_ms_;
  return wake_ms_ && now_ms >= *wake_ms_;
}

scrub_step scrubber::poll(int64_t now_ms) {
  CAIRN_ASSERT(!awaiting_);
  scrub_step step;
  poll_requested_ = false;
  round_keys_ = 0;
  round_bytes_ = 0;
  if (!active_) {
    if (now_ms < next_pass_ms_) return step;
    active_ = true;
    pass_started_ms_ = now_ms;
    cursor_ = chunk_key{};
    end_reached_ = false;
    to_verify_.clear();
  }
  advance(step, now_ms);
  return step;
}

scrub_step scrubber::on_page(const result<std::vector<stored_chunk_info>>& page, int64_t now_ms) {
  CAIRN_ASSERT(awaiting_ && to_verify_.empty());
  awaiting_ = false;
  scrub_step step;
  if (!page) {
    ++counters_.read_errors;
    end_reached_ = true;  // the pass ends early; the next one starts from the first key
  } else {
    for (auto& info : *page) {
      to_verify_.push_back(info.key);
      cursor_ = info.key;
    }
    round_keys_ += page->size();
    if (page->size() < cfg_.page_keys_max) end_reached_ = true;
  }
  advance(step, now_ms);
  return step;
}

scrub_step scrubber::on_verified(const chunk_key& key, scrub_outcome outcome, uint64_t bytes,
                                 int64_t now_ms) {
  CAIRN_ASSERT(awaiting_ && !to_verify_.empty() && to_verify_.front() == key);
  awaiting_ = false;
  to_verify_.pop_front();
  scrub_step step;
  uint64_t charge = std::max(bytes, read_charge_bytes_min);
  refill(now_ms);
  tokens_milli_ -= static_cast<int64_t>(charge * 1000);
  round_bytes_ += charge;
  switch (outcome) {
    case scrub_outcome::ok:
      ++counters_.chunks_verified;
      counters_.bytes_verified += bytes;
      reported_.erase(key);  // good again: it was written since
      break;
    case scrub_outcome::corrupt:
      ++counters_.corruptions_found;
      report(key, step);
      break;
    case scrub_outcome::missing:
      ++counters_.missing;
      break;
    case scrub_outcome::failed:
      ++counters_.read_errors;
      break;
  }
  advance(step, now_ms);
  return step;
}

scrub_step scrubber::on_read_corrupt(const chunk_key& key) {
  scrub_step step;
  report(key, step);
  return step;
}

void scrubber::on_report(const chunk_key& key, report_outcome outcome) {
  if (reporting_.erase(key) == 0) return;
  if (outcome == report_outcome::failed)
    ++counters_.reports_failed;
  else if (reported_.size() < cfg_.reported_max)
    reported_.insert(key);
}

void scrubber::report(const chunk_key& key, scrub_step& step) {
  if (reporting_.contains(key) || reported_.contains(key)) return;
  if (reporting_.size() >= cfg_.reports_max) {
    ++counters_.reports_failed;  // found again, and reported then, on a later pass
    return;
  }
  reporting_.insert(key);
  step.reports.push_back(key);
  ++counters_.reports_sent;
}

void scrubber::refill(int64_t now_ms) {
  auto rate = static_cast<int64_t>(cfg_.rate_bytes_per_s);
  int64_t cap = rate * 1000;
  if (!bucket_started_) {
    bucket_started_ = true;
    tokens_milli_ = cap;
    refilled_ms_ = now_ms;
    return;
  }
  int64_t elapsed = now_ms - refilled_ms_;
  if (elapsed <= 0) return;
  refilled_ms_ = now_ms;
  // Compared before multiplying, so a long idle time cannot overflow.
  if (elapsed >= (cap - tokens_milli_) / rate + 1)
    tokens_milli_ = cap;
  else
    tokens_milli_ = std::min(cap, tokens_milli_ + elapsed * rate);
}

void scrubber::advance(scrub_step& step, int64_t now_ms) {
  if (!active_) return;
  wake_ms_.reset();
  auto poll_later = [&] {
    if (!poll_requested_) {
      poll_requested_ = true;
      step.poll_soon = true;
    }
  };
  if (to_verify_.empty()) {
    if (end_reached_) return finish_pass(step);
    if (round_keys_ >= cfg_.round_keys_max) return poll_later();
    step.read = scan_read{cursor_, cfg_.page_keys_max};
    awaiting_ = true;
    return;
  }
  refill(now_ms);
  if (tokens_milli_ < 0) {
    auto rate = static_cast<int64_t>(cfg_.rate_bytes_per_s);
    wake_ms_ = now_ms + (-tokens_milli_ + rate - 1) / rate;
    step.wake_ms = wake_ms_;
    return;
  }
  if (round_bytes_ >= cfg_.round_bytes_max) return poll_later();
  step.verify = to_verify_.front();
  awaiting_ = true;
}

void scrubber::finish_pass(scrub_step& step) {
  active_ = false;
  ++counters_.passes;
  next_pass_ms_ = pass_started_ms_ + cfg_.interval_ms;
  step.pass_done = true;
}

}  // namespace cairn
