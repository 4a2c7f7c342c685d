#include "actors/client/client_types.hpp"

namespace cairn {

size_t chunk_info::live_replicas() const {
  size_t n = 0;
  for (auto& r : replicas) n += r.state == replica_state::live;
  return n;
}

}  // namespace cairn
