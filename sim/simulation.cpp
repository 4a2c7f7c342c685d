#include "sim/simulation.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>

#include "actors/client/client_actor.hpp"
#include "actors/client/namespace_ops.hpp"
#include "actors/coordinator/membership_codec.hpp"
#include "runtime/log.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/local_link.hpp"
#include "sim/replica_audit.hpp"
#include "sim/sim_buggify.hpp"
#include "sim/sim_cluster.hpp"
#include "sim/sim_world.hpp"

namespace cairn {
namespace {

constexpr sim_us second = 1'000'000;
constexpr uint32_t clients = 4;
constexpr uint32_t client_timeout_ms = 5000;
// After the chaos phase: operations still running get this long to finish...
constexpr sim_us drain_max = 120 * second;
// ...then the cluster settles before the final pass: a pending inode left by the last
// operations expires (20 s), its chunk deletes wait out the GC grace (30 s), and every
// chunk written before the quiet phase gets old enough for the orphan scan (30 s) and
// is scanned (every 5 s).
constexpr sim_us settle = 90 * second;
// Every chunk must be back at its final count this long after the faults stop.
constexpr sim_us repair_window = 300 * second;
constexpr sim_us repair_poll = 5 * second;
// After repair, copies it made surplus on returning hosts are found by their orphan scan.
constexpr sim_us after_repair = 45 * second;
constexpr sim_us final_pass_max = 300 * second;
// A crash must be declared within this (p99) at 1 s heartbeats.
constexpr double detect_p99_max_s = 3.0;

std::string temp_parent(const sim_options& opt) {
  if (!opt.temp_dir.empty()) return opt.temp_dir;
  std::error_code ec;
  return std::filesystem::is_directory("/dev/shm", ec) ? "/dev/shm" : "/tmp";
}

cluster_config make_config(const swarm_params& s, const std::string& dir) {
  cluster_config c;
  c.name = "sim";
  c.data_dir = dir;
  c.chunk_size = s.chunk_size;
  c.min_replicas = s.min_replicas;
  c.final_replicas = s.final_replicas;
  c.shards = s.shards;
  c.request_timeout_ms = client_timeout_ms;
  // Orphan collection on the simulation's time scale: pending inodes expire after 20 s,
  // storage nodes check chunks older than 30 s every 5 s (production: 10 min, 15 min,
  // 1 min). The order matters as in production: orphan grace > pending TTL.
  c.pending_ttl_ms = 20'000;
  c.orphan_grace_ms = 30'000;
  c.orphan_scan_interval_ms = 5'000;
  // Membership and repair at production speed, but out after a minute (production: 10)
  // so that runs see hosts leave for good; scrubbing fast enough to pass over every
  // disk many times per run (production: 32 MiB/s, once a day).
  c.out_interval_ms = 60'000;
  c.scrub_rate = 8u << 20;
  c.scrub_interval_ms = 20'000;
  for (uint32_t i = 1; i <= s.hosts; ++i) {
    host_config h;
    h.id = i;
    h.name = "h" + std::to_string(i);
    h.labels.rack = "r" + std::to_string((i - 1) % s.racks);
    h.data_dir = dir + "/" + h.name;
    h.capacity_bytes = uint64_t{1} << 30;
    c.hosts.push_back(h);
  }
  return c;
}

// Per-link latency: links within a rack are faster than links across racks or to the
// client. Drawn once per seed.
void spread_latencies(link_model& links, const cluster_config& cfg, rng r) {
  std::vector<std::pair<host_id, std::string>> ends{{client_host, "client"}};
  for (auto& h : cfg.hosts) ends.push_back({h.id, h.labels.rack});
  for (auto& [a, rack_a] : ends)
    for (auto& [b, rack_b] : ends) {
      if (a == b) continue;
      double u = static_cast<double>(r.below(1000)) / 1000.0;
      links.set_latency_scale(a, b, rack_a == rack_b ? 0.5 + 0.5 * u : 1.0 + 2.0 * u);
    }
}

net_params quiet(net_params p) {
  p.loss = 0;
  p.duplicate = 0;
  return p;
}

// The seed's shape with the profile's faults (see sim_options::faults).
result<swarm_params> draw_profile(const sim_options& opt) {
  auto p = draw_swarm(opt.seed, opt.hosts, opt.faults == "swarm");
  if (!p) return p;
  if (opt.faults == "crashes") {
    p->crash_rate = 6;
  } else if (opt.faults == "lossy") {
    p->net.loss = 0.01;
    p->net.latency_us_min = 1'000;
    p->net.latency_us_median = 20'000;
    p->net.latency_us_max = 120'000;
  } else if (opt.faults == "corruption") {
    p->bitflip_rate = 60;
  } else if (opt.faults != "swarm" && opt.faults != "none" && opt.faults != "decommission") {
    return error{errc::invalid_argument, "unknown fault profile \"" + opt.faults + "\""};
  }
  return p;
}

// Carries out one planned fault and counts it.
class fault_driver {
 public:
  fault_driver(sim_world& world, sim_cluster& cluster, sim_network& net, trace_log& trace,
               rng random, sim_report& report, membership_audit& membership)
      : world_(world),
        cluster_(cluster),
        net_(net),
        trace_(trace),
        random_(random),
        report_(report),
        membership_(membership) {}

