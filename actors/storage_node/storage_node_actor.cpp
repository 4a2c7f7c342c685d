#include "actors/storage_node/storage_node_actor.hpp"

#include <algorithm>
#include <chrono>

#include "actors/storage_node/disk_chunk_store.hpp"
#include "actors/storage_node/storage_node_shell.hpp"
#include "runtime/buggify.hpp"
#include "runtime/net/registry.hpp"

namespace cairn {
namespace {

// How often an idle node looks whether an orphan scan or scrub pass is due.
constexpr int64_t idle_tick_ms_max = 1000;
// The scrubber's token bucket arithmetic stays in int64 below this (1 TiB/s).
constexpr uint64_t scrub_rate_max = uint64_t{1} << 40;

// CAF may keep spawn arguments after the actor starts; the store is moved out of
// this box so that only the actor's state owns it.
using store_box = std::shared_ptr<std::unique_ptr<chunk_store>>;

std::string encode_reply(const pending_reply& p, const op_reply& r) {
  if (r.code != errc::ok) return make_error_reply(p.request, {r.code, r.message});
  if (p.request.kind == wire::MessageKind::CHUNK_DELETE_REQUEST)
    return make_chunk_delete_reply(p.request, r.existed);
  return make_chunk_put_reply(p.request, r.put);
}

void on_orphan_removed(storage_actor* self, const chunk_key& key, const op_reply& r) {
  auto& st = self->state;
  st.scanner->on_removed(r.code == errc::ok, r.existed);
  if (r.code != errc::ok)
    st.log->warn("trace={:016x} orphan scan on host {}: deleting chunk {}/{} failed: {}", key.file,
                 st.opt.host, key.file, key.index, error{r.code, r.message}.to_string());
  else if (r.existed)
    st.log->info("trace={:016x} orphan scan on host {}: deleted chunk {}/{}: no file wants it",
                 key.file, st.opt.host, key.file, key.index);
}

void deliver(storage_actor* self, const std::vector<op_reply>& replies) {
  auto& st = self->state;
  for (auto& r : replies) {
    auto it = st.pending.find(r.ticket);
    CAIRN_ASSERT(it != st.pending.end());
    if (it->second.done) {
      auto done = std::move(it->second.done);
      st.pending.erase(it);
      done(r);
      continue;
    }
    if (r.code != errc::ok)
      st.log->warn(
          "trace={:016x} {} failed: {}", it->second.request.trace_id,
          it->second.request.kind == wire::MessageKind::CHUNK_DELETE_REQUEST ? "delete" : "put",
          error{r.code, r.message}.to_string());
    it->second.promise.deliver(encode_reply(it->second, r));
    st.pending.erase(it);
  }
}

// Holds a committed batch's replies until `sync_ms` has passed on the actor's clock
// and every earlier held batch went out.
void hold(storage_actor* self, std::vector<op_reply> replies, uint32_t sync_ms) {
  auto& st = self->state;
  uint64_t id = ++st.last_held_id;
  st.log->debug("trace={:016x} holding {} replies for a {} ms sync ({} batches held)", uint64_t{0},
                replies.size(), sync_ms, st.held.size() + 1);
  st.held.push_back(held_batch{id, std::move(replies), sync_ms == 0});
  if (sync_ms > 0)
    self->delayed_send(self, std::chrono::milliseconds(sync_ms), tick_atom::value, id);
}

// Sends the replies of every synced batch that no unsynced one is ahead of.
void release_synced(storage_actor* self) {
  auto& held = self->state.held;
  while (!held.empty() && held.front().synced) {
    auto replies = std::move(held.front().replies);
    held.pop_front();
    deliver(self, replies);
  }
}

void on_synced(storage_actor* self, uint64_t held_id) {
  for (auto& batch : self->state.held)
    if (batch.id == held_id) batch.synced = true;
  release_synced(self);
}

void commit(storage_actor* self) {
  auto& st = self->state;
  size_t ops = st.logic.staged();
  auto replies = st.logic.on_committed(st.store->commit(now_ms(self)));
  if (st.scanner) st.scanner->on_batch_committed();
  uint32_t sync_ms = st.store->last_sync_latency_ms();
  st.log->debug("trace={:016x} committed a batch of {} requests", uint64_t{0}, ops);
  if (sync_ms == 0 && st.held.empty())
    deliver(self, replies);
  else if (!replies.empty())
    hold(self, std::move(replies), sync_ms);
}

// Marks a chunk written again for the background walks.
void on_rewritten(storage_actor* self, const chunk_key& key) {
  if (self->state.scanner) self->state.scanner->on_put_staged(key);
  if (self->state.scrub) self->state.scrub->on_rewritten(key);
}

}  // namespace

int64_t now_ms(storage_actor* self) {
  auto since = self->clock().now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(since).count();
}

void carry_out(storage_actor* self, const batch_effects& effects) {
  deliver(self, effects.replies);
  if (effects.send_flush) self->send(self, flush_atom::value);
  if (effects.commit_now) commit(self);
}

void stage_own_put(storage_actor* self, const chunk_key& key, std::string_view bytes,
                   std::function<void(const op_reply&)> done) {
  auto& st = self->state;
  uint64_t ticket = st.logic.next_ticket();
  st.pending.emplace(ticket, pending_reply{{}, {}, std::move(done)});
  auto appended = st.store->append(key, bytes);
  on_rewritten(self, key);
  carry_out(self, st.logic.on_put_staged(ticket, appended));
}

caf::result<std::string> malformed(storage_actor* self, const envelope_header& h,
                                   const error& why) {
  self->state.logic.on_malformed_payload();
  self->state.log->warn("trace={:016x} malformed request from {}: {}", h.trace_id,
                        to_string(h.source), why.to_string());
  return make_error_reply(h, why);
}

std::optional<std::string> refuse_when_held_full(storage_actor* self, const envelope_header& h) {
  if (self->state.held.size() < held_batches_max) return std::nullopt;
  return make_error_reply(h, {errc::overloaded, "too many batches waiting for a slow sync"});
}

namespace {

// Registers the request under a fresh ticket; its reply goes out through the promise.
uint64_t await_reply(storage_actor* self, const envelope_header& request,
                     caf::response_promise& promise) {
  uint64_t ticket = self->state.logic.next_ticket();
  self->state.pending.emplace(ticket, pending_reply{promise, request, {}});
  return ticket;
}

caf::result<std::string> on_put(storage_actor* self, const envelope_reader& env) {
  auto req = read_chunk_put_request(env);
  if (!req) return malformed(self, env.header(), req.err());
  if (auto refused = refuse_when_held_full(self, env.header())) return std::move(*refused);
  if (buggify("storage.fail_put")) {
    self->state.log->warn("trace={:016x} put of chunk {}/{} failed by buggify",
                          env.header().trace_id, req->key.file, req->key.index);
    return make_error_reply(env.header(),
                            {errc::io_error, "injected by buggify: storage.fail_put"});
  }
  auto promise = self->make_response_promise();
  uint64_t ticket = await_reply(self, env.header(), promise);
  auto appended = self->state.store->append(req->key, req->data);
  on_rewritten(self, req->key);
  carry_out(self, self->state.logic.on_put_staged(ticket, appended));
  return promise;
}

caf::result<std::string> on_delete(storage_actor* self, const envelope_reader& env) {
  auto key = read_chunk_delete_request(env);
  if (!key) return malformed(self, env.header(), key.err());
  if (auto refused = refuse_when_held_full(self, env.header())) return std::move(*refused);
  auto promise = self->make_response_promise();
  uint64_t ticket = await_reply(self, env.header(), promise);
  self->state.store->remove(*key);
  carry_out(self, self->state.logic.on_delete_staged(ticket));
  return promise;
}

caf::result<std::string> on_get(storage_actor* self, const envelope_reader& env) {
  auto& h = env.header();
  auto key = read_chunk_get_request(env);
  if (!key) return malformed(self, h, key.err());
  auto chunk = self->state.store->get(*key);
  self->state.logic.on_read(chunk.code());
  if (chunk) return make_chunk_get_reply(h, *chunk);
  if (chunk.code() != errc::not_found)
    self->state.log->warn("trace={:016x} read of chunk {}/{} failed: {}", h.trace_id, key->file,
                          key->index, chunk.err().to_string());
  if (chunk.code() == errc::corrupt) report_corrupt_read(self, *key);
  return make_error_reply(h, chunk.err());
}

// -- the orphan scan --

void stage_orphan_remove(storage_actor* self, const chunk_key& key) {
  auto& st = self->state;
  if (st.held.size() >= held_batches_max) {
    st.scanner->on_removed(false, false);
    return;
  }
  uint64_t ticket = st.logic.next_ticket();
  st.pending.emplace(ticket, pending_reply{{}, {}, [self, key](const op_reply& r) {
                                             on_orphan_removed(self, key, r);
                                           }});
  st.store->remove(key);
  carry_out(self, st.logic.on_delete_staged(ticket));
}

// One line per pass with that pass's numbers: info when it found orphans or failed.
void log_pass(storage_actor* self) {
  auto& st = self->state;
  auto& now = st.scanner->counters();
  auto& then = st.scan_logged;
  uint64_t orphans = now.orphans_found - then.orphans_found;
  uint64_t failed = now.check_errors - then.check_errors;
  uint64_t read_failed = now.read_errors - then.read_errors;
  bool news = orphans + failed + read_failed > 0;
  st.log->log(news ? spdlog::level::info : spdlog::level::debug,
              "trace={:016x} orphan scan on host {}: pass {} done: {} chunks scanned, {} checked, "
              "{} referenced, {} orphans, {} checks failed, {} reads failed",
              uint64_t{0}, st.opt.host, now.passes, now.scanned - then.scanned,
              now.checked - then.checked, now.referenced - then.referenced, orphans, failed,
              read_failed);
  then = now;
}

void on_check_answer(storage_actor* self, const chunk_key& key, const result<bool>& answer);

// Asks the chunk's home meta shard, telling it the CRC this node's copy has; false when
// the check cannot be sent at all (no such shard, or the chunk's record is unreadable).
bool send_check(storage_actor* self, const chunk_key& key) {
  auto& st = self->state;
  shard_id shard = home_shard(key.file);
  if (shard >= st.opt.shard_hosts.size()) return false;
  address to{st.opt.shard_hosts[shard], meta_actor_name(shard)};
  auto target = st.reg->find(to);
  if (!target) return false;
  auto held = st.store->describe(key);
  if (!held) return false;
  auto frame = make_chunk_check_request(
      envelope_header{st.self_address, to, ++st.next_correlation, key.file, 0, {}},
      chunk_check_request{key, st.opt.host, held->crc});
  self->request(*target, std::chrono::milliseconds(st.opt.scan_check_timeout_ms),
                envelope_atom::value, std::move(frame))
      .then(
          [self, key](std::string& reply) {
            on_check_answer(self, key, read_chunk_check_reply(std::move(reply)));
          },
          [self, key](caf::error& err) {
            auto code = err == caf::sec::request_timeout ? errc::timeout : errc::unavailable;
            on_check_answer(self, key, error{code, self->system().render(err)});
          });
  return true;
}

// Carries out a step and every step it leads to: checks, removes, then the read (whose
// page yields the next step). Checks that cannot be sent are answered as failed.
void drive_scan(storage_actor* self, orphan_scan_step step) {
  auto& st = self->state;
  auto& scanner = *st.scanner;
  std::deque<chunk_key> unsent;
  bool poll_soon = false;
  for (;;) {
    poll_soon |= step.poll_soon;
    if (step.pass_done) log_pass(self);
    for (auto& key : step.checks)
      if (!send_check(self, key)) unsent.push_back(key);
    for (auto& key : step.removes) stage_orphan_remove(self, key);
    if (step.read) {
      step = scanner.on_page(st.store->scan(step.read->after, step.read->limit), now_ms(self));
    } else if (!unsent.empty()) {
      st.log->debug("trace={:016x} orphan scan on host {}: no meta shard to ask about chunk {}/{}",
                    unsent.front().file, st.opt.host, unsent.front().file, unsent.front().index);
      step = scanner.on_answer(unsent.front(), chunk_verdict::failed);
      unsent.pop_front();
    } else {
      break;
    }
  }
  if (poll_soon) self->send(self, scan_atom::value);
}

void on_check_answer(storage_actor* self, const chunk_key& key, const result<bool>& answer) {
  auto& st = self->state;
  if (!answer)
    st.log->debug("trace={:016x} orphan scan on host {}: check of chunk {}/{} failed: {}", key.file,
                  st.opt.host, key.file, key.index, answer.err().to_string());
  auto verdict = !answer   ? chunk_verdict::failed
                 : *answer ? chunk_verdict::referenced
                           : chunk_verdict::unreferenced;
  drive_scan(self, st.scanner->on_answer(key, verdict));
}

// Starts a pass when one is due; the shell asks after every message and when idle.
void scan_if_due(storage_actor* self) {
  auto& st = self->state;
  if (!st.scanner) return;
  int64_t now = now_ms(self);
  if (st.scanner->due(now)) drive_scan(self, st.scanner->poll(now));
}

void background_if_due(storage_actor* self) {
  scan_if_due(self);
  scrub_if_due(self);
  announce_if_due(self);
}

// What a nodeStatsRequest is answered with. The mailbox depth is read here, on the
// actor's own thread: CAF 0.17 has no mailbox size another thread may read.
node_stats stats_of(storage_actor* self) {
  auto& st = self->state;
  auto store = st.store->stats();
  node_stats s{st.opt.host, store.chunks, store.bytes, store.free_bytes, true};
  if (st.scrub) {
    auto& c = st.scrub->counters();
    s.scrub_passes = c.passes;
    s.scrub_chunks_verified = c.chunks_verified;
    s.scrub_bytes_verified = c.bytes_verified;
    s.scrub_corrupt_found = c.corruptions_found;
  }
  s.mailbox_depth = self->mailbox().size();
  return s;
}

caf::result<std::string> on_frame(storage_actor* self, std::string& frame) {
  auto& st = self->state;
  auto opened = envelope_reader::open(std::move(frame), {st.opt.frame_bytes_max});
  if (!opened) {
    st.logic.on_bad_frame();
    st.log->warn("trace={:016x} rejected frame (bad frames so far: {}): {}", uint64_t{0},
                 st.logic.counters().bad_frames, opened.err().to_string());
    return caf::make_error(caf::sec::unexpected_message);
  }
  auto& env = *opened.value();
  switch (env.kind()) {
    case wire::MessageKind::CHUNK_PUT_REQUEST:
      return on_put(self, env);
    case wire::MessageKind::CHUNK_GET_REQUEST:
      return on_get(self, env);
    case wire::MessageKind::CHUNK_DELETE_REQUEST:
      return on_delete(self, env);
    case wire::MessageKind::CHUNK_REPLICATE_REQUEST:
      return on_replicate(self, env);
    case wire::MessageKind::MAP_UPDATE_REQUEST:
      return on_map_update(self, env);
    case wire::MessageKind::NODE_STATS_REQUEST:
      return make_node_stats_reply(env.header(), stats_of(self));
    default:
      return make_error_reply(
          env.header(),
          {errc::invalid_argument, "a storage node does not handle message kind " +
                                       std::to_string(static_cast<uint16_t>(env.kind()))});
  }
}

caf::behavior storage_node_actor(storage_actor* self, store_box box, storage_node_options opt,
                                 registry* reg) {
  auto& st = self->state;
  st.opt = opt;
  st.reg = reg;
  st.self_address = address{opt.host, storage_actor_name};
  // A restarted node must not reuse the ids of its previous incarnation while a meta
  // shard still caches their answers (60 s): start from the clock, in milliseconds.
  st.next_correlation = static_cast<uint64_t>(now_ms(self)) << 20;
  if (!opt.shard_hosts.empty()) {
    st.scanner.emplace(
        orphan_scanner_config{opt.orphan_grace_ms, opt.scan_interval_ms, opt.scan_checks_max});
    scrubber_config scrub;
    scrub.rate_bytes_per_s = opt.scrub_rate;
    scrub.interval_ms = opt.scrub_interval_ms;
    st.scrub.emplace(scrub);
  }
  st.store = std::move(*box);
  st.logic =
      storage_node_state(storage_node_limits{opt.group_commit_max, opt.group_commit_bytes_max});
  st.log = module_log("storage");
  announce_if_empty(self);
  // A clean stop answers the open batch before the store closes with the state, and
  // waits out held syncs (their batches are committed). A kill skips this handler: held
  // replies are dropped, as a crashed host never acknowledges.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    if (self->state.logic.staged() > 0) commit(self);
    for (auto& batch : self->state.held) batch.synced = true;
    release_synced(self);
    self->quit(msg.reason);
  });
  auto on_envelope = [self](envelope_atom, std::string& frame) -> caf::result<std::string> {
    auto reply = on_frame(self, frame);
    background_if_due(self);
    return reply;
  };
  auto on_flush = [self](flush_atom) {
    carry_out(self, self->state.logic.on_flush());
    background_if_due(self);
  };
  auto on_tick = [self](tick_atom, uint64_t held_id) {
    on_synced(self, held_id);
    background_if_due(self);
  };
  auto on_scan = [self](scan_atom) {
    if (self->state.scanner) drive_scan(self, self->state.scanner->poll(now_ms(self)));
  };
  auto on_scrub = [self](scrub_atom) { continue_scrub(self); };
  if (!st.scanner) return {on_envelope, on_flush, on_tick, on_scan, on_scrub};
  // An idle node looks whether a pass is due, or the scrub's rate allows its next read.
  // Not delayed_send: a pending delayed message keeps a strong reference to a detached
  // actor and hangs the actor system's shutdown; a receive timeout does not.
  auto tick = std::chrono::milliseconds(
      std::min({opt.scan_interval_ms, opt.scrub_interval_ms, idle_tick_ms_max}));
  return {on_envelope, on_flush, on_tick,
          on_scan,     on_scrub, caf::after(tick) >> [self] { background_if_due(self); }};
}

