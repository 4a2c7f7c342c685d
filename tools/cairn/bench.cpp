#include "tools/cairn/bench.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <thread>

#include "actors/client/cluster_client.hpp"
#include "runtime/rng.hpp"
#include "tools/cairn/commands.hpp"

namespace cairn::cli {
namespace {

using clock_type = std::chrono::steady_clock;

struct run_result {
  std::vector<double> latencies_us;
  uint64_t failures = 0;
  error first_error{errc::ok, ""};
  double seconds = 0;
};

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

// Runs count operations over `inflight` threads; op(client, i) performs number i.
template <class Op>
run_result drive(std::vector<std::unique_ptr<cluster_client>>& clients, uint64_t count,
                 uint32_t inflight, Op op) {
  std::atomic<uint64_t> next{0};
  std::vector<run_result> parts(inflight);
  auto start = clock_type::now();
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < inflight; ++t) {
    threads.emplace_back([&, t] {
      auto& client = *clients[t % clients.size()];
      for (uint64_t i = next++; i < count; i = next++) {
        auto t0 = clock_type::now();
        status st = op(client, i);
        auto us = std::chrono::duration<double, std::micro>(clock_type::now() - t0).count();
        if (st) {
          parts[t].latencies_us.push_back(us);
        } else {
          if (parts[t].failures++ == 0) parts[t].first_error = st.err();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  run_result all;
  all.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  for (auto& p : parts) {
    all.latencies_us.insert(all.latencies_us.end(), p.latencies_us.begin(), p.latencies_us.end());
    if (p.failures && all.failures == 0) all.first_error = p.first_error;
    all.failures += p.failures;
  }
  std::sort(all.latencies_us.begin(), all.latencies_us.end());
  return all;
}

void report(const bench_options& opt, const run_result& r, format fmt) {
  double ops = static_cast<double>(r.latencies_us.size());
  double ops_s = ops / r.seconds;
  double mb_s = ops * static_cast<double>(opt.size) / r.seconds / (1 << 20);
  double p50 = percentile(r.latencies_us, 0.5), p99 = percentile(r.latencies_us, 0.99),
         p999 = percentile(r.latencies_us, 0.999);
  if (fmt == format::json) {
    nlohmann::json j = {{"op", opt.op},
                        {"size", opt.size},
                        {"count", opt.count},
                        {"inflight", opt.inflight},
                        {"connections", opt.connections},
                        {"ok", r.latencies_us.size()},
                        {"failed", r.failures},
                        {"seconds", r.seconds},
                        {"ops_per_s", ops_s},
                        {"mb_per_s", mb_s},
                        {"latency_us", {{"p50", p50}, {"p99", p99}, {"p999", p999}}}};
    if (r.failures) j["first_error"] = r.first_error.to_string();
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::printf("bench %s: %llu x %s, %u in flight over %u connections\n", opt.op.c_str(),
              static_cast<unsigned long long>(opt.count), human_bytes(opt.size).c_str(),
              opt.inflight, opt.connections);
  std::printf("  ok %zu, failed %llu, %.2f s\n", r.latencies_us.size(),
              static_cast<unsigned long long>(r.failures), r.seconds);
  std::printf("  %.0f ops/s, %.1f MB/s (MB = 2^20 bytes)\n", ops_s, mb_s);
  std::printf("  latency p50 %.0f us, p99 %.0f us, p99.9 %.0f us\n", p50, p99, p999);
  if (r.failures) std::printf("  first error: %s\n", r.first_error.to_string().c_str());
}

std::string payload(uint64_t size, uint64_t seed) {
  rng r(seed);
  std::string out(size, '\0');
  for (size_t i = 0; i < size; i += 8) {
    uint64_t v = r.next();
    for (size_t j = 0; j < 8 && i + j < size; ++j) out[i + j] = static_cast<char>(v >> (8 * j));
  }
  return out;
}

}  // namespace

int cmd_bench(caf::actor_system& sys, const std::string& host, uint16_t port,
              const client_options& copt, const bench_options& opt, format fmt) {
  if (opt.op != "put" && opt.op != "get")
    return fail({errc::invalid_argument, "bench takes put or get"});
  if (opt.inflight == 0 || opt.count == 0 || opt.connections == 0)
    return fail({errc::invalid_argument, "--count, --inflight and --connections must be positive"});
  std::vector<std::unique_ptr<cluster_client>> clients;
  for (uint32_t c = 0; c < opt.connections; ++c) {
    auto o = copt;
    o.correlation_base = (uint64_t{c} + 1) << 40;
    o.seed = copt.seed + c;
    auto client = cluster_client::connect(sys, host, port, o);
    if (!client) return fail(client.err());
    clients.push_back(std::move(*client));
  }
  char run_id[32];
  std::snprintf(run_id, sizeof run_id, "%08llx",
                static_cast<unsigned long long>(std::random_device{}()));
  std::string dir = std::string("/bench/") + run_id;
  if (auto made = clients[0]->mkdir(dir, true); !made) return fail(made.err());
  auto bytes = payload(opt.size, 42);
  auto name = [&](uint64_t i) { return dir + "/f" + std::to_string(i); };
  auto put_one = [&](cluster_client& c, uint64_t i) -> status {
    auto r = c.put(name(i), memory_source(bytes), opt.put);
    return r ? ok_status() : status(r.err());
  };

  uint64_t written = 0;
  run_result result;
  if (opt.op == "put") {
    result = drive(clients, opt.count, opt.inflight, put_one);
    written = opt.count;
  } else {
    uint64_t population = std::min(opt.count, opt.population_max);
    if (fmt == format::table)
      std::printf("bench get: writing %llu files to read...\n",
                  static_cast<unsigned long long>(population));
    auto setup = drive(clients, population, opt.inflight, put_one);
    written = population;
    if (setup.failures) return fail(setup.first_error);
    result = drive(clients, opt.count, opt.inflight, [&](cluster_client& c, uint64_t i) -> status {
      auto sink = std::make_shared<discard_sink>();
      auto r = c.get(name(i % population), sink);
      if (!r) return r.err();
      if (sink->bytes() != opt.size) return error{errc::corrupt, "short read"};
      return ok_status();
    });
  }
  report(opt, result, fmt);
  if (!opt.keep) {
    if (fmt == format::table)
      std::printf("removing %s (%llu files; --keep to leave them)\n", dir.c_str(),
                  static_cast<unsigned long long>(written));
    if (auto rm = clients[0]->remove(dir, true); !rm) return fail(rm.err());
  }
  return result.failures ? exit_status(result.first_error.code) : 0;
}

}  // namespace cairn::cli
