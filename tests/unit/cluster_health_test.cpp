// The health checks behind `cairn health detail` and the health line of `cairn status`.
#include <doctest/doctest.h>

#include "actors/coordinator/cluster_health.hpp"

using namespace cairn;

namespace {

cluster_status healthy_cluster() {
  cluster_status s;
  s.map.final_replicas = 3;
  for (host_id id = 1; id <= 4; ++id) {
    s.map.hosts.push_back({id, "h" + std::to_string(id), {}, host_state::up, true});
    s.nodes.push_back({id, 10, 100, 1000, true});
  }
  for (shard_id sh = 0; sh < 2; ++sh) {
    shard_stats st;
    st.shard = sh;
    st.host = sh + 1;
    st.reachable = true;
    s.shards.push_back(st);
  }
  return s;
}

const health_check* find(const std::vector<health_check>& checks, const std::string& code) {
  for (auto& c : checks)
    if (c.code == code) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("a cluster with nothing wrong has no checks and is healthy") {
  auto s = healthy_cluster();
  CHECK(health_checks(s).empty());
  CHECK(s.healthy());
}

TEST_CASE("each problem has its code and names what is behind it") {
  auto s = healthy_cluster();
  s.map.hosts[1].state = host_state::down;
  s.map.hosts[2].state = host_state::suspect;
  s.nodes[1].reachable = false;
  s.shards[0].reachable = false;
  s.shards[1].under_replicated = 12;
  auto checks = health_checks(s);
  CHECK_FALSE(s.healthy());
  REQUIRE(find(checks, "HOST_DOWN"));
  CHECK(find(checks, "HOST_DOWN")->items.size() == 1);
  CHECK(find(checks, "HOST_DOWN")->items[0].find("host 2 (h2) is down") == 0);
  REQUIRE(find(checks, "HOST_SUSPECT"));
  CHECK(find(checks, "HOST_SUSPECT")->summary == "1 host suspected");
  REQUIRE(find(checks, "STORAGE_UNREACHABLE"));
  REQUIRE(find(checks, "SHARD_UNAVAILABLE"));
  CHECK(find(checks, "SHARD_UNAVAILABLE")->items[0] == "meta shard 0 on host 1 (h1)");
  REQUIRE(find(checks, "CHUNK_UNDER_REPLICATED"));
  CHECK(find(checks, "CHUNK_UNDER_REPLICATED")->summary == "12 chunks under-replicated");
  CHECK(find(checks, "CHUNK_UNDER_REPLICATED")->items[0] ==
        "meta shard 1: 12 chunks below 3 replicas");
}

TEST_CASE("a host an operator retired is not a problem; one out by itself is") {
  auto s = healthy_cluster();
  s.map.hosts[3].state = host_state::out;
  s.map.hosts[3].retired = true;
  s.nodes.pop_back();  // its storage node is no longer asked
  CHECK(health_checks(s).empty());
  s.map.hosts[3].retired = false;
  REQUIRE(find(health_checks(s), "HOST_DOWN"));
}
