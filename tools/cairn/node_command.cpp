#include "tools/cairn/node_command.hpp"

#include <caf/all.hpp>

#include <iostream>

#include "actors/coordinator/coordinator_codec.hpp"
#include "actors/coordinator/membership_codec.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/cluster_link.hpp"
#include "tools/cairn/commands.hpp"

namespace cairn::cli {
namespace {

class coordinator_session {
 public:
  coordinator_session(caf::actor_system& sys, caf::actor link, uint32_t timeout_ms)
      : self_(sys), link_(std::move(link)), timeout_(timeout_ms) {}
  ~coordinator_session() { caf::anon_send_exit(link_, caf::exit_reason::user_shutdown); }

  // Sends one request to the coordinator; the reply frame, or why there is none.
  result<std::string> call(wire::MessageKind kind,
                           const std::function<std::string(const envelope_header&)>& build) {
    envelope_header h{{client_host, "cli"}, coordinator_address(), ++correlation_, trace_, 0, kind};
    result<std::string> out{errc::timeout, "no answer from the coordinator"};
    self_->request(link_, timeout_, envelope_atom::value, h.correlation_id, build(h))
        .receive([&](std::string& reply) { out = std::move(reply); },
                 [&](caf::error& err) {
                   out = error{errc::unavailable, "coordinator: " + caf::to_string(err)};
                 });
    return out;
  }

 private:
  caf::scoped_actor self_;
  caf::actor link_;
  std::chrono::milliseconds timeout_;
  uint64_t correlation_ = 0;
  uint64_t trace_ = 0xC11ull << 40 | static_cast<uint64_t>(::getpid());
};

result<cluster_map> fetch_map(coordinator_session& s) {
  auto reply = s.call(wire::MessageKind::CLUSTER_MAP_REQUEST, [](const envelope_header& h) {
    envelope_builder b(h);
    b.init_payload<wire::ClusterMapRequest>();
    return b.finish();
  });
  if (!reply) return reply.err();
  auto env = envelope_reader::open(std::move(*reply));
  if (!env) return env.err();
  if ((*env)->kind() == wire::MessageKind::ERROR_REPLY) return read_error_reply(**env);
  return guarded([&]() -> result<cluster_map> {
    return read_cluster_map((*env)->payload<wire::ClusterMapReply>());
  });
}

result<const map_host*> resolve(const cluster_map& map, const std::string& name) {
  for (auto& h : map.hosts)
    if (h.name == name || std::to_string(h.id) == name) return &h;
  return error{errc::not_found, "no host named " + name + " in the cluster map"};
}

result<host_admin_action> parse_action(const std::string& a) {
  if (a == "decommission") return host_admin_action::decommission;
  if (a == "recommission") return host_admin_action::recommission;
  if (a == "out") return host_admin_action::mark_out;
  return error{errc::invalid_argument, "unknown node action " + a};
}

}  // namespace

int cmd_node(caf::actor_system& sys, const std::string& cluster_host, uint16_t port,
             const client_options& opt, const node_command& cmd, format fmt) {
  uint32_t timeout_ms = opt.request_timeout_ms;
  auto action = parse_action(cmd.action);
  if (!action) return fail(action.err());
  cluster_link_config lc;
  lc.host = cluster_host;
  lc.port = port;
  lc.inflight_max = 16;
  lc.secret = opt.secret;
  lc.tls = opt.tls;
  auto link = connect_cluster_link(sys, lc);
  if (!link) return fail(link.err());
  coordinator_session session(sys, *link, timeout_ms);
  auto map = fetch_map(session);
  if (!map) return fail(map.err());
  auto host = resolve(*map, cmd.host);
  if (!host) return fail(host.err());
  host_admin request{(*host)->id, *action, cmd.apply};
  auto reply = session.call(wire::MessageKind::HOST_ADMIN_REQUEST, [&](const envelope_header& h) {
    return make_host_admin_request(h, request);
  });
  if (!reply) return fail(reply.err());
  auto out = read_host_admin_reply(std::move(*reply));
  if (!out) return fail(out.err());
  std::string line = cmd.action + " host " + std::to_string((*host)->id) + " (" + (*host)->name +
                     "): " + to_string(out->before) + " -> " + to_string(out->after);
  if (!cmd.apply)
    line += " (dry run: nothing changed; add --apply)";
  else if (out->applied)
    line += ", map epoch " + std::to_string(out->epoch);
  else
    line += " (already " + to_string(out->after) + ": nothing to do)";
  print_result(fmt,
               {{"host", (*host)->id},
                {"name", (*host)->name},
                {"action", cmd.action},
                {"before", to_string(out->before)},
                {"after", to_string(out->after)},
                {"dry_run", !cmd.apply},
                {"applied", out->applied},
                {"epoch", out->epoch}},
               line);
  return 0;
}

}  // namespace cairn::cli
