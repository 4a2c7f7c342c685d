#include "actors/failure_detector/detector_codec.hpp"

#include "cairn/schema/cluster.capnp.h"

namespace cairn {

std::string make_heartbeat_request(const envelope_header& h, const heartbeat& ping) {
  envelope_builder b(h);
  auto p = b.init_payload<wire::HeartbeatRequest>();
  p.setObserver(ping.host);
  p.setSeq(ping.seq);
  p.setEpoch(ping.epoch);
  return b.finish();
}

result<heartbeat> read_heartbeat_request(const envelope_reader& env) {
  return guarded([&]() -> result<heartbeat> {
    auto p = env.payload<wire::HeartbeatRequest>();
    return heartbeat{p.getObserver(), p.getSeq(), p.getEpoch()};
  });
}

std::string make_heartbeat_reply(const envelope_header& request, const heartbeat& pong) {
  envelope_builder b(reply_header(request, wire::MessageKind::HEARTBEAT_REPLY));
  auto p = b.init_payload<wire::HeartbeatReply>();
  p.setTarget(pong.host);
  p.setSeq(pong.seq);
  p.setEpoch(pong.epoch);
  return b.finish();
}

result<heartbeat> read_heartbeat_reply(std::string frame) {
  auto env = envelope_reader::open(std::move(frame));
  if (!env) return env.err();
  if ((*env)->kind() == wire::MessageKind::ERROR_REPLY) return read_error_reply(**env);
  if ((*env)->kind() != wire::MessageKind::HEARTBEAT_REPLY)
    return error{errc::corrupt, "a heartbeat was answered with message kind " +
                                    std::to_string(static_cast<uint16_t>((*env)->kind()))};
  return guarded([&]() -> result<heartbeat> {
    auto p = (*env)->payload<wire::HeartbeatReply>();
    return heartbeat{p.getTarget(), p.getSeq(), p.getEpoch()};
  });
}

}  // namespace cairn
