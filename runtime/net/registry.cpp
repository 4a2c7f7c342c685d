#include "runtime/net/registry.hpp"

#include <caf/scheduled_actor.hpp>

namespace cairn {

void registry::put(const address& where, caf::actor who) {
  std::lock_guard lock(mutex_);
  actors_[where] = std::move(who);
}

void registry::erase(const address& where) {
  std::lock_guard lock(mutex_);
  actors_.erase(where);
}

void registry::erase_if_held(const address& where, const caf::actor_addr& who) {
  std::lock_guard lock(mutex_);
  auto it = actors_.find(where);
  if (it != actors_.end() && it->second.address() == who) actors_.erase(it);
}

void unregister_on_exit(caf::scheduled_actor* self, registry& reg, address where) {
  self->attach_functor([reg = &reg, where = std::move(where), me = self->address()] {
    reg->erase_if_held(where, me);
  });
}

std::optional<caf::actor> registry::find(const address& where) const {
  std::lock_guard lock(mutex_);
  if (auto it = actors_.find(where); it != actors_.end()) return it->second;
  if (auto route = routes_.find(where.host); route != routes_.end()) return route->second;
  return std::nullopt;
}

void registry::set_route(host_id host, caf::actor link) {
  std::lock_guard lock(mutex_);
  routes_[host] = std::move(link);
}

void registry::erase_route(host_id host) {
  std::lock_guard lock(mutex_);
  routes_.erase(host);
}

void registry::clear() {
  std::lock_guard lock(mutex_);
  actors_.clear();
  routes_.clear();
}

std::vector<address> registry::addresses() const {
  std::lock_guard lock(mutex_);
  std::vector<address> out;
  for (auto& [a, _] : actors_) out.push_back(a);
  return out;
}

}  // namespace cairn
