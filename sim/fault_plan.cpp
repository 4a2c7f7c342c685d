#include "sim/fault_plan.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>

#include "runtime/assert.hpp"

namespace cairn {
namespace {

constexpr sim_us ms_us = 1'000;
constexpr sim_us s_us = 1'000'000;
constexpr sim_us arrival_tick_us = 100 * ms_us;
constexpr double ticks_per_minute = 60.0 * s_us / arrival_tick_us;
constexpr uint32_t swizzle_links_max = 8;

// ---- drawing helpers --------------------------------------------------------------------

double unit_interval(rng& r) { return static_cast<double>(r.next() >> 11) * 0x1.0p-53; }

bool chance(rng& r, double p) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return unit_interval(r) < p;
}

// Uniform in [lo, hi]. REQUIRES: lo <= hi.
int64_t between(rng& r, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(r.below(static_cast<uint64_t>(hi - lo) + 1));
}

template <class T>
void shuffle(std::vector<T>& v, rng& r) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[r.below(i)]);
}

template <class T>
const T& pick(const std::vector<T>& v, rng& r) {
  CAIRN_ASSERT(!v.empty());
  return v[r.below(v.size())];
}

// ---- swarm ------------------------------------------------------------------------------

// A per-minute rate in [lo_tenths / 10, hi_tenths / 10], or 0 in 1/3 of seeds.
double draw_rate(rng& r, int lo_tenths, int hi_tenths) {
  const bool on = r.below(3) != 0;
  const double rate = static_cast<double>(between(r, lo_tenths, hi_tenths)) / 10;
  return on ? rate : 0;
}

// A probability in [0, max_permille / 1000], or 0 in 1/3 of seeds.
double draw_probability(rng& r, int max_permille) {
  const bool on = r.below(3) != 0;
  const double p = static_cast<double>(between(r, 0, max_permille)) / 1000;
  return on ? p : 0;
}

net_params draw_net(rng& r) {
  static constexpr std::array<sim_us, 11> medians_us = {100,  150,  200,  300,  500, 700,
                                                        1000, 1500, 2000, 3000, 5000};
  net_params n;
  n.latency_us_median = medians_us[r.below(medians_us.size())];
  n.latency_us_min = std::max<sim_us>(10, n.latency_us_median * between(r, 1, 5) / 10);
  n.latency_us_max = std::min<sim_us>(500 * ms_us, n.latency_us_median * between(r, 2, 50));
  n.loss = draw_probability(r, 300);
  n.duplicate = draw_probability(r, 50);
  return n;
}

void switch_faults_off(swarm_params& p) {
  p.net.loss = 0;
  p.net.duplicate = 0;
  p.crash_rate = p.partition_rate = p.clog_rate = p.bitflip_rate = 0;
  p.wipe_rate = p.full_disk_rate = p.slow_sync_rate = 0;
  p.buggify = false;
}

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string format_rate(double per_min) {
  return per_min > 0 ? format_number(per_min) + "/min" : "off";
}

std::string format_time(sim_us at) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%06llds", static_cast<long long>(at / s_us),
                static_cast<long long>(at % s_us));
  return buf;
}

std::string format_side(const std::vector<host_id>& side) {
  std::string out = "{";
  for (size_t i = 0; i < side.size(); ++i) {
    if (i) out += ',';
    out += side[i] == client_host ? std::string("client") : std::to_string(side[i]);
  }
  return out + "}";
}

// ---- planner ----------------------------------------------------------------------------

// The kinds that arrive on their own; the others only end a fault.
constexpr std::array<fault_kind, 7> arriving_kinds = {
    fault_kind::crash,   fault_kind::wipe,      fault_kind::partition, fault_kind::clog,
    fault_kind::bitflip, fault_kind::disk_full, fault_kind::slow_sync};

double rate_of(const swarm_params& p, fault_kind kind) {
  switch (kind) {
    case fault_kind::crash:
      return p.crash_rate;
    case fault_kind::wipe:
      return p.wipe_rate;
    case fault_kind::partition:
      return p.partition_rate;
    case fault_kind::clog:
      return p.clog_rate;
    case fault_kind::bitflip:
      return p.bitflip_rate;
    case fault_kind::disk_full:
      return p.full_disk_rate;
    case fault_kind::slow_sync:
      return p.slow_sync_rate;
    default:
      return 0;
  }
}

struct arrival {
  sim_us at;
  size_t kind_index;  // into arriving_kinds; orders equal times
  friend auto operator<=>(const arrival&, const arrival&) = default;
};

void add_arrivals(std::vector<arrival>& out, size_t kind_index, double per_min, sim_us start,
                  sim_us end, rng r) {
  const double p = per_min / ticks_per_minute;
  for (sim_us tick = start; tick < end; tick += arrival_tick_us) {
    if (!chance(r, p)) continue;
    const sim_us width = std::min(arrival_tick_us, end - tick);
    out.push_back({tick + static_cast<sim_us>(r.below(static_cast<uint64_t>(width))), kind_index});
  }
}

