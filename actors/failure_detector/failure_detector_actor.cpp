#include "actors/failure_detector/failure_detector_actor.hpp"

#include <caf/all.hpp>

#include <chrono>

#include "actors/coordinator/membership_codec.hpp"
#include "actors/failure_detector/detector_codec.hpp"
#include "actors/failure_detector/detector_state.hpp"
#include "runtime/cluster_map_codec.hpp"
#include "runtime/log.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/registry.hpp"

namespace cairn {
namespace {

struct detector_actor_state {
  std::unique_ptr<detector_state> logic;
  failure_detector_options opt;
  registry* reg = nullptr;
  address self_address;
  uint64_t next_correlation = 1;
  uint64_t frames_rejected = 0;
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "failure_detector";
};

using detector_actor = caf::stateful_actor<detector_actor_state>;

int64_t now_ms(detector_actor* self) {
  auto since = self->clock().now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(since).count();
}

envelope_header request_to(detector_actor* self, const address& to, wire::MessageKind kind) {
  auto& st = self->state;
  return envelope_header{st.self_address, to, st.next_correlation++, 0, 0, kind};
}

void send_ping(detector_actor* self, const ping_send& p) {
  auto& st = self->state;
  address to{p.target, detector_actor_name};
  auto target = st.reg->find(to);
  if (!target) return;  // not started yet, or gone: phi notices
  auto frame = make_heartbeat_request(request_to(self, to, wire::MessageKind::HEARTBEAT_REQUEST),
                                      heartbeat{st.opt.host, p.seq, st.logic->map().epoch});
  // Generous: a reply later than this is as good as lost, and a late one still lowers phi.
  auto timeout = std::chrono::milliseconds(5 * st.opt.heartbeat_interval_ms);
  self->request(*target, timeout, envelope_atom::value, std::move(frame))
      .then(
          [self, p](std::string& reply) {
            auto hb = read_heartbeat_reply(std::move(reply));
            if (hb && hb->host == p.target)
              self->state.logic->on_heartbeat_reply(p.target, hb->seq, now_ms(self));
          },
          [](caf::error&) {});
}

void send_report(detector_actor* self, const report_send& r) {
  auto& st = self->state;
  if (r.change)
    st.log->info("trace=0000000000000000 host {} {} host {} (phi {:.2f}, epoch {})", st.opt.host,
                 r.suspect ? "suspects" : "hears again", r.target, r.phi, r.epoch);
  auto target = st.reg->find(coordinator_address());
  if (!target) return;
  auto frame = make_host_report_request(
      request_to(self, coordinator_address(), wire::MessageKind::HOST_REPORT_REQUEST),
      host_report{st.opt.host, r.target, r.suspect, r.phi, r.epoch});
  auto timeout = std::chrono::milliseconds(2 * st.opt.heartbeat_interval_ms);
  self->request(*target, timeout, envelope_atom::value, std::move(frame))
      .then(
          [self, r](std::string& reply) {
            // staleEpoch: the coordinator pushes its map here; the report is repeated.
            if (auto a = read_host_report_reply(std::move(reply)); !a)
              self->state.log->debug("trace=0000000000000000 report on host {}: {}", r.target,
                                     a.err().to_string());
          },
          [](caf::error&) {});
}

void tick(detector_actor* self) {
  auto& st = self->state;
  auto effects = st.logic->tick(now_ms(self));
  for (auto& p : effects.pings) send_ping(self, p);
  for (auto& r : effects.reports) send_report(self, r);
  self->delayed_send(self, std::chrono::milliseconds(st.opt.tick_ms), tick_atom::value);
}

caf::result<std::string> on_envelope(detector_actor* self, std::string& frame) {
  auto& st = self->state;
  auto env = envelope_reader::open(std::move(frame), {st.opt.frame_bytes_max});
  if (!env) {
    ++st.frames_rejected;
    st.log->warn("trace=0000000000000000 rejected frame ({} so far): {}", st.frames_rejected,
                 env.err().to_string());
    return caf::make_error(caf::sec::unexpected_message);
  }
  auto& h = (*env)->header();
  switch (h.kind) {
    case wire::MessageKind::HEARTBEAT_REQUEST: {
      auto ping = read_heartbeat_request(**env);
      if (!ping) return make_error_reply(h, ping.err());
      return make_heartbeat_reply(h, heartbeat{st.opt.host, ping->seq, st.logic->map().epoch});
    }
    case wire::MessageKind::MAP_UPDATE_REQUEST: {
      auto map = read_map_update(**env);
      if (!map) return make_error_reply(h, map.err());
      uint64_t epoch = map->epoch;
      if (st.logic->set_map(std::move(*map), now_ms(self)))
        st.log->debug("trace={:016x} map epoch {}", h.trace_id, epoch);
      return make_map_update_ack(h, st.logic->map().epoch);
    }
    default:
      return make_error_reply(
          h, {errc::invalid_argument, "the failure detector does not handle this message kind"});
  }
}

caf::behavior failure_detector(detector_actor* self, registry* reg, failure_detector_options opt) {
  auto& st = self->state;
  detector_config cfg;
  cfg.self = opt.host;
  cfg.heartbeat_interval_ms = opt.heartbeat_interval_ms;
  cfg.observers = opt.observers;
  cfg.phi_threshold = opt.phi_threshold;
  cfg.heartbeat_pause_ms = opt.heartbeat_pause_ms;
  st.logic = std::make_unique<detector_state>(cfg, opt.map, now_ms(self));
  st.opt = std::move(opt);
  st.reg = reg;
  st.self_address = address{st.opt.host, detector_actor_name};
  st.log = module_log("detector");
  unregister_on_exit(self, *reg, st.self_address);
  self->send(self, tick_atom::value);
  return {
      [self](envelope_atom, std::string& frame) { return on_envelope(self, frame); },
      [self](tick_atom) { tick(self); },
      [self](stop_atom) { self->quit(); },
  };
}

}  // namespace

failure_detector_options failure_detector_options_from(const cluster_config& cfg,
                                                       const cluster_map& map, host_id host) {
  failure_detector_options o;
  o.host = host;
  o.map = map;
  o.heartbeat_interval_ms = cfg.heartbeat_interval_ms;
  o.observers = cfg.observers;
  o.phi_threshold = cfg.phi_threshold;
  o.heartbeat_pause_ms = cfg.heartbeat_pause_ms;
  o.frame_bytes_max = cfg.effective_frame_bytes_max();
  return o;
}

result<caf::actor> spawn_failure_detector(caf::actor_system& sys, registry& reg,
                                          const failure_detector_options& opt) {
  if (opt.heartbeat_interval_ms <= 0 || opt.heartbeat_pause_ms < 0 || opt.tick_ms <= 0)
    return error{errc::invalid_argument,
                 "failure detector: heartbeat_interval_ms and tick_ms must be > 0, "
                 "heartbeat_pause_ms >= 0"};
  if (opt.phi_threshold <= 0)
    return error{errc::invalid_argument, "failure detector: phi_threshold must be > 0"};
  auto actor = sys.spawn(failure_detector, &reg, opt);
  reg.put(address{opt.host, detector_actor_name}, actor);
  return actor;
}

}  // namespace cairn
