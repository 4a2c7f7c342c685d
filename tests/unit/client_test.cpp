#include <doctest/doctest.h>

#include "actors/client/byte_io.hpp"
#include "actors/client/read_plan.hpp"
#include "actors/client/write_quorum.hpp"
#include "actors/coordinator/coordinator_state.hpp"

using namespace cairn;

TEST_CASE("a write is committable once every chunk has min acks, not before") {
  write_quorum q(2, 3);
  q.add_chunk(0, 3, 0xAA, 10);
  q.add_chunk(1, 3, 0xBB, 10);
  q.on_ack(0, 1, 0xAA);
  q.on_ack(0, 2, 0xAA);
  CHECK_FALSE(q.committable());  // chunk 1 has nothing yet
  q.on_ack(1, 3, 0xBB);
  q.on_ack(1, 3, 0xBB);  // a duplicate answer counts once
  CHECK_FALSE(q.committable());
  q.on_ack(1, 1, 0xBB);
  CHECK(q.committable());
  CHECK_FALSE(q.all_answered());
  q.on_failure(0, 3, errc::timeout);
  q.on_ack(1, 2, 0xBB);
  CHECK(q.all_answered());
  CHECK_FALSE(q.failed());
}

TEST_CASE("a chunk that can no longer reach min fails the write with a retryable code") {
  write_quorum q(2, 3);
  q.add_chunk(0, 3, 1, 1);
  q.on_ack(0, 1, 1);
  q.on_failure(0, 2, errc::timeout);
  CHECK_FALSE(q.failed());
  q.on_failure(0, 3, errc::unavailable);
  CHECK(q.failed());
  CHECK_FALSE(q.committable());
  CHECK(q.failure_code() == errc::unavailable);
  CHECK(is_retryable(q.failure_code()));
}

TEST_CASE(
    "a full disk is reported as no_space, and an ack with the wrong checksum does not count") {
  write_quorum q(2, 2);
  q.add_chunk(0, 2, 7, 1);
  q.on_ack(0, 1, 8);  // stored other bytes
  CHECK(q.failed());
  write_quorum full(2, 3);
  full.add_chunk(0, 3, 7, 1);
  full.on_failure(0, 1, errc::no_space);
  full.on_failure(0, 2, errc::no_space);
  CHECK(full.failure_code() == errc::no_space);
}

TEST_CASE("reads try live replicas first, rotated, then missing ones, never corrupt ones") {
  chunk_info c{0,
               1,
               1,
               {{1, replica_state::live},
                {2, replica_state::corrupt},
                {3, replica_state::live},
                {4, replica_state::missing}}};
  CHECK(replica_read_order(c, 0) == std::vector<host_id>{1, 3, 4});
  CHECK(replica_read_order(c, 1) == std::vector<host_id>{3, 1, 4});
  chunk_info none{0, 1, 1, {{2, replica_state::corrupt}}};
  CHECK(replica_read_order(none, 5).empty());
}

TEST_CASE("the status collector marks silent shards and nodes unreachable") {
  cluster_map m;
  m.hosts = {{1, "a", {}, host_state::up, true}, {2, "b", {}, host_state::up, true}};
  m.shard_hosts = {1, 2};
  status_collector c(m);
  CHECK(c.expected() == 4);
  c.record(shard_stats{0, 1, 5, 1, 100, 2, 0, 0, true});
  c.record(node_stats{2, 10, 1000, 5000, true});
  CHECK_FALSE(c.complete());
  c.give_up();
  c.give_up();
  REQUIRE(c.complete());
  auto s = c.take({});
  CHECK(s.files() == 5);
  CHECK(s.under_replicated() == 2);
  CHECK(s.shards[0].reachable);
  CHECK_FALSE(s.shards[1].reachable);
  CHECK_FALSE(s.nodes[0].reachable);
  CHECK(s.nodes[1].reachable);
  CHECK_FALSE(s.healthy());
}

TEST_CASE("a memory source serves ranges and refuses reads past its end") {
  auto src = memory_source("abcdef");
  CHECK(src->size() == 6);
  CHECK(src->read(2, 3).value() == "cde");
  CHECK_FALSE(src->read(4, 3).ok());
}
