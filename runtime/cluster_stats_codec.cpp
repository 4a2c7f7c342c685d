#include "runtime/cluster_stats_codec.hpp"

namespace cairn {

void write_node_stats(wire::NodeStats::Builder out, const node_stats& s) {
  out.setHost(s.host);
  out.setChunks(s.chunks);
  out.setBytes(s.bytes);
  out.setFreeBytes(s.free_bytes);
  out.setReachable(s.reachable);
}

node_stats read_node_stats(wire::NodeStats::Reader in) {
  return node_stats{in.getHost(), in.getChunks(), in.getBytes(), in.getFreeBytes(),
                    in.getReachable()};
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
}

shard_stats read_shard_stats(wire::ShardStats::Reader in) {
  return shard_stats{in.getShard(),        in.getHost(),      in.getFiles(),
                     in.getDirectories(),  in.getBytes(),     in.getUnderReplicated(),
                     in.getPendingFiles(), in.getGcPending(), in.getReachable()};
}

}  // namespace cairn
