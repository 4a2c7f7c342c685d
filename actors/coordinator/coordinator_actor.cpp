#include "actors/coordinator/coordinator_actor.hpp"

#include <caf/all.hpp>

#include "actors/coordinator/coordinator_codec.hpp"
#include "actors/coordinator/coordinator_state.hpp"
#include "cairn/schema/meta.capnp.h"
#include "cairn/schema/storage.capnp.h"
#include "runtime/log.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/registry.hpp"

namespace cairn {
namespace {

struct coordinator_actor_state {
  std::unique_ptr<coordinator_state> logic;
  coordinator_options opt;
  registry* reg = nullptr;
  uint64_t next_correlation = 1;
  uint64_t frames_dropped = 0;
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "coordinator";
};

using coordinator_self = caf::stateful_actor<coordinator_actor_state>;

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

caf::behavior coordinator(coordinator_self* self, registry* reg, coordinator_options opt) {
  self->state.logic = std::make_unique<coordinator_state>(opt.map);
  self->state.opt = std::move(opt);
  self->state.reg = reg;
  self->state.log = module_log("coordinator");
  return {
      [self](envelope_atom, std::string& frame) -> caf::result<std::string> {
        auto opened = envelope_reader::open(std::move(frame), {self->state.opt.frame_bytes_max});
        if (!opened) {
          ++self->state.frames_dropped;
          self->state.log->warn("trace=0000000000000000 dropped frame: {}",
                                opened.err().to_string());
          return caf::make_error(caf::sec::unexpected_message);
        }
        auto& h = opened.value()->header();
        switch (h.kind) {
          case wire::MessageKind::CLUSTER_MAP_REQUEST:
            return map_reply(self, h);
          case wire::MessageKind::CLUSTER_STATUS_REQUEST:
            return collect_status(self, h);
          default:
            return make_error_reply(
                h, {errc::invalid_argument, "the coordinator does not handle this message kind"});
        }
      },
  };
}

}  // namespace

result<caf::actor> spawn_coordinator(caf::actor_system& sys, registry& reg,
                                     const coordinator_options& opt) {
  auto actor = sys.spawn(coordinator, &reg, opt);
  reg.put({opt.host, coordinator_actor_name}, actor);
  reg.put(coordinator_address(), actor);
  return actor;
}

}  // namespace cairn