status check_options(const storage_node_options& o) {
  if (o.group_commit_max == 0)
    return error{errc::invalid_argument, "group_commit_max must be at least 1"};
  if (o.replicates_max == 0)
    return error{errc::invalid_argument, "replicates_max must be at least 1"};
  if (o.replicate_fetch_timeout_ms <= 0)
    return error{errc::invalid_argument, "replicate_fetch_timeout_ms must be positive"};
  if (o.shard_hosts.empty()) return ok_status();
  if (o.orphan_grace_ms < 0)
    return error{errc::invalid_argument, "orphan_grace_ms must not be negative"};
  if (o.scan_interval_ms <= 0)
    return error{errc::invalid_argument, "scan_interval_ms must be positive"};
  if (o.scan_checks_max == 0)
    return error{errc::invalid_argument, "scan_checks_max must be at least 1"};
  if (o.scan_check_timeout_ms <= 0)
    return error{errc::invalid_argument, "scan_check_timeout_ms must be positive"};
  if (o.scrub_rate == 0 || o.scrub_rate > scrub_rate_max)
    return error{errc::invalid_argument,
                 "scrub_rate must be between 1 and " + std::to_string(scrub_rate_max) + " bytes/s"};
  if (o.scrub_interval_ms <= 0)
    return error{errc::invalid_argument, "scrub_interval_ms must be positive"};
  return ok_status();
}

}  // namespace

