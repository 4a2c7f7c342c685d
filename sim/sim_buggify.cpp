#include "sim/sim_buggify.hpp"

namespace cairn {

bool sim_buggify::fire(std::string_view site) {
  auto it = sites_.find(site);
  if (it == sites_.end()) {
    bool enabled = rng(seed_).derive("buggify.site").derive(site).below(4) == 0;
    it = sites_.emplace(std::string(site), site_state{enabled}).first;
  }
  if (!it->second.enabled || fire_.below(4) != 0) return false;
  auto f = fired_.find(site);
  if (f == fired_.end()) f = fired_.emplace(std::string(site), 0).first;
  ++f->second;
  return true;
}

}  // namespace cairn
