#pragma once
// The order in which a reader tries a chunk's replicas: live replicas first, starting
// at a rotation so concurrent readers spread over hosts; replicas recorded as missing
// last; replicas recorded as corrupt never. Pure logic.
#include <cstdint>
#include <vector>

#include "actors/client/client_types.hpp"

namespace cairn {

std::vector<host_id> replica_read_order(const chunk_info& chunk, uint64_t rotation);

}  // namespace cairn
