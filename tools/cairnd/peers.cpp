#include "tools/cairnd/peers.hpp"

#include <caf/all.hpp>

#include <map>

#include "actors/coordinator/membership_codec.hpp"
#include "runtime/cluster_map_codec.hpp"
#include "runtime/config.hpp"
#include "runtime/log.hpp"
#include "runtime/net/atoms.hpp"

namespace cairn {
namespace {

struct link_entry {
  std::string address;
  caf::actor link;
};

struct peers_state {
  peers_options opt;
  registry* reg = nullptr;
  std::map<host_id, link_entry> links;
  std::vector<caf::actor> seed_links;
  size_t seed = 0;  // the seed host 0 goes through (new hosts)
  uint64_t epoch = 0;
  uint64_t next_correlation = 1;
  uint32_t join_failures = 0;
  // Every link spawned, stopped when the actor exits however it exits: a link left
  // running would keep reconnecting and hold the actor system open.
  std::shared_ptr<std::vector<caf::actor>> spawned = std::make_shared<std::vector<caf::actor>>();
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "peers";
};

using peers_actor = caf::stateful_actor<peers_state>;

envelope_header to_coordinator(peers_actor* self, wire::MessageKind kind) {
  auto& st = self->state;
  return envelope_header{
      {st.opt.self.id, peers_actor_name}, coordinator_address(), st.next_correlation++, 0, 0, kind};
}

caf::actor spawn_link(peers_actor* self, const std::string& endpoint, host_id expect,
                      std::string name) {
  auto cfg = self->state.opt.link;
  auto parsed = parse_endpoint(endpoint);
  if (!parsed) {
    self->state.log->error("trace=0000000000000000 {}: bad address '{}': {}", name, endpoint,
                           parsed.err().message);
    return {};
  }
  cfg.host = parsed->first;
  cfg.port = parsed->second;
  cfg.expect_host = expect;
  cfg.reconnect = true;
  cfg.name = std::move(name);
  auto link = spawn_peer_link(self->system(), cfg);
  self->state.spawned->push_back(link);
  return link;
}

void route_coordinator(peers_actor* self) {
  auto& st = self->state;
  if (st.opt.coordinator_host == st.opt.self.id) return;  // registered locally
  if (st.opt.coordinator_host != 0) {
    if (auto it = st.links.find(st.opt.coordinator_host); it != st.links.end())
      st.reg->set_route(0, it->second.link);
    return;
  }
  if (!st.seed_links.empty()) st.reg->set_route(0, st.seed_links[st.seed % st.seed_links.size()]);
}

// A link and a route for every other host with an address; a moved host gets a new link.
void apply_map(peers_actor* self, const cluster_map& map) {
  auto& st = self->state;
  for (auto& h : map.hosts) {
    if (h.id == st.opt.self.id || h.address.empty()) continue;
    auto it = st.links.find(h.id);
    if (it != st.links.end() && it->second.address == h.address) continue;
    if (it != st.links.end()) caf::anon_send(it->second.link, stop_atom::value);
    auto link = spawn_link(self, h.address, h.id, "host " + std::to_string(h.id));
    if (!link) continue;
    st.links[h.id] = {h.address, link};
    st.reg->set_route(h.id, link);
  }
  route_coordinator(self);
}

void join(peers_actor* self) {
  auto& st = self->state;
  auto retry = [self] {
    self->delayed_send(self, std::chrono::milliseconds(self->state.opt.join_interval_ms),
                       join_atom::value);
  };
  auto target = st.reg->find(coordinator_address());
  if (!target) return retry();
  auto frame = make_host_join_request(to_coordinator(self, wire::MessageKind::HOST_JOIN_REQUEST),
                                      st.opt.self);
  self->request(*target, std::chrono::milliseconds(st.opt.request_timeout_ms), envelope_atom::value,
                std::move(frame))
      .then(
          [self, retry](std::string& reply) {
            auto& st = self->state;
            auto epoch = read_presence_reply(std::move(reply), wire::MessageKind::HOST_JOIN_REPLY);
            if (epoch) {
              st.log->info("trace=0000000000000000 host {} ({}) joined the cluster at epoch {}",
                           st.opt.self.id, st.opt.self.name, *epoch);
              st.opt.joined->store(true);
              return;
            }
            // Refused (a clashing id or name): an operator must act; keep saying so.
            st.log->error("trace=0000000000000000 the coordinator refused host {}: {}",
                          st.opt.self.id, epoch.err().to_string());
            retry();
          },
          [self, retry](caf::error& err) {
            auto& st = self->state;
            if (st.join_failures++ % 10 == 0)
              st.log->warn("trace=0000000000000000 cannot reach the coordinator to join yet: {}",
                           self->system().render(err));
            ++st.seed;  // a new host tries the next seed
            route_coordinator(self);
            retry();
          });
}

caf::result<bool> leave(peers_actor* self) {
  auto& st = self->state;
  auto target = st.reg->find(coordinator_address());
  if (!target) return false;
  auto rp = self->make_response_promise<bool>();
  auto frame = make_host_leave_request(to_coordinator(self, wire::MessageKind::HOST_LEAVE_REQUEST),
                                       st.opt.self.id);
  self->request(*target, std::chrono::milliseconds(st.opt.request_timeout_ms), envelope_atom::value,
                std::move(frame))
      .then(
          [self, rp](std::string& reply) mutable {
            auto epoch = read_presence_reply(std::move(reply), wire::MessageKind::HOST_LEAVE_REPLY);
            if (epoch)
              self->state.log->info("trace=0000000000000000 left the cluster at epoch {}", *epoch);
            rp.deliver(epoch.ok());
          },
          [rp](caf::error&) mutable { rp.deliver(false); });
  return rp;
}

std::string on_envelope(peers_actor* self, std::string& frame) {
  auto& st = self->state;
  auto env = envelope_reader::open(std::move(frame), {st.opt.link.frame_bytes_max});
  if (!env) return {};
  auto& h = env.value()->header();
  if (h.kind != wire::MessageKind::MAP_UPDATE_REQUEST)
    return make_error_reply(h, {errc::invalid_argument, "peers take map updates only"});
  auto map = read_map_update(*env.value());
  if (!map) return make_error_reply(h, map.err());
  if (map->epoch > st.epoch) {
    st.epoch = map->epoch;
    apply_map(self, *map);
  }
  return make_map_update_ack(h, st.epoch);
}

caf::behavior peers(peers_actor* self, registry* reg, peers_options opt) {
  auto& st = self->state;
  st.opt = std::move(opt);
  st.reg = reg;
  st.log = module_log("net");
  unregister_on_exit(self, *reg, {st.opt.self.id, peers_actor_name});
  // Only a host that joined later needs seeds: a founding host knows the coordinator's.
  if (st.opt.coordinator_host == 0)
    for (size_t i = 0; i < st.opt.seeds.size(); ++i)
      if (auto link = spawn_link(self, st.opt.seeds[i], 0, "seed " + st.opt.seeds[i]))
        st.seed_links.push_back(link);
  apply_map(self, st.opt.founding);
  self->send(self, join_atom::value);
  self->attach_functor([spawned = st.spawned] {
    for (auto& l : *spawned) caf::anon_send(l, stop_atom::value);
  });
  return {
      [self](envelope_atom, std::string& frame) { return on_envelope(self, frame); },
      [self](join_atom) {
        if (!self->state.opt.joined->load()) join(self);
      },
      [self](leave_atom) { return leave(self); },
      [self](stop_atom) { self->quit(); },
  };
}

}  // namespace

caf::actor spawn_peers(caf::actor_system& sys, registry& reg, const peers_options& opt) {
  auto actor = sys.spawn(peers, &reg, opt);
  reg.put({opt.self.id, peers_actor_name}, actor);
  return actor;
}

}  // namespace cairn
