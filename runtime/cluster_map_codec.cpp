#include "runtime/cluster_map_codec.hpp"

namespace cairn {

host_state host_state_from_wire(uint16_t v) {
  return v <= static_cast<uint16_t>(host_state::draining) ? static_cast<host_state>(v)
                                                          : host_state::down;
}

void write_map_host(wire::HostInfo::Builder b, const map_host& h) {
  b.setId(h.id);
  b.setName(h.name);
  b.setUp(h.reachable());
  b.setState(static_cast<wire::HostState>(h.state));
  b.setStorage(h.storage);
  b.setSinceMs(h.since_ms);
  b.setRetired(h.retired);
  b.setAddress(h.address);
  auto l = b.initLabels();
  l.setRegion(h.labels.region);
  l.setDc(h.labels.dc);
  l.setCluster(h.labels.cluster);
  l.setRack(h.labels.rack);
  l.setHost(h.labels.host);
}

map_host read_map_host(wire::HostInfo::Reader h) {
  auto l = h.getLabels();
  return map_host{
      h.getId(),
      h.getName(),
      topology_labels{l.getRegion(), l.getDc(), l.getCluster(), l.getRack(), l.getHost()},
      host_state_from_wire(static_cast<uint16_t>(h.getState())),
      h.getStorage(),
      h.getSinceMs(),
      h.getRetired(),
      h.getAddress()};
}

void write_map_hosts(capnp::List<wire::HostInfo>::Builder out, const std::vector<map_host>& hosts) {
  for (unsigned i = 0; i < hosts.size(); ++i) write_map_host(out[i], hosts[i]);
}

std::vector<map_host> read_map_hosts(capnp::List<wire::HostInfo>::Reader in) {
  std::vector<map_host> out;
  for (auto h : in) out.push_back(read_map_host(h));
  return out;
}

void write_cluster_map(wire::ClusterMapReply::Builder out, const cluster_map& map) {
  out.setEpoch(map.epoch);
  write_map_hosts(out.initHosts(static_cast<unsigned>(map.hosts.size())), map.hosts);
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
  m.hosts = read_map_hosts(in.getHosts());
  for (auto s : in.getShards()) {
    if (s.getId() >= m.shard_hosts.size()) m.shard_hosts.resize(s.getId() + 1u, 0);
    m.shard_hosts[s.getId()] = s.getHost();
  }
  m.chunk_size = in.getChunkSize();
  m.min_replicas = in.getMinReplicas();
  m.final_replicas = in.getFinalReplicas();
  return m;
}

std::string make_map_update(envelope_header header, const cluster_map& map) {
  header.kind = wire::MessageKind::MAP_UPDATE_REQUEST;
  envelope_builder b(header);
  write_cluster_map(b.init_payload<wire::MapUpdateRequest>().initMap(), map);
  return b.finish();
}

result<cluster_map> read_map_update(const envelope_reader& env) {
  return guarded([&]() -> result<cluster_map> {
    auto p = env.payload<wire::MapUpdateRequest>();
    if (!p.hasMap()) return error{errc::corrupt, "a map update without a map"};
    return read_cluster_map(p.getMap());
  });
}

std::string make_map_update_ack(const envelope_header& request, uint64_t epoch) {
  envelope_builder b(reply_header(request, wire::MessageKind::MAP_UPDATE_REPLY));
  b.init_payload<wire::MapUpdateReply>().setEpoch(epoch);
  return b.finish();
}

result<uint64_t> read_map_update_ack(std::string frame) {
  auto env = open_reply(std::move(frame), wire::MessageKind::MAP_UPDATE_REPLY, "map update");
  if (!env) return env.err();
  return guarded(
      [&]() -> result<uint64_t> { return (*env)->payload<wire::MapUpdateReply>().getEpoch(); });
}

}  // namespace cairn
