#include "runtime/net/cluster_link.hpp"

#include <caf/all.hpp>

#include "runtime/net/atoms.hpp"
#include "runtime/net/peer_link.hpp"

namespace cairn {

result<caf::actor> connect_cluster_link(caf::actor_system& sys, const cluster_link_config& cfg) {
  peer_link_config pc;
  pc.host = cfg.host;
  pc.port = cfg.port;
  pc.identity = auth_identity{"", client_host_id, cfg.secret};
  pc.frame_bytes_max = cfg.frame_bytes_max;
  pc.inflight_max = cfg.inflight_max;
  pc.reconnect = false;
  pc.connect_timeout_ms = cfg.connect_timeout_ms;
  pc.name = "cluster " + cfg.host + ":" + std::to_string(cfg.port);
  if (cfg.tls.enabled()) {
    auto ctx = tls_context::load(cfg.tls);
    if (!ctx) return ctx.err();
    pc.tls = *ctx;
  }
  auto link = spawn_peer_link(sys, pc);
  caf::scoped_actor self{sys};
  result<caf::actor> out = link;
  // The connect and the handshake each have their own bound; this one only guards
  // against a link that never answers.
  self->request(link, std::chrono::milliseconds(2 * cfg.connect_timeout_ms + 5000),
                caf::get_atom::value)
      .receive([] {},
               [&](caf::error& err) {
                 auto& ctx = err.context();
                 auto why = ctx.match_elements<std::string>() ? ctx.get_as<std::string>(0)
                                                              : sys.render(err);
                 bool auth = why.find("authentication failed") != std::string::npos;
                 bool said = auth || why.rfind("cannot ", 0) == 0;
                 out = error{auth ? errc::invalid_argument : errc::unavailable,
                             said ? why : cfg.host + ":" + std::to_string(cfg.port) + ": " + why};
               });
  if (!out) caf::anon_send(link, stop_atom::value);
  return out;
}

}  // namespace cairn
