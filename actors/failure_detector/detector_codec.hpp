#pragma once
// Heartbeats between failure detectors (schema/cluster.capnp). Every kj exception ends
// here as errc::corrupt; an errorReply becomes its error.
#include <string>

#include "runtime/envelope.hpp"

namespace cairn {

struct heartbeat {
  host_id host = 0;  // the observer in a request, the target in a reply
  uint64_t seq = 0;
  uint64_t epoch = 0;
};

std::string make_heartbeat_request(const envelope_header& h, const heartbeat& ping);
result<heartbeat> read_heartbeat_request(const envelope_reader& env);
std::string make_heartbeat_reply(const envelope_header& request, const heartbeat& pong);
result<heartbeat> read_heartbeat_reply(std::string frame);

}  // namespace cairn
