#pragma once
// Who watches whom: a deterministic function of the cluster map, so every detector and
// the coordinator compute the same assignment without talking about it. Pure.
#include <cstddef>
#include <string>
#include <vector>

#include "runtime/cluster_map.hpp"

namespace cairn {

// A host's failure domain: its rack, named by region/dc/cluster/rack. Hosts with no
// labels all share one domain.
std::string failure_domain(const topology_labels& labels);

// The k hosts that observe `target`: other hosts that answer (up, suspect or draining:
// a down observer is replaced as soon as the map says so), preferring one
// whose failure domain differs from the target's and from every observer already
// chosen, then one that differs from the target's; ties are broken by a hash of
// (target, candidate) (rendezvous hashing), so each host watches about k targets on
// average: a binomial spread, not an exact k (with 30 hosts and k = 3, between 0 and
// about 7).
// Fewer than k when the map has fewer candidates. Down and out hosts are still observed
// (a host that comes back is noticed) but observe nobody.
std::vector<host_id> observers_of(const cluster_map& map, host_id target, size_t k);

// The hosts `observer` watches: every t with observer in observers_of(map, t, k).
std::vector<host_id> targets_of(const cluster_map& map, host_id observer, size_t k);

}  // namespace cairn
