#include "actors/client/read_plan.hpp"

namespace cairn {

std::vector<host_id> replica_read_order(const chunk_info& chunk, uint64_t rotation) {
  std::vector<host_id> live, missing;
  for (auto& r : chunk.replicas) {
    if (r.state == replica_state::live)
      live.push_back(r.host);
    else if (r.state == replica_state::missing)
      missing.push_back(r.host);
  }
  std::vector<host_id> order;
  for (size_t i = 0; i < live.size(); ++i) order.push_back(live[(i + rotation) % live.size()]);
  order.insert(order.end(), missing.begin(), missing.end());
  return order;
}

}  // namespace cairn
