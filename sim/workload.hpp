#pragma once
// The simulated users: operations through the real client library (put, get, rm, mv,
// ls) on a small namespace, so that writers collide on the same paths, with file
// sizes from 0 bytes to several chunks. Every operation is recorded in the history
// model; every read is checked against it as it completes.
#include <caf/actor.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "actors/client/client_types.hpp"
#include "runtime/result.hpp"
#include "runtime/rng.hpp"
#include "sim/history_model.hpp"
#include "sim/sim_world.hpp"
#include "sim/trace_log.hpp"

namespace cairn {

class client_context;

struct workload_config {
  double ops_per_second = 200;
  uint32_t dirs = 4;
  uint32_t files_per_dir = 16;
  uint64_t chunk_size = 64u << 10;
  // Renames between directories, which may cross meta shards (the `xshard` workload).
  // Cross-shard renames are not atomic yet (docs/architecture.md, "Known gaps").
  bool cross_directory_renames = false;
  // Arrivals beyond this are skipped and counted: it bounds memory when a partition or
  // heavy loss makes every operation wait for its timeouts.
  uint32_t in_flight_max = 4096;
};

struct op_tally {
  uint64_t acked = 0, failed = 0;
  std::map<std::string, uint64_t> errors;  // failures by error code
};

struct workload_stats {
  std::map<std::string, op_tally> by_kind;  // put, get, rm, mv, ls
  uint64_t skipped = 0;                     // arrivals while in_flight_max ran
  uint64_t reads_checked = 0;
  uint64_t wrong_bytes = 0, lost_writes = 0;
  uint64_t final_read_errors = 0;
};

// How a write that returned `code` may have ended (errors that prove the write did
// not happen vs. errors after which it may still land).
write_outcome outcome_of(errc code);

class workload {
 public:
  workload(workload_config cfg, std::vector<caf::actor> clients, history_model& model,
           trace_log& trace, sim_world& world, rng random);

  // Creates the directories. done(true) once all exist.
  void setup(std::function<void(bool)> done);
  // The time until the next arrival (exponential at ops_per_second).
  sim_us next_gap();
  // Starts one operation drawn from the mix.
  void start_random_op();
  size_t in_flight() const { return in_flight_; }

  // The quiet phase's check: reads every path the history knows once more and stats
  // every file found. done() runs when all answered.
  void start_final_pass(std::function<void()> done);
  const std::vector<file_info>& final_files() const { return final_files_; }
  // Names listed in a directory whose stat says not_found: entries without an inode.
  const std::vector<std::string>& dangling_entries() const { return dangling_; }

  const workload_stats& stats() const { return stats_; }
  // The first violations, explained (at most a few are kept).
  const std::vector<std::string>& violations() const { return violations_; }

 private:
  std::string random_path();
  std::string random_dir();
  uint64_t random_size();
  void finish(const std::string& kind, const std::string& path, errc code);
  void on_read(history_model::op_id op, const std::string& path, const result<std::string>& got,
               bool final);
  void violation(std::string what);
  void run(std::function<void(const std::shared_ptr<client_context>&)> job);

  void put(const std::string& path);
  void get(const std::string& path, bool final, std::function<void()> then);
  void remove(const std::string& path);
  void move(const std::string& from, const std::string& to);
  void move_within_group();
  void list(const std::string& dir);

  workload_config cfg_;
  std::vector<caf::actor> clients_;
  history_model& model_;
  trace_log& trace_;
  sim_world& world_;
  rng random_;
  version_id next_version_ = 1;
  size_t in_flight_ = 0;
  size_t next_client_ = 0;
  workload_stats stats_;
  std::vector<std::string> violations_;
  void list_final(std::function<void()> done);

  std::vector<file_info> final_files_;
  std::vector<std::string> dangling_;
};

}  // namespace cairn
