#include "actors/repairer/repair_scheduler.hpp"

#include <algorithm>

#include "actors/meta_shard/placer.hpp"
#include "runtime/assert.hpp"

namespace cairn {
namespace {

template <class T>
void shuffle(std::vector<T>& v, rng& r) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[r.below(i)]);
}

const repair::replica* record_on(const repair::entry& e, host_id host) {
  for (auto& rep : e.replicas)
    if (rep.host == host) return &rep;
  return nullptr;
}

}  // namespace

repair_scheduler::repair_scheduler(repair_scheduler_config cfg) : cfg_(cfg) {
  CAIRN_ASSERT(cfg_.inflight_max > 0);
  CAIRN_ASSERT(cfg_.bandwidth > 0);
  CAIRN_ASSERT(cfg_.page_entries_max > 0 && cfg_.pages_per_pass_max > 0);
  CAIRN_ASSERT(cfg_.backoff_initial_ms > 0 && cfg_.backoff_max_ms >= cfg_.backoff_initial_ms);
}

repair_scheduler::page_read repair_scheduler::begin_read() {
  if (!in_pass_) {
    in_pass_ = true;
    pass_pages_ = 0;
  }
  return {++tickets_, repair::queue_request{cfg_.page_entries_max, cursor_}};
}

void repair_scheduler::read_failed() { end_pass(false); }

void repair_scheduler::end_pass(bool resume) {
  in_pass_ = false;
  if (!resume) cursor_.reset();
}

bool repair_scheduler::blocked(const chunk_key& chunk, uint64_t ticket, int64_t now_ms) const {
  if (auto it = done_at_ticket_.find(chunk); it != done_at_ticket_.end() && ticket <= it->second)
    return true;  // the page was asked for before the replicaAdd landed
  auto it = chunks_.find(chunk);
  return it != chunks_.end() && (it->second.inflight || it->second.retry_at_ms > now_ms);
}

std::vector<host_id> repair_scheduler::sources_of(const repair::entry& e, const cluster_map& map,
                                                  rng& r) const {
  std::vector<host_id> live, draining;
  for (auto& rep : e.replicas) {
    const map_host* h = map.find_host(rep.host);
    if (!h) continue;
    if (rep.state == repair::replica_state::live && h->reachable())
      live.push_back(rep.host);
    else if (rep.state == repair::replica_state::offline && h->state == host_state::draining)
      draining.push_back(rep.host);
  }
  shuffle(live, r);
  shuffle(draining, r);
  live.insert(live.end(), draining.begin(), draining.end());
  return live;
}

std::optional<host_id> repair_scheduler::target_of(const repair::entry& e, const cluster_map& map,
                                                   rng& r) const {
  const chunk_status* st = nullptr;
  if (auto it = chunks_.find(e.chunk); it != chunks_.end()) st = &it->second;
  // Hosts without a record of the chunk first; then, as a last resort, hosts whose copy
  // is known bad or away (corrupt, offline): the copy overwrites their bytes, and the
  // replicaAdd turns their record live. Without them a small cluster (hosts = final)
  // could never replace a corrupt copy.
  std::vector<placement_host> fresh, tried, rewrite;
  for (auto& h : map.hosts) {
    if (!h.storage || !h.placeable()) continue;
    if (auto* rec = record_on(e, h.id)) {
      if (rec->state == repair::replica_state::live) continue;
      if (rec->state == repair::replica_state::corrupt ||
          rec->state == repair::replica_state::offline)
        rewrite.push_back({h.id, h.labels, true});
      continue;
    }
    if (st && h.id == st->reuse_target) return h.id;  // it already holds the bytes
    (st && st->bad_targets.count(h.id) ? tried : fresh).push_back({h.id, h.labels, true});
  }
  if (fresh.empty() && tried.empty()) fresh = std::move(rewrite);
  std::vector<topology_labels> taken;
  for (auto& rep : e.replicas)
    if (const map_host* h = map.find_host(rep.host); h && rep.state == repair::replica_state::live)
      taken.push_back(h->labels);
  auto picked = place_chunk(fresh.empty() ? tried : fresh, 1, r, taken);
  if (picked.empty()) return std::nullopt;
  return picked.front();
}

bool repair_scheduler::take_tokens(uint32_t bytes, int64_t now_ms) {
  double capacity = static_cast<double>(cfg_.bandwidth);
  if (!tokens_started_) {
    tokens_started_ = true;
    tokens_ = capacity;
  } else if (now_ms > tokens_at_ms_) {
    tokens_ += static_cast<double>(now_ms - tokens_at_ms_) * capacity / 1000.0;
    tokens_ = std::min(tokens_, capacity);
  }
  tokens_at_ms_ = std::max(tokens_at_ms_, now_ms);
  // A chunk larger than the bucket goes when the bucket is full, and leaves it in debt.
  bool fits = tokens_ >= bytes || tokens_ >= capacity;
  if (fits) tokens_ -= bytes;
  return fits;
}

void repair_scheduler::note(std::map<chunk_key, int64_t>& seen, const chunk_key& chunk, bool member,
                            int64_t now_ms) {
  if (!member)
    seen.erase(chunk);
  else if (seen.size() < cfg_.tracked_max || seen.count(chunk))
    seen[chunk] = now_ms;
}

