#include "actors/client/client_codec.hpp"

namespace cairn {

entry_info read_entry(wire::Entry::Reader in) {
  return entry_info{
      in.getName(),
      in.getKind() == wire::EntryKind::DIRECTORY ? entry_kind::directory : entry_kind::file,
      in.getId(), in.getSize(), in.getMtimeMs()};
}

std::vector<entry_info> read_entries(capnp::List<wire::Entry>::Reader in) {
  std::vector<entry_info> out;
  out.reserve(in.size());
  for (auto e : in) out.push_back(read_entry(e));
  return out;
}

file_info read_inode(wire::Inode::Reader in) {
  file_info f;
  f.kind = entry_kind::file;
  f.id = in.getId();
  f.committed = in.getState() == wire::InodeState::COMMITTED;
  f.size = in.getSize();
  f.chunk_size = in.getChunkSize();
  f.min_replicas = in.getMinReplicas();
  f.final_replicas = in.getFinalReplicas();
  f.created_ms = in.getCreatedMs();
  for (auto c : in.getChunks()) {
    chunk_info ci{c.getIndex(), c.getLength(), c.getCrc(), {}};
    for (auto r : c.getReplicas()) {
      auto s = r.getState();
      ci.replicas.push_back(
          replica_info{r.getHost(), s == wire::ReplicaState::LIVE      ? replica_state::live
                                    : s == wire::ReplicaState::CORRUPT ? replica_state::corrupt
                                    : s == wire::ReplicaState::OFFLINE ? replica_state::offline
                                                                       : replica_state::missing});
    }
    f.chunks.push_back(std::move(ci));
  }
  return f;
}

wire::EntryKind to_wire(entry_kind k) {
  return k == entry_kind::directory ? wire::EntryKind::DIRECTORY : wire::EntryKind::FILE;
}

}  // namespace cairn
