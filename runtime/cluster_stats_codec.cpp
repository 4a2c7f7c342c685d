#include "runtime/cluster_stats_codec.hpp"

#include "cairn/schema/meta.capnp.h"
#include "cairn/schema/storage.capnp.h"

namespace cairn {

void write_node_stats(wire::NodeStats::Builder out, const node_stats& s) {
  out.setHost(s.host);
  out.setChunks(s.chunks);
  out.setBytes(s.bytes);
  out.setFreeBytes(s.free_bytes);
  out.setReachable(s.reachable);
  out.setScrubPasses(s.scrub_passes);
  out.setScrubChunksVerified(s.scrub_chunks_verified);
  out.setScrubBytesVerified(s.scrub_bytes_verified);
  out.setScrubCorruptFound(s.scrub_corrupt_found);
  out.setMailboxDepth(s.mailbox_depth);
}

node_stats read_node_stats(wire::NodeStats::Reader in) {
  node_stats s;
  s.host = in.getHost();
  s.chunks = in.getChunks();
  s.bytes = in.getBytes();
  s.free_bytes = in.getFreeBytes();
  s.reachable = in.getReachable();
  s.scrub_passes = in.getScrubPasses();
  s.scrub_chunks_verified = in.getScrubChunksVerified();
  s.scrub_bytes_verified = in.getScrubBytesVerified();
  s.scrub_corrupt_found = in.getScrubCorruptFound();
  s.mailbox_depth = in.getMailboxDepth();
  return s;
}

void write_shard_stats(wire::ShardStats::Builder out, const shard_stats& s) {
  out.setShard(s.shard);
  out.setHost(s.host);
  out.setFiles(s.files);
  out.setDirectories(s.directories);
  out.setBytes(s.bytes);
  out.setUnderReplicated(s.under_replicated);
  out.setPendingFiles(s.pending_files);
  out.setGcPending(s.gc_pending);
  out.setReachable(s.reachable);
  out.setRepairsDone(s.repairs_done);
  out.setRepairsFailed(s.repairs_failed);
  out.setRepairBytesCopied(s.repair_bytes_copied);
  out.setRepairQueued(s.repair_queued);
  out.setRepairsInflight(s.repairs_inflight);
  out.setMailboxDepth(s.mailbox_depth);
}

shard_stats read_shard_stats(wire::ShardStats::Reader in) {
  shard_stats s;
  s.shard = in.getShard();
  s.host = in.getHost();
  s.files = in.getFiles();
  s.directories = in.getDirectories();
  s.bytes = in.getBytes();
  s.under_replicated = in.getUnderReplicated();
  s.pending_files = in.getPendingFiles();
  s.gc_pending = in.getGcPending();
  s.reachable = in.getReachable();
  s.repairs_done = in.getRepairsDone();
  s.repairs_failed = in.getRepairsFailed();
  s.repair_bytes_copied = in.getRepairBytesCopied();
  s.repair_queued = in.getRepairQueued();
  s.repairs_inflight = in.getRepairsInflight();
  s.mailbox_depth = in.getMailboxDepth();
  return s;
}

std::string make_shard_stats_request(envelope_header header) {
  header.kind = wire::MessageKind::SHARD_STATS_REQUEST;
  envelope_builder b(header);
  b.init_payload<wire::ShardStatsRequest>();
  return b.finish();
}

std::string make_shard_stats_reply(const envelope_header& request, const shard_stats& s) {
  envelope_builder b(reply_header(request, wire::MessageKind::SHARD_STATS_REPLY));
  write_shard_stats(b.init_payload<wire::ShardStatsReply>().initStats(), s);
  return b.finish();
}

result<node_stats> read_node_stats_reply(std::string frame, const decode_limits& limits) {
  auto env =
      open_reply(std::move(frame), wire::MessageKind::NODE_STATS_REPLY, "node stats", limits);
  if (!env) return env.err();
  return guarded([&]() -> result<node_stats> {
    return read_node_stats((*env)->payload<wire::NodeStatsReply>().getStats());
  });
}

result<shard_stats> read_shard_stats_reply(std::string frame, const decode_limits& limits) {
  auto env =
      open_reply(std::move(frame), wire::MessageKind::SHARD_STATS_REPLY, "shard stats", limits);
  if (!env) return env.err();
  return guarded([&]() -> result<shard_stats> {
    return read_shard_stats((*env)->payload<wire::ShardStatsReply>().getStats());
  });
}

}  // namespace cairn
