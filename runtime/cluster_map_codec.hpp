#pragma once
// The cluster map (cluster_map.hpp) on the wire, schema/cluster.capnp: the
// ClusterMapReply struct that clusterMapReply, mapUpdateRequest {map} and the
// coordinator's stored map all carry, and the map push every role answers
// (mapUpdateRequest -> mapUpdateReply {epoch}). The only codec for these: roles must
// not decode the map themselves.
//
// write_*/read_cluster_map and write_*/read_map_hosts may throw kj::Exception on
// malformed data: call them inside guarded(). The envelope functions catch every kj
// exception (errc::corrupt).
#include <cstdint>
#include <string>
#include <vector>

#include "cairn/schema/cluster.capnp.h"
#include "runtime/cluster_map.hpp"
#include "runtime/envelope.hpp"

namespace cairn {

void write_cluster_map(wire::ClusterMapReply::Builder out, const cluster_map& map);
// Shard entries are placed by id; an id the list skips gets host 0 (no host).
cluster_map read_cluster_map(wire::ClusterMapReply::Reader in);

// One host, as the map, clusterStatusReply and hostJoinRequest carry it.
void write_map_host(wire::HostInfo::Builder out, const map_host& h);
map_host read_map_host(wire::HostInfo::Reader in);
// The hosts list, also carried by clusterStatusReply.
void write_map_hosts(capnp::List<wire::HostInfo>::Builder out, const std::vector<map_host>& hosts);
std::vector<map_host> read_map_hosts(capnp::List<wire::HostInfo>::Reader in);

// A received state value; one this build does not know (a newer peer) reads as down:
// never placed, never counted.
host_state host_state_from_wire(uint16_t v);

// The map push. The request's kind is set here.
std::string make_map_update(envelope_header header, const cluster_map& map);
// corrupt for a request without a map or an unreadable payload.
result<cluster_map> read_map_update(const envelope_reader& env);
// The reply names the epoch the receiver holds after the update.
std::string make_map_update_ack(const envelope_header& request, uint64_t epoch);
// The receiver's epoch; an errorReply's own error, corrupt for another kind or an
// unreadable frame.
result<uint64_t> read_map_update_ack(std::string frame);

}  // namespace cairn
