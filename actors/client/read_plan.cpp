#include "actors/client/read_plan.hpp"

namespace cairn {

std::vector<host_id> replica_read_order(const chunk_info& chunk, uint64_t rotation) {
  // Offline copies (a down or draining host) come last: a draining host still answers,
  // and a host declared down through a partition may still be reachable from here.
  std::vector<host_id> live, missing, offline;
  for (auto& r : chunk.replicas) {
    if (r.state == replica_state::live)
      live.push_back(r.host);
    else if (r.state == replica_state::missing)
      missing.push_back(r.host);
    else if (r.state == replica_state::offline)
      offline.push_back(r.host);
  }
  std::vector<host_id> order;
  for (size_t i = 0; i < live.size(); ++i) order.push_back(live[(i + rotation) % live.size()]);
  order.insert(order.end(), missing.begin(), missing.end());
  order.insert(order.end(), offline.begin(), offline.end());
  return order;
}

}  // namespace cairn
