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

// The same for adding replicas to a chunk that already has some: `taken` are the labels
// of the hosts already holding its replicas. A domain (rack, then `host` label within a
// rack) holding k of them gets its first new host only in round k of the round robin,
// so a rack without a replica is used before a rack with one, whenever one has an up
// host. `taken` hosts are not excluded from `hosts`: leave them out yourself. With
// `taken` empty this is place_chunk above, draw for draw.
std::vector<host_id> place_chunk(const std::vector<placement_host>& hosts, size_t count, rng& r,
                                 const std::vector<topology_labels>& taken);

}  // namespace cairn
