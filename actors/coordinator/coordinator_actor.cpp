#include "actors/coordinator/coordinator_actor.hpp"

#include <caf/all.hpp>

#include "actors/coordinator/coordinator_codec.hpp"
#include "actors/coordinator/coordinator_state.hpp"
#include "actors/coordinator/map_store.hpp"
#include "actors/coordinator/membership_codec.hpp"
#include "cairn/schema/meta.capnp.h"
#include "cairn/schema/storage.capnp.h"
#include "runtime/cluster_map_codec.hpp"
#include "runtime/log.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/registry.hpp"

namespace cairn {
namespace {

struct coordinator_actor_state {
  std::unique_ptr<membership> logic;
  std::unique_ptr<map_store> store;  // null: memory only
  coordinator_options opt;
  int64_t next_push_ms = 0;
  registry* reg = nullptr;
  uint64_t next_correlation = 1;
  uint64_t frames_dropped = 0;
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "coordinator";
};

using coordinator_self = caf::stateful_actor<coordinator_actor_state>;

// Everything the actor takes over at spawn; shared_ptr because CAF copies spawn args.
struct coordinator_init {
  std::unique_ptr<membership> logic;
  std::unique_ptr<map_store> store;
  coordinator_options opt;
  registry* reg = nullptr;
};

int64_t now_ms(coordinator_self* self) {
  auto since = self->clock().now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(since).count();
}

std::string map_reply(coordinator_self* self, const envelope_header& request) {
  envelope_builder b(reply_header(request, wire::MessageKind::CLUSTER_MAP_REPLY));
  write_cluster_map(b.init_payload<wire::ClusterMapReply>(), self->state.logic->map());
  return b.finish();
}

transport_stats read_transport(registry& reg) {
  auto& c = reg.counters();
  return transport_stats{c.connections_accepted.load(), c.connections_refused.load(),
                         c.connections_closed_bad_frame.load(), c.frames_received.load(),
                         c.frames_rejected.load()};
}

// Parses one stats answer into the collector; anything else counts as no answer.
void absorb(status_collector& c, std::string& frame, size_t frame_bytes_max) {
  auto opened = envelope_reader::open(std::move(frame), {frame_bytes_max});
  if (!opened) return c.give_up();
  auto& env = *opened.value();
  auto ok = guarded([&]() -> status {
    if (env.kind() == wire::MessageKind::SHARD_STATS_REPLY)
      c.record(read_shard_stats(env.payload<wire::ShardStatsReply>().getStats()));
    else if (env.kind() == wire::MessageKind::NODE_STATS_REPLY)
      c.record(read_node_stats(env.payload<wire::NodeStatsReply>().getStats()));
    else
      return error{errc::internal, "unexpected reply"};
    return ok_status();
  });
  if (!ok) c.give_up();
}

template <class Payload>
std::string stats_request(coordinator_self* self, const envelope_header& origin, const address& to,
                          wire::MessageKind kind) {
  envelope_header h;
  h.source = {self->state.opt.host, coordinator_actor_name};
  h.destination = to;
  h.correlation_id = self->state.next_correlation++;
  h.trace_id = origin.trace_id;
  h.kind = kind;
  envelope_builder b(h);
  b.init_payload<Payload>();
  return b.finish();
}

caf::result<std::string> collect_status(coordinator_self* self, const envelope_header& request) {
  auto& st = self->state;
  auto collector = std::make_shared<status_collector>(st.logic->map());
  auto rp = self->make_response_promise<std::string>();
  auto finish = [self, collector, rp, request]() mutable {
    if (!collector->complete()) return;
    envelope_builder b(reply_header(request, wire::MessageKind::CLUSTER_STATUS_REPLY));
    write_cluster_status(b.init_payload<wire::ClusterStatusReply>(),
                         collector->take(read_transport(*self->state.reg)));
    rp.deliver(b.finish());
  };
  auto ask = [&](const address& to, std::string frame) {
    auto target = st.reg->find(to);
    if (!target) {
      collector->give_up();
      return;
    }
    self->request(*target, std::chrono::milliseconds(st.opt.stats_timeout_ms), envelope_atom::value,
                  std::move(frame))
        .then(
            [self, collector, finish](std::string& reply) mutable {
              absorb(*collector, reply, self->state.opt.frame_bytes_max);
              finish();
            },
            [collector, finish](caf::error&) mutable {
              collector->give_up();
              finish();
            });
  };
  auto& map = st.logic->map();
  for (shard_id s = 0; s < map.shard_count(); ++s)
    ask(map.meta_address(s),
        stats_request<wire::ShardStatsRequest>(self, request, map.meta_address(s),
                                               wire::MessageKind::SHARD_STATS_REQUEST));
  for (auto& h : map.hosts)
    if (h.storage)
      ask(storage_address(h.id),
          stats_request<wire::NodeStatsRequest>(self, request, storage_address(h.id),
                                                wire::MessageKind::NODE_STATS_REQUEST));
  finish();  // everything may already have given up
  return rp;
}

// Every role that holds a copy of the map: the detector, storage node and transport
// (peers: it connects to the hosts the map lists) of each host, each shard's meta shard
// and repairer.
std::vector<address> map_receivers(const cluster_map& map) {
  std::vector<address> out;
  for (auto& h : map.hosts) {
    out.push_back({h.id, peers_actor_name});
    out.push_back({h.id, detector_actor_name});
    if (h.storage) out.push_back(storage_address(h.id));
  }
  for (shard_id s = 0; s < map.shard_count(); ++s) {
    out.push_back(map.meta_address(s));
    out.push_back({map.shard_hosts[s], repairer_actor_name(s)});
  }
  return out;
}

// Best effort: a receiver that is not registered, silent or not (yet) speaking map
// updates gets the map with the next push.
void push_map(coordinator_self* self, const std::vector<address>& to) {
  auto& st = self->state;
  for (auto& a : to) {
    auto target = st.reg->find(a);
    if (!target) continue;
    envelope_header h{{st.opt.host, coordinator_actor_name}, a, st.next_correlation++, 0, 0,
                      wire::MessageKind::MAP_UPDATE_REQUEST};
    self->request(*target, std::chrono::milliseconds(st.opt.map_push_timeout_ms),
                  envelope_atom::value, make_map_update(h, st.logic->map()))
        .then([](std::string&) {}, [](caf::error&) {});
  }
}

void push_map_to_all(coordinator_self* self) {
  auto& st = self->state;
  st.next_push_ms = now_ms(self) + st.opt.map_push_interval_ms;
  push_map(self, map_receivers(st.logic->map()));
}

// Persists, reports and pushes the map after membership changed it. The map is
// written before anyone hears of the new epoch: a map that cannot be written is taken
// back (`before`: membership as it was) and the change fails, so an epoch is never
// announced that a restarted coordinator could hand out again for another map.
status changed(coordinator_self* self, const std::vector<host_transition>& changes,
               membership before) {
  auto& st = self->state;
  if (changes.empty()) return ok_status();
  if (st.store)
    if (auto saved = st.store->save(st.logic->map()); !saved) {
      st.log->error("trace=0000000000000000 map epoch {} not persisted, change undone: {}",
                    st.logic->map().epoch, saved.err().to_string());
      *st.logic = std::move(before);
      return error{errc::unavailable,
                   "the cluster map could not be persisted: " + saved.err().to_string()};
    }
  for (auto& t : changes)
    st.log->info("trace=0000000000000000 host {} {} -> {} (epoch {}): {}", t.host,
                 to_string(t.from), to_string(t.to), t.epoch, t.reason);
  if (st.opt.on_map_change) st.opt.on_map_change(st.logic->map());
  push_map_to_all(self);
  return ok_status();
}

std::string on_host_report(coordinator_self* self, const envelope_reader& env) {
  auto& st = self->state;
  auto& h = env.header();
  auto r = read_host_report_request(env);
  if (!r) return make_error_reply(h, r.err());
  membership before = *st.logic;
  auto out = st.logic->report(*r, now_ms(self));
  if (!out) {
    // The observer works from an old map (perhaps observing the wrong hosts): send it ours.
    if (out.code() == errc::stale_epoch) push_map(self, {{r->observer, detector_actor_name}});
    return make_error_reply(h, out.err());
  }
  if (out->ignored)
    st.log->debug("trace={:016x} ignored a report on host {} from host {}: not its observer",
                  h.trace_id, r->target, r->observer);
  if (auto st_changed = changed(self, out->changes, std::move(before)); !st_changed)
    return make_error_reply(h, st_changed.err());
  return make_host_report_reply(h, host_report_answer{out->epoch, out->state});
}

std::string on_host_admin(coordinator_self* self, const envelope_reader& env) {
  auto& st = self->state;
  auto& h = env.header();
  auto a = read_host_admin_request(env);
  if (!a) return make_error_reply(h, a.err());
  membership before = *st.logic;
  auto out = st.logic->admin(*a, now_ms(self));
  if (!out) return make_error_reply(h, out.err());
  st.log->info("trace={:016x} {} host {}{}: {} -> {}", h.trace_id, to_string(a->action), a->host,
               a->apply ? "" : " (dry run)", to_string(out->before), to_string(out->after));
  if (auto st_changed = changed(self, out->changes, std::move(before)); !st_changed)
    return make_error_reply(h, st_changed.err());
  return make_host_admin_reply(h, *out);
}

// hostJoin and hostLeave: a host announcing itself at start, or stopping cleanly.
std::string on_host_presence(coordinator_self* self, const envelope_reader& env) {
  auto& st = self->state;
  auto& h = env.header();
  bool joining = h.kind == wire::MessageKind::HOST_JOIN_REQUEST;
  membership before = *st.logic;
  result<presence_outcome> out = error{errc::internal, "unset"};
  if (joining) {
    auto host = read_host_join_request(env);
    if (!host) return make_error_reply(h, host.err());
    out = st.logic->join(*host, now_ms(self));
  } else {
    auto host = read_host_leave_request(env);
    if (!host) return make_error_reply(h, host.err());
    out = st.logic->leave(*host, now_ms(self));
  }
  if (!out) return make_error_reply(h, out.err());
  if (auto st_changed = changed(self, out->changes, std::move(before)); !st_changed)
    return make_error_reply(h, st_changed.err());
  return make_presence_reply(
      h, joining ? wire::MessageKind::HOST_JOIN_REPLY : wire::MessageKind::HOST_LEAVE_REPLY,
      out->epoch);
}

void tick(coordinator_self* self) {
  auto& st = self->state;
  membership before = *st.logic;
  // A change that could not be persisted was undone (and logged); the next tick retries.
  (void)changed(self, st.logic->tick(now_ms(self)), std::move(before));
  if (now_ms(self) >= st.next_push_ms) push_map_to_all(self);
  self->delayed_send(self, std::chrono::milliseconds(st.opt.tick_ms), tick_atom::value);
}

caf::result<std::string> on_envelope(coordinator_self* self, std::string& frame) {
  auto opened = envelope_reader::open(std::move(frame), {self->state.opt.frame_bytes_max});
  if (!opened) {
    ++self->state.frames_dropped;
    self->state.log->warn("trace=0000000000000000 dropped frame: {}", opened.err().to_string());
    return caf::make_error(caf::sec::unexpected_message);
  }
  auto& env = *opened.value();
  auto& h = env.header();
  switch (h.kind) {
    case wire::MessageKind::CLUSTER_MAP_REQUEST:
      return map_reply(self, h);
    case wire::MessageKind::CLUSTER_STATUS_REQUEST:
      return collect_status(self, h);
    case wire::MessageKind::HOST_REPORT_REQUEST:
      return on_host_report(self, env);
    case wire::MessageKind::HOST_ADMIN_REQUEST:
      return on_host_admin(self, env);
    case wire::MessageKind::HOST_JOIN_REQUEST:
    case wire::MessageKind::HOST_LEAVE_REQUEST:
      return on_host_presence(self, env);
    default:
      return make_error_reply(
          h, {errc::invalid_argument, "the coordinator does not handle this message kind"});
  }
}

caf::behavior coordinator(coordinator_self* self, std::shared_ptr<coordinator_init> init) {
  auto& st = self->state;
  st.logic = std::move(init->logic);
  st.store = std::move(init->store);
  st.opt = std::move(init->opt);
  st.reg = init->reg;
  st.log = module_log("coordinator");
  st.log->info("trace=0000000000000000 coordinator up on host {}, map epoch {}", st.opt.host,
               st.logic->map().epoch);
  self->send(self, tick_atom::value);  // the first tick pushes the map
  return {
      [self](envelope_atom, std::string& frame) { return on_envelope(self, frame); },
      [self](tick_atom) { tick(self); },
      [self](stop_atom) { self->quit(); },
  };
}

// The starting map: the persisted one merged with the configured one, written back.
result<cluster_map> starting_map(map_store* store, const cluster_map& configured) {
  if (!store) return configured;
  auto persisted = store->load();
  if (!persisted) return persisted.err();
  cluster_map map = *persisted ? merge_with_config(**persisted, configured) : configured;
  if (!*persisted || map.epoch != (*persisted)->epoch)
    if (auto saved = store->save(map); !saved) return saved.err();
  return map;
}

}  // namespace

result<caf::actor> spawn_coordinator(caf::actor_system& sys, registry& reg,
                                     const coordinator_options& opt) {
  if (opt.tick_ms <= 0 || opt.map_push_interval_ms <= 0)
    return error{errc::invalid_argument,
                 "coordinator: tick_ms and map_push_interval_ms must be > 0"};
  auto init = std::make_shared<coordinator_init>();
  if (!opt.data_dir.empty()) {
    auto store = map_store::open(opt.data_dir + "/coordinator", opt.sync);
    if (!store) return store.err();
    init->store = std::move(*store);
  }
  auto map = starting_map(init->store.get(), opt.map);
  if (!map) return map.err();
  init->logic = std::make_unique<membership>(std::move(*map), opt.membership);
  init->opt = opt;
  init->reg = &reg;
  auto actor = sys.spawn(coordinator, init);
  reg.put({opt.host, coordinator_actor_name}, actor);
  reg.put(coordinator_address(), actor);
  return actor;
}

}  // namespace cairn
