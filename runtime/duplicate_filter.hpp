#pragma once
// duplicate_filter: recognises a request that arrives twice — the same envelope
// (source, correlation id, trace id) delivered again by a retransmitting network or a
// resending peer — so that a non-idempotent write (link, unlink, fileCreate, ...) runs
// once and every copy gets the first copy's answer. Without it a duplicated unlink
// reports not_found for a file it did remove, and a duplicated fileCreate leaves a
// second pending inode behind.
//
// Copies are told apart by (source, correlation id, trace id, kind).
//
// A copy that arrives while the first is still running waits for its answer; a copy
// that arrives after it is answered from the cache for `window_ms`. Pure: time is an
// argument. `Waiter` is whatever the caller answers a waiting copy through.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "runtime/envelope.hpp"

namespace cairn {

template <class Waiter>
class duplicate_filter {
 public:
  // Keeps at most `answered_max` answers and `answered_bytes_max` bytes of them.
  duplicate_filter(int64_t window_ms, size_t answered_max, size_t answered_bytes_max = 64u << 20)
      : window_ms_(window_ms), answered_max_(answered_max), bytes_max_(answered_bytes_max) {}

  enum class seen { first, running, answered };
  struct verdict {
    seen state;
    std::string reply;  // for `answered`
  };

  // The first copy is marked running; a later copy while it runs is kept in `waiter`.
  verdict arrive(const envelope_header& h, int64_t now_ms, Waiter waiter) {
    expire(now_ms);
    auto k = key_of(h);
    if (auto a = answered_.find(k); a != answered_.end()) return {seen::answered, a->second};
    if (auto r = running_.find(k); r != running_.end()) {
      r->second.push_back(std::move(waiter));
      return {seen::running, {}};
    }
    running_.emplace(k, std::vector<Waiter>{});
    return {seen::first, {}};
  }

  // The first copy's answer: cached for later copies; returns the copies that waited.
  std::vector<Waiter> answer(const envelope_header& h, const std::string& reply, int64_t now_ms) {
    auto k = key_of(h);
    std::vector<Waiter> waiting;
    if (auto r = running_.find(k); r != running_.end()) {
      waiting = std::move(r->second);
      running_.erase(r);
    }
    if (answered_.emplace(k, reply).second) {
      order_.emplace_back(now_ms, k);
      bytes_ += reply.size();
    }
    while (!order_.empty() && (answered_.size() > answered_max_ || bytes_ > bytes_max_))
      pop_oldest();
    return waiting;
  }

  size_t running() const { return running_.size(); }
  size_t answered() const { return answered_.size(); }

 private:
  using key = std::tuple<host_id, std::string, uint64_t, uint64_t, uint16_t>;
  static key key_of(const envelope_header& h) {
    return {h.source.host, h.source.actor, h.correlation_id, h.trace_id,
            static_cast<uint16_t>(h.kind)};
  }
  void pop_oldest() {
    auto it = answered_.find(order_.front().second);
    bytes_ -= it->second.size();
    answered_.erase(it);
    order_.pop_front();
  }
  void expire(int64_t now_ms) {
    while (!order_.empty() && order_.front().first + window_ms_ <= now_ms) pop_oldest();
  }

  int64_t window_ms_;
  size_t answered_max_;
  size_t bytes_max_;
  size_t bytes_ = 0;
  std::map<key, std::vector<Waiter>> running_;
  std::map<key, std::string> answered_;
  std::deque<std::pair<int64_t, key>> order_;  // answered_, oldest first
};

}  // namespace cairn
