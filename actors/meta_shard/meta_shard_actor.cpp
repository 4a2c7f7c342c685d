#include "actors/meta_shard/meta_shard_actor.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <functional>
#include <map>

#include "actors/meta_shard/drop_planner.hpp"
#include "actors/meta_shard/gc_planner.hpp"
#include "actors/meta_shard/lmdb_meta_store.hpp"
#include "actors/meta_shard/meta_codec.hpp"
#include "actors/storage_node/storage_codec.hpp"
#include "actors/meta_shard/meta_shard_state.hpp"
#include "cairn/schema/meta.capnp.h"
#include "runtime/cluster_map.hpp"
#include "runtime/cluster_map_codec.hpp"
#include "runtime/duplicate_filter.hpp"
#include "runtime/log.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/registry.hpp"

namespace cairn {
namespace {

constexpr int64_t gc_tick_ms = 1000;
constexpr auto gc_tick_interval = std::chrono::milliseconds(gc_tick_ms);
constexpr auto gc_request_timeout = std::chrono::seconds(10);
constexpr auto drop_request_timeout = std::chrono::seconds(10);
// A write delivered twice is answered from the first copy's reply for this long.
constexpr int64_t duplicate_window_ms = 60000;
constexpr size_t duplicate_answers_max = 65536;
constexpr size_t walk_waiters_max = 8;  // hostWiped notices waiting on one walk

using reply_promise = caf::typed_response_promise<std::string>;

struct meta_actor_state;

// A write waiting for its batch to commit. Internal writes (gc_done, pending_expire,
// drop_done, host_scan) have no promise but `settle`, run with the outcome once their
// batch is over (committed or not) to release what the write was holding.
using settle_fn = std::function<void(meta_actor_state&, const result<meta_reply>&)>;
struct pending_write {
  envelope_header header;
  meta_request request;
  reply_promise promise;
  settle_fn settle;       // set for internal writes
  bool answered = false;  // replied before the batch committed
};

// A walk of one host's node -> chunk index after a membership change, a page per batch.
struct host_walk {
  host_scan_mode mode = host_scan_mode::mark_offline;
  std::optional<chunk_key> after;
  bool queued = false;  // a page waits in the batch
  uint64_t generation = 0;
  uint64_t records_read = 0, changed = 0, kept = 0, skipped = 0;
  // hostWiped requests answered when the walk ends (an error if it is cancelled).
  std::vector<std::pair<envelope_header, reply_promise>> waiters;
};

struct meta_actor_state {
  std::unique_ptr<meta_store> store;
  std::unique_ptr<meta_shard_state> logic;
  std::unique_ptr<gc_planner> gc;
  std::unique_ptr<drop_planner> drops;
  std::unique_ptr<rng> placement_rng;
  meta_shard_options opt;
  registry* reg = nullptr;
  address self_address;
  std::vector<pending_write> batch;
  std::map<host_id, host_walk> walks;
  uint64_t walk_generation = 0;
  bool flush_scheduled = false;
  int64_t gc_due_ms = 0;          // flush() runs the gc tick when this passed
  bool expire_queued = false;     // a pending_expire write waits in the batch
  uint64_t drop_correlation = 0;  // tells this shard's inodeDrop sends apart
  uint64_t frames_rejected = 0;
  duplicate_filter<reply_promise> duplicates{duplicate_window_ms, duplicate_answers_max};
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "meta_shard";
};

using meta_actor = caf::stateful_actor<meta_actor_state>;

// Everything the actor takes over at spawn; shared_ptr because CAF copies spawn args.
struct meta_actor_init {
  std::unique_ptr<meta_store> store;
  std::unique_ptr<meta_shard_state> logic;
  meta_shard_options opt;
  registry* reg = nullptr;
};

int64_t now_ms(meta_actor* self) {
  auto since = self->clock().now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(since).count();
}

std::string answer(const envelope_header& h, const result<meta_reply>& reply) {
  return reply ? encode_meta_reply(h, reply.value()) : make_error_reply(h, reply.err());
}

void log_failure(meta_actor* self, uint64_t trace, const error& err) {
  bool server_side = err.code == errc::io_error || err.code == errc::internal ||
                     err.code == errc::no_space || err.code == errc::corrupt;
  if (server_side)
    self->state.log->warn("trace={:016x} request failed: {}", trace, err.to_string());
  else
    self->state.log->debug("trace={:016x} request failed: {}", trace, err.to_string());
}

void pump_gc(meta_actor* self);
void pump_drops(meta_actor* self);
void gc_tick(meta_actor* self);

// Answers a client's write, and every duplicate of it that arrived meanwhile.
void reply(meta_actor* self, pending_write& w, const result<meta_reply>& out) {
  auto frame = answer(w.header, out);
  for (auto& copy : self->state.duplicates.answer(w.header, frame, now_ms(self)))
    copy.deliver(frame);
  w.promise.deliver(std::move(frame));
  w.answered = true;
}

// Runs each request in a nested transaction of `parent`, so a failing request leaves
// nothing behind. A request whose outcome allows it is answered as soon as its nested
// transaction commits.
std::vector<meta_outcome> run_batch(meta_actor* self, result<std::unique_ptr<meta_txn>>& parent,
                                    std::vector<pending_write>& batch, int64_t now) {
  auto& st = self->state;
  std::vector<meta_outcome> outcomes;
  outcomes.reserve(batch.size());
  for (auto& w : batch) {
    if (!parent) {
      outcomes.push_back({parent.err()});
      continue;
    }
    auto child = (*parent)->begin_nested();
    if (!child) {
      outcomes.push_back({child.err()});
      continue;
    }
    auto out = st.logic->handle(**child, w.request, now, *st.placement_rng);
    if (!out.reply)
      (*child)->abort();
    else if (auto c = (*child)->commit(); !c)
      out = {c.err()};
    if (out.reply_early && !w.settle) reply(self, w, out.reply);
    outcomes.push_back(std::move(out));
  }
  return outcomes;
}

// Persists the id ceiling the batch needs and commits it (synced unless opt.sync is off).
status commit_batch(meta_actor_state& st, meta_txn& parent) {
  if (auto reserved = st.logic->reserve_ids(parent); !reserved) {
    parent.abort();
    return reserved;
  }
  status committed = parent.commit();
  if (committed) st.logic->batch_committed();
  return committed;
}

// Runs the batch in one write transaction, commits once (durable) and only then answers
// the requests not answered early.
void flush(meta_actor* self) {
  auto& st = self->state;
  if (st.batch.empty()) return;
  auto batch = std::move(st.batch);
  st.batch.clear();
  int64_t now = now_ms(self);
  auto parent = st.store->begin_write();
  auto outcomes = run_batch(self, parent, batch, now);
  status committed = parent ? commit_batch(st, **parent) : status{parent.err()};
  if (!committed)
    st.log->error("trace=0000000000000000 batch of {} lost: {}", batch.size(),
                  committed.err().to_string());
  // A confirmed deletion or drop frees an in-flight slot: plan the next ones at once
  // rather than at the next tick.
  bool gc_queued = false, drops_queued = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    auto& w = batch[i];
    auto& out = outcomes[i];
    if (!committed) out = {committed.err()};
    if (!out.reply) log_failure(self, w.header.trace_id, out.reply.err());
    gc_queued |= out.gc_queued || std::holds_alternative<gc_done_request>(w.request);
    drops_queued |= out.drops_queued || std::holds_alternative<drop_done_request>(w.request);
    if (w.settle)
      w.settle(st, out.reply);
    else if (!w.answered)
      reply(self, w, out.reply);
  }
  if (now >= st.gc_due_ms) return gc_tick(self);
  if (gc_queued) pump_gc(self);
  if (drops_queued) pump_drops(self);
}

void enqueue(meta_actor* self, pending_write w) {
  auto& st = self->state;
  st.batch.push_back(std::move(w));
  if (st.batch.size() >= st.opt.group_commit_max) {
    flush(self);
  } else if (!st.flush_scheduled) {
    st.flush_scheduled = true;
    self->send(self, flush_atom::value);
  }
}

void on_gc_answer(meta_actor* self, const chunk_delete_send& s, const status& answer) {
  auto& st = self->state;
  if (!answer)
    st.log->info("trace={:016x} deleting chunk {} on host {} failed, retrying later: {}",
                 s.chunk.file, s.chunk.index, s.host, answer.err().to_string());
  if (auto done = st.gc->on_answer(s, answer.ok(), now_ms(self)))
    enqueue(self, pending_write{
                      {}, *done, {}, [s](meta_actor_state& a, const auto&) { a.gc->release(s); }});
}

void pump_gc(meta_actor* self) {
  auto& st = self->state;
  auto txn = st.store->begin_read();
  if (!txn) return st.log->warn("trace=0000000000000000 gc: {}", txn.err().to_string());
  auto sends = st.gc->plan(**txn, now_ms(self));
  txn->reset();  // aborts the read transaction
  if (!sends) return st.log->warn("trace=0000000000000000 gc: {}", sends.err().to_string());
  for (auto& s : *sends) {
    auto target = st.reg->find(address{s.host, storage_actor_name});
    if (!target) {
      on_gc_answer(self, s, error{errc::unavailable, "no storage actor registered"});
      continue;
    }
    auto frame = make_chunk_delete_request(
        envelope_header{st.self_address, storage_address(s.host), 0, s.chunk.file, 0, {}}, s.chunk);
    self->request(*target, gc_request_timeout, envelope_atom::value, std::move(frame))
        .then(
            [self, s](std::string& reply) {
              on_gc_answer(self, s, read_chunk_delete_reply(std::move(reply)));
            },
            [self, s](caf::error& err) {
              on_gc_answer(self, s, error{errc::unavailable, self->system().render(err)});
            });
  }
}

void on_drop_answer(meta_actor* self, inode_id file, const status& answer) {
  auto& st = self->state;
  if (!answer)
    st.log->info("trace={:016x} dropping file {} on shard {} failed: {}", file, file,
                 home_shard(file), answer.err().to_string());
  if (auto done = st.drops->on_answer(file, answer, now_ms(self)))
    enqueue(self, pending_write{{}, *done, {}, [file](meta_actor_state& a, const auto&) {
                                  a.drops->release(file);
                                }});
}

// Sends the drop_outbox's inode drops to their shards (at shard_hosts[shard]).
void pump_drops(meta_actor* self) {
  auto& st = self->state;
  if (st.opt.shard_hosts.empty()) return;
  auto txn = st.store->begin_read();
  if (!txn) return st.log->warn("trace=0000000000000000 drops: {}", txn.err().to_string());
  auto sends = st.drops->plan(**txn, now_ms(self));
  txn->reset();  // aborts the read transaction
  if (!sends) return st.log->warn("trace=0000000000000000 drops: {}", sends.err().to_string());
  for (inode_id file : *sends) {
    shard_id shard = home_shard(file);
    if (shard >= st.opt.shard_hosts.size()) {
      on_drop_answer(self, file, error{errc::unavailable, "no such shard"});
      continue;
    }
    address to{st.opt.shard_hosts[shard], meta_actor_name(shard)};
    auto target = st.reg->find(to);
    if (!target) {
      on_drop_answer(self, file, error{errc::unavailable, "no meta shard registered"});
      continue;
    }
    auto frame = make_inode_drop_request(
        envelope_header{st.self_address, to, ++st.drop_correlation, file, 0, {}}, file);
    self->request(*target, drop_request_timeout, envelope_atom::value, std::move(frame))
        .then(
            [self, file](std::string& reply) {
              on_drop_answer(self, file, read_inode_drop_reply(std::move(reply)));
            },
            [self, file](caf::error& err) {
              on_drop_answer(self, file, error{errc::unavailable, self->system().render(err)});
            });
  }
}

// Queues one bounded pending_expire write when some pending inode outlived the ttl.
void expire_pending(meta_actor* self) {
  auto& st = self->state;
  if (st.expire_queued) return;
  auto txn = st.store->begin_read();
  if (!txn) return st.log->warn("trace=0000000000000000 expiry: {}", txn.err().to_string());
  auto due = st.logic->pending_expiry_due(**txn, now_ms(self));
  txn->reset();
  if (!due) return st.log->warn("trace=0000000000000000 expiry: {}", due.err().to_string());
  if (!*due) return;
  st.expire_queued = true;
  enqueue(self,
          pending_write{{}, pending_expire_request{}, {}, [](meta_actor_state& a, const auto&) {
                          a.expire_queued = false;
                        }});
}

void pump_walks(meta_actor* self);
void start_walk(meta_actor* self, host_id host, host_scan_mode mode);

// One host_scan page finished: move the walk's cursor, or end it.
void on_walk_page(meta_actor* self, host_id host, uint64_t generation,
                  const result<meta_reply>& out) {
  auto& st = self->state;
  auto it = st.walks.find(host);
  if (it == st.walks.end() || it->second.generation != generation) return;  // cancelled
  auto& walk = it->second;
  walk.queued = false;
  if (!out) {
    st.log->warn("trace=0000000000000000 walk of host {}'s chunks failed, retrying: {}", host,
                 out.err().to_string());
    return;  // the next tick retries the same page
  }
  auto& page = std::get<host_scan_reply>(out.value());
  walk.records_read += page.records_read;
  walk.changed += page.changed;
  walk.kept += page.kept;
  walk.skipped += page.skipped;
  if (page.last) walk.after = page.last;
  if (!page.done) return pump_walks(self);
  st.log->log(walk.skipped ? spdlog::level::warn : spdlog::level::info,
              "trace=0000000000000000 host {} {}: {} replicas changed, {} kept as their chunk's "
              "last copy, {} unreadable inodes skipped, {} records read",
              host,
              walk.mode == host_scan_mode::forget ? "is out, its replicas forgotten"
              : walk.mode == host_scan_mode::mark_lost
                  ? "has a new disk, its replicas offline"
                  : "is down or draining, its replicas offline",
              walk.changed, walk.kept, walk.skipped, walk.records_read);
  for (auto& [header, promise] : walk.waiters) {
    envelope_builder b(reply_header(header, wire::MessageKind::HOST_WIPED_REPLY));
    b.init_payload<wire::HostWipedReply>().setReplicas(walk.changed);
    promise.deliver(b.finish());
  }
  bool lost = walk.mode == host_scan_mode::mark_lost;
  if (lost) st.logic->end_lost_walk(host);
  st.walks.erase(it);
  // The replicas a new-disk walk spared (written since) must go offline too if the host
  // went down meanwhile: the map change that said so did not start its own walk.
  if (lost && !st.logic->counts_replicas(host)) {
    start_walk(self, host, host_scan_mode::mark_offline);
    pump_walks(self);
  }
}

// Replaces (or starts) the walk of `host`; waiters of a replaced walk move to the new one.
void start_walk(meta_actor* self, host_id host, host_scan_mode mode) {
  auto& st = self->state;
  auto& walk = st.walks[host];
  if (walk.mode == host_scan_mode::mark_lost) st.logic->end_lost_walk(host);
  if (mode == host_scan_mode::mark_lost) st.logic->begin_lost_walk(host);
  auto waiters = std::move(walk.waiters);
  walk = host_walk{mode, std::nullopt, false, ++st.walk_generation, 0, 0, 0, 0, std::move(waiters)};
}

// Ends the walk of `host` early; its waiters hear that it did not finish.
void cancel_walk(meta_actor* self, host_id host) {
  auto& st = self->state;
  auto it = st.walks.find(host);
  if (it == st.walks.end()) return;
  if (it->second.mode == host_scan_mode::mark_lost) st.logic->end_lost_walk(host);
  for (auto& [header, promise] : it->second.waiters)
    promise.deliver(make_error_reply(
        header,
        {errc::unavailable, "the walk of host " + std::to_string(host) + " was cancelled"}));
  st.walks.erase(it);
}

// Queues the next page of every walk that has none waiting.
void pump_walks(meta_actor* self) {
  auto& st = self->state;
  for (auto& [host, walk] : st.walks) {
    if (walk.queued) continue;
    walk.queued = true;
    host_id h = host;
    uint64_t gen = walk.generation;
    enqueue(self, pending_write{{},
                                host_scan_request{h, walk.mode, walk.after},
                                {},
                                [self, h, gen](meta_actor_state&, const result<meta_reply>& out) {
                                  on_walk_page(self, h, gen, out);
                                }});
  }
}

// The periodic work: expire old pending inodes, send chunk deletions and inode drops,
// continue index walks whose page failed.
void gc_tick(meta_actor* self) {
  auto& st = self->state;
  st.gc_due_ms = now_ms(self) + gc_tick_ms;
  expire_pending(self);
  pump_gc(self);
  pump_drops(self);
  pump_walks(self);
}

// A newer cluster map: placement follows the host states, and a host that stopped (or
// started) counting gets its index walked.
std::string on_map_update(meta_actor* self, const envelope_reader& env) {
  auto& st = self->state;
  auto map = read_map_update(env);
  if (!map) return make_error_reply(env.header(), map.err());
  uint64_t before = st.logic->epoch();
  auto change = st.logic->apply_map(*map);
  if (st.logic->epoch() != before)
    st.log->info("trace={:016x} map epoch {} -> {}", env.header().trace_id, before,
                 st.logic->epoch());
  // A new disk's walk (hostWiped) runs whatever the host's state does meanwhile.
  auto lost = [&](host_id h) {
    auto it = st.walks.find(h);
    return it != st.walks.end() && it->second.mode == host_scan_mode::mark_lost;
  };
  for (host_id h : change.cancel)
    if (!lost(h)) cancel_walk(self, h);
  for (auto& job : change.start)
    if (!(lost(job.host) && job.mode == host_scan_mode::mark_offline))
      start_walk(self, job.host, job.mode);
  if (!change.start.empty()) pump_walks(self);
  return make_map_update_ack(env.header(), st.logic->epoch());
}

// A storage node started with an empty disk: its replicas here are gone. Answered when
// the walk that turns them offline is over; a repeated request joins the running walk.
caf::result<std::string> on_host_wiped(meta_actor* self, const envelope_reader& env) {
  auto& st = self->state;
  auto host =
      guarded([&]() -> result<host_id> { return env.payload<wire::HostWipedRequest>().getHost(); });
  if (!host) return make_error_reply(env.header(), host.err());
  auto it = st.walks.find(*host);
  // A running forget walk (the host is out) already removes what a new-disk walk would
  // turn offline: the notice waits for it rather than abandoning it half way.
  if (it == st.walks.end() || it->second.mode == host_scan_mode::mark_offline) {
    st.log->info("trace={:016x} host {} reports a new disk: its replicas go offline",
                 env.header().trace_id, *host);
    start_walk(self, *host, host_scan_mode::mark_lost);
  }
  auto& waiters = st.walks[*host].waiters;
  // A node repeats its notice until answered: keep only the newest few.
  if (waiters.size() >= walk_waiters_max) {
    waiters.front().second.deliver(make_error_reply(
        waiters.front().first, {errc::overloaded, "superseded by a newer notice"}));
    waiters.erase(waiters.begin());
  }
  auto promise = self->make_response_promise<std::string>();
  waiters.emplace_back(env.header(), promise);
  pump_walks(self);
  return promise;
}

caf::result<std::string> on_envelope(meta_actor* self, std::string& frame) {
  auto& st = self->state;
  auto env = envelope_reader::open(std::move(frame), {st.opt.frame_bytes_max});
  if (!env) {
    ++st.frames_rejected;
    st.log->warn("trace=0000000000000000 rejected frame ({} so far): {}", st.frames_rejected,
                 env.err().to_string());
    return caf::make_error(caf::sec::unexpected_message);
  }
  const auto& h = (*env)->header();
  if (h.kind == wire::MessageKind::MAP_UPDATE_REQUEST) return on_map_update(self, **env);
  if (h.kind == wire::MessageKind::HOST_WIPED_REQUEST) return on_host_wiped(self, **env);
  auto req = decode_meta_request(**env);
  if (!req) {
    log_failure(self, h.trace_id, req.err());
    return make_error_reply(h, req.err());
  }
  if (is_read(*req)) {
    // Served from a read-only snapshot of committed state: writes still in the batch
    // are invisible, as they are not acknowledged yet.
    auto txn = st.store->begin_read();
    if (!txn) return make_error_reply(h, txn.err());
    auto out = st.logic->handle(**txn, *req, now_ms(self), *st.placement_rng);
    if (!out.reply) log_failure(self, h.trace_id, out.reply.err());
    // Read here, on the actor's own thread: CAF 0.17 has no mailbox size another
    // thread may read.
    if (auto* stats = out.reply ? std::get_if<shard_stats_reply>(&out.reply.value()) : nullptr)
      stats->stats.mailbox_depth = self->mailbox().size();
    return answer(h, out.reply);
  }
  auto promise = self->make_response_promise<std::string>();
  auto copy = st.duplicates.arrive(h, now_ms(self), promise);
  // The promise has taken over the reply: even a cached answer goes out through it.
  if (copy.state == duplicate_filter<reply_promise>::seen::answered) promise.deliver(copy.reply);
  if (copy.state != duplicate_filter<reply_promise>::seen::first) return promise;
  enqueue(self, pending_write{h, std::move(*req), promise, {}});
  return promise;
}

caf::behavior meta_shard_actor(meta_actor* self, std::shared_ptr<meta_actor_init> init) {
  auto& st = self->state;
  st.store = std::move(init->store);
  st.logic = std::move(init->logic);
  st.opt = init->opt;
  st.reg = init->reg;
  st.gc = std::make_unique<gc_planner>(gc_planner_config{});
  st.drops = std::make_unique<drop_planner>(drop_planner_config{});
  st.placement_rng = std::make_unique<rng>(st.opt.seed);
  st.self_address = address{st.opt.host, meta_actor_name(st.opt.shard)};
  st.log = module_log("meta");
  unregister_on_exit(self, *st.reg, st.self_address);
  st.log->info("trace=0000000000000000 meta shard {} up on host {}", st.opt.shard, st.opt.host);
  // A clean stop (exit message) commits and answers the open batch first.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    flush(self);
    self->quit(msg.reason);
  });
  return {
      [self](envelope_atom, std::string& frame) -> caf::result<std::string> {
        // Steady traffic (reads, orphan-scan checks) keeps the idle timeout below from
        // ever firing, and reads never flush: run the periodic work when it is due.
        if (now_ms(self) >= self->state.gc_due_ms) gc_tick(self);
        return on_envelope(self, frame);
      },
      [self](flush_atom) {
        self->state.flush_scheduled = false;
        flush(self);
      },
      [self](tick_atom) { gc_tick(self); },
      [self](stop_atom) {
        flush(self);
        self->quit();
      },
      // The gc tick runs when idle; under load flush() runs it once the interval passed.
      // Not delayed_send: a pending delayed message keeps a strong reference to a
      // detached actor and hangs the actor system's shutdown; a receive timeout does not.
      caf::after(gc_tick_interval) >> [self] { gc_tick(self); },
  };
}

