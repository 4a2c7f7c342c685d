// orphan_scanner over a simulated chunk store: grace, pacing, the in-flight bound,
// wrap-around, and what each verdict does to the chunk.
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "actors/storage_node/orphan_scanner.hpp"
#include "sim/sim_disk.hpp"

using namespace cairn;

namespace {

constexpr int64_t minute_ms = 60 * 1000;

orphan_scanner_config config(uint32_t checks_max = 16) {
  orphan_scanner_config c;
  c.grace_ms = 15 * minute_ms;
  c.scan_interval_ms = minute_ms;
  c.checks_max = checks_max;
  c.page_keys_max = 4;
  c.round_keys_max = 8;
  return c;
}

// A scanner and the store it walks, with the shell's part played in-line: reads are
// served from the store, removes staged and committed at once, checks collected.
struct scan_harness {
  std::shared_ptr<sim_disk> disk = std::make_shared<sim_disk>(1 << 20);
  sim_chunk_store store{disk};
  orphan_scanner scanner;
  std::vector<chunk_key> asked;  // every check sent, in order
  bool poll_soon = false;
  uint64_t passes_done = 0;
  bool fail_reads = false;

  explicit scan_harness(orphan_scanner_config c = config()) : scanner(c) {}

  void put(const chunk_key& key, int64_t now_ms) {
    REQUIRE(store.append(key, "bytes").ok());
    REQUIRE(store.commit(now_ms).ok());
  }

  void run(orphan_scan_step step, int64_t now_ms) {
    for (;;) {
      poll_soon |= step.poll_soon;
      passes_done += step.pass_done;
      for (auto& key : step.checks) asked.push_back(key);
      for (auto& key : step.removes) store.remove(key);
      if (!step.removes.empty()) {
        auto committed = store.commit(now_ms);
        REQUIRE(committed.ok());
        for (bool existed : committed->existed) scanner.on_removed(true, existed);
        scanner.on_batch_committed();
      }
      if (!step.read) return;
      result<std::vector<stored_chunk_info>> page =
          fail_reads ? result<std::vector<stored_chunk_info>>(error{errc::io_error, "bad disk"})
                     : store.scan(step.read->after, step.read->limit);
      step = scanner.on_page(page, now_ms);
    }
  }
  void poll(int64_t now_ms) {
    poll_soon = false;
    run(scanner.poll(now_ms), now_ms);
  }
  void answer(const chunk_key& key, chunk_verdict verdict, int64_t now_ms) {
    run(scanner.on_answer(key, verdict), now_ms);
  }
  // Answers every outstanding check in order with `verdict`.
  void answer_all(chunk_verdict verdict, int64_t now_ms) {
    for (size_t i = 0; i < asked.size(); ++i) answer(asked[i], verdict, now_ms);
  }
  bool stored(const chunk_key& key) { return disk->find(key) != nullptr; }
};

}  // namespace

TEST_CASE("orphan scan: a chunk younger than the grace period is never asked about") {
  scan_harness h;
  int64_t t = 100 * minute_ms;
  h.put({1, 0}, t);
  h.put({2, 0}, t + 10 * minute_ms);
  h.poll(t + 15 * minute_ms);  // {1,0} is exactly grace old, {2,0} five minutes old
  CHECK(h.asked == std::vector<chunk_key>{{1, 0}});
  h.answer_all(chunk_verdict::referenced, t + 15 * minute_ms);
  CHECK(h.passes_done == 1);
  CHECK(h.scanner.counters().scanned == 2);

  h.asked.clear();
  h.poll(t + 26 * minute_ms);  // the next pass: now both are old enough
  CHECK(h.asked == std::vector<chunk_key>{{1, 0}, {2, 0}});
}

TEST_CASE("orphan scan: a chunk from before commit times were kept (time 0) counts as old") {
  scan_harness h;
  h.put({3, 0}, 0);
  h.poll(15 * minute_ms);
  CHECK(h.asked == std::vector<chunk_key>{{3, 0}});
}

TEST_CASE("orphan scan: no more than checks_max checks are in flight") {
  scan_harness h(config(3));
  for (uint32_t i = 0; i < 7; ++i) h.put({5, i}, 0);
  int64_t now = 20 * minute_ms;
  h.poll(now);
  CHECK(h.asked.size() == 3);
  CHECK(h.scanner.in_flight() == 3);
  h.answer({5, 0}, chunk_verdict::referenced, now);
  CHECK(h.asked.size() == 4);  // one answer lets one more out
  CHECK(h.asked.back() == chunk_key{5, 3});
  CHECK(h.scanner.in_flight() == 3);
  h.answer_all(chunk_verdict::referenced, now);
  CHECK(h.asked.size() == 7);
  CHECK(h.scanner.in_flight() == 0);
  CHECK(h.passes_done == 1);
  CHECK(h.scanner.counters().checked == 7);
  CHECK(h.scanner.counters().referenced == 7);
}

TEST_CASE("orphan scan: an unreferenced chunk is deleted, a referenced one kept") {
  scan_harness h;
  h.put({7, 0}, 0);
  h.put({7, 1}, 0);
  int64_t now = 20 * minute_ms;
  h.poll(now);
  REQUIRE(h.asked.size() == 2);
  h.answer({7, 0}, chunk_verdict::referenced, now);
  h.answer({7, 1}, chunk_verdict::unreferenced, now);
  CHECK(h.stored({7, 0}));
  CHECK_FALSE(h.stored({7, 1}));
  CHECK(h.scanner.counters().orphans_deleted == 1);
  CHECK(h.passes_done == 1);
}

