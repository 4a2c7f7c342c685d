// The scrub's shell: reads the pages and chunks the scrubber asks for through the
// chunk_store (whose get() verifies each chunk's CRC32C), sends corruption reports to
// each chunk's home meta shard, and logs a line per pass. Also the coordinator's map
// push, which refreshes where the meta shards run.
#include <algorithm>
#include <chrono>
#include <deque>

#include "actors/storage_node/storage_node_shell.hpp"
#include "runtime/cluster_map_codec.hpp"
#include "runtime/net/registry.hpp"

namespace cairn {
namespace {

// One line per pass with that pass's numbers: info when it found something or failed.
void log_scrub_pass(storage_actor* self) {
  auto& st = self->state;
  auto& now = st.scrub->counters();
  auto& then = st.scrub_logged;
  uint64_t corrupt = now.corruptions_found - then.corruptions_found;
  uint64_t failed = now.reports_failed - then.reports_failed;
  uint64_t read_failed = now.read_errors - then.read_errors;
  bool news = corrupt + failed + read_failed > 0;
  st.log->log(news ? spdlog::level::info : spdlog::level::debug,
              "trace={:016x} scrub on host {}: pass {} done: {} chunks verified ({} bytes), {} "
              "corrupt, {} reports sent, {} reports failed, {} reads failed",
              uint64_t{0}, st.opt.host, now.passes, now.chunks_verified - then.chunks_verified,
              now.bytes_verified - then.bytes_verified, corrupt,
              now.reports_sent - then.reports_sent, failed, read_failed);
  then = now;
}

void on_report_answer(storage_actor* self, const chunk_key& key, const status& answer) {
  auto& st = self->state;
  // not_found: the shard lists no such replica on this host, so there is nothing to
  // repair; sending it again would not change that.
  bool accepted = answer.ok() || answer.code() == errc::not_found;
  if (answer.ok())
    st.log->info("trace={:016x} scrub on host {}: reported corrupt chunk {}/{}", key.file,
                 st.opt.host, key.file, key.index);
  else
    st.log->log(accepted ? spdlog::level::info : spdlog::level::warn,
                "trace={:016x} scrub on host {}: report of corrupt chunk {}/{} {}: {}", key.file,
                st.opt.host, key.file, key.index, accepted ? "not needed" : "failed",
                answer.err().to_string());
  st.scrub->on_report(key, accepted ? report_outcome::accepted : report_outcome::failed);
}

// Sends corruptReportRequest to the chunk's home meta shard; false when there is no
// shard to send it to.
bool send_report(storage_actor* self, const chunk_key& key) {
  auto& st = self->state;
  shard_id shard = home_shard(key.file);
  if (shard >= st.opt.shard_hosts.size()) return false;
  address to{st.opt.shard_hosts[shard], meta_actor_name(shard)};
  auto target = st.reg->find(to);
  if (!target) return false;
  auto frame = make_corrupt_report_request(
      envelope_header{st.self_address, to, ++st.next_correlation, key.file, 0, {}}, key,
      st.opt.host);
  self->request(*target, std::chrono::milliseconds(st.opt.scan_check_timeout_ms),
                envelope_atom::value, std::move(frame))
      .then(
          [self, key](std::string& reply) {
            on_report_answer(self, key, read_corrupt_report_reply(std::move(reply)));
          },
          [self, key](caf::error& err) {
            auto code = err == caf::sec::request_timeout ? errc::timeout : errc::unavailable;
            on_report_answer(self, key, error{code, self->system().render(err)});
          });
  return true;
}

scrub_step verify(storage_actor* self, const chunk_key& key) {
  auto& st = self->state;
  auto chunk = st.store->get(key);
  auto outcome = chunk                             ? scrub_outcome::ok
                 : chunk.code() == errc::corrupt   ? scrub_outcome::corrupt
                 : chunk.code() == errc::not_found ? scrub_outcome::missing
                                                   : scrub_outcome::failed;
  if (outcome == scrub_outcome::corrupt)
    st.log->warn("trace={:016x} scrub on host {}: chunk {}/{} is corrupt: {}", key.file,
                 st.opt.host, key.file, key.index, chunk.err().to_string());
  else if (outcome == scrub_outcome::failed)
    st.log->warn("trace={:016x} scrub on host {}: reading chunk {}/{} failed: {}", key.file,
                 st.opt.host, key.file, key.index, chunk.err().to_string());
  uint64_t bytes = chunk ? chunk->bytes.size() : 0;
  return st.scrub->on_verified(key, outcome, bytes, now_ms(self));
}

// Carries out a step and every step it leads to: reports, then the read or verify
// (whose result yields the next step).
void drive_scrub(storage_actor* self, scrub_step step) {
  auto& st = self->state;
  auto& scrub = *st.scrub;
  bool poll_soon = false;
  for (;;) {
    poll_soon |= step.poll_soon;
    if (step.pass_done) log_scrub_pass(self);
    for (auto& key : step.reports) {
      if (send_report(self, key)) continue;
      st.log->warn("trace={:016x} scrub on host {}: no meta shard to report chunk {}/{} to",
                   key.file, st.opt.host, key.file, key.index);
      scrub.on_report(key, report_outcome::failed);
    }
    if (step.read)
      step = scrub.on_page(st.store->scan(step.read->after, step.read->limit), now_ms(self));
    else if (step.verify)
      step = verify(self, *step.verify);
    else
      break;
  }
  if (poll_soon) self->send(self, scrub_atom::value);
}

// Whether the map's shard list names a host for every shard 0..n-1. Host 0 is never a
// host (config rejects it): read_cluster_map leaves it where the list skips an id.
bool names_every_shard(const cluster_map& map) {
  return !map.shard_hosts.empty() && std::find(map.shard_hosts.begin(), map.shard_hosts.end(),
                                               host_id{0}) == map.shard_hosts.end();
}

}  // namespace

void scrub_if_due(storage_actor* self) {
  auto& st = self->state;
  if (!st.scrub) return;
  int64_t now = now_ms(self);
  if (st.scrub->due(now)) drive_scrub(self, st.scrub->poll(now));
}

void continue_scrub(storage_actor* self) {
  if (self->state.scrub) drive_scrub(self, self->state.scrub->poll(now_ms(self)));
}

void report_corrupt_read(storage_actor* self, const chunk_key& key) {
  if (self->state.scrub) drive_scrub(self, self->state.scrub->on_read_corrupt(key));
}

caf::result<std::string> on_map_update(storage_actor* self, const envelope_reader& env) {
  auto& st = self->state;
  auto map = read_map_update(env);
  if (!map) return malformed(self, env.header(), map.err());
  if (map->epoch > st.map_epoch) {
    st.map_epoch = map->epoch;
    // Only a node that runs the background walks asks meta shards.
    if (names_every_shard(*map) && !st.opt.shard_hosts.empty())
      st.opt.shard_hosts = std::move(map->shard_hosts);
    st.log->debug("trace={:016x} host {} now holds cluster map epoch {}", env.header().trace_id,
                  st.opt.host, st.map_epoch);
  }
  return make_map_update_ack(env.header(), st.map_epoch);
}

}  // namespace cairn
