#pragma once
// What is wrong with a cluster, from its status (`cairn health detail`, the health line
// of `cairn status`): one check per kind of problem, with a stable code and the items
// behind it. Pure: no CAF, no I/O. An empty list is HEALTH_OK.
//
//   HOST_DOWN               down, or out without an operator retiring it
//   HOST_SUSPECT            an observer suspects it; not yet down
//   STORAGE_UNREACHABLE     a storage node did not answer the status request
//   SHARD_UNAVAILABLE       a meta shard did not answer: its files cannot be read or written
//   CHUNK_UNDER_REPLICATED  chunks below their final replica count, per shard
#include <string>
#include <vector>

#include "actors/coordinator/coordinator_protocol.hpp"

namespace cairn {

struct health_check {
  std::string code;
  std::string summary;             // one line: "2 hosts down"
  std::vector<std::string> items;  // one per host, node or shard behind it
};

std::vector<health_check> health_checks(const cluster_status& s);

}  // namespace cairn
