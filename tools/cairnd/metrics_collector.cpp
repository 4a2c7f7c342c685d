#include "tools/cairnd/metrics_collector.hpp"

#include <caf/all.hpp>

#include <chrono>

#include "actors/storage_node/storage_codec.hpp"
#include "runtime/cluster_map.hpp"
#include "runtime/cluster_stats_codec.hpp"
#include "runtime/net/atoms.hpp"

namespace cairn {
namespace {

enum class role_kind { storage, meta, repair };

struct question {
  role_kind kind;
  size_t probe;  // index into the snapshot's probes
  caf::actor target;
  std::string frame;
};

// Takes one answer into the snapshot; false when it cannot be read.
bool absorb(role_stats_snapshot& out, role_kind kind, std::string reply) {
  if (kind == role_kind::storage) {
    auto stats = read_node_stats_reply(std::move(reply));
    if (stats) out.nodes.push_back(*stats);
    return stats.ok();
  }
  auto stats = read_shard_stats_reply(std::move(reply));
  if (stats) (kind == role_kind::meta ? out.shards : out.repairers).push_back(*stats);
  return stats.ok();
}

}  // namespace

local_roles local_roles_of(const cluster_config& cfg) {
  local_roles out;
  auto runs_here = [&](host_id h) { return !cfg.multi_host() || cfg.local->id == h; };
  if (cfg.multi_host()) {
    if (cfg.local->storage) out.storage_hosts.push_back(cfg.local->id);
  } else {
    for (auto& h : cfg.hosts)
      if (h.storage) out.storage_hosts.push_back(h.id);
  }
  for (shard_id s = 0; s < cfg.shards; ++s)
    if (runs_here(cfg.shard_host(s))) out.shards.emplace_back(s, cfg.shard_host(s));
  return out;
}

metrics_collector::metrics_collector(caf::actor_system& sys, registry& reg, local_roles roles,
                                     int64_t timeout_ms)
    : sys_(sys), reg_(reg), roles_(std::move(roles)), timeout_ms_(timeout_ms) {
  CAIRN_ASSERT(timeout_ms_ > 0);
}

role_stats_snapshot metrics_collector::collect() {
  role_stats_snapshot out;
  std::vector<question> questions;
  auto ask = [&](role_kind kind, const address& to, auto make_request) {
    out.probes.push_back(role_probe{to.host, to.actor, false});
    auto target = reg_.find(to);
    if (!target) return;
    envelope_header h{{to.host, "admin"}, to, ++correlation_, 0, 0, {}};
    questions.push_back({kind, out.probes.size() - 1, *target, make_request(h)});
  };
  for (host_id h : roles_.storage_hosts)
    ask(role_kind::storage, storage_address(h), make_node_stats_request);
  for (auto [s, h] : roles_.shards) {
    ask(role_kind::meta, address{h, meta_actor_name(s)}, make_shard_stats_request);
    ask(role_kind::repair, address{h, repairer_actor_name(s)}, make_shard_stats_request);
  }

  // Every request leaves before the first wait, so the lot shares one timeout.
  caf::scoped_actor self{sys_};
  auto timeout = std::chrono::milliseconds(timeout_ms_);
  using handle =
      decltype(self->request(caf::actor{}, timeout, envelope_atom::value, std::string{}));
  std::vector<handle> handles;
  for (auto& q : questions)
    handles.push_back(self->request(q.target, timeout, envelope_atom::value, std::move(q.frame)));
  for (size_t i = 0; i < handles.size(); ++i) {
    auto& q = questions[i];
    handles[i].receive(
        [&](std::string& reply) {
          out.probes[q.probe].answered = absorb(out, q.kind, std::move(reply));
        },
        [](caf::error&) {});
  }
  return out;
}

}  // namespace cairn
