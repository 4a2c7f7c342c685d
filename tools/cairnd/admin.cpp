#include "tools/cairnd/admin.hpp"

namespace cairn {

std::vector<named_count> transport_counts(const transport_counters& c) {
  return {
      {"connections_accepted", c.connections_accepted.load()},
      {"connections_refused", c.connections_refused.load()},
      {"connections_closed_bad_frame", c.connections_closed_bad_frame.load()},
      {"frames_received", c.frames_received.load()},
      {"frames_rejected", c.frames_rejected.load()},
      {"connections_refused_per_ip", c.connections_refused_per_ip.load()},
      {"handshakes_ok", c.handshakes_ok.load()},
      {"handshakes_failed", c.handshakes_failed.load()},
      {"connections_closed_idle", c.connections_closed_idle.load()},
      {"connections_closed_slow", c.connections_closed_slow.load()},
  };
}

result<admin_server> start_admin(caf::actor_system& sys, registry& reg, metrics& m,
                                 const cluster_config& cfg, local_roles roles,
                                 std::function<std::pair<bool, std::string>()> ready) {
  admin_server out;
  if (cfg.admin_listen.empty()) return out;
  out.scrape_ = std::make_unique<admin_server::scrape_state>();
  out.scrape_->collector = std::make_unique<metrics_collector>(sys, reg, std::move(roles));
  auto* scrape = out.scrape_.get();
  admin_handlers handlers;
  handlers.metrics = [scrape, &reg, &m] {
    std::lock_guard lock(scrape->mutex);
    m.set_role_stats(scrape->collector->collect());
    m.set_transport_counts(transport_counts(reg.counters()));
    return m.render();
  };
  handlers.ready = std::move(ready);
  auto http = start_admin_http(cfg.admin_listen, std::move(handlers));
  if (!http) return http.err();
  out.http_ = std::move(*http);
  return out;
}

}  // namespace cairn
