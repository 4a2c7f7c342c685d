#include "actors/coordinator/membership_codec.hpp"

#include "actors/coordinator/coordinator_codec.hpp"

namespace cairn {
namespace {

result<std::unique_ptr<envelope_reader>> open_reply(std::string frame, wire::MessageKind kind,
                                                    const char* what) {
  auto env = envelope_reader::open(std::move(frame));
  if (!env) return env.err();
  auto got = (*env)->kind();
  if (got == wire::MessageKind::ERROR_REPLY) {
    auto err = read_error_reply(**env);
    if (err.code == errc::ok) return error{errc::corrupt, "an errorReply with code ok"};
    return err;
  }
  if (got != kind)
    return error{errc::corrupt, std::string("a ") + what + " was answered with message kind " +
                                    std::to_string(static_cast<uint16_t>(got))};
  return env;
}

}  // namespace

host_state host_state_from_wire(uint16_t v) {
  return v <= static_cast<uint16_t>(host_state::draining) ? static_cast<host_state>(v)
                                                          : host_state::down;
}

std::string make_map_update(const envelope_header& h, const cluster_map& map) {
  envelope_builder b(h);
  write_cluster_map(b.init_payload<wire::MapUpdateRequest>().initMap(), map);
  return b.finish();
}

result<cluster_map> read_map_update(const envelope_reader& env) {
  return guarded([&]() -> result<cluster_map> {
    auto p = env.payload<wire::MapUpdateRequest>();
    if (!p.hasMap()) return error{errc::corrupt, "a map update without a map"};
    return read_cluster_map(p.getMap());
  });
}

std::string make_map_update_ack(const envelope_header& request, uint64_t epoch) {
  envelope_builder b(reply_header(request, wire::MessageKind::MAP_UPDATE_REPLY));
  b.init_payload<wire::MapUpdateReply>().setEpoch(epoch);
  return b.finish();
}

result<uint64_t> read_map_update_ack(std::string frame) {
  auto env = open_reply(std::move(frame), wire::MessageKind::MAP_UPDATE_REPLY, "map update");
  if (!env) return env.err();
  return guarded(
      [&]() -> result<uint64_t> { return (*env)->payload<wire::MapUpdateReply>().getEpoch(); });
}

std::string make_host_report_request(const envelope_header& h, const host_report& r) {
  envelope_builder b(h);
  auto p = b.init_payload<wire::HostReportRequest>();
  p.setObserver(r.observer);
  p.setTarget(r.target);
  p.setSuspect(r.suspect);
  p.setPhi(r.phi);
  p.setEpoch(r.epoch);
  return b.finish();
}

result<host_report> read_host_report_request(const envelope_reader& env) {
  return guarded([&]() -> result<host_report> {
    auto p = env.payload<wire::HostReportRequest>();
    return host_report{p.getObserver(), p.getTarget(), p.getSuspect(), p.getPhi(), p.getEpoch()};
  });
}

std::string make_host_report_reply(const envelope_header& request, const host_report_answer& a) {
  envelope_builder b(reply_header(request, wire::MessageKind::HOST_REPORT_REPLY));
  auto p = b.init_payload<wire::HostReportReply>();
  p.setEpoch(a.epoch);
  p.setState(static_cast<wire::HostState>(a.state));
  return b.finish();
}

result<host_report_answer> read_host_report_reply(std::string frame) {
  auto env = open_reply(std::move(frame), wire::MessageKind::HOST_REPORT_REPLY, "host report");
  if (!env) return env.err();
  return guarded([&]() -> result<host_report_answer> {
    auto p = (*env)->payload<wire::HostReportReply>();
    return host_report_answer{p.getEpoch(),
                              host_state_from_wire(static_cast<uint16_t>(p.getState()))};
  });
}

std::string make_host_admin_request(const envelope_header& h, const host_admin& a) {
  envelope_builder b(h);
  auto p = b.init_payload<wire::HostAdminRequest>();
  p.setHost(a.host);
  p.setAction(static_cast<wire::HostAdminAction>(a.action));
  p.setApply(a.apply);
  return b.finish();
}

result<host_admin> read_host_admin_request(const envelope_reader& env) {
  return guarded([&]() -> result<host_admin> {
    auto p = env.payload<wire::HostAdminRequest>();
    auto action = static_cast<uint16_t>(p.getAction());
    if (action > static_cast<uint16_t>(host_admin_action::mark_out))
      return error{errc::invalid_argument, "unknown host admin action " + std::to_string(action)};
    return host_admin{p.getHost(), static_cast<host_admin_action>(action), p.getApply()};
  });
}

std::string make_host_admin_reply(const envelope_header& request, const admin_outcome& o) {
  envelope_builder b(reply_header(request, wire::MessageKind::HOST_ADMIN_REPLY));
  auto p = b.init_payload<wire::HostAdminReply>();
  p.setEpoch(o.epoch);
  p.setBefore(static_cast<wire::HostState>(o.before));
  p.setAfter(static_cast<wire::HostState>(o.after));
  p.setApplied(o.applied);
  return b.finish();
}

result<admin_outcome> read_host_admin_reply(std::string frame) {
  auto env = open_reply(std::move(frame), wire::MessageKind::HOST_ADMIN_REPLY, "host admin");
  if (!env) return env.err();
  return guarded([&]() -> result<admin_outcome> {
    auto p = (*env)->payload<wire::HostAdminReply>();
    admin_outcome o;
    o.epoch = p.getEpoch();
    o.before = host_state_from_wire(static_cast<uint16_t>(p.getBefore()));
    o.after = host_state_from_wire(static_cast<uint16_t>(p.getAfter()));
    o.applied = p.getApplied();
    return o;
  });
}

}  // namespace cairn
