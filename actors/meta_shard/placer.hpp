#pragma once
// The placer: picks the storage hosts for one chunk. Pure: the randomness comes from
// the rng passed in, so a seed reproduces every placement.
#include <cstddef>
#include <vector>

#include "runtime/config.hpp"
#include "runtime/ids.hpp"
#include "runtime/rng.hpp"

namespace cairn {

struct placement_host {
  host_id id = 0;
  topology_labels labels;
  bool up = true;
};

// Returns min(count, number of up hosts) distinct up hosts. Spreads over failure
// domains: no rack (region/dc/cluster/rack) gets a second host before every rack with
// an unused up host has one, and within a rack no `host` label gets a second before
// the others; ties are broken at random.
std::vector<host_id> place_chunk(const std::vector<placement_host>& hosts, size_t count, rng& r);

}  // namespace cairn
