#include "actors/meta_shard/meta_record_codec.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstring>

#include "cairn/schema/records.capnp.h"
#include "runtime/envelope.hpp"

namespace cairn {
namespace {

std::string to_bytes(capnp::MessageBuilder& message) {
  auto words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

// Decodes `bytes` as a message with root T and hands its reader to fn, which returns
// the plain record. LMDB values are not word-aligned, so they are copied first.
template <class T, class F>
auto decode(std::string_view bytes, F&& fn)
    -> result<decltype(fn(std::declval<typename T::Reader>()))> {
  using out_t = decltype(fn(std::declval<typename T::Reader>()));
  if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0)
    return error{errc::corrupt, "stored record of " + std::to_string(bytes.size()) +
                                    " bytes is not a whole number of words"};
  auto words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  return guarded([&]() -> result<out_t> {
    capnp::FlatArrayMessageReader reader(words.asPtr());
    return fn(reader.getRoot<T>());
  });
}

}  // namespace

std::string encode_entry_record(const entry_record& r) {
  capnp::MallocMessageBuilder m(8);
  auto b = m.initRoot<wire::EntryRecord>();
  b.setKind(static_cast<wire::EntryKind>(r.kind));
  b.setId(r.id);
  return to_bytes(m);
}

result<entry_record> decode_entry_record(std::string_view bytes) {
  return decode<wire::EntryRecord>(bytes, [](wire::EntryRecord::Reader in) {
    return entry_record{static_cast<entry_kind>(in.getKind()), in.getId()};
  });
}

std::string encode_dir_record(const dir_record& r) {
  capnp::MallocMessageBuilder m(16);
  auto b = m.initRoot<wire::DirRecord>();
  b.setParentId(r.parent_id);
  b.setName(r.name);
  return to_bytes(m);
}

result<dir_record> decode_dir_record(std::string_view bytes) {
  return decode<wire::DirRecord>(bytes, [](wire::DirRecord::Reader in) {
    return dir_record{in.getParentId(), std::string(in.getName().cStr())};
  });
}

void inode_to_wire(const inode_record& r, wire::Inode::Builder out) {
  out.setId(r.id);
  out.setState(static_cast<wire::InodeState>(r.state));
  out.setSize(r.size);
  out.setChunkSize(r.chunk_size);
  out.setMinReplicas(r.min_replicas);
  out.setFinalReplicas(r.final_replicas);
  out.setCreatedMs(r.created_ms);
  out.setParentId(r.parent_id);
  out.setName(r.name);
  auto chunks = out.initChunks(static_cast<unsigned>(r.chunks.size()));
  for (unsigned i = 0; i < r.chunks.size(); ++i) {
    auto& c = r.chunks[i];
    auto cb = chunks[i];
    cb.setIndex(c.index);
    cb.setLength(c.length);
    cb.setCrc(c.crc);
    auto reps = cb.initReplicas(static_cast<unsigned>(c.replicas.size()));
    for (unsigned j = 0; j < c.replicas.size(); ++j) {
      reps[j].setHost(c.replicas[j].host);
      reps[j].setState(static_cast<wire::ReplicaState>(c.replicas[j].state));
    }
  }
}

inode_record inode_from_wire(wire::Inode::Reader in) {
  inode_record r;
  r.id = in.getId();
  r.state = static_cast<inode_state>(in.getState());
  r.size = in.getSize();
  r.chunk_size = in.getChunkSize();
  r.min_replicas = in.getMinReplicas();
  r.final_replicas = in.getFinalReplicas();
  r.created_ms = in.getCreatedMs();
  r.parent_id = in.getParentId();
  r.name = in.getName().cStr();
  r.chunks.reserve(in.getChunks().size());
  for (auto c : in.getChunks()) {
    chunk_record cr{c.getIndex(), c.getLength(), c.getCrc(), {}};
    for (auto rep : c.getReplicas())
      cr.replicas.push_back({rep.getHost(), static_cast<replica_state>(rep.getState())});
    r.chunks.push_back(std::move(cr));
  }
  return r;
}

std::string encode_inode_record(const inode_record& r) {
  capnp::MallocMessageBuilder m;
  inode_to_wire(r, m.initRoot<wire::Inode>());
  return to_bytes(m);
}

result<inode_record> decode_inode_record(std::string_view bytes) {
  return decode<wire::Inode>(bytes, [](wire::Inode::Reader in) { return inode_from_wire(in); });
}

std::string encode_under_replicated_record(const under_replicated_record& r) {
  capnp::MallocMessageBuilder m(8);
  auto b = m.initRoot<wire::UnderReplicatedRecord>();
  b.setReason(static_cast<wire::RepairReason>(r.reason));
  b.setLiveReplicas(r.live_replicas);
  b.setFinalReplicas(r.final_replicas);
  b.setSinceMs(r.since_ms);
  return to_bytes(m);
}

result<under_replicated_record> decode_under_replicated_record(std::string_view bytes) {
  return decode<wire::UnderReplicatedRecord>(bytes, [](wire::UnderReplicatedRecord::Reader in) {
    return under_replicated_record{static_cast<repair_reason>(in.getReason()), in.getLiveReplicas(),
                                   in.getFinalReplicas(), in.getSinceMs()};
  });
}

std::string encode_gc_record(const gc_record& r) {
  capnp::MallocMessageBuilder m(16);
  auto b = m.initRoot<wire::GcRecord>();
  auto hosts = b.initHosts(static_cast<unsigned>(r.hosts.size()));
  for (unsigned i = 0; i < r.hosts.size(); ++i) hosts.set(i, r.hosts[i]);
  b.setNotBeforeMs(r.not_before_ms);
  return to_bytes(m);
}

result<gc_record> decode_gc_record(std::string_view bytes) {
  return decode<wire::GcRecord>(bytes, [](wire::GcRecord::Reader in) {
    gc_record r;
    for (auto h : in.getHosts()) r.hosts.push_back(h);
    r.not_before_ms = in.getNotBeforeMs();
    return r;
  });
}

}  // namespace cairn
