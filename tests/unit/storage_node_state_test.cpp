// storage_node_state: group-commit decisions and reply mapping, without any I/O.
#include <doctest/doctest.h>

#include "actors/storage_node/storage_node_state.hpp"

using namespace cairn;

namespace {

result<chunk_receipt> appended(uint32_t crc, uint32_t length) { return chunk_receipt{crc, length}; }

}  // namespace

TEST_CASE("storage state: the first staged request schedules one flush, which commits the batch") {
  storage_node_state s;
  auto t1 = s.next_ticket();
  auto t2 = s.next_ticket();
  CHECK(t1 != t2);
  auto e1 = s.on_put_staged(t1, appended(11, 4096));
  CHECK(e1.send_flush);
  CHECK_FALSE(e1.commit_now);
  CHECK(e1.replies.empty());
  auto e2 = s.on_put_staged(t2, appended(22, 4096));
  CHECK_FALSE(e2.send_flush);  // one flush per batch
  CHECK_FALSE(e2.commit_now);
  CHECK(s.staged() == 2);

  CHECK(s.on_flush().commit_now);
  auto replies = s.on_committed(batch_receipt{});
  REQUIRE(replies.size() == 2);
  CHECK(replies[0].ticket == t1);
  CHECK(replies[0].code == errc::ok);
  CHECK(replies[0].put.crc == 11);
  CHECK(replies[1].put.crc == 22);
  CHECK(s.staged() == 0);
  CHECK(s.counters().batches == 1);
  CHECK(s.counters().batch_ops_max == 2);

  // A flush with nothing staged commits nothing; the next request schedules a new one.
  CHECK_FALSE(s.on_flush().commit_now);
  CHECK(s.on_delete_staged(s.next_ticket()).send_flush);
}

TEST_CASE("storage state: a batch reaching group_commit_max commits before its flush arrives") {
  storage_node_state s(storage_node_limits{3, uint64_t{1} << 30});
  CHECK_FALSE(s.on_put_staged(s.next_ticket(), appended(1, 10)).commit_now);
  CHECK_FALSE(s.on_put_staged(s.next_ticket(), appended(2, 10)).commit_now);
  auto third = s.on_put_staged(s.next_ticket(), appended(3, 10));
  CHECK(third.commit_now);
  CHECK(s.on_committed(batch_receipt{}).size() == 3);
  // The flush sent for that batch is still on its way: later requests wait for it.
  CHECK(s.flush_scheduled());
  auto fourth = s.on_put_staged(s.next_ticket(), appended(4, 10));
  CHECK_FALSE(fourth.send_flush);
  CHECK(s.on_flush().commit_now);
  CHECK(s.on_committed(batch_receipt{}).size() == 1);
}

TEST_CASE("storage state: a batch reaching the byte bound commits early") {
  storage_node_state s(storage_node_limits{256, 8192});
  CHECK_FALSE(s.on_put_staged(s.next_ticket(), appended(1, 4096)).commit_now);
  CHECK(s.on_put_staged(s.next_ticket(), appended(2, 4096)).commit_now);
}

TEST_CASE("storage state: deletes take their existed flags in order among puts") {
  storage_node_state s;
  auto d1 = s.next_ticket();
  auto p = s.next_ticket();
  auto d2 = s.next_ticket();
  (void)s.on_delete_staged(d1);
  (void)s.on_put_staged(p, appended(5, 1));
  (void)s.on_delete_staged(d2);
  auto replies = s.on_committed(batch_receipt{{true, false}});
  REQUIRE(replies.size() == 3);
  CHECK(replies[0].ticket == d1);
  CHECK(replies[0].existed);
  CHECK(replies[1].ticket == p);
  CHECK(replies[1].put.crc == 5);
  CHECK(replies[2].ticket == d2);
  CHECK_FALSE(replies[2].existed);
}

TEST_CASE("storage state: a failed commit answers every staged request with its error") {
  storage_node_state s;
  (void)s.on_put_staged(s.next_ticket(), appended(1, 1));
  (void)s.on_delete_staged(s.next_ticket());
  auto replies = s.on_committed(error{errc::io_error, "disk on fire"});
  REQUIRE(replies.size() == 2);
  for (auto& r : replies) {
    CHECK(r.code == errc::io_error);
    CHECK(r.message == "disk on fire");
  }
  CHECK(s.counters().batches_failed == 1);
  CHECK(s.counters().batches == 0);
}

TEST_CASE("storage state: a refused put is answered at once and the store's batch still commits") {
  storage_node_state s;
  auto t = s.next_ticket();
  auto e = s.on_put_staged(t, result<chunk_receipt>(errc::no_space, "full"));
  REQUIRE(e.replies.size() == 1);
  CHECK(e.replies[0].ticket == t);
  CHECK(e.replies[0].code == errc::no_space);
  CHECK(e.send_flush);
  CHECK(s.staged() == 0);
  // The store may hold a failed batch: the flush must commit it to reset it.
  CHECK(s.on_flush().commit_now);
  CHECK(s.on_committed(error{errc::no_space, "full"}).empty());
}

TEST_CASE("storage state: reads, corrupt reads and bad frames are counted") {
  storage_node_state s;
  s.on_read(errc::ok);
  s.on_read(errc::corrupt);
  s.on_read(errc::not_found);
  s.on_bad_frame();
  s.on_malformed_payload();
  CHECK(s.counters().reads == 3);
  CHECK(s.counters().corrupt_reads == 1);
  CHECK(s.counters().bad_frames == 1);
  CHECK(s.counters().malformed_payloads == 1);
}