  const std::vector<injected_flip>& flips() const { return flips_; }

  status apply(const fault_event& e) {
    trace_.record(world_.now(), "fault",
                  {{"kind", static_cast<uint64_t>(e.kind)}, {"host", e.host}}, describe(e));
    ++report_.faults[to_string(e.kind)];
    switch (e.kind) {
      case fault_kind::crash:
        crash(e.host);
        break;
      case fault_kind::restart:
        return restart(e.host);
      case fault_kind::wipe: {
        crash(e.host);
        // Let the killed roles exit before their disk goes.
        world_.run_until_idle(world_.now());
        auto& h = cluster_.host(e.host);
        h.disk->wipe();
        h.destroyed = true;
        break;
      }
      case fault_kind::partition:
        membership_.network_disturbed(world_.now());
        net_.links.partition(e.side_a, e.side_b, e.one_way);
        break;
      case fault_kind::heal:
        membership_.network_disturbed(world_.now());
        net_.links.heal();
        break;
      case fault_kind::clog:
        membership_.network_disturbed(world_.now());
        net_.links.clog(e.host, e.peer, e.until);
        break;
      case fault_kind::unclog:
        membership_.network_disturbed(world_.now());
        net_.links.unclog(e.host, e.peer);
        break;
      case fault_kind::bitflip:
        flip_a_bit(cluster_.host(e.host));
        break;
      case fault_kind::disk_full:
        cluster_.host(e.host).disk->set_full(true);
        break;
      case fault_kind::disk_ok:
        cluster_.host(e.host).disk->set_full(false);
        break;
      case fault_kind::slow_sync:
        cluster_.host(e.host).disk->set_sync_latency_ms(e.value);
        break;
      case fault_kind::fast_sync:
        cluster_.host(e.host).disk->set_sync_latency_ms(0);
        break;
    }
    return ok_status();
  }

  // The quiet phase: every fault healed, every host up.
  status heal_all() {
    net_.links.heal();
    net_.links.set_params(quiet(net_.links.params()));
    for (auto& h : cluster_.hosts()) {
      h.disk->set_full(false);
      h.disk->set_sync_latency_ms(0);
      if (!h.up)
        if (auto st = restart(h.cfg.id); !st) return st;
    }
    return ok_status();
  }

 private:
  void crash(host_id h) {
    if (cluster_.host(h).up) membership_.host_crashed(h, world_.now());
    cluster_.crash(h);
  }
  status restart(host_id h) {
    if (!cluster_.host(h).up) membership_.host_restarted(h, world_.now());
    return cluster_.restart(h);
  }

  void flip_a_bit(sim_host& h) {
    auto keys = h.disk->keys();
    if (keys.empty()) return;
    auto key = keys[random_.below(keys.size())];
    auto size = h.disk->find(key)->bytes.size();
    if (size == 0) return;
    // Not `destroyed`: a flipped copy is tracked on its own (corruptions_repaired), so it
    // excuses nothing else on the host in replicas_intact.
    if (h.disk->flip_bit(key, random_.below(size * 8))) flips_.push_back({h.cfg.id, key});
  }

