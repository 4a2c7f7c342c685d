#include "actors/meta_shard/placer.hpp"

#include <map>
#include <string>

namespace cairn {
namespace {

std::string rack_key(const topology_labels& l) {
  // '\x1f' cannot collide: it separates, and labels are operator text.
  return l.region + '\x1f' + l.dc + '\x1f' + l.cluster + '\x1f' + l.rack;
}

template <class T>
void shuffle(std::vector<T>& v, rng& r) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[r.below(i)]);
}

using key_fn = std::string (*)(const topology_labels&);
std::string by_rack(const topology_labels& l) { return rack_key(l); }
std::string by_host_label(const topology_labels& l) { return l.host; }
constexpr key_fn levels[] = {by_rack, by_host_label};
constexpr size_t level_count = std::size(levels);

using host_list = std::vector<const placement_host*>;
using label_list = std::vector<const topology_labels*>;

// One domain of a level: its candidates in placement order, and how many replicas it
// already holds (it joins the round robin that many rounds late).
struct lane {
  host_list hosts;
  size_t offset = 0;
};

// Orders hosts so that a prefix of any length is spread as widely as possible over the
// domains of `level` and below, counting the replicas in `taken` as already placed:
// domains are taken round robin, in random order.
host_list interleave(host_list hosts, const label_list& taken, size_t level, rng& r) {
  if (level == level_count) {
    shuffle(hosts, r);
    return hosts;
  }
  struct group {
    host_list members;
    label_list taken;
  };
  std::map<std::string, group> groups;
  for (auto* h : hosts) groups[levels[level](h->labels)].members.push_back(h);
  // A domain without candidates does not matter: nothing can be placed there anyway.
  for (auto* t : taken)
    if (auto it = groups.find(levels[level](*t)); it != groups.end()) it->second.taken.push_back(t);
  std::vector<lane> lanes;
  for (auto& [_, g] : groups)
    lanes.push_back({interleave(std::move(g.members), g.taken, level + 1, r), g.taken.size()});
  shuffle(lanes, r);
  host_list out;
  for (size_t round = 0; out.size() < hosts.size(); ++round)
    for (auto& l : lanes)
      if (round >= l.offset && round - l.offset < l.hosts.size())
        out.push_back(l.hosts[round - l.offset]);
  return out;
}

}  // namespace

std::vector<host_id> place_chunk(const std::vector<placement_host>& hosts, size_t count, rng& r) {
  return place_chunk(hosts, count, r, {});
}

std::vector<host_id> place_chunk(const std::vector<placement_host>& hosts, size_t count, rng& r,
                                 const std::vector<topology_labels>& taken) {
  host_list up;
  std::map<host_id, bool> seen;  // a host listed twice is one host
  for (auto& h : hosts)
    if (h.up && !seen[h.id]) {
      seen[h.id] = true;
      up.push_back(&h);
    }
  label_list taken_labels;
  for (auto& t : taken) taken_labels.push_back(&t);
  auto ordered = interleave(std::move(up), taken_labels, 0, r);
  std::vector<host_id> out;
  for (size_t i = 0; i < ordered.size() && out.size() < count; ++i) out.push_back(ordered[i]->id);
  return out;
}

}  // namespace cairn
