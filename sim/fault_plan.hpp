#pragma once
// fault_plan: what one seed chooses (swarm_params: cluster shape, network, fault rates)
// and the time-sorted schedule of faults for a run's chaos phase. Pure: no clock, no
// random device, no I/O; the simulation carries the events out at their times.
//
// Swarm testing (after TigerBeetle's VOPR): each seed draws its own shape and rates, and
// switches each fault kind off independently with probability 1/3, so that some seeds
// explore one fault kind in depth and others their interactions.
//
// Schedule rules (plan_faults), for the chaos phase [start, end):
//   - Arrivals: each kind arrives independently at its per-minute rate, Poisson-ish
//     (a Bernoulli trial per 100 ms tick, the arrival at a uniform point of its tick),
//     each kind from its own stream derived from the plan's rng, so switching one kind
//     off does not move the arrival times of another.
//   - Every fault that starts also ends before `end`: an arrival whose recovery would
//     fall at or after `end` is dropped. The quiet phase from `end` on thus starts with
//     every host up, every link healed and unclogged, every disk ok and fast.
//   - crash(host): restart(host) follows 1-30 s later; the host keeps its data (a crash
//     loses only what its disk had not synced, which is the disk model's business).
//   - wipe(host): a crash that also destroys the host's data; restart follows 1-30 s
//     later with an empty disk.
//   - At most max(1, hosts / 3) hosts are down (crashed or wiped, not yet restarted) at
//     any time; arrivals past the cap are dropped. Only up hosts crash.
//   - Destructive faults (wipe, bitflip) hit only ONE sacrificial host per seed, drawn
//     from the plan's rng, and only while it is up. The budget: a write is acknowledged
//     once min_replicas (2) replicas on distinct hosts hold it, so destroying the data
//     of min_replicas - 1 = 1 host (= final - min, with final = 3) can never destroy
//     the last copy of an acknowledged write, even before repair exists. Destroying
//     two hosts' data could, and the checkers would then report a loss the system
//     could not have prevented. Note that without repair the sacrificial host's lost
//     replicas are not re-created, so files it held may stay below min_replicas.
//   - partition(side_a, side_b, one_way): the hosts and the client are shuffled and
//     cut into two non-empty sides; one-way (side_a -> side_b blocked only) with
//     probability 1/3; heal follows 1-20 s later, carrying the same sides.
//   - Swizzle-clog: 1-8 distinct directed links among the hosts and the client are
//     clogged one by one, 100-500 ms apart, then unclogged in a random order, 100-500
//     ms apart. Each clog's `until` is that link's unclog time, so a message sent on a
//     clogged link is held until the link unclogs. A sequence lasts at most 7.5 s, so
//     no message is held more than that (plus its latency).
//   - Network faults do not overlap: a partition or swizzle arriving while another is
//     in progress is dropped, so a heal (which clears every block and clog) never cuts
//     a swizzle short.
//   - disk_full(host): disk_ok follows 1-10 s later (`until`). slow_sync(host, value =
//     fsync latency in ms, 5-200): fast_sync follows 1-20 s later. Any host, up or
//     down; a host already full (slow) is not chosen again until it recovers.
//   - Events are sorted by time; events at equal times keep the order in which the
//     planner produced them (a recovery before a new fault that arrives at its time).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "runtime/ids.hpp"
#include "runtime/result.hpp"
#include "runtime/rng.hpp"
#include "sim/link_model.hpp"

namespace cairn {

// What one seed chose. Rates are events per simulated minute; 0 switches a kind off.
struct swarm_params {
  uint64_t seed = 0;
  uint32_t hosts = 0;
  uint32_t racks = 1;           // 1..min(hosts, 5)
  uint16_t shards = 1;          // 1..min(hosts, 4)
  uint64_t chunk_size = 65536;  // 16 KiB, 64 KiB or 256 KiB
  uint8_t min_replicas = 2;
  uint8_t final_replicas = 3;
  net_params net;
  double crash_rate = 0;
  double partition_rate = 0;
  double clog_rate = 0;  // swizzle-clog sequences
  double bitflip_rate = 0;
  double wipe_rate = 0;
  double full_disk_rate = 0;
  double slow_sync_rate = 0;
  bool buggify = false;  // BUGGIFY fault sites enabled for this run
};

// Draws a seed's configuration from rng(seed).derive("swarm"). Swarm ranges: loss
// 0-30%, duplicate 0-5% (each also off in 1/3 of seeds), median latency 100 us-5 ms,
// min 10-50% of the median (at least 10 us), max 2-50x the median (at most 500 ms);
// buggify on in 3/4 of seeds. With faults == false every rate, loss and duplicate are
// 0 and buggify is off, but the shape and latencies are the ones the same seed draws
// with faults on. Returns invalid_argument when hosts < 3 (final_replicas is 3).
result<swarm_params> draw_swarm(uint64_t seed, uint32_t hosts, bool faults);

// One line for the report header: shape, network, each rate ("off" when 0), buggify.
std::string describe(const swarm_params& params);

// The same as key/value pairs in a fixed order. Every value is a JSON literal (a
// number or true/false), so it can be parsed into a JSON value as is.
std::vector<std::pair<std::string, std::string>> fields(const swarm_params& params);

enum class fault_kind {
  crash,
  restart,
  wipe,
  partition,
  heal,
  clog,
  unclog,
  bitflip,
  disk_full,
  disk_ok,
  slow_sync,
  fast_sync,
};
inline constexpr int fault_kind_count = 12;

const char* to_string(fault_kind kind);

// One scheduled fault. Fields a kind does not use keep their defaults:
//   crash, wipe: host, until (its restart time); restart: host;
//   partition, heal: side_a, side_b, one_way; partition also until (its heal time);
//   clog: host -> peer link, until (its unclog time); unclog: host -> peer link;
//   bitflip: host, value (random bits the disk uses to pick a chunk and a bit);
//   disk_full: host, until; disk_ok: host;
//   slow_sync: host, value (fsync latency in ms), until; fast_sync: host.
struct fault_event {
  sim_us at = 0;
  fault_kind kind = fault_kind::crash;
  host_id host = 0;
  host_id peer = 0;
  std::vector<host_id> side_a, side_b;
  bool one_way = false;
  sim_us until = 0;
  uint32_t value = 0;
};

// One line for a trace, e.g. "12.345678s clog 3->7 until 13.000000s".
std::string describe(const fault_event& event);

// The chaos phase's schedule; see the rules above. Every event has start <= at < end.
// REQUIRES: hosts non-empty, without duplicates and without client_host; start <= end.
std::vector<fault_event> plan_faults(const swarm_params& params, const std::vector<host_id>& hosts,
                                     sim_us start, sim_us end, rng& r);

}  // namespace cairn
