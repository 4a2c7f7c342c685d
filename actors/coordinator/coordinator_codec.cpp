#include "actors/coordinator/coordinator_codec.hpp"

namespace cairn {

void write_cluster_status(wire::ClusterStatusReply::Builder out, const cluster_status& s) {
  out.setEpoch(s.map.epoch);
  write_map_hosts(out.initHosts(static_cast<unsigned>(s.map.hosts.size())), s.map.hosts);
  auto nodes = out.initNodes(static_cast<unsigned>(s.nodes.size()));
  for (unsigned i = 0; i < s.nodes.size(); ++i) write_node_stats(nodes[i], s.nodes[i]);
  auto shards = out.initShards(static_cast<unsigned>(s.shards.size()));
  for (unsigned i = 0; i < s.shards.size(); ++i) write_shard_stats(shards[i], s.shards[i]);
  auto t = out.initTransport();
  t.setConnectionsAccepted(s.transport.connections_accepted);
  t.setConnectionsRefused(s.transport.connections_refused);
  t.setConnectionsClosedBadFrame(s.transport.connections_closed_bad_frame);
  t.setFramesReceived(s.transport.frames_received);
  t.setFramesRejected(s.transport.frames_rejected);
  out.setMinReplicas(s.map.min_replicas);
  out.setFinalReplicas(s.map.final_replicas);
  out.setChunkSize(s.map.chunk_size);
}

cluster_status read_cluster_status(wire::ClusterStatusReply::Reader in) {
  cluster_status s;
  s.map.epoch = in.getEpoch();
  s.map.hosts = read_map_hosts(in.getHosts());
  s.map.min_replicas = in.getMinReplicas();
  s.map.final_replicas = in.getFinalReplicas();
  s.map.chunk_size = in.getChunkSize();
  for (auto n : in.getNodes()) s.nodes.push_back(read_node_stats(n));
  for (auto sh : in.getShards()) {
    s.shards.push_back(read_shard_stats(sh));
    s.map.shard_hosts.push_back(sh.getHost());
  }
  auto t = in.getTransport();
  s.transport = transport_stats{t.getConnectionsAccepted(), t.getConnectionsRefused(),
                                t.getConnectionsClosedBadFrame(), t.getFramesReceived(),
                                t.getFramesRejected()};
  return s;
}

}  // namespace cairn
