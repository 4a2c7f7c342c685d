#include <doctest/doctest.h>

#include "runtime/cluster_map_codec.hpp"

namespace cairn {
namespace {

envelope_header request_header() {
  envelope_header h;
  h.source = {1, "coordinator"};
  h.destination = {2, "meta.0"};
  h.correlation_id = 7;
  h.trace_id = 0xC0DE;
  return h;
}

cluster_map sample_map() {
  cluster_map m;
  m.epoch = 12;
  m.hosts.push_back({1, "a", {"r", "dc", "c", "rack1", "a"}, host_state::up, true, 5});
  m.hosts.push_back({2, "b", {"r", "dc", "c", "rack2", "b"}, host_state::draining, false, 9});
  m.shard_hosts = {2, 1, 2};
  m.chunk_size = 1 << 20;
  m.min_replicas = 2;
  m.final_replicas = 3;
  return m;
}

std::unique_ptr<envelope_reader> open(std::string frame) {
  auto env = envelope_reader::open(std::move(frame));
  REQUIRE(env.ok());
  return std::move(*env);
}

}  // namespace

TEST_CASE("a map update round-trips the whole map and carries the request kind") {
  auto env = open(make_map_update(request_header(), sample_map()));
  CHECK(env->kind() == wire::MessageKind::MAP_UPDATE_REQUEST);
  auto map = read_map_update(*env);
  REQUIRE(map.ok());
  auto want = sample_map();
  CHECK(map->epoch == want.epoch);
  CHECK(map->shard_hosts == want.shard_hosts);
  CHECK(map->chunk_size == want.chunk_size);
  CHECK(map->min_replicas == want.min_replicas);
  CHECK(map->final_replicas == want.final_replicas);
  REQUIRE(map->hosts.size() == 2);
  CHECK(map->hosts[1].name == "b");
  CHECK(map->hosts[1].labels.rack == "rack2");
  CHECK(map->hosts[1].state == host_state::draining);
  CHECK_FALSE(map->hosts[1].storage);
  CHECK(map->hosts[1].since_ms == 9);
}

TEST_CASE("a map update without a map is corrupt") {
  envelope_header h = request_header();
  h.kind = wire::MessageKind::MAP_UPDATE_REQUEST;
  envelope_builder b(h);
  b.init_payload<wire::MapUpdateRequest>();
  auto map = read_map_update(*open(b.finish()));
  REQUIRE_FALSE(map.ok());
  CHECK(map.err().code == errc::corrupt);
}

TEST_CASE("a host state this build does not know reads as down") {
  CHECK(host_state_from_wire(static_cast<uint16_t>(host_state::draining)) == host_state::draining);
  CHECK(host_state_from_wire(99) == host_state::down);
}

TEST_CASE("a map update ack names the epoch, and an errorReply answers with its own error") {
  auto request = request_header();
  request.kind = wire::MessageKind::MAP_UPDATE_REQUEST;
  auto epoch = read_map_update_ack(make_map_update_ack(request, 12));
  REQUIRE(epoch.ok());
  CHECK(*epoch == 12);
  auto refused = read_map_update_ack(make_error_reply(request, {errc::invalid_argument, "no"}));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.err().code == errc::invalid_argument);
  auto wrong = read_map_update_ack(make_map_update(request, sample_map()));
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.err().code == errc::corrupt);
}

}  // namespace cairn
