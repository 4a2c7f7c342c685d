#include "actors/repairer/repairer_actor.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <memory>

#include "actors/repairer/repair_scheduler.hpp"
#include "actors/repairer/repairer_codec.hpp"
#include "actors/storage_node/storage_codec.hpp"
#include "runtime/cluster_map_codec.hpp"
#include "runtime/cluster_stats_codec.hpp"
#include "runtime/log.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/registry.hpp"

namespace cairn {
namespace {

using ms = std::chrono::milliseconds;

struct repairer_state {
  repairer_options opt;
  registry* reg = nullptr;
  address self_address;
  cluster_map map;
  std::unique_ptr<repair_scheduler> sched;
  std::unique_ptr<rng> random;
  bool reading = false;  // a queue read is outstanding: at most one at a time
  uint64_t correlation = 0;
  uint64_t frames_rejected = 0;
  uint64_t replies_rejected = 0;  // answers that could not be read
  int64_t stats_due_ms = 0;
  repair_counters logged;  // the counters of the last stats line
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "repairer";
};

using repairer = caf::stateful_actor<repairer_state>;

int64_t now_ms(repairer* self) {
  auto since = self->clock().now().time_since_epoch();
  return std::chrono::duration_cast<ms>(since).count();
}

decode_limits limits(const repairer_state& st) { return {st.opt.frame_bytes_max}; }

envelope_header header_to(repairer_state& st, const address& to, uint64_t trace) {
  return envelope_header{st.self_address, to, ++st.correlation, trace, 0, {}};
}

error from_caf(repairer* self, const caf::error& err) {
  if (err == caf::sec::request_timeout) return error{errc::timeout, "no answer in time"};
  return error{errc::unavailable, self->system().render(err)};
}

bool changed(const repair_counters& a, const repair_counters& b) {
  return a.started != b.started || a.done != b.done || a.failed != b.failed ||
         a.unrepairable != b.unrepairable || a.unplaceable != b.unplaceable ||
         a.queue_total != b.queue_total;
}

// One line of counters, at most every stats_log_interval_ms and only after a change.
void log_stats(repairer* self) {
  auto& st = self->state;
  int64_t now = now_ms(self);
  auto& c = st.sched->counters();
  if (now < st.stats_due_ms || !changed(c, st.logged)) return;
  st.stats_due_ms = now + st.opt.stats_log_interval_ms;
  st.logged = c;
  auto eta = st.sched->eta_ms(now);
  st.log->info(
      "trace=0000000000000000 shard {} repairs: queue {} inflight {} started {} done {} "
      "failed {} (stale epoch {}) bytes {} unrepairable {} unplaceable {} eta {} map epoch {}",
      st.opt.shard, c.queue_total, c.inflight, c.started, c.done, c.failed, c.stale_epoch,
      c.bytes_copied, c.unrepairable, c.unplaceable,
      eta ? std::to_string(*eta / 1000) + "s" : std::string("unknown"), st.map.epoch);
}

void pump(repairer* self);

// The repair of s is over: tell the scheduler, then use the freed slot.
void finish(repairer* self, const repair_start& s, const status& outcome, bool copied) {
  auto& st = self->state;
  if (outcome) {
    st.log->debug("trace={:016x} chunk {}/{} repaired onto host {}", s.chunk.file, s.chunk.file,
                  s.chunk.index, s.target);
    st.sched->on_done(s.chunk, now_ms(self));
  } else {
    st.log->info("trace={:016x} repair of chunk {}/{} onto host {} failed ({}): {}", s.chunk.file,
                 s.chunk.file, s.chunk.index, s.target,
                 copied ? "copied, not recorded" : "not copied", outcome.err().to_string());
    st.sched->on_failed(s.chunk, outcome.err().code, copied, now_ms(self), *st.random);
  }
  log_stats(self);
  pump(self);
}

// The target holds the bytes: the shard records the replica, under the current map.
void add_replica(repairer* self, const repair_start& s) {
  auto& st = self->state;
  const map_host* target = st.map.find_host(s.target);
  if (!target || !target->placeable())  // the map changed while the chunk was copied
    return finish(self, s, error{errc::unavailable, "target no longer placeable"}, true);
  auto to = st.map.meta_address(st.opt.shard);
  auto meta = st.reg->find(to);
  if (!meta) return finish(self, s, error{errc::unavailable, "no meta shard registered"}, true);
  repair::replica_add_request add{s.chunk, s.target, s.crc, st.map.epoch};
  auto frame = repair::make_replica_add_request(header_to(st, to, s.chunk.file), add);
  self->request(*meta, ms(st.opt.request_timeout_ms), envelope_atom::value, std::move(frame))
      .then(
          [self, s](std::string& reply) {
            auto live = repair::read_replica_add_reply(std::move(reply), limits(self->state));
            finish(self, s, live ? ok_status() : status{live.err()}, true);
          },
          [self, s](caf::error& err) { finish(self, s, from_caf(self, err), true); });
}

// Asks the target storage node to copy the chunk from the sources.
void start_repair(repairer* self, const repair_start& s) {
  auto& st = self->state;
  st.log->debug("trace={:016x} repairing chunk {}/{} onto host {} from {} source(s)", s.chunk.file,
                s.chunk.file, s.chunk.index, s.target, s.sources.size());
  auto to = storage_address(s.target);
  auto node = st.reg->find(to);
  if (!node) return finish(self, s, error{errc::unavailable, "no storage node registered"}, false);
  chunk_replicate_request copy{s.chunk, s.crc, s.length, s.sources};
  auto frame = make_chunk_replicate_request(header_to(st, to, s.chunk.file), copy);
  self->request(*node, ms(st.opt.copy_timeout_ms), envelope_atom::value, std::move(frame))
      .then(
          [self, s](std::string& reply) {
            auto copied = read_chunk_replicate_reply(std::move(reply));
            if (!copied) return finish(self, s, copied.err(), false);
            if (copied->crc != s.crc || copied->length != s.length)
              return finish(self, s, error{errc::corrupt, "the copy's crc or length differs"},
                            false);
            add_replica(self, s);
          },
          [self, s](caf::error& err) { finish(self, s, from_caf(self, err), false); });
}

void read_page(repairer* self);

void on_page(repairer* self, uint64_t ticket, result<repair::queue_reply> page) {
  auto& st = self->state;
  if (!page) {
    st.reading = false;
    st.sched->read_failed();
    st.log->info("trace=0000000000000000 reading shard {}'s repair queue failed: {}", st.opt.shard,
                 page.err().to_string());
    return;
  }
  auto plan = st.sched->plan(ticket, *page, st.map, now_ms(self), *st.random);
  for (auto& s : plan.starts) start_repair(self, s);
  if (plan.read_more)
    read_page(self);
  else
    st.reading = false;
  log_stats(self);
}

void read_page(repairer* self) {
  auto& st = self->state;
  st.reading = true;
  auto read = st.sched->begin_read();
  auto to = st.map.meta_address(st.opt.shard);
  auto meta = st.reg->find(to);
  if (!meta)
    return on_page(self, read.ticket, error{errc::unavailable, "no meta shard registered"});
  auto frame = repair::make_queue_request(header_to(st, to, 0), read.request);
  self->request(*meta, ms(st.opt.request_timeout_ms), envelope_atom::value, std::move(frame))
      .then(
          [self, ticket = read.ticket](std::string& reply) {
            on_page(self, ticket, repair::read_queue_reply(std::move(reply), limits(self->state)));
          },
          [self, ticket = read.ticket](caf::error& err) {
            on_page(self, ticket, from_caf(self, err));
          });
}

// Reads the queue when a repair could start.
void pump(repairer* self) {
  auto& st = self->state;
  if (st.reading || !st.sched->has_capacity() || st.sched->waiting_for_map(st.map)) return;
  read_page(self);
}

caf::result<std::string> on_map_update(repairer* self, const envelope_reader& env) {
  auto& st = self->state;
  const auto& h = env.header();
  auto map = read_map_update(env);
  if (!map) {
    st.log->warn("trace={:016x} unreadable map update: {}", h.trace_id, map.err().to_string());
    return make_error_reply(h, map.err());
  }
  if (map->shard_count() <= st.opt.shard)
    return make_error_reply(
        h, {errc::invalid_argument, "the map does not name shard " + std::to_string(st.opt.shard)});
  if (map->epoch > st.map.epoch) {
    st.log->info("trace={:016x} map epoch {} -> {}", h.trace_id, st.map.epoch, map->epoch);
    st.map = std::move(*map);
    pump(self);  // a stale-epoch wait may be over, a host may have come back
  }
  return make_map_update_ack(h, st.map.epoch);
}

// The repairer's part of its shard's stats: its counters (the namespace fields stay 0;
// meta.<s> answers those). The mailbox depth is read on the actor's own thread: CAF 0.17
// has no mailbox size another thread may read.
std::string on_stats(repairer* self, const envelope_header& request) {
  auto& st = self->state;
  auto& c = st.sched->counters();
  shard_stats s;
  s.shard = st.opt.shard;
  s.host = st.opt.host;
  s.reachable = true;
  s.repairs_done = c.done;
  s.repairs_failed = c.failed;
  s.repair_bytes_copied = c.bytes_copied;
  s.repair_queued = c.queue_total;
  s.repairs_inflight = c.inflight;
  s.mailbox_depth = self->mailbox().size();
  return make_shard_stats_reply(request, s);
}

caf::result<std::string> on_envelope(repairer* self, std::string& frame) {
  auto& st = self->state;
  auto env = envelope_reader::open(std::move(frame), limits(st));
  if (!env) {
    ++st.frames_rejected;
    st.log->warn("trace=0000000000000000 rejected frame ({} so far): {}", st.frames_rejected,
                 env.err().to_string());
    return caf::make_error(caf::sec::unexpected_message);
  }
  if ((*env)->kind() == wire::MessageKind::MAP_UPDATE_REQUEST) return on_map_update(self, **env);
  if ((*env)->kind() == wire::MessageKind::SHARD_STATS_REQUEST)
    return on_stats(self, (*env)->header());
  return make_error_reply(
      (*env)->header(),
      {errc::invalid_argument, "the repairer does not serve message kind " +
                                   std::to_string(static_cast<uint16_t>((*env)->kind()))});
}

// shared_ptr: CAF copies spawn arguments, and the options hold a whole map.
caf::behavior repairer_actor(repairer* self, std::shared_ptr<const repairer_options> init,
                             registry* reg) {
  auto& st = self->state;
  const repairer_options& opt = *init;
  st.opt = opt;
  st.reg = reg;
  st.map = opt.map;
  st.self_address = address{opt.host, repairer_actor_name(opt.shard)};
  // replicaAdd is a write: a meta shard answers a repeated (source, correlation, trace,
  // kind) from its duplicate filter for 60 s, so a restarted repairer must not reuse the
  // ids of its previous incarnation. Start from the clock, in milliseconds.
  st.correlation = static_cast<uint64_t>(now_ms(self)) << 20;
  repair_scheduler_config cfg;
  cfg.inflight_max = opt.inflight_max;
  cfg.bandwidth = opt.bandwidth;
  st.sched = std::make_unique<repair_scheduler>(cfg);
  st.random = std::make_unique<rng>(rng(opt.seed).derive(st.self_address.actor));
  st.log = module_log("repair");
  unregister_on_exit(self, *reg, st.self_address);
  st.log->info("trace=0000000000000000 repairer of shard {} up on host {} (map epoch {})",
               opt.shard, opt.host, opt.map.epoch);
  self->send(self, tick_atom::value);
  return {
      [self](envelope_atom, std::string& frame) { return on_envelope(self, frame); },
      // The only timer: one tick in the mailbox or the clock at any time.
      [self](tick_atom) {
        pump(self);
        log_stats(self);
        self->delayed_send(self, ms(self->state.opt.poll_interval_ms), tick_atom::value);
      },
      [self](stop_atom) { self->quit(); },
  };
}

status check_options(const repairer_options& o) {
  auto bad = [](const std::string& what) { return error{errc::invalid_argument, what}; };
  if (o.inflight_max == 0) return bad("repair inflight_max is 0");
  if (o.bandwidth == 0) return bad("repair bandwidth is 0");
  if (o.poll_interval_ms <= 0 || o.request_timeout_ms <= 0 || o.copy_timeout_ms <= 0 ||
      o.stats_log_interval_ms <= 0)
    return bad("repair intervals and timeouts must be > 0");
  if (o.frame_bytes_max == 0) return bad("repair frame_bytes_max is 0");
  if (o.shard >= o.map.shard_count())
    return bad("the map does not name shard " + std::to_string(o.shard));
  return ok_status();
}

}  // namespace

result<caf::actor> spawn_repairer(caf::actor_system& sys, registry& reg,
                                  const repairer_options& opt) {
  if (auto st = check_options(opt); !st) return st.err();
  auto actor = sys.spawn(repairer_actor, std::make_shared<const repairer_options>(opt), &reg);
  reg.put(address{opt.host, repairer_actor_name(opt.shard)}, actor);
  return actor;
}

}  // namespace cairn
