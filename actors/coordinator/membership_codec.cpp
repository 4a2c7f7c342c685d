#include "actors/coordinator/membership_codec.hpp"

#include "runtime/cluster_map_codec.hpp"

namespace cairn {

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

std::string make_host_join_request(const envelope_header& h, const map_host& host) {
  envelope_builder b(h);
  write_map_host(b.init_payload<wire::HostJoinRequest>().initHost(), host);
  return b.finish();
}

result<map_host> read_host_join_request(const envelope_reader& env) {
  return guarded([&]() -> result<map_host> {
    auto p = env.payload<wire::HostJoinRequest>();
    if (!p.hasHost()) return error{errc::invalid_argument, "a join without a host"};
    auto h = read_map_host(p.getHost());
    if (h.id == 0 || h.name.empty())
      return error{errc::invalid_argument, "a joining host needs an id and a name"};
    return h;
  });
}

std::string make_host_leave_request(const envelope_header& h, host_id host) {
  envelope_builder b(h);
  b.init_payload<wire::HostLeaveRequest>().setHost(host);
  return b.finish();
}

result<host_id> read_host_leave_request(const envelope_reader& env) {
  return guarded(
      [&]() -> result<host_id> { return env.payload<wire::HostLeaveRequest>().getHost(); });
}

std::string make_presence_reply(const envelope_header& request, wire::MessageKind kind,
                                uint64_t epoch) {
  envelope_builder b(reply_header(request, kind));
  if (kind == wire::MessageKind::HOST_JOIN_REPLY)
    b.init_payload<wire::HostJoinReply>().setEpoch(epoch);
  else
    b.init_payload<wire::HostLeaveReply>().setEpoch(epoch);
  return b.finish();
}

result<uint64_t> read_presence_reply(std::string frame, wire::MessageKind kind) {
  auto env = open_reply(std::move(frame), kind, "host presence");
  if (!env) return env.err();
  return guarded([&]() -> result<uint64_t> {
    if (kind == wire::MessageKind::HOST_JOIN_REPLY)
      return (*env)->payload<wire::HostJoinReply>().getEpoch();
    return (*env)->payload<wire::HostLeaveReply>().getEpoch();
  });
}

}  // namespace cairn
