#pragma once
// Envelope payloads <-> plain structs for membership (schema/cluster.capnp): host
// reports (detector -> coordinator), host admin actions (operator -> coordinator), and
// a host's join and leave (cairnd -> coordinator).
// The map push is runtime/cluster_map_codec.hpp. read_*_request take an opened
// envelope; read_*_reply take the reply frame and turn an errorReply into its error.
// Every kj exception ends here as errc::corrupt.
#include <string>

#include "actors/coordinator/membership.hpp"
#include "runtime/envelope.hpp"

namespace cairn {

std::string make_host_report_request(const envelope_header& h, const host_report& r);
result<host_report> read_host_report_request(const envelope_reader& env);
struct host_report_answer {
  uint64_t epoch = 0;
  host_state state = host_state::up;
};
std::string make_host_report_reply(const envelope_header& request, const host_report_answer& a);
result<host_report_answer> read_host_report_reply(std::string frame);

std::string make_host_admin_request(const envelope_header& h, const host_admin& a);
result<host_admin> read_host_admin_request(const envelope_reader& env);
std::string make_host_admin_reply(const envelope_header& request, const admin_outcome& o);
result<admin_outcome> read_host_admin_reply(std::string frame);  // changes stay empty

std::string make_host_join_request(const envelope_header& h, const map_host& host);
result<map_host> read_host_join_request(const envelope_reader& env);
std::string make_host_leave_request(const envelope_header& h, host_id host);
result<host_id> read_host_leave_request(const envelope_reader& env);
// Both answer the epoch after the change; `kind` is HOST_JOIN_REPLY or HOST_LEAVE_REPLY.
std::string make_presence_reply(const envelope_header& request, wire::MessageKind kind,
                                uint64_t epoch);
result<uint64_t> read_presence_reply(std::string frame, wire::MessageKind kind);

}  // namespace cairn
