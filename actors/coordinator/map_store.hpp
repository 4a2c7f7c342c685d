#pragma once
// Where the coordinator keeps the cluster map across restarts: one LMDB environment in
// <dir>/ with a single record, the map as a Cap'n Proto ClusterMapReply. Written on
// every epoch change, before the change is pushed to anyone.
#include <memory>
#include <optional>
#include <string>

#include "runtime/cluster_map.hpp"
#include "runtime/result.hpp"

namespace cairn {

class map_store {
 public:
  // io_error naming the directory and LMDB's reason when it cannot be opened.
  // sync=false: no fsync per commit (simulation, tests).
  static result<std::unique_ptr<map_store>> open(const std::string& dir, bool sync = true);
  ~map_store();

  // The stored map; nullopt when none was ever saved. corrupt: the record does not decode.
  result<std::optional<cluster_map>> load();
  status save(const cluster_map& map);

  struct impl;

 private:
  explicit map_store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace cairn
