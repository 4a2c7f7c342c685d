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

using key_fn = std::string (*)(const placement_host&);
std::string by_rack(const placement_host& h) { return rack_key(h.labels); }
std::string by_host_label(const placement_host& h) { return h.labels.host; }
constexpr key_fn levels[] = {by_rack, by_host_label};
constexpr size_t level_count = std::size(levels);

// Orders hosts so that a prefix of any length is spread as widely as possible over the
// domains of `level` and below: domains are taken round robin, in random order.
std::vector<const placement_host*> interleave(std::vector<const placement_host*> hosts,
                                              size_t level, rng& r) {
  if (level == level_count) {
    shuffle(hosts, r);
    return hosts;
  }
  std::map<std::string, std::vector<const placement_host*>> groups;
  for (auto* h : hosts) groups[levels[level](*h)].push_back(h);
  std::vector<std::vector<const placement_host*>> lists;
  for (auto& [_, members] : groups) lists.push_back(interleave(std::move(members), level + 1, r));
  shuffle(lists, r);
  std::vector<const placement_host*> out;
  for (size_t round = 0; out.size() < hosts.size(); ++round)
    for (auto& list : lists)
      if (round < list.size()) out.push_back(list[round]);
  return out;
}

}  // namespace

std::vector<host_id> place_chunk(const std::vector<placement_host>& hosts, size_t count, rng& r) {
  std::vector<const placement_host*> up;
  std::map<host_id, bool> seen;  // a host listed twice is one host
  for (auto& h : hosts)
    if (h.up && !seen[h.id]) {
      seen[h.id] = true;
      up.push_back(&h);
    }
  auto ordered = interleave(std::move(up), 0, r);
  std::vector<host_id> out;
  for (size_t i = 0; i < ordered.size() && out.size() < count; ++i) out.push_back(ordered[i]->id);
  return out;
}

}  // namespace cairn
