// cairn-bench-repair: how fast a cluster restores `final` replicas after losing a host.
// Starts the roles of a 4-host cluster in this process over real disks (a temporary
// directory), writes --data bytes through the real client over loopback TCP, runs a
// foreground 4 KiB get load, kills one host's storage node and failure detector, and
// measures: the time until the host is declared down, the time until every meta shard's
// under-replicated queue is empty, the restore rate (the killed host's bytes over the
// repair time) against a disk bandwidth, and the get p99 before and during the repair.
// See docs/benchmarks.md ("Repair").
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "actors/client/byte_io.hpp"
#include "actors/client/cluster_client.hpp"
#include "runtime/log.hpp"
#include "runtime/net/registry.hpp"
#include "tools/cairnd/local_cluster.hpp"

using namespace cairn;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr host_id victim = 4;  // runs no meta shard and not the coordinator

cluster_config bench_config(const std::string& dir, uint64_t repair_bandwidth,
                            uint32_t repair_inflight) {
  cluster_config c;
  c.name = "bench-repair";
  c.data_dir = dir;
  c.listen_port = 0;
  c.chunk_size = 4u << 20;
  c.min_replicas = 2;
  c.final_replicas = 3;
  c.shards = 3;
  c.repair_bandwidth = repair_bandwidth;
  c.repair_inflight = repair_inflight;
  c.log_level = "warn";
  for (host_id i = 1; i <= 4; ++i) {
    host_config h;
    h.id = i;
    h.name = "h" + std::to_string(i);
    h.meta = i <= 3;
    h.labels = {"default", "default", "default", "rack" + std::to_string(i), h.name};
    h.data_dir = dir + "/" + h.name;
    c.hosts.push_back(h);
  }
  return c;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * double(v.size())))];
}

// Foreground gets: `threads` clients reading small files round robin, each latency
// stamped with when it finished.
class get_load {
 public:
  get_load(caf::actor_system& sys, uint16_t port, uint32_t threads, uint64_t files)
      : sys_(sys), port_(port), threads_(threads), files_(files) {}

  status start() {
    for (uint32_t t = 0; t < threads_; ++t) {
      client_options o;
      o.correlation_base = (uint64_t{t} + 10) << 40;
      auto c = cluster_client::connect(sys_, "127.0.0.1", port_, o);
      if (!c) return c.err();
      workers_.emplace_back([this, t, client = std::shared_ptr<cluster_client>(std::move(*c))] {
        for (uint64_t i = t; !stop_; i += threads_) {
          auto begin = clock_type::now();
          auto got = client->get("/small/f" + std::to_string(i % files_),
                                 std::make_shared<discard_sink>());
          auto end = clock_type::now();
          std::lock_guard lock(mu_);
          if (!got) ++errors_;
          samples_.push_back({end, std::chrono::duration<double, std::milli>(end - begin).count()});
        }
      });
    }
    return ok_status();
  }
  void stop() {
    stop_ = true;
    for (auto& w : workers_) w.join();
  }
  // Latencies (ms) of gets that finished in [from, to).
  std::vector<double> between(clock_type::time_point from, clock_type::time_point to) {
    std::lock_guard lock(mu_);
    std::vector<double> out;
    for (auto& [at, ms] : samples_)
      if (at >= from && at < to) out.push_back(ms);
    return out;
  }
  uint64_t errors() const { return errors_; }

 private:
  caf::actor_system& sys_;
  uint16_t port_;
  uint32_t threads_;
  uint64_t files_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::vector<std::pair<clock_type::time_point, double>> samples_;
  uint64_t errors_ = 0;
};