// Drops what no longer matters, so memory stays bounded: done markers older than this
// page's ticket, backoffs long expired (a chunk that left the queue never returns), and
// chunks not seen unrepairable or unplaceable for a while.
void repair_scheduler::forget_old(uint64_t ticket, int64_t now_ms) {
  std::erase_if(done_at_ticket_, [ticket](auto& kv) { return kv.second < ticket; });
  std::erase_if(chunks_, [&](auto& kv) {
    auto& st = kv.second;
    return !st.inflight && st.retry_at_ms + 2 * cfg_.backoff_max_ms < now_ms;
  });
  auto stale = [&](auto& kv) { return kv.second + 2 * cfg_.backoff_max_ms < now_ms; };
  std::erase_if(unrepairable_, stale);
  std::erase_if(unplaceable_, stale);
}

repair_plan repair_scheduler::plan(uint64_t ticket, const repair::queue_reply& page,
                                   const cluster_map& map, int64_t now_ms, rng& r) {
  CAIRN_ASSERT(ticket > 0 && ticket <= tickets_);
  repair_plan out;
  ++pass_pages_;
  forget_old(ticket, now_ms);
  counters_.queue_total = page.total;
  epoch_needed_ = std::max(epoch_needed_, page.epoch);
  bool stopped = waiting_for_map(map);
  for (auto& e : page.entries) {
    if (stopped || !has_capacity()) break;
    if (e.live >= e.final_replicas || blocked(e.chunk, ticket, now_ms)) continue;
    auto sources = sources_of(e, map, r);
    note(unrepairable_, e.chunk, sources.empty(), now_ms);
    if (sources.empty()) continue;
    auto target = target_of(e, map, r);
    note(unplaceable_, e.chunk, !target, now_ms);
    if (!target) continue;
    // Strict priority: a chunk the bucket cannot pay for yet is not overtaken.
    if (!take_tokens(e.length, now_ms)) {
      stopped = true;
      break;
    }
    auto& st = chunks_[e.chunk];
    st.inflight = true;
    st.target = *target;
    st.length = e.length;
    st.epoch = map.epoch;
    ++inflight_;
    ++counters_.started;
    out.starts.push_back({e.chunk, e.length, e.crc, *target, std::move(sources), map.epoch});
  }
  counters_.unrepairable = unrepairable_.size();
  counters_.unplaceable = unplaceable_.size();
  counters_.inflight = inflight_;
  if (!page.entries.empty())
    cursor_ = repair::cursor{page.entries.back().live, page.entries.back().chunk};
  bool more = page.more && !page.entries.empty();
  out.read_more = more && !stopped && has_capacity() && pass_pages_ < cfg_.pages_per_pass_max;
  if (!out.read_more) end_pass(more && !stopped && has_capacity());
  return out;
}

void repair_scheduler::on_done(const chunk_key& chunk, int64_t now_ms) {
  auto it = chunks_.find(chunk);
  CAIRN_ASSERT(it != chunks_.end() && it->second.inflight);
  ++counters_.done;
  counters_.bytes_copied += it->second.length;
  chunks_.erase(it);
  --inflight_;
  counters_.inflight = inflight_;
  done_at_ticket_[chunk] = tickets_;
  done_times_ms_.push_back(now_ms);
  while (!done_times_ms_.empty() && (done_times_ms_.front() + cfg_.throughput_window_ms < now_ms ||
                                     done_times_ms_.size() > cfg_.tracked_max))
    done_times_ms_.pop_front();
}

void repair_scheduler::on_failed(const chunk_key& chunk, errc code, bool copied, int64_t now_ms,
                                 rng& r) {
  auto it = chunks_.find(chunk);
  CAIRN_ASSERT(it != chunks_.end() && it->second.inflight);
  auto& st = it->second;
  st.inflight = false;
  --inflight_;
  counters_.inflight = inflight_;
  ++counters_.failed;
  // A target that holds the bytes is asked again (chunkReplicate is idempotent there), so
  // a retry leaves no unrecorded copy behind; a target whose copy failed is tried last.
  st.reuse_target.reset();
  if (copied && code != errc::invalid_argument) st.reuse_target = st.target;
  if (!copied && st.bad_targets.size() < 8) st.bad_targets.insert(st.target);
  if (code == errc::stale_epoch) {
    ++counters_.stale_epoch;
    epoch_needed_ = std::max(epoch_needed_, st.epoch + 1);
    st.retry_at_ms = now_ms;  // not a backoff: only when to forget the chunk
    return;
  }
  ++st.failures;
  int64_t delay = cfg_.backoff_initial_ms;
  for (uint32_t i = 1; i < st.failures && delay < cfg_.backoff_max_ms; ++i) delay *= 2;
  delay = std::min(delay, cfg_.backoff_max_ms);
  // Jitter: up to a quarter shorter, so chunks that failed together spread out.
  delay -= static_cast<int64_t>(r.below(static_cast<uint64_t>(delay / 4) + 1));
  st.retry_at_ms = now_ms + delay;
}

std::optional<int64_t> repair_scheduler::retry_at_ms(const chunk_key& chunk) const {
  auto it = chunks_.find(chunk);
  if (it == chunks_.end() || it->second.inflight || it->second.failures == 0) return std::nullopt;
  return it->second.retry_at_ms;
}

std::optional<int64_t> repair_scheduler::eta_ms(int64_t now_ms) const {
  size_t recent = 0;
  int64_t oldest = now_ms;
  for (int64_t t : done_times_ms_)
    if (t + cfg_.throughput_window_ms >= now_ms) {
      ++recent;
      oldest = std::min(oldest, t);
    }
  if (recent == 0) return std::nullopt;
  // At least a second of span, so one quick repair does not promise an instant drain.
  auto span = static_cast<double>(std::max<int64_t>(now_ms - oldest, 1000));
  double per_ms = static_cast<double>(recent) / span;
  return static_cast<int64_t>(static_cast<double>(counters_.queue_total) / per_ms);
}

}  // namespace cairn
