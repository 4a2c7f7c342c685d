#include "sim/workload.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "actors/client/client_actor.hpp"
#include "actors/client/get_op.hpp"
#include "actors/client/put_op.hpp"
#include "runtime/crc32c.hpp"

namespace cairn {

write_outcome outcome_of(errc code) {
  switch (code) {
    case errc::ok:
      return write_outcome::acked;
    // The cluster answered and refused: nothing changed.
    case errc::already_exists:
    case errc::not_found:
    case errc::not_empty:
    case errc::not_a_directory:
    case errc::is_a_directory:
    case errc::invalid_argument:
    case errc::no_space:
      return write_outcome::failed;
    // No answer, or an answer from one step of several: it may have happened.
    default:
      return write_outcome::unknown;
  }
}

namespace {

// A version's bytes: its own stream, so no two versions of the same size are equal.
std::string bytes_of(version_id v, uint64_t size) {
  std::string out(size, '\0');
  rng r(v * 0x9E3779B97F4A7C15ull + 1);
  for (uint64_t i = 0; i < size; i += 8) {
    uint64_t word = r.next();
    std::memcpy(out.data() + i, &word, std::min<uint64_t>(8, size - i));
  }
  return out;
}

}  // namespace

workload::workload(workload_config cfg, std::vector<caf::actor> clients, history_model& model,
                   trace_log& trace, sim_world& world, rng random)
    : cfg_(cfg),
      clients_(std::move(clients)),
      model_(model),
      trace_(trace),
      world_(world),
      random_(random) {}

void workload::run(std::function<void(const std::shared_ptr<client_context>&)> job) {
  auto& client = clients_[next_client_++ % clients_.size()];
  run_client_job(client, std::move(job));
}

void workload::setup(std::function<void(bool)> done) {
  auto remaining = std::make_shared<uint32_t>(cfg_.dirs);
  auto all_ok = std::make_shared<bool>(true);
  for (uint32_t d = 0; d < cfg_.dirs; ++d) {
    run([=](const context_ptr& ctx) {
      make_dir(ctx, "/w/d" + std::to_string(d), true, [=](result<inode_id> r) {
        if (!r && r.code() != errc::already_exists) *all_ok = false;
        if (--*remaining == 0) done(*all_ok);
      });
    });
  }
}

sim_us workload::next_gap() {
  // Exponential inter-arrival times: a Poisson stream of operations.
  double u = (static_cast<double>(random_.below(1u << 30)) + 1.0) / double(1u << 30);
  return static_cast<sim_us>(-std::log(u) / cfg_.ops_per_second * 1e6);
}

std::string workload::random_dir() { return "/w/d" + std::to_string(random_.below(cfg_.dirs)); }

std::string workload::random_path() {
  // One path in ten is the hot one: concurrent writers to the same name.
  if (random_.below(10) == 0) return "/w/d0/hot";
  return random_dir() + "/f" + std::to_string(random_.below(cfg_.files_per_dir));
}

void workload::move_within_group() {
  // Renames stay within a small group of paths, so that versions travel within it and
  // the history's candidate sets stay small under heavy loss.
  if (cfg_.cross_directory_renames && cfg_.dirs > 1) {
    // The same file name in another directory: moves that may cross shards.
    auto file = "/f" + std::to_string(random_.below(cfg_.files_per_dir));
    auto from = random_.below(cfg_.dirs);
    auto to = (from + 1 + random_.below(cfg_.dirs - 1)) % cfg_.dirs;
    return move("/w/d" + std::to_string(from) + file, "/w/d" + std::to_string(to) + file);
  }
  // Within one directory, among four names: one shard, one transaction.
  auto dir = random_dir();
  auto group = random_.below(std::max<uint32_t>(1, cfg_.files_per_dir / 4)) * 4;
  auto from = group + random_.below(4), to = group + random_.below(4);
  move(dir + "/f" + std::to_string(from), dir + "/f" + std::to_string(to));
}

uint64_t workload::random_size() {
  auto pick = random_.below(100);
  if (pick < 5) return 0;
  if (pick < 50) return 1 + random_.below(4096);
  if (pick < 80) return 4097 + random_.below(cfg_.chunk_size);
  return cfg_.chunk_size + 1 + random_.below(2 * cfg_.chunk_size);  // two or three chunks
}

void workload::violation(std::string what) {
  trace_.record(world_.now(), "violation", {}, what);
  if (violations_.size() < 8) violations_.push_back(std::move(what));
}

void workload::finish(const std::string& kind, const std::string& path, errc code) {
  --in_flight_;
  auto& t = stats_.by_kind[kind];
  if (code == errc::ok) {
    ++t.acked;
  } else {
    ++t.failed;
    ++t.errors[std::string(to_string(code))];
  }
  trace_.record(world_.now(), "op.end", {{"code", static_cast<uint64_t>(code)}}, kind + " " + path);
}

void workload::start_random_op() {
  if (in_flight_ >= cfg_.in_flight_max) {
    ++stats_.skipped;
    return;
  }
  auto pick = random_.below(100);
  // Puts only create; removes keep about half the paths free for them.
  if (pick < 30) return put(random_path());
  if (pick < 60) return get(random_path(), false, nullptr);
  if (pick < 80) return remove(random_path());
  if (pick < 90) return move_within_group();
  list(random_dir());
}

void workload::put(const std::string& path) {
  ++in_flight_;
  version_id v = next_version_++;
  auto size = random_size();
  auto bytes = bytes_of(v, size);
  model_.define_version(v, content{size, crc32c(bytes.data(), bytes.size())});
  auto op = model_.begin_put(path, v, world_.now());
  trace_.record(world_.now(), "op.put", {{"version", v}, {"size", size}}, path);
  auto src = memory_source(std::move(bytes));
  run([this, op, path, src](const context_ptr& ctx) {
    put_file(ctx, path, src, {}, [this, op, path](result<put_summary> r) {
      model_.end_write(op, outcome_of(r.code()), world_.now());
      finish("put", path, r.code());
    });
  });
}

void workload::on_read(history_model::op_id op, const std::string& path,
                       const result<std::string>& got, bool final) {
  if (!got && got.code() != errc::not_found) {
    model_.abandon_read(op);
    if (final) {
      ++stats_.final_read_errors;
      violation("final read of " + path +
                " failed with all faults healed: " + got.err().to_string());
    }
    return;
  }
  std::optional<content> seen;
  if (got) seen = content{got->size(), crc32c(got->data(), got->size())};
  std::string why;
  auto verdict = model_.end_read(op, seen, world_.now(), &why);
  ++stats_.reads_checked;
  if (verdict == read_verdict::wrong_bytes) ++stats_.wrong_bytes;
  if (verdict == read_verdict::lost_write) ++stats_.lost_writes;
  if (verdict != read_verdict::ok) violation(why);
}

void workload::get(const std::string& path, bool final, std::function<void()> then) {
  ++in_flight_;
  auto op = model_.begin_read(path, world_.now());
  trace_.record(world_.now(), "op.get", {}, path);
  run([this, op, path, final, then](const context_ptr& ctx) {
    auto sink = std::make_shared<memory_sink>();
    get_file(ctx, path, sink, [this, op, path, final, then, sink](result<get_summary> r) {
      result<std::string> got = r ? result<std::string>(sink->bytes()) : r.err();
      on_read(op, path, got, final);
      finish("get", path, r.code());
      if (then) then();
    });
  });
}

void workload::remove(const std::string& path) {
  ++in_flight_;
  auto op = model_.begin_remove(path, world_.now());
  trace_.record(world_.now(), "op.rm", {}, path);
  run([this, op, path](const context_ptr& ctx) {
    remove_path(ctx, path, false, [this, op, path](result<unit> r) {
      model_.end_write(op, outcome_of(r.code()), world_.now());
      finish("rm", path, r.code());
    });
  });
}

void workload::move(const std::string& from, const std::string& to) {
  if (from == to) return list(random_dir());
  ++in_flight_;
  auto op = model_.begin_rename(from, to, world_.now());
  trace_.record(world_.now(), "op.mv", {}, from + " " + to);
  run([this, op, from, to](const context_ptr& ctx) {
    move_path(ctx, from, to, [this, op, from, to](result<unit> r) {
      model_.end_write(op, outcome_of(r.code()), world_.now());
      finish("mv", from + " " + to, r.code());
    });
  });
}

void workload::list(const std::string& dir) {
  ++in_flight_;
  trace_.record(world_.now(), "op.ls", {}, dir);
  run([this, dir](const context_ptr& ctx) {
    list_path(ctx, dir, false,
              [this, dir](result<std::vector<entry_info>> r) { finish("ls", dir, r.code()); });
  });
}

void workload::list_final(std::function<void()> done) {
  auto remaining = std::make_shared<uint32_t>(cfg_.dirs);
  for (uint32_t d = 0; d < cfg_.dirs; ++d) {
    auto dir = "/w/d" + std::to_string(d);
    run([this, dir, remaining, done](const context_ptr& ctx) {
      list_path(ctx, dir, false, [this, dir, remaining, done](result<std::vector<entry_info>> r) {
        if (!r) violation("final list of " + dir + " failed: " + r.err().to_string());
        if (r)
          for (auto& e : *r) {
            auto path = dir + "/" + e.name;
            bool found = std::any_of(final_files_.begin(), final_files_.end(),
                                     [&](const file_info& f) { return f.path == path; });
            if (e.kind == entry_kind::file && !found) dangling_.push_back(path);
          }
        if (--*remaining == 0) done();
      });
    });
  }
}

void workload::start_final_pass(std::function<void()> done) {
  auto paths = model_.paths();
  auto remaining = std::make_shared<size_t>(paths.size());
  done = [this, done] { list_final(done); };
  if (paths.empty()) return done();
  for (auto& path : paths) {
    get(path, true, [this, path, remaining, done] {
      run([this, path, remaining, done](const context_ptr& ctx) {
        stat_path(ctx, path, [this, path, remaining, done](result<file_info> info) {
          if (info && info->kind == entry_kind::file) final_files_.push_back(*info);
          if (!info && info.code() != errc::not_found)
            violation("final stat of " + path +
                      " failed with all faults healed: " + info.err().to_string());
          if (--*remaining == 0) done();
        });
      });
    });
  }
}

}  // namespace cairn