TEST_CASE("orphan scan: a failed or timed-out check keeps the chunk and the next pass asks again") {
  scan_harness h;
  h.put({8, 0}, 0);
  int64_t now = 20 * minute_ms;
  h.poll(now);
  h.answer({8, 0}, chunk_verdict::failed, now);
  CHECK(h.stored({8, 0}));
  CHECK(h.scanner.counters().check_errors == 1);
  CHECK(h.passes_done == 1);
  h.answer({8, 0}, chunk_verdict::unreferenced, now);  // a late duplicate is ignored
  CHECK(h.stored({8, 0}));

  h.poll(now + minute_ms);
  CHECK(h.asked == std::vector<chunk_key>{{8, 0}, {8, 0}});
  h.answer({8, 0}, chunk_verdict::unreferenced, now + minute_ms);
  CHECK_FALSE(h.stored({8, 0}));
}

TEST_CASE("orphan scan: a chunk put again while it is being checked is kept whatever the answer") {
  scan_harness h;
  h.put({9, 0}, 0);
  h.put({9, 1}, 0);
  h.put({9, 2}, 0);
  int64_t now = 20 * minute_ms;
  h.poll(now);
  REQUIRE(h.asked.size() == 3);
  h.scanner.on_put_staged({9, 0});  // staged, not yet committed
  h.scanner.on_put_staged({9, 1});  // and committed before the answer
  h.put({9, 1}, now);
  h.answer({9, 0}, chunk_verdict::unreferenced, now);
  h.answer({9, 1}, chunk_verdict::unreferenced, now);
  h.answer({9, 2}, chunk_verdict::unreferenced, now);
  CHECK(h.stored({9, 0}));
  CHECK(h.stored({9, 1}));
  CHECK_FALSE(h.stored({9, 2}));
  CHECK(h.scanner.counters().rewritten == 2);
}

TEST_CASE("orphan scan: a chunk with a put in the open batch is not asked about") {
  scan_harness h;
  h.put({10, 0}, 0);
  h.put({10, 1}, 0);
  REQUIRE(h.store.append({10, 0}, "new bytes").ok());  // staged: the index still lists the old
  h.scanner.on_put_staged({10, 0});
  h.poll(20 * minute_ms);
  CHECK(h.asked == std::vector<chunk_key>{{10, 1}});
}

TEST_CASE("orphan scan: passes start scan_interval_ms apart, never two at once") {
  scan_harness h(config(1));
  h.put({11, 0}, 0);
  h.put({11, 1}, 0);
  int64_t t = 20 * minute_ms;
  h.poll(t);
  CHECK(h.asked.size() == 1);
  CHECK_FALSE(h.scanner.due(t + 5 * minute_ms));  // still running: its check is unanswered
  h.answer({11, 0}, chunk_verdict::referenced, t + 5 * minute_ms);
  h.answer({11, 1}, chunk_verdict::referenced, t + 5 * minute_ms);
  CHECK(h.passes_done == 1);
  // The pass took longer than the interval: the next one is due at once.
  CHECK(h.scanner.due(t + 5 * minute_ms));

  h.poll(t + 5 * minute_ms);
  h.answer_all(chunk_verdict::referenced, t + 5 * minute_ms);
  CHECK(h.passes_done == 2);
  CHECK_FALSE(h.scanner.due(t + 6 * minute_ms - 1));
  size_t asked = h.asked.size();
  h.poll(t + 6 * minute_ms - 1);  // not due: nothing happens
  CHECK(h.asked.size() == asked);
  CHECK(h.scanner.due(t + 6 * minute_ms));
}

TEST_CASE("orphan scan: the cursor wraps, so keys behind it are checked in the next pass") {
  scan_harness h(config(1));
  h.put({20, 0}, 0);
  h.put({30, 0}, 0);
  int64_t now = 20 * minute_ms;
  h.poll(now);
  h.answer({20, 0}, chunk_verdict::referenced, now);
  h.put({10, 0}, 0);  // behind the cursor (a chunk restored with an old time)
  h.answer({30, 0}, chunk_verdict::referenced, now);
  CHECK(h.passes_done == 1);
  CHECK(h.asked == std::vector<chunk_key>{{20, 0}, {30, 0}});
  h.poll(now + minute_ms);
  h.answer_all(chunk_verdict::referenced, now + minute_ms);
  CHECK(h.asked == std::vector<chunk_key>{{20, 0}, {30, 0}, {10, 0}, {20, 0}, {30, 0}});
}

TEST_CASE("orphan scan: one round reads at most round_keys_max keys, then asks for a poll") {
  scan_harness h;  // 4 keys a page, 8 a round
  int64_t now = 20 * minute_ms;
  for (uint32_t i = 0; i < 20; ++i) h.put({40, i}, now);  // young: nothing to ask
  h.poll(now);
  CHECK(h.scanner.counters().scanned == 8);
  CHECK(h.poll_soon);
  CHECK(h.scanner.pass_active());
  h.poll(now);
  CHECK(h.scanner.counters().scanned == 16);
  h.poll(now);
  CHECK(h.scanner.counters().scanned == 20);
  CHECK_FALSE(h.poll_soon);
  CHECK(h.passes_done == 1);
  CHECK(h.asked.empty());
}

TEST_CASE("orphan scan: a failed store read ends the pass, and the next starts from the top") {
  scan_harness h;
  h.put({50, 0}, 0);
  int64_t now = 20 * minute_ms;
  h.fail_reads = true;
  h.poll(now);
  CHECK(h.scanner.counters().read_errors == 1);
  CHECK(h.passes_done == 1);
  CHECK(h.asked.empty());
  h.fail_reads = false;
  h.poll(now + minute_ms);
  CHECK(h.asked == std::vector<chunk_key>{{50, 0}});
}