result<caf::actor> spawn_storage_node(caf::actor_system& sys, registry& reg,
                                      const storage_node_options& opt) {
  if (auto st = check_options(opt); !st) return st.err();
  disk_chunk_store_options disk;
  disk.data_dir = opt.data_dir;
  disk.capacity_bytes = opt.capacity_bytes;
  auto store = disk_chunk_store::open(disk);
  if (!store)
    return error{store.code(), "storage node on host " + std::to_string(opt.host) +
                                   " cannot open " + opt.data_dir + ": " + store.err().message};
  return spawn_storage_node(sys, reg, opt, std::move(store.value()));
}

result<caf::actor> spawn_storage_node(caf::actor_system& sys, registry& reg,
                                      const storage_node_options& opt,
                                      std::unique_ptr<chunk_store> store) {
  CAIRN_ASSERT(store != nullptr);
  if (auto st = check_options(opt); !st) return st.err();
  auto stats = store->stats();
  auto box = std::make_shared<std::unique_ptr<chunk_store>>(std::move(store));
  caf::actor actor = opt.detached ? sys.spawn<caf::detached>(storage_node_actor, box, opt, &reg)
                                  : sys.spawn(storage_node_actor, box, opt, &reg);
  reg.put(address{opt.host, storage_actor_name}, actor);
  module_log("storage")->info(
      "trace={:016x} storage node on host {} serving {} chunks ({} bytes) from {}", uint64_t{0},
      opt.host, stats.chunks, stats.bytes, opt.data_dir);
  return actor;
}

}  // namespace cairn
