// cairnd: runs the roles its config names and serves clients over TCP.
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include "runtime/config.hpp"
#include "runtime/log.hpp"
#include "tools/cairnd/local_cluster.hpp"

namespace {

// One daemon per data directory: a second would corrupt both LMDB and segments.
int lock_data_dir(const std::string& dir) {
  std::filesystem::create_directories(dir);
  std::string path = dir + "/LOCK";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) return -1;
  return fd;
}

void configure_scheduler(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  // Idle workers that poll less hand a frame on sooner (BUILD_NOTES: 112 -> 60 us).
  cfg.set("work-stealing.aggressive-poll-attempts", 0);
  cfg.set("work-stealing.moderate-poll-attempts", 0);
  cfg.set("logger.verbosity", caf::atom("quiet"));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "cairnd: the cairn host daemon. Runs the storage nodes, meta shards and "
      "coordinator its config names, and serves clients over TCP.\n"
      "Stops cleanly on SIGINT or SIGTERM."};
  std::string config_path, listen, port_file, log_level;
  app.add_option("-c,--config", config_path, "cluster config (TOML), e.g. examples/local.toml")
      ->required();
  app.add_option("--listen", listen, "override cluster.listen (HOST:PORT; port 0 = any free)");
  app.add_option("--port-file", port_file, "write the bound client port to this file once serving");
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error (default from config)");
  CLI11_PARSE(app, argc, argv);

  auto cwd = std::filesystem::current_path().string();
  auto cfg = cairn::load_config(config_path, cwd);
  if (!cfg) {
    std::cerr << "cairnd: " << cfg.err().to_string() << "\n";
    return cairn::exit_status(cfg.code());
  }
  if (!listen.empty()) {
    auto endpoint = cairn::parse_endpoint(listen);
    if (!endpoint) {
      std::cerr << "cairnd: --listen: " << endpoint.err().message << "\n";
      return cairn::exit_status(endpoint.code());
    }
    cfg->listen_host = endpoint->first;
    cfg->listen_port = endpoint->second;
  }
  if (!log_level.empty()) cfg->log_level = log_level;

  int lock = lock_data_dir(cfg->data_dir);
  if (lock < 0) {
    std::cerr << "cairnd: data dir " << cfg->data_dir
              << " is locked by another cairnd (or not writable)\n";
    return cairn::exit_status(cairn::errc::unavailable);
  }
  cairn::log_init(cfg->data_dir + "/logs", spdlog::level::from_str(cfg->log_level));
  auto log = cairn::module_log("cairnd");

  // Signals are taken synchronously by this thread; every thread spawned after
  // this inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  caf::actor_system_config caf_cfg;
  configure_scheduler(caf_cfg);
  caf::actor_system sys{caf_cfg};
  cairn::registry reg;
  // The only randomness a daemon takes from outside: the root seed, logged.
  uint64_t seed = std::random_device{}();
  log->info("trace=0000000000000000 starting cluster '{}' from {} (seed {})", cfg->name,
            config_path, seed);
  auto cluster = cairn::start_local_cluster(sys, reg, *cfg, seed);
  if (!cluster) {
    std::cerr << "cairnd: " << cluster.err().to_string() << "\n";
    log->error("trace=0000000000000000 start failed: {}", cluster.err().to_string());
    return cairn::exit_status(cluster.code());
  }
  if (!port_file.empty()) {
    std::ofstream(port_file + ".tmp") << cluster->port << "\n";
    std::filesystem::rename(port_file + ".tmp", port_file);
  }
  std::cout << "cairnd: cluster '" << cfg->name << "' serving on " << cfg->listen_host << ":"
            << cluster->port << " (" << cfg->hosts.size() << " hosts, " << cfg->shards
            << " meta shards, data in " << cfg->data_dir << ")" << std::endl;
  log->info("trace=0000000000000000 serving on {}:{}", cfg->listen_host, cluster->port);

  int sig = 0;
  sigwait(&signals, &sig);
  std::cout << "cairnd: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping" << std::endl;
  log->info("trace=0000000000000000 signal {}: stopping", sig);
  cairn::stop_local_cluster(*cluster);
  *cluster = {};
  reg.clear();
  sys.await_all_actors_done();
  cairn::log_shutdown();
  ::close(lock);
  return 0;
}
