#include "runtime/ids.hpp"

namespace cairn {

std::string meta_actor_name(shard_id shard) {
  return "meta." + std::to_string(shard);
}

}  // namespace cairn