class planner {
 public:
  planner(const std::vector<host_id>& hosts, sim_us end, host_id sacrificial)
      : hosts_(hosts), end_(end), sacrificial_(sacrificial) {}

  void on_arrival(fault_kind kind, sim_us t, rng& r) {
    switch (kind) {
      case fault_kind::crash:
        return crash(t, r);
      case fault_kind::wipe:
        return wipe(t, r);
      case fault_kind::partition:
        return partition(t, r);
      case fault_kind::clog:
        return swizzle(t, r);
      case fault_kind::bitflip:
        return bitflip(t, r);
      case fault_kind::disk_full:
        return disk_full(t, r);
      case fault_kind::slow_sync:
        return slow_sync(t, r);
      default:
        CAIRN_ASSERT(false);
    }
  }

  std::vector<fault_event> take_sorted() {
    std::stable_sort(events_.begin(), events_.end(),
                     [](const fault_event& a, const fault_event& b) { return a.at < b.at; });
    return std::move(events_);
  }

 private:
  size_t down_max() const { return std::max<size_t>(1, hosts_.size() / 3); }

  // Hosts whose recovery time is past at `t`, after forgetting recoveries up to `t`.
  static void expire(std::map<host_id, sim_us>& until, sim_us t) {
    std::erase_if(until, [t](const auto& entry) { return entry.second <= t; });
  }

  std::vector<host_id> hosts_not_in(const std::map<host_id, sim_us>& busy) const {
    std::vector<host_id> out;
    for (host_id h : hosts_)
      if (!busy.count(h)) out.push_back(h);
    return out;
  }

  fault_event event(sim_us at, fault_kind kind, host_id host) const {
    fault_event e;
    e.at = at;
    e.kind = kind;
    e.host = host;
    return e;
  }

  // Takes `host` down at `t` with `kind` (crash or wipe) and schedules its restart.
  void take_down(sim_us t, fault_kind kind, host_id host, rng& r) {
    const sim_us back = t + between(r, 1 * s_us, 30 * s_us);
    if (back >= end_) return;
    auto e = event(t, kind, host);
    e.until = back;
    events_.push_back(e);
    events_.push_back(event(back, fault_kind::restart, host));
    down_until_[host] = back;
  }

  void crash(sim_us t, rng& r) {
    expire(down_until_, t);
    if (down_until_.size() >= down_max()) return;
    take_down(t, fault_kind::crash, pick(hosts_not_in(down_until_), r), r);
  }

  void wipe(sim_us t, rng& r) {
    expire(down_until_, t);
    if (down_until_.size() >= down_max() || down_until_.count(sacrificial_)) return;
    take_down(t, fault_kind::wipe, sacrificial_, r);
  }

  void bitflip(sim_us t, rng& r) {
    expire(down_until_, t);
    if (down_until_.count(sacrificial_)) return;
    auto e = event(t, fault_kind::bitflip, sacrificial_);
    e.value = static_cast<uint32_t>(r.next() >> 32);
    events_.push_back(e);
  }

  // The hosts and the client, shuffled and cut into two non-empty sides.
  void partition(sim_us t, rng& r) {
    if (t < network_busy_until_) return;
    std::vector<host_id> nodes = hosts_;
    nodes.push_back(client_host);
    shuffle(nodes, r);
    const auto cut = static_cast<std::ptrdiff_t>(between(r, 1, std::ssize(nodes) - 1));
    const bool one_way = r.below(3) == 0;
    const sim_us healed = t + between(r, 1 * s_us, 20 * s_us);
    if (healed >= end_) return;
    fault_event e = event(t, fault_kind::partition, 0);
    e.side_a.assign(nodes.begin(), nodes.begin() + cut);
    e.side_b.assign(nodes.begin() + cut, nodes.end());
    std::sort(e.side_a.begin(), e.side_a.end());
    std::sort(e.side_b.begin(), e.side_b.end());
    e.one_way = one_way;
    e.until = healed;
    fault_event h = e;
    h.at = healed;
    h.kind = fault_kind::heal;
    h.until = 0;
    events_.push_back(std::move(e));
    events_.push_back(std::move(h));
    network_busy_until_ = healed;
  }

  std::vector<std::pair<host_id, host_id>> all_links() const {
    std::vector<host_id> nodes = hosts_;
    nodes.push_back(client_host);
    std::vector<std::pair<host_id, host_id>> links;
    for (host_id a : nodes)
      for (host_id b : nodes)
        if (a != b) links.emplace_back(a, b);
    return links;
  }

