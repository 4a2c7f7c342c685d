// Failure detectors and the coordinator under CAF's test coordinator with a virtual
// clock: heartbeats answered, a silent host declared down by two observers and the map
// pushed, the map persisted across a coordinator restart.
#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/coordinator/coordinator_actor.hpp"
#include "actors/coordinator/coordinator_codec.hpp"
#include "actors/coordinator/membership_codec.hpp"
#include "actors/failure_detector/detector_codec.hpp"
#include "actors/failure_detector/failure_detector_actor.hpp"
#include "runtime/cluster_map_codec.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/registry.hpp"

using namespace cairn;
using namespace std::chrono_literals;

namespace {

caf::actor_system_config& with_test_coordinator(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  return cfg;
}

std::string temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "cairn-fd-actor-XXXXXX").string();
  REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
  return tmpl;
}

cluster_map map_of(uint32_t n) {
  cluster_map m;
  m.epoch = 1;
  for (host_id id = 1; id <= n; ++id) m.hosts.push_back({id, "h" + std::to_string(id), {}});
  return m;
}

envelope_header header_to(const address& to, wire::MessageKind kind) {
  return envelope_header{{client_host, "test"}, to, 1, 0x77, 0, kind};
}

// Answers map updates and remembers every map it was sent.
caf::behavior map_recorder(caf::event_based_actor*,
                           std::shared_ptr<std::vector<cluster_map>> seen) {
  return {
      [seen](envelope_atom, std::string& frame) -> std::string {
        auto env = envelope_reader::open(std::move(frame));
        REQUIRE(env.ok());
        auto map = read_map_update(**env);
        REQUIRE(map.ok());
        seen->push_back(*map);
        return make_map_update_ack((*env)->header(), map->epoch);
      },
  };
}

struct fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{with_test_coordinator(cfg)};
  caf::scheduler::test_coordinator& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  registry reg;
  std::vector<caf::actor> actors;

  ~fixture() {
    for (auto& a : actors) caf::anon_send_exit(a, caf::exit_reason::kill);
    sched.run();
    reg.clear();
  }

  // Sends one frame and runs the scheduler until the reply is in.
  std::optional<std::string> ask(const caf::actor& target, std::string frame) {
    auto out = std::make_shared<std::optional<std::string>>();
    sys.spawn([target, frame, out](caf::event_based_actor* self) {
      self->request(target, 10s, envelope_atom::value, frame)
          .then([out](std::string& reply) { *out = std::move(reply); }, [](caf::error&) {});
    });
    sched.run();
    return *out;
  }

  // Advances the virtual clock in 100 ms steps, running everything due at each.
  void advance(std::chrono::milliseconds total) {
    for (auto t = 0ms; t < total; t += 100ms) {
      sched.advance_time(100ms);
      sched.run();
    }
  }

  caf::actor spawn_detector(host_id host, const cluster_map& map) {
    failure_detector_options o;
    o.host = host;
    o.map = map;
    auto d = spawn_failure_detector(sys, reg, o);
    REQUIRE(d.ok());
    actors.push_back(*d);
    return *d;
  }

  caf::actor spawn_coord(const cluster_map& map, const std::string& data_dir,
                         std::function<void(const cluster_map&)> on_change = {}) {
    coordinator_options o;
    o.map = map;
    o.host = 1;
    o.data_dir = data_dir;
    o.sync = false;
    o.on_map_change = std::move(on_change);
    auto c = spawn_coordinator(sys, reg, o);
    REQUIRE(c.ok());
    actors.push_back(*c);
    sched.run();
    return *c;
  }

  cluster_map fetch_map(const caf::actor& coordinator) {
    envelope_builder b(header_to(coordinator_address(), wire::MessageKind::CLUSTER_MAP_REQUEST));
    b.init_payload<wire::ClusterMapRequest>();
    auto reply = ask(coordinator, b.finish());
    REQUIRE(reply.has_value());
    auto env = envelope_reader::open(std::move(*reply));
    REQUIRE(env.ok());
    REQUIRE((*env)->kind() == wire::MessageKind::CLUSTER_MAP_REPLY);
    return read_cluster_map((*env)->payload<wire::ClusterMapReply>());
  }
};

}  // namespace

