#include "actors/coordinator/coordinator_codec.hpp"

namespace cairn {
namespace {

// An unknown value (a newer peer) reads as down: never placed, never counted.
host_state host_state_from_wire(wire::HostState s) {
  auto v = static_cast<uint16_t>(s);
  return v <= static_cast<uint16_t>(host_state::draining) ? static_cast<host_state>(v)
                                                          : host_state::down;
}

void write_hosts(capnp::List<wire::HostInfo>::Builder out, const std::vector<map_host>& hosts) {
  for (unsigned i = 0; i < hosts.size(); ++i) {
    auto& h = hosts[i];
    auto b = out[i];
    b.setId(h.id);
    b.setName(h.name);
    b.setUp(h.reachable());
    b.setState(static_cast<wire::HostState>(h.state));
    b.setStorage(h.storage);
    b.setSinceMs(h.since_ms);
    auto l = b.initLabels();
    l.setRegion(h.labels.region);
    l.setDc(h.labels.dc);
    l.setCluster(h.labels.cluster);
    l.setRack(h.labels.rack);
    l.setHost(h.labels.host);
  }
}

std::vector<map_host> read_hosts(capnp::List<wire::HostInfo>::Reader in) {
  std::vector<map_host> out;
  for (auto h : in) {
    auto l = h.getLabels();
    out.push_back(map_host{
        h.getId(), h.getName(),
        topology_labels{l.getRegion(), l.getDc(), l.getCluster(), l.getRack(), l.getHost()},
        host_state_from_wire(h.getState()), h.getStorage(), h.getSinceMs()});
  }
  return out;
}

}  // namespace

void write_cluster_map(wire::ClusterMapReply::Builder out, const cluster_map& map) {
  out.setEpoch(map.epoch);
  write_hosts(out.initHosts(static_cast<unsigned>(map.hosts.size())), map.hosts);
  auto shards = out.initShards(map.shard_count());
  for (shard_id s = 0; s < map.shard_count(); ++s) {
    shards[s].setId(s);
    shards[s].setHost(map.shard_hosts[s]);
  }
  out.setChunkSize(map.chunk_size);
  out.setMinReplicas(map.min_replicas);
  out.setFinalReplicas(map.final_replicas);
}

cluster_map read_cluster_map(wire::ClusterMapReply::Reader in) {
  cluster_map m;
  m.epoch = in.getEpoch();
  m.hosts = read_hosts(in.getHosts());
  for (auto s : in.getShards()) {
    if (s.getId() >= m.shard_hosts.size()) m.shard_hosts.resize(s.getId() + 1u, 0);
    m.shard_hosts[s.getId()] = s.getHost();
  }
  m.chunk_size = in.getChunkSize();
  m.min_replicas = in.getMinReplicas();
  m.final_replicas = in.getFinalReplicas();
  return m;
}

void write_cluster_status(wire::ClusterStatusReply::Builder out, const cluster_status& s) {
  out.setEpoch(s.map.epoch);
  write_hosts(out.initHosts(static_cast<unsigned>(s.map.hosts.size())), s.map.hosts);
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
  s.map.hosts = read_hosts(in.getHosts());
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
