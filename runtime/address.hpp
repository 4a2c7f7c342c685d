#pragma once
// Where an actor lives: (host id, actor name on that host).
#include <string>

#include "runtime/ids.hpp"

namespace cairn {

struct address {
  host_id host = 0;
  std::string actor;
  friend bool operator==(const address&, const address&) = default;
};

std::string to_string(const address& a);

}  // namespace cairn
