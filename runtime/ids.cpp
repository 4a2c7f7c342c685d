#include "runtime/ids.hpp"

#include "runtime/address.hpp"

namespace cairn {

std::string meta_actor_name(shard_id shard) { return "meta." + std::to_string(shard); }
std::string repairer_actor_name(shard_id shard) { return "repair." + std::to_string(shard); }

std::string to_string(const address& a) { return a.actor + "@" + std::to_string(a.host); }

}  // namespace cairn
