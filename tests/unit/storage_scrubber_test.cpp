// scrubber over a simulated chunk store: the walk, the token bucket with passed-in
// time, pass pacing, corruption reports and their retries.
#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/storage_node/scrubber.hpp"
#include "sim/sim_disk.hpp"

using namespace cairn;

namespace {

constexpr int64_t minute_ms = 60 * 1000;
constexpr uint64_t chunk_bytes = 4096;

scrubber_config config(uint64_t rate_bytes_per_s = uint64_t{1} << 30) {
  scrubber_config c;
  c.rate_bytes_per_s = rate_bytes_per_s;
  c.interval_ms = minute_ms;
  c.page_keys_max = 4;
  c.round_keys_max = 64;
  c.round_bytes_max = uint64_t{1} << 30;
  c.reports_max = 4;
  return c;
}

// A scrubber and the store it walks, with the shell's part played in-line: pages and
// chunks are read from the store, reports collected (and answered by the test).
struct scrub_harness {
  std::shared_ptr<sim_disk> disk = std::make_shared<sim_disk>(1 << 24);
  sim_chunk_store store{disk};
  scrubber scrub;
  std::vector<chunk_key> verified;  // every chunk read, in order
  std::vector<chunk_key> reported;  // every report sent, in order
  std::vector<scan_read> reads;     // every page read
  bool poll_soon = false;
  uint64_t passes_done = 0;
  std::optional<int64_t> wake_ms;

  explicit scrub_harness(scrubber_config c = config()) : scrub(c) {}

  void put(const chunk_key& key) {
    REQUIRE(store.append(key, std::string(chunk_bytes, static_cast<char>(key.index))).ok());
    REQUIRE(store.commit(0).ok());
  }

  void run(scrub_step step, int64_t now_ms) {
    for (;;) {
      poll_soon |= step.poll_soon;
      passes_done += step.pass_done;
      wake_ms = step.wake_ms;
      for (auto& key : step.reports) reported.push_back(key);
      if (step.read) {
        reads.push_back(*step.read);
        step = scrub.on_page(store.scan(step.read->after, step.read->limit), now_ms);
      } else if (step.verify) {
        verified.push_back(*step.verify);
        auto got = store.get(*step.verify);
        auto outcome = got                             ? scrub_outcome::ok
                       : got.code() == errc::corrupt   ? scrub_outcome::corrupt
                       : got.code() == errc::not_found ? scrub_outcome::missing
                                                       : scrub_outcome::failed;
        step = scrub.on_verified(*step.verify, outcome, got ? got->bytes.size() : 0, now_ms);
      } else {
        return;
      }
    }
  }
  void poll(int64_t now_ms) {
    poll_soon = false;
    run(scrub.poll(now_ms), now_ms);
  }
};

std::vector<chunk_key> keys(uint32_t n) {
  std::vector<chunk_key> out;
  for (uint32_t i = 0; i < n; ++i) out.push_back({make_inode_id(0, 100), i});
  return out;
}

}  // namespace

TEST_CASE("scrub: a pass reads every chunk once in key order, then waits for the interval") {
  scrub_harness h;
  auto all = keys(6);
  for (auto& key : all) h.put(key);
  CHECK(h.scrub.due(0));
  h.poll(0);
  CHECK(h.verified == all);
  CHECK(h.passes_done == 1);
  CHECK_FALSE(h.scrub.pass_active());
  CHECK(h.scrub.counters().chunks_verified == 6);
  CHECK(h.scrub.counters().bytes_verified == 6 * chunk_bytes);
  CHECK(h.reported.empty());
  // The next pass starts one interval after this one started.
  CHECK_FALSE(h.scrub.due(minute_ms - 1));
  h.poll(minute_ms - 1);
  CHECK(h.verified.size() == 6);
  CHECK(h.scrub.due(minute_ms));
  h.poll(minute_ms);
  CHECK(h.verified.size() == 12);
  CHECK(h.passes_done == 2);
}