  sim_world& world_;
  sim_cluster& cluster_;
  sim_network& net_;
  trace_log& trace_;
  rng random_;
  sim_report& report_;
  membership_audit& membership_;
  std::vector<injected_flip> flips_;
};

// Runs the world until `done` or `limit`; false when the limit came first.
template <class Pred>
bool run_while(sim_world& world, sim_us limit, Pred done) {
  while (!done()) {
    if (world.now() >= limit) return false;
    world.run_until(std::min(limit, world.now() + second / 10));
  }
  return true;
}

void add_checker(sim_report& r, std::string name, bool passed, std::string detail) {
  r.checkers.push_back({std::move(name), passed, std::move(detail)});
}

struct client_handles {
  std::vector<caf::actor> links, actors;
};

client_handles spawn_clients(sim_world& world, registry& reg, const cluster_config& cfg,
                             uint64_t seed) {
  client_handles out;
  for (uint32_t i = 0; i < clients; ++i) {
    local_link_config lc;
    lc.frame_bytes_max = cfg.effective_frame_bytes_max();
    lc.request_timeout_ms = client_timeout_ms * 2;
    auto link = spawn_local_link(world.system(), reg, lc);
    client_options co;
    co.request_timeout_ms = client_timeout_ms;
    co.frame_bytes_max = cfg.effective_frame_bytes_max();
    co.correlation_base = (uint64_t{i} + 1) << 40;
    co.seed = rng(seed).derive("client." + std::to_string(i)).next();
    out.links.push_back(link);
    out.actors.push_back(spawn_client_actor(world.system(), link, co));
  }
  return out;
}

status fetch_maps(sim_world& world, const client_handles& c) {
  auto pending = std::make_shared<size_t>(c.actors.size());
  auto failed = std::make_shared<std::optional<error>>();
  for (auto& client : c.actors)
    run_client_job(client, [pending, failed](const context_ptr& ctx) {
      fetch_map(ctx, [ctx, pending, failed](result<cluster_map> m) {
        if (m)
          ctx->set_map(*m);
        else
          *failed = m.err();
        --*pending;
      });
    });
  if (!run_while(world, world.now() + 60 * second, [&] { return *pending == 0; }))
    return error{errc::timeout, "clients got no cluster map"};
  if (*failed) return **failed;
  return ok_status();
}

// `cairn node decommission HOST --apply`, sent from the client's side of the network.
void decommission(sim_world& world, registry& reg, host_id host, trace_log& trace) {
  world.system().spawn([&reg, &world, &trace, host](caf::event_based_actor* self) {
    auto coordinator = reg.find(coordinator_address());
    if (!coordinator) return;
    envelope_header h{{client_host, "sim.operator"},        coordinator_address(), 1, 1, 0,
                      wire::MessageKind::HOST_ADMIN_REQUEST};
    auto frame =
        make_host_admin_request(h, host_admin{host, host_admin_action::decommission, true});
    self->request(*coordinator, std::chrono::seconds(10), envelope_atom::value, std::move(frame))
        .then(
            [&world, &trace, host](std::string& reply) {
              auto out = read_host_admin_reply(std::move(reply));
              trace.record(world.now(), "decommission", {{"host", host}},
                           out ? "applied" : out.err().to_string());
            },
            [&world, &trace, host](caf::error&) {
              trace.record(world.now(), "decommission", {{"host", host}}, "no answer");
            });
  });
}

// Shard and node statistics through the coordinator, for the metadata orphan check.
result<cluster_status> fetch_cluster_status(sim_world& world, const caf::actor& client) {
  auto out = std::make_shared<std::optional<result<cluster_status>>>();
  run_client_job(client, [out](const context_ptr& ctx) {
    fetch_status(ctx, [out](result<cluster_status> s) { *out = std::move(s); });
  });
  if (!run_while(world, world.now() + 60 * second, [&] { return out->has_value(); }))
    return error{errc::timeout, "no cluster status"};
  return **out;
}

// What the quiet phase observed besides the workload and the disks.
struct quiet_facts {
  std::vector<injected_flip> flips;
  std::optional<host_id> decommissioned;
};

void check(sim_report& report, const workload& wl, sim_cluster& cluster,
           const result<cluster_status>& status, const quiet_facts& facts) {
  auto& s = wl.stats();
  add_checker(report, "no_wrong_bytes", s.wrong_bytes == 0,
              std::to_string(s.reads_checked) + " reads checked, " + std::to_string(s.wrong_bytes) +
                  " returned bytes no write carried");
  add_checker(report, "no_lost_acked_writes", s.lost_writes == 0 && s.final_read_errors == 0,
              std::to_string(s.lost_writes) + " reads returned a replaced version, " +
                  std::to_string(s.final_read_errors) + " final reads failed");

  std::map<host_id, const sim_disk*> disks;
  std::set<host_id> destroyed;
  for (auto& h : cluster.hosts()) {
    disks[h.cfg.id] = h.disk.get();
    if (h.destroyed) destroyed.insert(h.cfg.id);
  }
  auto audit = audit_replicas(wl.final_files(), disks, destroyed);
  report.replicas_destroyed = audit.replicas_destroyed;
  add_checker(report, "min_replicas_reached", audit.under_min == 0,
              std::to_string(audit.chunks) + " chunks of " +
                  std::to_string(wl.final_files().size()) + " files, " +
                  std::to_string(audit.under_min) + " with fewer good replicas than min");
  uint64_t queued = 0;
  if (status)
    for (auto& sh : status->shards) queued += sh.under_replicated;
  bool drained = report.repair_drained_s >= 0;
  add_checker(report, "final_replicas_reached", audit.under_final == 0 && queued == 0 && drained,
              std::to_string(audit.under_final) + " chunks with fewer good replicas than final, " +
                  std::to_string(queued) + " queued for repair; queues " +
                  (drained ? "drained " + std::to_string(int(report.repair_drained_s)) +
                                 " s after the faults stopped"
                           : "not drained within " + std::to_string(repair_window / second) +
                                 " s of the faults stopping"));
  report.corruptions_injected = facts.flips.size();
  report.corruptions_repaired = repaired_flips(facts.flips, wl.final_files(), disks);
  add_checker(report, "corruptions_repaired",
              report.corruptions_repaired == report.corruptions_injected,
              std::to_string(report.corruptions_repaired) + " of " +
                  std::to_string(report.corruptions_injected) +
                  " flipped copies gone and their chunks back at final");
  auto& d = report.detection;
  if (report.options.faults == "crashes")
    add_checker(report, "crashes_detected",
                d.missed == 0 && d.p99_s <= detect_p99_max_s && (d.crashes == 0 || d.detected > 0),
                std::to_string(d.detected) + " of " + std::to_string(d.crashes) +
                    " crashes declared down, p50 " + std::to_string(d.p50_s) + " s, p99 " +
                    std::to_string(d.p99_s) + " s (at most " + std::to_string(detect_p99_max_s) +
                    "), " + std::to_string(d.missed) + " missed");
  if (report.options.faults == "lossy" || report.options.faults == "none")
    add_checker(report, "no_false_downs", d.false_downs == 0,
                std::to_string(d.false_downs) + " running hosts declared down");
  if (facts.decommissioned) {
    host_id h = *facts.decommissioned;
    uint64_t listed = 0;
    for (auto& f : wl.final_files())
      for (auto& c : f.chunks)
        for (auto& r : c.replicas) listed += r.host == h;
    size_t held = cluster.host(h).disk->keys().size();
    add_checker(report, "decommission_drained", listed == 0 && held == 0,
                "host " + std::to_string(h) + ": " + std::to_string(listed) + " replicas listed, " +
                    std::to_string(held) + " chunks on its disk");
  }
  add_checker(report, "replicas_intact", audit.replicas_lost == 0,
              std::to_string(audit.replicas_good) + " replicas hold their chunk's bytes, " +
                  std::to_string(audit.replicas_lost) +
                  " listed replicas are missing or bad on hosts no fault destroyed");
  std::set<inode_id> inodes;  // a file whose rename was interrupted may have two names
  for (auto& f : wl.final_files()) inodes.insert(f.id);
  uint64_t pending = 0, gc = 0, files = 0;
  bool reachable = status.ok();
  if (status)
    for (auto& sh : status->shards) {
      pending += sh.pending_files;
      gc += sh.gc_pending;
      files += sh.files;
      reachable = reachable && sh.reachable;
    }
  auto dangling = wl.dangling_entries().size();
  bool no_orphans = reachable && audit.orphan_chunks == 0 && pending == 0 && gc == 0 &&
                    files == inodes.size() && dangling == 0;
  add_checker(report, "no_orphans", no_orphans,
              std::to_string(audit.orphan_chunks) + " chunks in no file, " +
                  std::to_string(audit.unlisted_replicas) + " unlisted replicas, " +
                  std::to_string(pending) + " pending inodes, " + std::to_string(gc) +
                  " GC entries, " + std::to_string(files) + " committed inodes, " +
                  std::to_string(inodes.size()) + " reachable, " + std::to_string(dangling) +
                  " names without a file" + (reachable ? "" : ", some shard unreachable"));
  for (auto& p : audit.problems) report.violations.push_back(p);
  for (auto& d : wl.dangling_entries())
    report.violations.push_back(d + " is listed but has no file (an entry without an inode)");
}

}  // namespace

bool sim_report::passed() const {
  for (auto& c : checkers)
    if (!c.passed) return false;
  return !checkers.empty();
}

std::string reproduce_command(const sim_options& opt) {
  auto cmd = "cairn-sim --seed " + std::to_string(opt.seed) + " --hosts " +
             std::to_string(opt.hosts) + " --duration " + std::to_string(opt.duration / second) +
             "s --workload " + opt.workload + " --faults " + opt.faults;
  if (opt.ops_per_second != 200) cmd += " --rate " + std::to_string(int(opt.ops_per_second));
  return cmd;
}

result<sim_report> run_simulation(const sim_options& opt) {
  auto wall_start = std::chrono::steady_clock::now();  // for the report only
  sim_report report;
  report.options = opt;
  auto swarm = draw_profile(opt);
  if (!swarm) return swarm.err();
  report.swarm = *swarm;
  if (opt.workload != "mixed" && opt.workload != "xshard")
    return error{errc::invalid_argument,
                 "unknown workload \"" + opt.workload + "\" (mixed, xshard)"};

  std::string tmpl = temp_parent(opt) + "/cairn-sim.XXXXXX";
  if (!::mkdtemp(tmpl.data()))
    return error{errc::io_error, "cannot create a temporary directory under " + temp_parent(opt)};
  struct remove_dir {
    std::string dir;
    ~remove_dir() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{tmpl};
  auto cfg = make_config(*swarm, tmpl);

  trace_log trace(opt.trace_path);
  if (!trace.ok()) return error{errc::io_error, "cannot write the trace to " + opt.trace_path};
  // Cross-shard renames (xshard) can move a name whose file is gone.
  history_model model(opt.workload == "xshard");
  registry reg;
  rng root(opt.seed);
  {
    sim_world world(opt.seed);
    sim_network net(world, link_model(quiet(swarm->net)), root.derive("network"), trace);
    spread_latencies(net.links, cfg, root.derive("network.links"));
    membership_audit membership(cfg.hosts.front().id);
    sim_cluster cluster(world.system(), reg, net, cfg, opt.seed, [&](const cluster_map& m) {
      std::string states;
      for (auto& h : m.hosts)
        if (h.state != host_state::up)
          states += " " + std::to_string(h.id) + "=" + to_string(h.state);
      trace.record(world.now(), "map", {{"epoch", m.epoch}}, states);
      membership.map_changed(m, world.now());
    });
    std::optional<host_id> decommissioned;
    client_handles c;
    // On every way out of this block: stop clients, roles and NICs and let them exit
    // while the network they point at still exists (it is destroyed before the world).
    struct stopper {
      std::function<void()> stop;
      ~stopper() { stop(); }
    } stop_all_on_exit{[&] {
      for (auto& a : c.actors) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
      for (auto& l : c.links) caf::anon_send(l, stop_atom::value);
      c = {};
      cluster.stop();
      world.run_until_idle(INT64_MAX);
    }};
    if (auto st = cluster.start(); !st) return st.err();
    c = spawn_clients(world, reg, cfg, opt.seed);
    if (auto st = fetch_maps(world, c); !st) {
      return st.err();
    }
    workload_config wc;
    wc.ops_per_second = opt.ops_per_second;
    wc.chunk_size = cfg.chunk_size;
    wc.cross_directory_renames = opt.workload == "xshard";
    workload wl(wc, c.actors, model, trace, world, root.derive("workload"));
    std::optional<bool> ready;
    wl.setup([&](bool ok) { ready = ok; });
    if (!run_while(world, world.now() + 60 * second, [&] { return ready.has_value(); }) ||
        !*ready) {
      return error{errc::internal, "the workload's directories could not be created"};
    }

    // Chaos: the seed's faults, buggify sites and lossy links.
    sim_buggify bugs(opt.seed);
    std::optional<buggify_scope> bugs_on;
    if (swarm->buggify) bugs_on.emplace(&bugs);
    net.links.set_params(swarm->net);
    fault_driver faults(world, cluster, net, trace, root.derive("fault.targets"), report,
                        membership);
    sim_us start = world.now(), end = start + opt.duration;
    auto plan_rng = root.derive("fault.plan");
    std::vector<host_id> ids;
    for (auto& h : cfg.hosts) ids.push_back(h.id);
    auto plan = plan_faults(*swarm, ids, start, end, plan_rng);
    size_t next_fault = 0;
    sim_us next_op = start + wl.next_gap();
    // The decommission profile drains the last host (it runs no meta shard) a third in.
    sim_us decommission_at = opt.faults == "decommission" ? start + opt.duration / 3 : INT64_MAX;
    for (;;) {
      sim_us fault_at = next_fault < plan.size() ? plan[next_fault].at : INT64_MAX;
      sim_us next = std::min({next_op, fault_at, end, decommission_at});
      world.run_until(next);
      if (next == end) break;
      if (next == decommission_at) {
        decommissioned = cfg.hosts.back().id;
        decommission(world, reg, *decommissioned, trace);
        decommission_at = INT64_MAX;
        continue;
      }
      if (fault_at == next) {
        if (auto st = faults.apply(plan[next_fault++]); !st) {
          return st.err();
        }
        continue;
      }
      wl.start_random_op();
      next_op += wl.next_gap();
    }

    // Quiet: faults off, hosts up; the operations still running finish, the cluster
    // settles, then every path is read once more and the disks are audited.
    bugs_on.reset();
    if (auto st = faults.heal_all(); !st) {
      return st.err();
    }
    trace.record(world.now(), "quiet", {});
    sim_us quiet_start = world.now();
    run_while(world, world.now() + drain_max, [&] { return wl.in_flight() == 0; });
    // Repair: poll the queues until they are empty (or the window is over), then give
    // the orphan scans of returning hosts time to drop the copies repair made surplus.
    sim_us drained_at = -1;
    while (world.now() < quiet_start + repair_window) {
      auto polled = fetch_cluster_status(world, c.actors.front());
      bool empty = polled.ok();
      if (polled)
        for (auto& sh : polled->shards) empty = empty && sh.reachable && sh.under_replicated == 0;
      if (empty) {
        drained_at = world.now();
        break;
      }
      world.run_until(world.now() + repair_poll);
    }
    if (drained_at >= 0) report.repair_drained_s = double(drained_at - quiet_start) / second;
    world.run_until(std::max(quiet_start + settle, world.now() + after_repair));
    bool final_done = false;
    wl.start_final_pass([&] { final_done = true; });
    if (!run_while(world, world.now() + final_pass_max, [&] { return final_done; }))
      report.violations.push_back("the final pass did not finish");
    auto status = fetch_cluster_status(world, c.actors.front());
    report.detection = membership.figures();
    check(report, wl, cluster, status, quiet_facts{faults.flips(), decommissioned});
    if (!final_done) add_checker(report, "final_pass_finished", false, "timed out");
    for (auto& v : wl.violations()) report.violations.insert(report.violations.begin(), v);
    for (auto& [site, n] : bugs.fired()) report.faults["buggify." + site] = n;
    report.sim_seconds = double(world.now()) / second;
    report.messages = world.messages_run();
    report.net = net.counters;
    report.links = net.links.counters();
    report.ops = wl.stats();
  }
  report.trace_hash = trace.hash();
  report.trace_events = trace.events();
  report.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return report;
}

}  // namespace cairn