int fail(const std::string& what) {
  std::cerr << "cairn-bench-repair: " << what << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "cairn-bench-repair: kills one of 4 in-process hosts holding --data (with 3 replicas,\n"
      "about 3/4 of it) and measures how fast repair restores the final replica count,\n"
      "against --disk-mbps, and what it does to a foreground 4 KiB get load's p99."};
  std::string data_text = "1GiB", dir = "/tmp", output = "table";
  double disk_mbps = 1731;
  std::string bandwidth_text = "4GiB";
  uint32_t inflight = 16, get_threads = 4;
  double baseline_s = 5;
  app.add_option("--data", data_text, "bytes to write before the kill (64 MiB files)")
      ->capture_default_str();
  app.add_option("--dir", dir, "where the temporary data directory goes (a real disk)")
      ->capture_default_str();
  app.add_option("--disk-mbps", disk_mbps, "the disk's sequential write bandwidth, MB/s (fio)")
      ->capture_default_str();
  app.add_option("--repair-bandwidth", bandwidth_text,
                 "each repairer's bytes per second (cluster.repair_bandwidth)")
      ->capture_default_str();
  app.add_option("--repair-inflight", inflight, "copies in flight per repairer")
      ->capture_default_str();
  app.add_option("--get-threads", get_threads, "foreground 4 KiB get clients")
      ->capture_default_str();
  app.add_option("--baseline", baseline_s, "seconds of gets measured before the kill")
      ->capture_default_str();
  app.add_option("-o,--output", output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  auto data = parse_size(data_text);
  if (!data || *data == 0) return fail("bad --data \"" + data_text + "\"");
  auto bandwidth = parse_size(bandwidth_text);
  if (!bandwidth || *bandwidth == 0)
    return fail("bad --repair-bandwidth \"" + bandwidth_text + "\"");

  std::string tmpl = dir + "/cairn-bench-repair.XXXXXX";
  if (!::mkdtemp(tmpl.data())) return fail("cannot create a directory under " + dir);
  struct remove_dir {
    std::string path;
    ~remove_dir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } cleanup{tmpl};
  auto cfg = bench_config(tmpl, *bandwidth, inflight);
  log_init("", spdlog::level::warn);

  caf::actor_system_config caf_cfg;
  caf_cfg.load<caf::io::middleman>();
  caf_cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system sys{caf_cfg};
  registry reg;
  auto cluster = start_local_cluster(sys, reg, cfg, 7);
  if (!cluster) return fail(cluster.err().to_string());
  struct stopper {
    local_cluster& c;
    registry& r;
    ~stopper() {
      stop_local_cluster(c);
      r.clear();
    }
  } stop_on_exit{*cluster, reg};
  auto admin = cluster_client::connect(sys, "127.0.0.1", cluster->port, client_options{});
  if (!admin) return fail(admin.err().to_string());
  auto& c = **admin;

  // The data: 64 MiB files written by 4 writers at once.
  constexpr uint64_t file_size = 64u << 20;
  uint64_t files = (*data + file_size - 1) / file_size;
  // Spread over directories, so that every meta shard (and its repairer) holds a part.
  constexpr uint64_t big_dirs = 12;
  for (uint64_t d = 0; d < big_dirs; ++d)
    if (auto made = c.mkdir("/big/d" + std::to_string(d), true); !made)
      return fail(made.err().to_string());
  if (auto made = c.mkdir("/small", true); !made) return fail(made.err().to_string());
  std::string big(file_size, '\0');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>(i / 4096);
  auto put_start = clock_type::now();
  {
    std::vector<std::thread> writers;
    std::atomic<uint64_t> next{0};
    std::atomic<bool> failed{false};
    for (uint64_t w = 0; w < 4; ++w) {
      client_options o;
      o.correlation_base = (w + 1) << 40;
      auto writer = cluster_client::connect(sys, "127.0.0.1", cluster->port, o);
      if (!writer) return fail(writer.err().to_string());
      writers.emplace_back([&, client = std::shared_ptr<cluster_client>(std::move(*writer))] {
        for (uint64_t i; (i = next++) < files;)
          if (!client->put("/big/d" + std::to_string(i % big_dirs) + "/f" + std::to_string(i),
                           memory_source(big), {}))
            failed = true;
      });
    }
    for (auto& w : writers) w.join();
    if (failed) return fail("writing the data failed");
  }
  double put_s = std::chrono::duration<double>(clock_type::now() - put_start).count();
  constexpr uint64_t small_files = 1000;
  for (uint64_t i = 0; i < small_files; ++i)
    if (!c.put("/small/f" + std::to_string(i), memory_source(std::string(4096, 'x')), {}))
      return fail("writing the small files failed");

  auto before = c.status_report();
  if (!before) return fail(before.err().to_string());
  uint64_t victim_bytes = 0;
  for (auto& n : before->nodes)
    if (n.host == victim) victim_bytes = n.bytes;

  get_load load(sys, cluster->port, get_threads, small_files);
  if (auto st = load.start(); !st) return fail(st.err().to_string());
  std::this_thread::sleep_for(std::chrono::duration<double>(baseline_s));  // the baseline window
  auto killed_at = clock_type::now();
  for (const char* role : {storage_actor_name, detector_actor_name})
    if (auto a = reg.find(address{victim, role})) caf::anon_send_exit(*a, caf::exit_reason::kill);

  std::optional<clock_type::time_point> down_at, drained_at;
  uint64_t queued_max = 0;
  while (!drained_at && clock_type::now() - killed_at < std::chrono::minutes(30)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto s = c.status_report();
    if (!s) continue;
    uint64_t queued = s->under_replicated();
    queued_max = std::max(queued_max, queued);
    auto* h = s->map.find_host(victim);
    if (!down_at && h && !h->counts_replicas()) down_at = clock_type::now();
    if (down_at && queued_max > 0 && queued == 0) drained_at = clock_type::now();
  }
  auto done_at = clock_type::now();
  load.stop();
  if (!down_at || !drained_at) return fail("the cluster did not restore final in 30 minutes");

  auto seconds = [](auto from, auto to) {
    return std::chrono::duration<double>(to - from).count();
  };
  double detect_s = seconds(killed_at, *down_at);
  double repair_s = seconds(*down_at, *drained_at);
  double mbps = double(victim_bytes) / double(1 << 20) / repair_s;
  double p99_base =
      percentile(load.between(killed_at - std::chrono::duration_cast<clock_type::duration>(
                                              std::chrono::duration<double>(baseline_s)),
                              killed_at),
                 0.99);
  double p99_repair = percentile(load.between(*down_at, *drained_at), 0.99);
  nlohmann::json out = {
      {"data_bytes", files * file_size},
      {"put_mbps", double(files * file_size) / double(1 << 20) / put_s},
      {"victim_bytes", victim_bytes},
      {"chunks_queued_max", queued_max},
      {"detect_s", detect_s},
      {"repair_s", repair_s},
      {"restore_s", seconds(killed_at, *drained_at)},
      {"restore_mbps", mbps},
      {"disk_mbps", disk_mbps},
      {"fraction_of_disk", mbps / disk_mbps},
      {"get_p99_ms_before", p99_base},
      {"get_p99_ms_during", p99_repair},
      {"get_p99_ratio", p99_base > 0 ? p99_repair / p99_base : 0},
      {"get_errors", load.errors()},
      {"wall_s", seconds(put_start, done_at)},
  };
  if (output == "json") {
    std::cout << out.dump() << std::endl;
    return 0;
  }
  std::printf(
      "wrote %llu MiB in %.1f s (%.0f MB/s); host %u held %.0f MiB\n"
      "killed host %u: declared down after %.2f s, final restored %.2f s later "
      "(%llu chunks queued at most)\n"
      "restore rate %.0f MB/s = %.0f%% of the disk's %.0f MB/s\n"
      "foreground 4 KiB get p99: %.2f ms before, %.2f ms during repair (%.2fx), %llu errors\n",
      static_cast<unsigned long long>(files * file_size >> 20), put_s,
      out["put_mbps"].get<double>(), victim, double(victim_bytes) / double(1 << 20), victim,
      detect_s, repair_s, static_cast<unsigned long long>(queued_max), mbps, 100 * mbps / disk_mbps,
      disk_mbps, p99_base, p99_repair, out["get_p99_ratio"].get<double>(),
      static_cast<unsigned long long>(load.errors()));
  return 0;
}
