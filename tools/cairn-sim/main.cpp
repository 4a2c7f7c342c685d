// cairn-sim: the whole cluster in one process under a deterministic scheduler,
// simulated network and disks, with faults drawn from a seed. See docs/simulation.md.
#include <CLI/CLI.hpp>
#include <iostream>

#include "runtime/log.hpp"
#include "sim/simulation.hpp"
#include "tools/cairn-sim/report_output.hpp"

using namespace cairn;
using namespace cairn::sim_cli;

namespace {

constexpr int exit_violation = 1, exit_usage = 2, exit_setup = 3;

// "10m", "300s", "1h", "90" (seconds) -> simulated microseconds.
result<sim_us> parse_duration(const std::string& text) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (...) {
    return error{errc::invalid_argument, "bad duration \"" + text + "\" (e.g. 300s, 10m, 1h)"};
  }
  auto unit = text.substr(used);
  double scale = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
  if (unit == "ms") scale = 0.001;
  if (scale == 0 || value <= 0)
    return error{errc::invalid_argument, "bad duration \"" + text + "\" (e.g. 300s, 10m, 1h)"};
  return static_cast<sim_us>(value * scale * 1e6);
}

// "7", "1-200", "1,5,9" -> the seeds, in order.
result<std::vector<uint64_t>> parse_seeds(const std::string& text) {
  std::vector<uint64_t> out;
  std::stringstream in(text);
  std::string part;
  try {
    while (std::getline(in, part, ',')) {
      auto dash = part.find('-');
      if (dash == std::string::npos) {
        out.push_back(std::stoull(part));
        continue;
      }
      uint64_t a = std::stoull(part.substr(0, dash)), b = std::stoull(part.substr(dash + 1));
      if (b < a || b - a > 1'000'000) throw std::invalid_argument("range");
      for (uint64_t s = a; s <= b; ++s) out.push_back(s);
    }
  } catch (...) {
    return error{errc::invalid_argument, "bad seed list \"" + text + "\" (e.g. 42, 1-200, 1,5,9)"};
  }
  if (out.empty()) return error{errc::invalid_argument, "no seeds given"};
  return out;
}

int usage(const std::string& message) {
  std::cerr << "cairn-sim: " << message << "\n";
  return exit_usage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "cairn-sim: runs a whole cairn cluster in one process under a deterministic scheduler,\n"
      "with a simulated network and disks and the faults a seed draws, then checks that\n"
      "nothing acknowledged was lost. Same seed, same build => same run (trace hash).\n"
      "Exit status: 0 every checker passed, 1 a checker failed (the report prints the\n"
      "command that reproduces the run), 2 usage error, 3 the run could not be set up."};
  std::string seed_text = "1", seeds_text, duration_text = "10m", faults = "swarm",
              output = "table";
  std::string log_level = "off", log_dir;
  sim_options opt;
  app.add_option("--seed", seed_text, "the run's root seed")->capture_default_str();
  app.add_option("--seeds", seeds_text, "run many seeds: 1-200 or 1,5,9 (one report each)");
  app.add_option("--hosts", opt.hosts, "simulated hosts (at least 3)")->capture_default_str();
  app.add_option("--duration", duration_text, "simulated chaos phase: 300s, 10m, 1h")
      ->capture_default_str();
  app.add_option("--workload", opt.workload,
                 "mixed: put/get/rm/mv/ls, renames within a directory; xshard: mixed plus "
                 "renames across directories (meta shards), not atomic yet")
      ->check(CLI::IsMember({"mixed", "xshard"}))
      ->capture_default_str();
  app.add_option("--faults", faults,
                 "swarm: the seed draws every fault rate; none; crashes: host crashes only "
                 "(checks detection within 3 s p99); lossy: 1% loss and ~100 ms jitter only "
                 "(checks no false down); corruption: bit flips only; decommission: one host "
                 "drained on purpose")
      ->check(CLI::IsMember(
          std::vector<std::string>(std::begin(fault_profiles), std::end(fault_profiles))))
      ->capture_default_str();
  app.add_option("--rate", opt.ops_per_second, "workload operations per simulated second")
      ->capture_default_str();
  app.add_option("--trace", opt.trace_path, "write every event as JSON lines to this file");
  app.add_option("--temp-dir", opt.temp_dir, "where meta shards' LMDB lives (default /dev/shm)");
  app.add_option("-o,--output", output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  app.add_option("--log-level", log_level, "role logs: off|error|warn|info|debug")
      ->capture_default_str();
  app.add_option("--log-dir", log_dir, "write role logs to files here (else stderr)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : exit_usage;
  }
  auto duration = parse_duration(duration_text);
  if (!duration) return usage(duration.err().message);
  opt.duration = *duration;
  opt.faults = faults;
  if (opt.hosts < 3) return usage("--hosts must be at least 3");
  if (opt.ops_per_second <= 0) return usage("--rate must be positive");
  auto seeds = parse_seeds(seeds_text.empty() ? seed_text : seeds_text);
  if (!seeds) return usage(seeds.err().message);
  if (seeds->size() > 1 && !opt.trace_path.empty())
    return usage("--trace takes one seed (the trace of many runs would mix)");
  auto level = spdlog::level::from_str(log_level);
  if (level == spdlog::level::off && log_level != "off")
    return usage("bad --log-level \"" + log_level + "\"");
  log_init(log_dir, level);

  bool json = output == "json";
  bool many = seeds->size() > 1;
  seeds_summary summary;
  for (auto seed : *seeds) {
    opt.seed = seed;
    auto report = run_simulation(opt);
    if (!report) {
      std::cerr << "cairn-sim: seed " << seed << ": " << report.err().to_string() << "\n";
      return exit_setup;
    }
    ++summary.runs;
    summary.sim_seconds += report->sim_seconds;
    summary.wall_seconds += report->wall_seconds;
    if (report->passed())
      ++summary.passed;
    else
      summary.failed_seeds.push_back(seed);
    if (json) {
      std::cout << to_json(*report).dump() << std::endl;
    } else if (!many || !report->passed()) {
      std::cout << to_text(*report) << std::flush;
    } else {
      std::cout << "seed " << seed << " PASS " << report->sim_seconds << " s simulated in "
                << report->wall_seconds << " s wall, trace " << std::hex << report->trace_hash
                << std::dec << std::endl;
    }
  }
  if (many) std::cout << (json ? to_json(summary).dump() + "\n" : to_text(summary));
  log_shutdown();
  return summary.failed_seeds.empty() ? 0 : exit_violation;
}