TEST_CASE_FIXTURE(fixture, "a detector answers heartbeats and keeps the newest map it is sent") {
  auto d = spawn_detector(4, map_of(3));
  address at{4, detector_actor_name};
  auto pong = ask(d, make_heartbeat_request(header_to(at, wire::MessageKind::HEARTBEAT_REQUEST),
                                            heartbeat{2, 41, 1}));
  REQUIRE(pong.has_value());
  auto hb = read_heartbeat_reply(std::move(*pong));
  REQUIRE(hb.ok());
  CHECK(hb->host == 4);
  CHECK(hb->seq == 41);
  CHECK(hb->epoch == 1);

  auto newer = map_of(4);
  newer.epoch = 5;
  auto older = map_of(4);
  older.epoch = 3;
  auto update = [&](const cluster_map& m) {
    auto r = ask(d, make_map_update(header_to(at, wire::MessageKind::MAP_UPDATE_REQUEST), m));
    REQUIRE(r.has_value());
    auto epoch = read_map_update_ack(std::move(*r));
    REQUIRE(epoch.ok());
    return *epoch;
  };
  CHECK(update(newer) == 5);
  CHECK(update(older) == 5);
  auto wrong =
      ask(d, make_host_admin_request(header_to(at, wire::MessageKind::HOST_ADMIN_REQUEST),
                                     host_admin{1, host_admin_action::decommission, true}));
  REQUIRE(wrong.has_value());
  CHECK(read_host_admin_reply(std::move(*wrong)).code() == errc::invalid_argument);
}

TEST_CASE_FIXTURE(fixture,
                  "a host whose detector goes silent is declared down and the map pushed") {
  auto map = map_of(4);
  std::vector<cluster_map> changes;
  auto coordinator = spawn_coord(map, "", [&](const cluster_map& m) { changes.push_back(m); });
  auto pushed = std::make_shared<std::vector<cluster_map>>();
  auto recorder = sys.spawn(map_recorder, pushed);
  actors.push_back(recorder);
  reg.put(storage_address(3), recorder);
  std::vector<caf::actor> detectors;
  for (host_id h = 1; h <= 4; ++h) detectors.push_back(spawn_detector(h, map));

  advance(30s);
  CHECK(changes.empty());      // healthy heartbeats: nobody suspected
  CHECK(pushed->size() >= 5);  // the periodic push, every 5 s

  caf::anon_send_exit(detectors[1], caf::exit_reason::kill);  // host 2 goes silent
  sched.run();
  CHECK_FALSE(reg.find({2, detector_actor_name}).has_value());
  advance(3s);
  REQUIRE_FALSE(changes.empty());
  auto& last = changes.back();
  CHECK(last.find_host(2)->state == host_state::down);
  for (host_id h : {1u, 3u, 4u}) CHECK(last.find_host(h)->state == host_state::up);
  // The push follows the change at once.
  REQUIRE_FALSE(pushed->empty());
  CHECK(pushed->back().epoch == last.epoch);
  CHECK(pushed->back().find_host(2)->state == host_state::down);
  CHECK(fetch_map(coordinator).find_host(2)->state == host_state::down);

  // It comes back: its observers hear it again and the coordinator brings it up.
  spawn_detector(2, map);
  advance(3s);
  CHECK(changes.back().find_host(2)->state == host_state::up);
}

TEST_CASE_FIXTURE(fixture, "the coordinator persists the map and reloads it with its epoch") {
  auto dir = temp_dir();
  auto map = map_of(3);
  size_t calls = 0;
  auto first = spawn_coord(map, dir, [&](const cluster_map&) { ++calls; });
  auto admin = [&](const caf::actor& c, host_admin a) {
    auto r =
        ask(c, make_host_admin_request(
                   header_to(coordinator_address(), wire::MessageKind::HOST_ADMIN_REQUEST), a));
    REQUIRE(r.has_value());
    return read_host_admin_reply(std::move(*r));
  };
  auto dry = admin(first, {2, host_admin_action::decommission, false});
  REQUIRE(dry.ok());
  CHECK_FALSE(dry->applied);
  CHECK(dry->after == host_state::draining);
  CHECK(calls == 0);
  auto done = admin(first, {2, host_admin_action::decommission, true});
  REQUIRE(done.ok());
  CHECK(done->applied);
  CHECK(done->epoch == 2);
  CHECK(calls == 1);
  CHECK(admin(first, {7, host_admin_action::decommission, true}).code() == errc::not_found);
  caf::anon_send_exit(first, caf::exit_reason::kill);
  sched.run();

  auto grown = map_of(4);  // the config gained host 4 meanwhile
  auto second = spawn_coord(grown, dir);
  auto loaded = fetch_map(second);
  CHECK(loaded.epoch == 3);  // 2, bumped once because the config added a host
  CHECK(loaded.find_host(2)->state == host_state::draining);
  REQUIRE(loaded.find_host(4) != nullptr);
  CHECK(loaded.find_host(4)->state == host_state::up);
  caf::anon_send_exit(second, caf::exit_reason::kill);
  sched.run();

  auto third = spawn_coord(grown, dir);
  CHECK(fetch_map(third).epoch == 3);  // nothing new: no bump
  std::filesystem::remove_all(dir);
}
