// The metrics registry: request families by message kind, histogram buckets, and the
// values read at scrape time (transport counters, role stats) in the text format.
#include <doctest/doctest.h>

#include <thread>

#include "cairn/schema/cluster.capnp.h"
#include "runtime/cluster_stats_codec.hpp"
#include "runtime/metrics/metrics.hpp"
#include "tests/unit/exposition_text.hpp"

using namespace cairn;
using cairn::testing::series_of;
using cairn::testing::value_of;

namespace {

uint16_t kind(wire::MessageKind k) { return static_cast<uint16_t>(k); }

}  // namespace

TEST_CASE("a served request is counted under its kind's schema name and outcome") {
  metrics m;
  m.observe_request(kind(wire::MessageKind::CHUNK_PUT_REQUEST), 0.001, false);
  m.observe_request(kind(wire::MessageKind::CHUNK_PUT_REQUEST), 0.002, false);
  m.observe_request(kind(wire::MessageKind::CHUNK_PUT_REQUEST), 0.003, true);
  m.observe_request(kind(wire::MessageKind::LOOKUP_REQUEST), 0.001, false);
  auto text = m.render();
  CHECK(text.find("# TYPE cairn_requests_total counter") != std::string::npos);
  CHECK(value_of(text, R"(cairn_requests_total{kind="chunkPutRequest",outcome="ok"})") == 2);
  CHECK(value_of(text, R"(cairn_requests_total{kind="chunkPutRequest",outcome="error"})") == 1);
  CHECK(value_of(text, R"(cairn_requests_total{kind="lookupRequest",outcome="ok"})") == 1);
  // Kinds never served have no series.
  CHECK(series_of(text, "cairn_requests_total").size() == 4);
  CHECK(value_of(text, R"(cairn_requests_total{kind="chunkGetRequest",outcome="ok"})") ==
        std::nullopt);
}

TEST_CASE("request durations fall into buckets from 50 us to 10 s") {
  metrics m;
  uint16_t get = kind(wire::MessageKind::CHUNK_GET_REQUEST);
  m.observe_request(get, 0.00003, false);  // below the first bucket
  m.observe_request(get, 0.0003, false);   // 250 us < x <= 500 us
  m.observe_request(get, 0.02, false);     // 10 ms < x <= 25 ms
  m.observe_request(get, 20, true);        // above 10 s: +Inf only
  auto text = m.render();
  CHECK(text.find("# TYPE cairn_request_duration_seconds histogram") != std::string::npos);
  std::string bucket = R"(cairn_request_duration_seconds_bucket{kind="chunkGetRequest",le=")";
  CHECK(value_of(text, bucket + R"(5e-05"})") == 1);
  CHECK(value_of(text, bucket + R"(0.00025"})") == 1);
  CHECK(value_of(text, bucket + R"(0.0005"})") == 2);
  CHECK(value_of(text, bucket + R"(0.01"})") == 2);
  CHECK(value_of(text, bucket + R"(0.025"})") == 3);
  CHECK(value_of(text, bucket + R"(10"})") == 3);
  CHECK(value_of(text, bucket + R"(+Inf"})") == 4);
  CHECK(series_of(text, "cairn_request_duration_seconds_bucket").size() == 18);
  CHECK(value_of(text, R"(cairn_request_duration_seconds_count{kind="chunkGetRequest"})") == 4);
  auto sum = value_of(text, R"(cairn_request_duration_seconds_sum{kind="chunkGetRequest"})");
  REQUIRE(sum);
  CHECK(*sum == doctest::Approx(20.02033));
}

TEST_CASE("a kind the schema does not name is counted as unknown") {
  metrics m;
  m.observe_request(60000, 0.001, true);
  m.observe_request(60001, 0.001, true);
  auto text = m.render();
  CHECK(value_of(text, R"(cairn_requests_total{kind="unknown",outcome="error"})") == 2);
}

TEST_CASE("requests observed from many threads are all counted") {
  metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&m, t] {
      for (int i = 0; i < 5000; ++i)
        m.observe_request(kind(t % 2 ? wire::MessageKind::CHUNK_GET_REQUEST
                                     : wire::MessageKind::CHUNK_PUT_REQUEST),
                          0.001, i % 10 == 0);
    });
  for (auto& th : threads) th.join();
  auto text = m.render();
  CHECK(value_of(text, R"(cairn_requests_total{kind="chunkGetRequest",outcome="ok"})") == 9000);
  CHECK(value_of(text, R"(cairn_requests_total{kind="chunkPutRequest",outcome="error"})") == 1000);
  CHECK(value_of(text, R"(cairn_request_duration_seconds_count{kind="chunkPutRequest"})") == 10000);
}

TEST_CASE("transport counters appear as cairn_transport_*_total counters") {
  metrics m;
  m.set_transport_counts({{"frames_received", 7}, {"connections_refused", 0}});
  auto text = m.render();
  CHECK(text.find("# TYPE cairn_transport_frames_received_total counter") != std::string::npos);
  CHECK(value_of(text, "cairn_transport_frames_received_total") == 7);
  CHECK(value_of(text, "cairn_transport_connections_refused_total") == 0);
  // A later scrape replaces the values; a counter no longer reported disappears.
  m.set_transport_counts({{"frames_received", 9}});
  text = m.render();
  CHECK(value_of(text, "cairn_transport_frames_received_total") == 9);
  CHECK(value_of(text, "cairn_transport_connections_refused_total") == std::nullopt);
}

