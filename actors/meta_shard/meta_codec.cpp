#include "actors/meta_shard/meta_codec.hpp"

#include <type_traits>

#include "actors/meta_shard/meta_record_codec.hpp"
#include "cairn/schema/meta.capnp.h"
#include "cairn/schema/storage.capnp.h"
#include "runtime/cluster_stats_codec.hpp"

namespace cairn {
namespace {

using kind = wire::MessageKind;

// Keeps embedded NULs so name validation rejects them instead of truncating.
std::string text(capnp::Text::Reader t) { return std::string(t.begin(), t.size()); }

meta_request read(wire::LookupRequest::Reader p) {
  lookup_request q{p.getParentId(), {}};
  for (auto n : p.getNames()) q.names.push_back(text(n));
  return q;
}
meta_request read(wire::DirCreateRequest::Reader p) {
  return dir_create_request{p.getParentId(), text(p.getName())};
}
meta_request read(wire::LinkRequest::Reader p) {
  return link_request{p.getParentId(), text(p.getName()), static_cast<entry_kind>(p.getKind()),
                      p.getId()};
}
meta_request read(wire::UnlinkRequest::Reader p) {
  return unlink_request{p.getParentId(), text(p.getName()), p.getExpectId(), p.getKeepInode()};
}
meta_request read(wire::DirRemoveRequest::Reader p) { return dir_remove_request{p.getDirId()}; }
meta_request read(wire::ListRequest::Reader p) {
  return list_request{p.getDirId(), text(p.getStartAfter()), p.getLimit()};
}
meta_request read(wire::FileCreateRequest::Reader p) {
  return file_create_request{p.getParentId(), text(p.getName()), p.getSize(), p.getMinReplicas(),
                             p.getFinalReplicas()};
}
meta_request read(wire::FileCommitRequest::Reader p) {
  file_commit_request q{p.getFileId(), {}};
  for (auto c : p.getChunks()) {
    chunk_commit cc{c.getIndex(), c.getLength(), c.getCrc(), {}};
    for (auto h : c.getReplicas()) cc.replicas.push_back(h);
    q.chunks.push_back(std::move(cc));
  }
  return q;
}
meta_request read(wire::InodeGetRequest::Reader p) { return inode_get_request{p.getFileId()}; }
meta_request read(wire::InodeDropRequest::Reader p) { return inode_drop_request{p.getFileId()}; }
meta_request read(wire::RenameRequest::Reader p) {
  return rename_request{p.getSrcParentId(), text(p.getSrcName()), p.getDstParentId(),
                        text(p.getDstName())};
}
meta_request read(wire::ReplicaAddRequest::Reader p) {
  return replica_add_request{p.getFileId(), p.getIndex(), p.getHost(), p.getCrc(), p.getEpoch()};
}
meta_request read(wire::CorruptReportRequest::Reader p) {
  return corrupt_report_request{p.getFileId(), p.getIndex(), p.getHost()};
}
meta_request read(wire::ChunkCheckRequest::Reader p) {
  return chunk_referenced_request{p.getFileId(), p.getIndex(), p.getHost(), p.getCrc()};
}
meta_request read(wire::RepairQueueRequest::Reader p) {
  repair_queue_request q{p.getLimit(), std::nullopt};
  if (p.getAfterLive() != 0 || p.getAfterFileId() != 0 || p.getAfterIndex() != 0)
    q.after = under_replicated_key{p.getAfterLive(), {p.getAfterFileId(), p.getAfterIndex()}};
  return q;
}

template <class T>
result<meta_request> payload(const envelope_reader& env) {
  return guarded([&]() -> result<meta_request> { return read(env.payload<T>()); });
}

void write_entries(const std::vector<entry_info>& in, capnp::List<wire::Entry>::Builder out) {
  for (unsigned i = 0; i < in.size(); ++i) {
    out[i].setName(in[i].name);
    out[i].setKind(static_cast<wire::EntryKind>(in[i].kind));
    out[i].setId(in[i].id);
    out[i].setSize(in[i].size);
    out[i].setMtimeMs(in[i].mtime_ms);
  }
}

void write(envelope_builder& b, const lookup_reply& r) {
  auto p = b.init_payload<wire::LookupReply>();
  write_entries(r.entries, p.initEntries(static_cast<unsigned>(r.entries.size())));
  if (r.inode) inode_to_wire(*r.inode, p.initInode());
}
void write(envelope_builder& b, const dir_create_reply& r) {
  b.init_payload<wire::DirCreateReply>().setDirId(r.dir_id);
}
void write(envelope_builder& b, const link_reply& r) {
  b.init_payload<wire::LinkReply>().setCreated(r.created);
}
void write(envelope_builder& b, const unlink_reply& r) {
  auto p = b.init_payload<wire::UnlinkReply>();
  p.setKind(static_cast<wire::EntryKind>(r.kind));
  p.setId(r.id);
  p.setInodeDropped(r.inode_dropped);
  p.setInodeDropQueued(r.inode_drop_queued);
}
void write(envelope_builder& b, const dir_remove_reply&) { b.init_payload<wire::DirRemoveReply>(); }
void write(envelope_builder& b, const list_reply& r) {
  auto p = b.init_payload<wire::ListReply>();
  write_entries(r.entries, p.initEntries(static_cast<unsigned>(r.entries.size())));
  p.setMore(r.more);
}
void write(envelope_builder& b, const file_create_reply& r) {
  auto p = b.init_payload<wire::FileCreateReply>();
  p.setFileId(r.file_id);
  p.setChunkSize(r.chunk_size);
  p.setMinReplicas(r.min_replicas);
  p.setFinalReplicas(r.final_replicas);
  auto chunks = p.initChunks(static_cast<unsigned>(r.chunks.size()));
  for (unsigned i = 0; i < r.chunks.size(); ++i) {
    chunks[i].setIndex(r.chunks[i].index);
    auto t = chunks[i].initTargets(static_cast<unsigned>(r.chunks[i].targets.size()));
    for (unsigned j = 0; j < r.chunks[i].targets.size(); ++j) t.set(j, r.chunks[i].targets[j]);
  }
}
void write(envelope_builder& b, const file_commit_reply& r) {
  b.init_payload<wire::FileCommitReply>().setUnderReplicatedChunks(r.under_replicated_chunks);
}
void write(envelope_builder& b, const inode_get_reply& r) {
  inode_to_wire(r.inode, b.init_payload<wire::InodeGetReply>().initInode());
}
void write(envelope_builder& b, const inode_drop_reply&) { b.init_payload<wire::InodeDropReply>(); }
void write(envelope_builder& b, const rename_reply&) { b.init_payload<wire::RenameReply>(); }
void write(envelope_builder& b, const replica_add_reply& r) {
  b.init_payload<wire::ReplicaAddReply>().setLive(r.live);
}
void write(envelope_builder& b, const repair_queue_reply& r) {
  auto p = b.init_payload<wire::RepairQueueReply>();
  p.setEpoch(r.epoch);
  p.setMore(r.more);
  p.setTotal(r.total);
  auto entries = p.initEntries(static_cast<unsigned>(r.entries.size()));
  for (unsigned i = 0; i < r.entries.size(); ++i) {
    auto& e = r.entries[i];
    auto w = entries[i];
    w.setFileId(e.chunk.file);
    w.setIndex(e.chunk.index);
    w.setLength(e.length);
    w.setCrc(e.crc);
    w.setLive(e.live);
    w.setFinal(e.final_replicas);
    w.setReason(static_cast<uint8_t>(e.reason));
    w.setSinceMs(e.since_ms);
    auto reps = w.initReplicas(static_cast<unsigned>(e.replicas.size()));
    for (unsigned j = 0; j < e.replicas.size(); ++j) {
      reps[j].setHost(e.replicas[j].host);
      reps[j].setState(static_cast<wire::ReplicaState>(e.replicas[j].state));
    }
  }
}
void write(envelope_builder& b, const corrupt_report_reply&) {
  b.init_payload<wire::CorruptReportReply>();
}
void write(envelope_builder& b, const chunk_referenced_reply& r) {
  b.init_payload<wire::ChunkCheckReply>().setReferenced(r.referenced);
}
void write(envelope_builder& b, const shard_stats_reply& r) {
  write_shard_stats(b.init_payload<wire::ShardStatsReply>().initStats(), r.stats);
}

}  // namespace

result<meta_request> decode_meta_request(const envelope_reader& env) {
  switch (env.kind()) {
    case kind::LOOKUP_REQUEST:
      return payload<wire::LookupRequest>(env);
    case kind::DIR_CREATE_REQUEST:
      return payload<wire::DirCreateRequest>(env);
    case kind::LINK_REQUEST:
      return payload<wire::LinkRequest>(env);
    case kind::UNLINK_REQUEST:
      return payload<wire::UnlinkRequest>(env);
    case kind::DIR_REMOVE_REQUEST:
      return payload<wire::DirRemoveRequest>(env);
    case kind::LIST_REQUEST:
      return payload<wire::ListRequest>(env);
    case kind::FILE_CREATE_REQUEST:
      return payload<wire::FileCreateRequest>(env);
    case kind::FILE_COMMIT_REQUEST:
      return payload<wire::FileCommitRequest>(env);
    case kind::INODE_GET_REQUEST:
      return payload<wire::InodeGetRequest>(env);
    case kind::INODE_DROP_REQUEST:
      return payload<wire::InodeDropRequest>(env);
    case kind::RENAME_REQUEST:
      return payload<wire::RenameRequest>(env);
    case kind::REPLICA_ADD_REQUEST:
      return payload<wire::ReplicaAddRequest>(env);
    case kind::CORRUPT_REPORT_REQUEST:
      return payload<wire::CorruptReportRequest>(env);
    case kind::CHUNK_CHECK_REQUEST:
      return payload<wire::ChunkCheckRequest>(env);
    case kind::REPAIR_QUEUE_REQUEST:
      return payload<wire::RepairQueueRequest>(env);
    case kind::SHARD_STATS_REQUEST:
      return meta_request{shard_stats_request{}};
    default:
      return error{errc::invalid_argument, "the meta shard does not serve message kind " +
                                               std::to_string(static_cast<uint16_t>(env.kind()))};
  }
}

std::string encode_meta_reply(const envelope_header& request, const meta_reply& reply) {
  auto reply_kind = static_cast<kind>(static_cast<uint16_t>(request.kind) + 1);
  envelope_builder b(reply_header(request, reply_kind));
  std::visit(
      [&b](const auto& r) {
        using T = std::decay_t<decltype(r)>;
        constexpr bool internal =
            std::is_same_v<T, gc_done_reply> || std::is_same_v<T, pending_expire_reply> ||
            std::is_same_v<T, drop_done_reply> || std::is_same_v<T, host_scan_reply>;
        if constexpr (internal)
          CAIRN_ASSERT(!"internal replies never go on the wire");
        else
          write(b, r);
      },
      reply);
  return b.finish();
}

std::string make_inode_drop_request(envelope_header header, inode_id file) {
  header.kind = kind::INODE_DROP_REQUEST;
  envelope_builder b(header);
  b.init_payload<wire::InodeDropRequest>().setFileId(file);
  return b.finish();
}

status read_inode_drop_reply(std::string frame) {
  auto env = envelope_reader::open(std::move(frame));
  if (!env) return env.err();
  auto k = (*env)->kind();
  if (k == kind::INODE_DROP_REPLY) return ok_status();
  if (k == kind::ERROR_REPLY) return read_error_reply(**env);
  return error{errc::corrupt, "unexpected reply kind " + std::to_string(static_cast<uint16_t>(k))};
}

status read_chunk_delete_reply(std::string frame) {
  auto env = envelope_reader::open(std::move(frame));
  if (!env) return env.err();
  auto k = (*env)->kind();
  if (k == kind::CHUNK_DELETE_REPLY) return ok_status();
  if (k != kind::ERROR_REPLY)
    return error{errc::corrupt,
                 "unexpected reply kind " + std::to_string(static_cast<uint16_t>(k))};
  auto err = read_error_reply(**env);
  if (err.code == errc::not_found) return ok_status();
  return err;
}

}  // namespace cairn