TEST_CASE("scrub: the next pass wraps to the first key and sees chunks added meanwhile") {
  scrub_harness h;
  for (auto& key : keys(3)) h.put(key);
  h.poll(0);
  chunk_key earlier{make_inode_id(0, 50), 0};  // sorts before every chunk read so far
  h.put(earlier);
  h.poll(minute_ms);
  REQUIRE(h.verified.size() == 7);
  CHECK(h.verified[3] == earlier);
  CHECK(h.reads.back().after == keys(3).back());
  // Every pass's first read starts from the smallest key.
  size_t first_reads = 0;
  for (auto& r : h.reads) first_reads += r.after == chunk_key{};
  CHECK(first_reads == 2);
}

TEST_CASE("scrub: reads are paced by the token bucket with the time passed in") {
  // Ten chunks a second; the bucket starts full (one second's worth).
  scrub_harness h(config(10 * chunk_bytes));
  for (auto& key : keys(30)) h.put(key);
  h.poll(0);
  // The full bucket pays for ten reads; the eleventh goes into debt, then it waits.
  CHECK(h.verified.size() == 11);
  REQUIRE(h.wake_ms);
  CHECK(*h.wake_ms == 100);
  CHECK_FALSE(h.scrub.due(99));
  CHECK(h.scrub.due(100));
  h.poll(100);
  CHECK(h.verified.size() == 12);
  CHECK(*h.wake_ms == 200);
  // Idle time refills the bucket, but never past one second of tokens.
  h.poll(10'000);
  CHECK(h.verified.size() == 23);
  h.poll(10'050);
  CHECK(h.verified.size() == 23);  // still in debt
  h.poll(11'100);
  CHECK(h.verified.size() == 30);
  CHECK(h.passes_done == 1);
  CHECK_FALSE(h.wake_ms);
}

TEST_CASE("scrub: a pass that outlasts the interval is followed at once, never overlapped") {
  // One chunk a second (4 KiB/s): ten chunks take about nine seconds past the first.
  scrubber_config c = config(chunk_bytes);
  c.interval_ms = 5000;
  scrub_harness h(c);
  for (auto& key : keys(10)) h.put(key);
  int64_t now = 0;
  h.poll(now);
  while (h.passes_done == 0) {
    REQUIRE(h.wake_ms);
    now = *h.wake_ms;
    CHECK(h.scrub.pass_active());
    h.poll(now);
  }
  CHECK(now > 5000);
  CHECK(h.verified.size() == 10);
  CHECK(h.scrub.due(now));  // overdue: the next pass starts right away...
  h.poll(now);
  CHECK(h.scrub.pass_active());
  CHECK(h.verified.size() == 10);  // ...but its first read waits for the bucket
  REQUIRE(h.wake_ms);
  CHECK(*h.wake_ms == now + 1000);
}

TEST_CASE("scrub: a chunk that fails its checksum is counted and reported, and kept") {
  scrub_harness h;
  auto all = keys(5);
  for (auto& key : all) h.put(key);
  REQUIRE(h.disk->flip_bit(all[2], 13));
  h.poll(0);
  CHECK(h.verified == all);  // the walk goes on past the bad chunk
  REQUIRE(h.reported == std::vector<chunk_key>{all[2]});
  CHECK(h.scrub.counters().corruptions_found == 1);
  CHECK(h.scrub.counters().chunks_verified == 4);
  CHECK(h.scrub.counters().reports_sent == 1);
  CHECK(h.scrub.reports_in_flight() == 1);
  CHECK(h.disk->find(all[2]) != nullptr);
}

TEST_CASE("scrub: a failed report is sent again on the next pass, an accepted one is not") {
  scrub_harness h;
  auto all = keys(4);
  for (auto& key : all) h.put(key);
  REQUIRE(h.disk->flip_bit(all[1], 3));
  REQUIRE(h.disk->flip_bit(all[3], 3));
  h.poll(0);
  REQUIRE(h.reported == std::vector<chunk_key>{all[1], all[3]});
  h.scrub.on_report(all[1], report_outcome::failed);
  h.scrub.on_report(all[3], report_outcome::accepted);
  CHECK(h.scrub.counters().reports_failed == 1);
  CHECK(h.scrub.reports_in_flight() == 0);

  h.poll(minute_ms);
  CHECK(h.scrub.counters().corruptions_found == 4);  // both found again
  REQUIRE(h.reported.size() == 3);
  CHECK(h.reported[2] == all[1]);  // only the one whose report failed
  h.scrub.on_report(all[1], report_outcome::accepted);

  // A chunk written again is a new chunk: a later corruption of it is news.
  h.scrub.on_rewritten(all[3]);
  h.poll(2 * minute_ms);
  REQUIRE(h.reported.size() == 4);
  CHECK(h.reported[3] == all[3]);
}

TEST_CASE("scrub: a corrupt read by a client is reported once") {
  scrub_harness h;
  chunk_key key{make_inode_id(1, 7), 2};
  auto first = h.scrub.on_read_corrupt(key);
  CHECK(first.reports == std::vector<chunk_key>{key});
  CHECK(h.scrub.on_read_corrupt(key).reports.empty());  // in flight
  h.scrub.on_report(key, report_outcome::accepted);
  CHECK(h.scrub.on_read_corrupt(key).reports.empty());  // accepted
  CHECK(h.scrub.counters().reports_sent == 1);
  // Reading clients do not start or disturb a pass.
  CHECK_FALSE(h.scrub.pass_active());
  CHECK(h.scrub.due(0));
}

TEST_CASE("scrub: reports in flight are bounded; the rest are found again later") {
  scrubber_config c = config();
  c.reports_max = 2;
  scrub_harness h(c);
  auto all = keys(4);
  for (auto& key : all) {
    h.put(key);
    REQUIRE(h.disk->flip_bit(key, 1));
  }
  h.poll(0);
  CHECK(h.reported.size() == 2);
  CHECK(h.scrub.counters().corruptions_found == 4);
  CHECK(h.scrub.counters().reports_failed == 2);
  h.scrub.on_report(all[0], report_outcome::accepted);
  h.scrub.on_report(all[1], report_outcome::accepted);
  h.poll(minute_ms);
  CHECK(h.reported == all);
}

TEST_CASE("scrub: a round of work is bounded, and the rest waits for the next poll") {
  scrubber_config c = config();
  c.round_keys_max = 8;  // two pages of 4 keys a round
  scrub_harness h(c);
  for (auto& key : keys(20)) h.put(key);
  h.poll(0);
  CHECK(h.poll_soon);
  CHECK(h.verified.size() == 8);
  CHECK_FALSE(h.scrub.due(0));  // the requested poll is on its way
  h.poll(0);
  CHECK(h.verified.size() == 16);
  h.poll(0);
  CHECK(h.verified.size() == 20);
  CHECK(h.passes_done == 1);
}

TEST_CASE("scrub: a failed page read ends the pass early, and a deleted chunk is skipped") {
  scrub_harness h;
  auto all = keys(3);
  for (auto& key : all) h.put(key);
  auto step = h.scrub.poll(0);
  REQUIRE(step.read);
  step = h.scrub.on_page(result<std::vector<stored_chunk_info>>(error{errc::io_error, "bad"}), 0);
  CHECK(step.pass_done);
  CHECK(h.scrub.counters().read_errors == 1);
  step = h.scrub.poll(minute_ms);
  REQUIRE(step.read);
  step = h.scrub.on_page(h.store.scan(step.read->after, step.read->limit), minute_ms);
  REQUIRE(step.verify);
  step = h.scrub.on_verified(*step.verify, scrub_outcome::missing, 0, minute_ms);
  CHECK(h.scrub.counters().missing == 1);
  REQUIRE(step.verify);
  CHECK(*step.verify == all[1]);
}
