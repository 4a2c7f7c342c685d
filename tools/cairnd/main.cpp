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
#include <thread>

#include "runtime/config.hpp"
#include "runtime/log.hpp"
#include "runtime/metrics/metrics.hpp"
#include "runtime/net/atoms.hpp"
#include "tools/cairnd/admin.hpp"
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

// SIGTERM: stop accepting, tell the coordinator this host leaves (multi-host), let the
// requests in flight finish (bounded), then stop every role.
void leave_cleanly(caf::actor_system& sys, cairn::local_cluster& cluster,
                   std::shared_ptr<spdlog::logger> log) {
  caf::scoped_actor self{sys};
  self->send(cluster.port_broker, cairn::stop_accepting_atom::value);
  if (cluster.peers)
    self->request(cluster.peers, std::chrono::seconds(4), cairn::leave_atom::value)
        .receive(
            [&](bool told) {
              if (!told)
                log->warn(
                    "trace=0000000000000000 the coordinator could not be told this host leaves; "
                    "its observers will notice");
            },
            [&](caf::error&) {});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  uint32_t inflight = 0;
  do {
    self->request(cluster.port_broker, std::chrono::seconds(1), cairn::inflight_atom::value)
        .receive([&](uint32_t n) { inflight = n; }, [&](caf::error&) { inflight = 0; });
    if (inflight == 0) break;
    // A bounded drain at shutdown; no logic waits on this.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  if (inflight > 0)
    log->warn("trace=0000000000000000 stopping with {} requests still in flight", inflight);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "cairnd: the cairn host daemon. Runs the storage nodes, meta shards and "
      "coordinator its config names, and serves clients and peers over TCP.\n"
      "With a [host] section it runs that one host of a multi-host cluster, joins it "
      "through the coordinator (or its seeds) and serves /metrics, /livez and /readyz on "
      "admin_listen.\n"
      "Stops cleanly on SIGINT or SIGTERM: stops accepting, leaves the cluster, finishes "
      "the requests in flight."};
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

  // One host of many keeps to its own directory, so hosts may share a machine (tests).
  std::string own_dir = cfg->multi_host() ? cfg->local->data_dir : cfg->data_dir;
  int lock = lock_data_dir(own_dir);
  if (lock < 0) {
    std::cerr << "cairnd: data dir " << own_dir
              << " is locked by another cairnd (or not writable)\n";
    return cairn::exit_status(cairn::errc::unavailable);
  }
  cairn::log_init(own_dir + "/logs", spdlog::level::from_str(cfg->log_level));
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
  cairn::metrics metrics;
  auto observe = [&metrics](uint16_t kind, double seconds, bool failed) {
    metrics.observe_request(kind, seconds, failed);
  };
  auto cluster = cairn::start_local_cluster(sys, reg, *cfg, seed, observe);
  if (!cluster) {
    std::cerr << "cairnd: " << cluster.err().to_string() << "\n";
    log->error("trace=0000000000000000 start failed: {}", cluster.err().to_string());
    return cairn::exit_status(cluster.code());
  }
  auto stopping = std::make_shared<std::atomic<bool>>(false);
  auto ready = [joined = cluster->joined, stopping]() -> std::pair<bool, std::string> {
    if (stopping->load()) return {false, "stopping"};
    if (!joined->load()) return {false, "not yet admitted by the coordinator"};
    return {true, "joined and serving"};
  };
  auto admin = cairn::start_admin(sys, reg, metrics, *cfg, cairn::local_roles_of(*cfg), ready);
  if (!admin) {
    std::cerr << "cairnd: admin_listen: " << admin.err().to_string() << "\n";
    log->error("trace=0000000000000000 start failed: {}", admin.err().to_string());
    cairn::stop_local_cluster(*cluster);
    *cluster = {};
    reg.clear();
    sys.await_all_actors_done();
    return cairn::exit_status(admin.code());
  }
  if (!port_file.empty()) {
    std::ofstream(port_file + ".tmp") << cluster->port << "\n";
    std::filesystem::rename(port_file + ".tmp", port_file);
  }
  if (cfg->multi_host())
    std::cout << "cairnd: host " << cfg->local->name << " (id " << cfg->local->id
              << ") of cluster '" << cfg->name << "' serving on " << cfg->listen_host << ":"
              << cluster->port << " (" << cluster->shards.size() << " meta shards here, data in "
              << own_dir << ")";
  else
    std::cout << "cairnd: cluster '" << cfg->name << "' serving on " << cfg->listen_host << ":"
              << cluster->port << " (" << cfg->hosts.size() << " hosts, " << cfg->shards
              << " meta shards, data in " << cfg->data_dir << ")";
  if (admin->serving()) std::cout << "; admin HTTP on port " << admin->port();
  std::cout << std::endl;
  log->info("trace=0000000000000000 serving on {}:{}", cfg->listen_host, cluster->port);

  int sig = 0;
  sigwait(&signals, &sig);
  std::cout << "cairnd: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping" << std::endl;
  log->info("trace=0000000000000000 signal {}: stopping", sig);
  stopping->store(true);
  leave_cleanly(sys, *cluster, log);
  cairn::stop_local_cluster(*cluster);
  *cluster = {};
  reg.clear();
  admin->stop();
  sys.await_all_actors_done();
  cairn::log_shutdown();
  ::close(lock);
  return 0;
}