TEST_CASE("role stats become gauges per host and shard, and a silent role loses its series") {
  metrics m;
  role_stats_snapshot s;
  node_stats n{1, 10, 4096, 1 << 20, true};
  n.scrub_passes = 2;
  n.scrub_bytes_verified = 8192;
  n.mailbox_depth = 3;
  s.nodes.push_back(n);
  s.shards.push_back(shard_stats{0, 1, 5, 2, 4096, 7, 1, 0, true});
  shard_stats r{0, 1};
  r.reachable = true;
  r.repairs_done = 4;
  r.repair_bytes_copied = 1000;
  r.repair_queued = 7;
  s.repairers.push_back(r);
  s.probes = {
      {1, "storage", true}, {1, "meta.0", true}, {1, "repair.0", true}, {2, "meta.1", false}};
  m.set_role_stats(s);
  auto text = m.render();
  CHECK(text.find("# TYPE cairn_chunk_bytes gauge") != std::string::npos);
  CHECK(value_of(text, R"(cairn_chunk_bytes{host="1"})") == 4096);
  CHECK(value_of(text, R"(cairn_chunks{host="1"})") == 10);
  CHECK(value_of(text, R"(cairn_disk_free_bytes{host="1"})") == 1 << 20);
  CHECK(value_of(text, R"(cairn_scrub_passes_total{host="1"})") == 2);
  CHECK(value_of(text, R"(cairn_scrub_verified_bytes_total{host="1"})") == 8192);
  CHECK(value_of(text, R"(cairn_files{host="1",shard="0"})") == 5);
  CHECK(value_of(text, R"(cairn_under_replicated_chunks{host="1",shard="0"})") == 7);
  CHECK(value_of(text, R"(cairn_pending_files{host="1",shard="0"})") == 1);
  CHECK(value_of(text, R"(cairn_repair_copies_done_total{host="1",shard="0"})") == 4);
  CHECK(value_of(text, R"(cairn_repair_copied_bytes_total{host="1",shard="0"})") == 1000);
  CHECK(value_of(text, R"(cairn_repair_queued_chunks{host="1",shard="0"})") == 7);
  CHECK(value_of(text, R"(cairn_mailbox_depth{actor="storage",host="1"})") == 3);
  CHECK(value_of(text, R"(cairn_role_stats_up{actor="meta.0",host="1"})") == 1);
  CHECK(value_of(text, R"(cairn_role_stats_up{actor="meta.1",host="2"})") == 0);
  CHECK(series_of(text, "cairn_files").size() == 1);
  // The next scrape finds the storage node silent: its series go.
  s.nodes.clear();
  s.probes[0].answered = false;
  m.set_role_stats(s);
  text = m.render();
  CHECK(series_of(text, "cairn_chunk_bytes").empty());
  CHECK(text.find("cairn_chunk_bytes") == std::string::npos);
  CHECK(value_of(text, R"(cairn_role_stats_up{actor="storage",host="1"})") == 0);
}

TEST_CASE("scrub and repair progress survive the stats codec") {
  node_stats n{3, 10, 4096, 99, true};
  n.scrub_passes = 1;
  n.scrub_chunks_verified = 10;
  n.scrub_bytes_verified = 4096;
  n.scrub_corrupt_found = 2;
  n.mailbox_depth = 5;
  capnp::MallocMessageBuilder msg;
  auto b = msg.initRoot<wire::NodeStats>();
  write_node_stats(b, n);
  auto back = read_node_stats(b.asReader());
  CHECK(back.host == 3);
  CHECK(back.free_bytes == 99);
  CHECK(back.scrub_passes == 1);
  CHECK(back.scrub_chunks_verified == 10);
  CHECK(back.scrub_bytes_verified == 4096);
  CHECK(back.scrub_corrupt_found == 2);
  CHECK(back.mailbox_depth == 5);

  envelope_header h{{1, "admin"}, {1, "repair.0"}, 9, 0, 0, {}};
  shard_stats r{0, 1};
  r.repairs_done = 4;
  r.repairs_failed = 1;
  r.repair_bytes_copied = 1000;
  r.repair_queued = 6;
  r.repairs_inflight = 2;
  r.mailbox_depth = 1;
  auto reply = read_shard_stats_reply(make_shard_stats_reply(h, r));
  REQUIRE(reply.ok());
  CHECK(reply->repairs_done == 4);
  CHECK(reply->repairs_failed == 1);
  CHECK(reply->repair_bytes_copied == 1000);
  CHECK(reply->repair_queued == 6);
  CHECK(reply->repairs_inflight == 2);
  CHECK(reply->mailbox_depth == 1);
  // An errorReply is its own error; another kind is corrupt.
  auto refused = read_shard_stats_reply(make_error_reply(h, {errc::invalid_argument, "no"}));
  CHECK(refused.code() == errc::invalid_argument);
  CHECK(read_node_stats_reply(make_shard_stats_reply(h, r)).code() == errc::corrupt);
}