status check_options(const meta_shard_options& o) {
  if (o.data_dir.empty()) return error{errc::invalid_argument, "meta shard needs a data_dir"};
  if (o.shard_count == 0 || o.shard >= o.shard_count)
    return error{errc::invalid_argument, "shard " + std::to_string(o.shard) + " outside 0.." +
                                             std::to_string(o.shard_count)};
  if (o.chunk_size == 0 || o.chunk_size > UINT32_MAX)
    return error{errc::invalid_argument, "chunk_size must be in 1..4GiB-1"};
  if (o.min_replicas == 0 || o.min_replicas > o.final_replicas)
    return error{errc::invalid_argument, "need 1 <= min_replicas <= final_replicas"};
  if (o.group_commit_max == 0) return error{errc::invalid_argument, "group_commit_max is 0"};
  if (o.pending_ttl_ms <= 0) return error{errc::invalid_argument, "pending_ttl_ms must be > 0"};
  if (!o.shard_hosts.empty() && o.shard_hosts.size() != o.shard_count)
    return error{errc::invalid_argument,
                 "shard_hosts names " + std::to_string(o.shard_hosts.size()) +
                     " shards; shard_count is " + std::to_string(o.shard_count)};
  return ok_status();
}

}  // namespace

result<caf::actor> spawn_meta_shard(caf::actor_system& sys, registry& reg,
                                    const meta_shard_options& opt) {
  if (auto st = check_options(opt); !st) return st.err();
  auto init = std::make_shared<meta_actor_init>();
  lmdb_options lmdb;
  lmdb.dir = opt.data_dir + "/meta-" + std::to_string(opt.shard);
  lmdb.sync = opt.sync;
  auto store = lmdb_meta_store::open(lmdb);
  if (!store) return store.err();
  meta_shard_config cfg{opt.shard,          opt.host,          opt.chunk_size,  opt.min_replicas,
                        opt.final_replicas, opt.storage_hosts, id_block_default};
  cfg.pending_ttl_ms = opt.pending_ttl_ms;
  cfg.remote_drops = !opt.shard_hosts.empty();
  init->logic = std::make_unique<meta_shard_state>(cfg);
  {
    auto txn = (*store)->begin_write();
    if (!txn) return txn.err();
    if (auto st = init->logic->bootstrap(**txn); !st) return st.err();
    if (auto st = init->logic->reserve_ids(**txn); !st) return st.err();
    if (auto st = (*txn)->commit(); !st) return st.err();
    init->logic->batch_committed();
  }
  init->store = std::move(store.value());
  init->opt = opt;
  init->reg = &reg;
  caf::actor actor = opt.detached ? sys.spawn<caf::detached>(meta_shard_actor, init)
                                  : sys.spawn(meta_shard_actor, init);
  reg.put(address{opt.host, meta_actor_name(opt.shard)}, actor);
  return actor;
}

}  // namespace cairn