  // Clogs a few links one by one, then unclogs them in a random order.
  void swizzle(sim_us t, rng& r) {
    if (t < network_busy_until_) return;
    auto links = all_links();
    if (links.empty()) return;
    shuffle(links, r);
    links.resize(between(r, 1, std::min<int64_t>(swizzle_links_max, std::ssize(links))));
    std::vector<sim_us> clog_at;
    sim_us at = t;
    for (size_t i = 0; i < links.size(); ++i) {
      if (i) at += between(r, 100 * ms_us, 500 * ms_us);
      clog_at.push_back(at);
    }
    std::vector<size_t> unclog_order(links.size());
    for (size_t i = 0; i < links.size(); ++i) unclog_order[i] = i;
    shuffle(unclog_order, r);
    std::vector<sim_us> unclog_at(links.size());
    for (size_t i : unclog_order) {
      at += between(r, 100 * ms_us, 500 * ms_us);
      unclog_at[i] = at;
    }
    if (at >= end_) return;
    CAIRN_ASSERT(at - t <= 10 * s_us);
    for (size_t i = 0; i < links.size(); ++i) {
      auto e = event(clog_at[i], fault_kind::clog, links[i].first);
      e.peer = links[i].second;
      e.until = unclog_at[i];
      events_.push_back(e);
    }
    for (size_t i : unclog_order) {
      auto e = event(unclog_at[i], fault_kind::unclog, links[i].first);
      e.peer = links[i].second;
      events_.push_back(e);
    }
    network_busy_until_ = at;
  }

  // A fault on one host that is not already in it, ended by `ends` at `until`.
  void host_spell(sim_us t, fault_kind starts, fault_kind ends, sim_us until, uint32_t value,
                  std::map<host_id, sim_us>& active, rng& r) {
    expire(active, t);
    auto candidates = hosts_not_in(active);
    if (candidates.empty() || until >= end_) return;
    auto e = event(t, starts, pick(candidates, r));
    e.until = until;
    e.value = value;
    events_.push_back(e);
    events_.push_back(event(until, ends, e.host));
    active[e.host] = until;
  }

  void disk_full(sim_us t, rng& r) {
    const sim_us until = t + between(r, 1 * s_us, 10 * s_us);
    host_spell(t, fault_kind::disk_full, fault_kind::disk_ok, until, 0, full_until_, r);
  }

  void slow_sync(sim_us t, rng& r) {
    const auto latency_ms = static_cast<uint32_t>(between(r, 5, 200));
    const sim_us until = t + between(r, 1 * s_us, 20 * s_us);
    host_spell(t, fault_kind::slow_sync, fault_kind::fast_sync, until, latency_ms, slow_until_, r);
  }

  const std::vector<host_id>& hosts_;
  const sim_us end_;
  const host_id sacrificial_;
  std::vector<fault_event> events_;
  std::map<host_id, sim_us> down_until_;
  std::map<host_id, sim_us> full_until_;
  std::map<host_id, sim_us> slow_until_;
  sim_us network_busy_until_ = 0;
};

}  // namespace

const char* to_string(fault_kind kind) {
  switch (kind) {
    case fault_kind::crash:
      return "crash";
    case fault_kind::restart:
      return "restart";
    case fault_kind::wipe:
      return "wipe";
    case fault_kind::partition:
      return "partition";
    case fault_kind::heal:
      return "heal";
    case fault_kind::clog:
      return "clog";
    case fault_kind::unclog:
      return "unclog";
    case fault_kind::bitflip:
      return "bitflip";
    case fault_kind::disk_full:
      return "disk_full";
    case fault_kind::disk_ok:
      return "disk_ok";
    case fault_kind::slow_sync:
      return "slow_sync";
    case fault_kind::fast_sync:
      return "fast_sync";
  }
  return "unknown";
}

result<swarm_params> draw_swarm(uint64_t seed, uint32_t hosts, bool faults) {
  if (hosts < 3) return error{errc::invalid_argument, "the simulation needs at least 3 hosts"};
  rng r = rng(seed).derive("swarm");
  swarm_params p;
  p.seed = seed;
  p.hosts = hosts;
  p.racks = static_cast<uint32_t>(between(r, 1, std::min<uint32_t>(hosts, 5)));
  p.shards = static_cast<uint16_t>(between(r, 1, std::min<uint32_t>(hosts, 4)));
  static constexpr std::array<uint64_t, 3> chunk_sizes = {16 << 10, 64 << 10, 256 << 10};
  p.chunk_size = chunk_sizes[r.below(chunk_sizes.size())];
  p.net = draw_net(r);
  p.crash_rate = draw_rate(r, 5, 60);
  p.partition_rate = draw_rate(r, 5, 40);
  p.clog_rate = draw_rate(r, 5, 40);
  p.bitflip_rate = draw_rate(r, 10, 300);
  p.wipe_rate = draw_rate(r, 1, 10);
  p.full_disk_rate = draw_rate(r, 5, 40);
  p.slow_sync_rate = draw_rate(r, 5, 40);
  p.buggify = r.below(4) != 0;
  if (!faults) switch_faults_off(p);
  return p;
}

