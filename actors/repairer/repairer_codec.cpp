#include "actors/repairer/repairer_codec.hpp"

#include "cairn/schema/meta.capnp.h"
#include "cairn/schema/storage.capnp.h"

namespace cairn::repair {
namespace {

using kind = wire::MessageKind;

std::string kind_text(kind k) { return std::to_string(static_cast<uint16_t>(k)); }

// Opens a reply frame and reads its payload with `read` when it is of kind `expected`.
template <class Payload, class Read>
auto read_reply(std::string frame, const decode_limits& limits, kind expected, Read read)
    -> decltype(read(std::declval<typename Payload::Reader>())) {
  auto env = envelope_reader::open(std::move(frame), limits);
  if (!env) return env.err();
  auto k = (*env)->kind();
  if (k == kind::ERROR_REPLY) return read_error_reply(**env);
  if (k != expected) return error{errc::corrupt, "unexpected reply kind " + kind_text(k)};
  return guarded([&]() -> decltype(read(std::declval<typename Payload::Reader>())) {
    return read((*env)->template payload<Payload>());
  });
}

// Reads a request's payload when `env` is of kind `expected`.
template <class Payload, class Read>
auto read_request(const envelope_reader& env, kind expected, Read read)
    -> decltype(read(std::declval<typename Payload::Reader>())) {
  if (env.kind() != expected)
    return error{errc::invalid_argument,
                 "expected message kind " + kind_text(expected) + ", got " + kind_text(env.kind())};
  return guarded([&]() -> decltype(read(std::declval<typename Payload::Reader>())) {
    return read(env.payload<Payload>());
  });
}

// An unknown state (a newer peer) reads as missing: never a source, still a record.
replica_state state_from_wire(wire::ReplicaState s) {
  auto v = static_cast<uint16_t>(s);
  return v <= static_cast<uint16_t>(replica_state::offline) ? static_cast<replica_state>(v)
                                                            : replica_state::missing;
}

void write_entry(wire::RepairEntry::Builder w, const entry& e) {
  w.setFileId(e.chunk.file);
  w.setIndex(e.chunk.index);
  w.setLength(e.length);
  w.setCrc(e.crc);
  w.setLive(e.live);
  w.setFinal(e.final_replicas);
  w.setReason(e.reason);
  w.setSinceMs(e.since_ms);
  auto reps = w.initReplicas(static_cast<unsigned>(e.replicas.size()));
  for (unsigned i = 0; i < e.replicas.size(); ++i) {
    reps[i].setHost(e.replicas[i].host);
    reps[i].setState(static_cast<wire::ReplicaState>(e.replicas[i].state));
  }
}

entry read_entry(wire::RepairEntry::Reader r) {
  entry e{{r.getFileId(), r.getIndex()},
          r.getLength(),
          r.getCrc(),
          r.getLive(),
          r.getFinal(),
          r.getReason(),
          r.getSinceMs(),
          {}};
  for (auto rep : r.getReplicas())
    e.replicas.push_back({rep.getHost(), state_from_wire(rep.getState())});
  return e;
}

}  // namespace

std::string make_queue_request(envelope_header header, const queue_request& q) {
  header.kind = kind::REPAIR_QUEUE_REQUEST;
  envelope_builder b(header);
  auto p = b.init_payload<wire::RepairQueueRequest>();
  p.setLimit(q.limit);
  if (q.after) {
    p.setAfterLive(q.after->live);
    p.setAfterFileId(q.after->chunk.file);
    p.setAfterIndex(q.after->chunk.index);
  }
  return b.finish();
}

result<queue_request> read_queue_request(const envelope_reader& env) {
  return read_request<wire::RepairQueueRequest>(
      env, kind::REPAIR_QUEUE_REQUEST, [](auto p) -> result<queue_request> {
        queue_request q{p.getLimit(), std::nullopt};
        cursor after{p.getAfterLive(), {p.getAfterFileId(), p.getAfterIndex()}};
        if (after != cursor{}) q.after = after;
        return q;
      });
}

std::string make_queue_reply(const envelope_header& request, const queue_reply& r) {
  envelope_builder b(reply_header(request, kind::REPAIR_QUEUE_REPLY));
  auto p = b.init_payload<wire::RepairQueueReply>();
  p.setEpoch(r.epoch);
  auto entries = p.initEntries(static_cast<unsigned>(r.entries.size()));
  for (unsigned i = 0; i < r.entries.size(); ++i) write_entry(entries[i], r.entries[i]);
  p.setMore(r.more);
  p.setTotal(r.total);
  return b.finish();
}

result<queue_reply> read_queue_reply(std::string frame, const decode_limits& limits) {
  return read_reply<wire::RepairQueueReply>(std::move(frame), limits, kind::REPAIR_QUEUE_REPLY,
                                            [](auto p) -> result<queue_reply> {
                                              queue_reply r;
                                              r.epoch = p.getEpoch();
                                              for (auto e : p.getEntries())
                                                r.entries.push_back(read_entry(e));
                                              r.more = p.getMore();
                                              r.total = p.getTotal();
                                              return r;
                                            });
}

std::string make_replica_add_request(envelope_header header, const replica_add_request& q) {
  header.kind = kind::REPLICA_ADD_REQUEST;
  envelope_builder b(header);
  auto p = b.init_payload<wire::ReplicaAddRequest>();
  p.setFileId(q.chunk.file);
  p.setIndex(q.chunk.index);
  p.setHost(q.host);
  p.setCrc(q.crc);
  p.setEpoch(q.epoch);
  return b.finish();
}

result<replica_add_request> read_replica_add_request(const envelope_reader& env) {
  return read_request<wire::ReplicaAddRequest>(
      env, kind::REPLICA_ADD_REQUEST, [](auto p) -> result<replica_add_request> {
        return replica_add_request{
            {p.getFileId(), p.getIndex()}, p.getHost(), p.getCrc(), p.getEpoch()};
      });
}

std::string make_replica_add_reply(const envelope_header& request, uint8_t live) {
  envelope_builder b(reply_header(request, kind::REPLICA_ADD_REPLY));
  b.init_payload<wire::ReplicaAddReply>().setLive(live);
  return b.finish();
}

result<uint8_t> read_replica_add_reply(std::string frame, const decode_limits& limits) {
  return read_reply<wire::ReplicaAddReply>(std::move(frame), limits, kind::REPLICA_ADD_REPLY,
                                           [](auto p) -> result<uint8_t> { return p.getLive(); });
}

}  // namespace cairn::repair
