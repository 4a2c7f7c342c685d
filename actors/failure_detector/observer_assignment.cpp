#include "actors/failure_detector/observer_assignment.hpp"

#include <algorithm>
#include <tuple>

namespace cairn {
namespace {

uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDull;
  x ^= x >> 33;
  x *= 0xC4CEB9FE1A85EC53ull;
  return x ^ (x >> 33);
}

// Rendezvous weight of (target, candidate): stable, and independent per target, so the
// targets of each host are a random-looking sample of about k of them.
uint64_t weight(host_id target, host_id candidate) {
  return mix64((uint64_t{target} << 32 | candidate) ^ 0x9E3779B97F4A7C15ull);
}

}  // namespace

std::string failure_domain(const topology_labels& l) {
  return l.region + '/' + l.dc + '/' + l.cluster + '/' + l.rack;
}

std::vector<host_id> observers_of(const cluster_map& map, host_id target, size_t k) {
  const map_host* t = map.find_host(target);
  std::string target_domain = t ? failure_domain(t->labels) : std::string();
  // Domains and weights once per candidate: this runs for every report the coordinator
  // gets, and building domain strings per comparison dominated a 30-host simulation.
  struct candidate {
    host_id id;
    std::string domain;
    uint64_t weight;
  };
  std::vector<candidate> candidates;
  for (auto& h : map.hosts)
    // Only hosts that answer observe: a crashed observer would leave its targets one
    // accuser short of the two the coordinator needs until it returned.
    if (h.id != target && h.reachable())
      candidates.push_back({h.id, failure_domain(h.labels), weight(target, h.id)});
  std::vector<host_id> chosen;
  std::vector<std::string> used_domains{target_domain};
  while (chosen.size() < k && !candidates.empty()) {
    // Rank: (new domain for the whole set, differs from the target, weight); highest wins.
    auto rank = [&](const candidate& c) {
      bool fresh =
          std::find(used_domains.begin(), used_domains.end(), c.domain) == used_domains.end();
      return std::make_tuple(fresh, c.domain != target_domain, c.weight);
    };
    auto best = std::max_element(candidates.begin(), candidates.end(),
                                 [&](auto& a, auto& b) { return rank(a) < rank(b); });
    chosen.push_back(best->id);
    used_domains.push_back(best->domain);
    candidates.erase(best);
  }
  return chosen;
}

std::vector<host_id> targets_of(const cluster_map& map, host_id observer, size_t k) {
  std::vector<host_id> out;
  for (auto& h : map.hosts) {
    if (h.id == observer) continue;
    auto obs = observers_of(map, h.id, k);
    if (std::find(obs.begin(), obs.end(), observer) != obs.end()) out.push_back(h.id);
  }
  return out;
}

}  // namespace cairn