std::string describe(const swarm_params& p) {
  std::string out = "seed " + std::to_string(p.seed) + ": hosts " + std::to_string(p.hosts);
  out += ", racks " + std::to_string(p.racks) + ", shards " + std::to_string(p.shards);
  out += ", chunk " + std::to_string(p.chunk_size >> 10) + "KiB, replicas " +
         std::to_string(p.min_replicas) + "/" + std::to_string(p.final_replicas);
  out += ", " + describe(p.net);
  out += ", crash " + format_rate(p.crash_rate) + ", partition " + format_rate(p.partition_rate) +
         ", clog " + format_rate(p.clog_rate) + ", bitflip " + format_rate(p.bitflip_rate) +
         ", wipe " + format_rate(p.wipe_rate) + ", full_disk " + format_rate(p.full_disk_rate) +
         ", slow_sync " + format_rate(p.slow_sync_rate) + ", buggify " + (p.buggify ? "on" : "off");
  return out;
}

std::vector<std::pair<std::string, std::string>> fields(const swarm_params& p) {
  return {
      {"seed", std::to_string(p.seed)},
      {"hosts", std::to_string(p.hosts)},
      {"racks", std::to_string(p.racks)},
      {"shards", std::to_string(p.shards)},
      {"chunk_size", std::to_string(p.chunk_size)},
      {"min_replicas", std::to_string(p.min_replicas)},
      {"final_replicas", std::to_string(p.final_replicas)},
      {"latency_us_min", std::to_string(p.net.latency_us_min)},
      {"latency_us_median", std::to_string(p.net.latency_us_median)},
      {"latency_us_max", std::to_string(p.net.latency_us_max)},
      {"loss", format_number(p.net.loss)},
      {"duplicate", format_number(p.net.duplicate)},
      {"crash_rate", format_number(p.crash_rate)},
      {"partition_rate", format_number(p.partition_rate)},
      {"clog_rate", format_number(p.clog_rate)},
      {"bitflip_rate", format_number(p.bitflip_rate)},
      {"wipe_rate", format_number(p.wipe_rate)},
      {"full_disk_rate", format_number(p.full_disk_rate)},
      {"slow_sync_rate", format_number(p.slow_sync_rate)},
      {"buggify", p.buggify ? "true" : "false"},
  };
}

std::string describe(const fault_event& e) {
  std::string out = format_time(e.at) + " " + to_string(e.kind);
  auto host = [](host_id h) {
    return h == client_host ? std::string("client") : std::to_string(h);
  };
  switch (e.kind) {
    case fault_kind::partition:
    case fault_kind::heal:
      out += " " + format_side(e.side_a) + (e.one_way ? " -> " : " <-> ") + format_side(e.side_b);
      break;
    case fault_kind::clog:
    case fault_kind::unclog:
      out += " " + host(e.host) + "->" + host(e.peer);
      break;
    default:
      out += " host " + host(e.host);
  }
  if (e.kind == fault_kind::slow_sync) out += " " + std::to_string(e.value) + "ms";
  if (e.kind == fault_kind::bitflip) out += " bits " + std::to_string(e.value);
  if (e.until) out += " until " + format_time(e.until);
  return out;
}

std::vector<fault_event> plan_faults(const swarm_params& params, const std::vector<host_id>& hosts,
                                     sim_us start, sim_us end, rng& r) {
  CAIRN_ASSERT(!hosts.empty() && start <= end);
  CAIRN_ASSERT(std::find(hosts.begin(), hosts.end(), client_host) == hosts.end());
  const host_id sacrificial = hosts[r.below(hosts.size())];
  std::vector<arrival> arrivals;
  for (size_t k = 0; k < arriving_kinds.size(); ++k) {
    const fault_kind kind = arriving_kinds[k];
    const std::string label = std::string("fault_plan.") + to_string(kind);
    add_arrivals(arrivals, k, rate_of(params, kind), start, end, r.derive(label + ".arrivals"));
  }
  std::sort(arrivals.begin(), arrivals.end());
  std::array<rng, arriving_kinds.size()> choices = {
      r.derive("fault_plan.crash"),     r.derive("fault_plan.wipe"),
      r.derive("fault_plan.partition"), r.derive("fault_plan.clog"),
      r.derive("fault_plan.bitflip"),   r.derive("fault_plan.disk_full"),
      r.derive("fault_plan.slow_sync")};
  planner plan(hosts, end, sacrificial);
  for (const arrival& a : arrivals)
    plan.on_arrival(arriving_kinds[a.kind_index], a.at, choices[a.kind_index]);
  return plan.take_sorted();
}

}  // namespace cairn
