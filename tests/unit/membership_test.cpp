// The coordinator's membership state machine, pure (no CAF).
#include <doctest/doctest.h>

#include <algorithm>

#include "actors/coordinator/membership.hpp"
#include "actors/failure_detector/observer_assignment.hpp"

using namespace cairn;

namespace {

// n hosts with ids 1..n, host i in rack i % racks (0: no labels).
cluster_map map_of(uint32_t n, uint32_t racks) {
  cluster_map m;
  m.epoch = 1;
  for (host_id id = 1; id <= n; ++id) {
    map_host h;
    h.id = id;
    h.name = "h" + std::to_string(id);
    if (racks) h.labels = {"r", "dc", "c", "rack" + std::to_string(id % racks), h.name};
    m.hosts.push_back(h);
  }
  return m;
}

struct fixture {
  membership_config cfg{3, 10000, 600000};
  membership m{map_of(9, 3), cfg};
  host_id target = 5;
  std::vector<host_id> obs = observers_of(m.map(), target, 3);

  host_state state(host_id h) const { return m.map().find_host(h)->state; }
  report_outcome accuse(host_id observer, int64_t now, bool suspect = true, host_id t = 0) {
    auto r = m.report({observer, t ? t : target, suspect, 9.5, m.map().epoch}, now);
    REQUIRE(r.ok());
    return *r;
  }
  host_id non_observer() const {
    for (auto& h : m.map().hosts)
      if (h.id != target && std::find(obs.begin(), obs.end(), h.id) == obs.end()) return h.id;
    return 0;
  }
};

}  // namespace

TEST_CASE_FIXTURE(fixture, "one accusation makes a host suspect, a second observer makes it down") {
  REQUIRE(obs.size() == 3);
  auto first = accuse(obs[0], 1000);
  REQUIRE(first.changes.size() == 1);
  CHECK(first.changes[0].from == host_state::up);
  CHECK(first.changes[0].to == host_state::suspect);
  CHECK(first.changes[0].epoch == 2);
  CHECK(first.state == host_state::suspect);
  CHECK(m.map().find_host(target)->since_ms == 1000);
  CHECK(accuse(obs[0], 1500).changes.empty());  // the same observer again: no second vote
  CHECK(state(target) == host_state::suspect);
  auto second = accuse(obs[1], 2000);
  REQUIRE(second.changes.size() == 1);
  CHECK(second.changes[0].to == host_state::down);
  CHECK(second.changes[0].reason.find("host " + std::to_string(obs[0])) != std::string::npos);
  CHECK(m.map().epoch == 3);
  CHECK(m.accusers(target).size() == 2);
}

TEST_CASE_FIXTURE(fixture, "reports from hosts that do not observe the target are ignored") {
  auto r = accuse(non_observer(), 1000);
  CHECK(r.ignored);
  CHECK(r.changes.empty());
  CHECK(state(target) == host_state::up);
  CHECK(m.map().epoch == 1);
}

TEST_CASE_FIXTURE(fixture, "a report with an older epoch is refused as stale") {
  accuse(obs[0], 1000);  // epoch 2 now
  auto r = m.report({obs[1], target, true, 9, 1}, 1100);
  REQUIRE_FALSE(r.ok());
  CHECK(r.code() == errc::stale_epoch);
  CHECK(state(target) == host_state::suspect);
  CHECK(m.report({obs[1], 99, true, 9, m.map().epoch}, 1100).code() == errc::not_found);
}

TEST_CASE_FIXTURE(fixture, "a withdrawn accusation brings a suspect back up") {
  accuse(obs[0], 1000);
  auto back = accuse(obs[0], 1500, false);
  REQUIRE(back.changes.size() == 1);
  CHECK(back.changes[0].to == host_state::up);
  CHECK(m.accusers(target).empty());
}

TEST_CASE_FIXTURE(fixture, "accusations expire after the ttl and a lone suspect returns to up") {
  accuse(obs[0], 1000);
  CHECK(m.tick(11000).empty());  // exactly the ttl: still alive
  auto t = m.tick(11001);
  REQUIRE(t.size() == 1);
  CHECK(t[0].to == host_state::up);
  // An expired accusation does not count toward down.
  accuse(obs[0], 20000);
  CHECK(accuse(obs[1], 30001).changes.empty());  // obs[0]'s expired: still one accuser
  CHECK(state(target) == host_state::suspect);
}

TEST_CASE_FIXTURE(fixture, "down turns out after the out interval, and a returning host comes up") {
  accuse(obs[0], 1000);
  accuse(obs[1], 1000);
  REQUIRE(state(target) == host_state::down);
  CHECK(m.tick(600999).empty());
  auto out = m.tick(601000);
  REQUIRE(out.size() == 1);
  CHECK(out[0].to == host_state::out);
  // Expiry alone never revives a dead host.
  CHECK(state(target) == host_state::out);
  CHECK(m.accusers(target).empty());
  auto back = accuse(obs[2], 700000, false);
  REQUIRE(back.changes.size() == 1);
  CHECK(back.changes[0].from == host_state::out);
  CHECK(back.changes[0].to == host_state::up);
}

TEST_CASE_FIXTURE(fixture, "a down host stays down while another observer still accuses it") {
  accuse(obs[0], 1000);
  accuse(obs[1], 1000);
  CHECK(accuse(obs[0], 2000, false).changes.empty());
  CHECK(state(target) == host_state::down);
  auto back = accuse(obs[1], 2100, false);
  REQUIRE(back.changes.size() == 1);
  CHECK(back.changes[0].to == host_state::up);
}

TEST_CASE("two accusers from one failure domain are not enough when the observers span two") {
  // Target 1 in rack a; hosts 2 and 3 in rack b, host 4 in rack c.
  cluster_map map;
  map.epoch = 1;
  const char* racks[] = {"a", "b", "b", "c"};
  for (host_id id = 1; id <= 4; ++id)
    map.hosts.push_back({id, "h" + std::to_string(id), {"r", "d", "c", racks[id - 1], ""}});
  membership m(map, {3, 10000, 600000});
  auto obs = observers_of(map, 1, 3);
  REQUIRE(obs.size() == 3);
  REQUIRE(m.report({2, 1, true, 9, 1}, 0).ok());
  REQUIRE(m.report({3, 1, true, 9, 2}, 0).ok());
  CHECK(m.map().find_host(1)->state == host_state::suspect);
  REQUIRE(m.report({4, 1, true, 9, 2}, 0).ok());
  CHECK(m.map().find_host(1)->state == host_state::down);
}

TEST_CASE("with a single observer available its accusation alone declares the host down") {
  membership m(map_of(2, 0), {3, 10000, 600000});
  auto r = m.report({2, 1, true, 9, 1}, 100);
  REQUIRE(r.ok());
  CHECK(r->state == host_state::down);
  CHECK(m.map().epoch == 2);
  // And with the other observers down, the one left is enough too.
  membership three(map_of(3, 0), {3, 10000, 600000});
  REQUIRE(three.report({2, 3, true, 9, 1}, 0).ok());
  REQUIRE(three.report({1, 3, true, 9, 2}, 0).ok());  // 3 down at epoch 3
  REQUIRE(three.report({2, 1, true, 9, 3}, 0).ok());
  CHECK(three.map().find_host(1)->state == host_state::down);  // 3, its other observer, is down
}

TEST_CASE_FIXTURE(fixture,
                  "operators decommission, recommission and mark out, dry run by default") {
  auto dry = m.admin({target, host_admin_action::decommission, false}, 100);
  REQUIRE(dry.ok());
  CHECK(dry->before == host_state::up);
  CHECK(dry->after == host_state::draining);
  CHECK_FALSE(dry->applied);
  CHECK(state(target) == host_state::up);
  CHECK(m.map().epoch == 1);

  auto applied = m.admin({target, host_admin_action::decommission, true}, 200);
  REQUIRE(applied.ok());
  CHECK(applied->applied);
  CHECK(applied->epoch == 2);
  CHECK(state(target) == host_state::draining);
  auto again = m.admin({target, host_admin_action::decommission, true}, 250);
  REQUIRE(again.ok());
  CHECK_FALSE(again->applied);  // already draining: a no-op
  CHECK(m.map().epoch == 2);

  REQUIRE(m.admin({target, host_admin_action::recommission, true}, 300).ok());
  CHECK(state(target) == host_state::up);
  auto bad = m.admin({target, host_admin_action::mark_out, true}, 400);
  CHECK(bad.code() == errc::invalid_argument);
  CHECK(bad.err().message.find("down or draining") != std::string::npos);
  CHECK(m.admin({target, host_admin_action::recommission, true}, 400).ok());  // up: no-op
  REQUIRE(m.admin({target, host_admin_action::decommission, true}, 500).ok());
  auto out = m.admin({target, host_admin_action::mark_out, true}, 600);
  REQUIRE(out.ok());
  CHECK(out->after == host_state::out);
  CHECK(state(target) == host_state::out);
  CHECK(m.map().find_host(target)->since_ms == 600);
  CHECK(m.admin({target, host_admin_action::decommission, true}, 700).code() ==
        errc::invalid_argument);
  CHECK(m.admin({99, host_admin_action::decommission, true}, 700).code() == errc::not_found);
}

TEST_CASE_FIXTURE(fixture,
                  "a host an operator marked out stays out when it answers, until recommissioned") {
  REQUIRE(m.admin({target, host_admin_action::decommission, true}, 0).ok());
  REQUIRE(m.admin({target, host_admin_action::mark_out, true}, 100).ok());
  CHECK(m.map().find_host(target)->retired);
  // Its observers hear it: a timer-out host would come back; this one does not.
  CHECK(accuse(obs[0], 200, false).changes.empty());
  CHECK(state(target) == host_state::out);
  auto back = m.admin({target, host_admin_action::recommission, true}, 300);
  REQUIRE(back.ok());
  CHECK(back->after == host_state::up);
  CHECK(state(target) == host_state::up);
  CHECK_FALSE(m.map().find_host(target)->retired);
}

TEST_CASE_FIXTURE(fixture, "a host out after the interval that an operator marks out is retired") {
  accuse(obs[0], 1000);
  accuse(obs[1], 1000);
  m.tick(601000);
  REQUIRE(state(target) == host_state::out);
  CHECK_FALSE(m.map().find_host(target)->retired);
  auto marked = m.admin({target, host_admin_action::mark_out, true}, 602000);
  REQUIRE(marked.ok());
  CHECK(marked->applied);  // the state stays out, the host is now retired (a new epoch)
  CHECK(m.map().find_host(target)->retired);
  CHECK(accuse(obs[2], 700000, false).changes.empty());
}

TEST_CASE_FIXTURE(fixture, "a draining host that dies goes down") {
  REQUIRE(m.admin({target, host_admin_action::decommission, true}, 0).ok());
  accuse(obs[0], 1000);
  CHECK(state(target) == host_state::draining);
  accuse(obs[1], 1000);
  CHECK(state(target) == host_state::down);
}

TEST_CASE("the persisted map keeps its states and epoch, the config adds hosts") {
  auto persisted = map_of(3, 0);
  persisted.epoch = 40;
  persisted.hosts[1].state = host_state::down;
  persisted.hosts[1].since_ms = 1234;
  persisted.hosts[2].state = host_state::out;
  persisted.hosts[2].retired = true;  // an operator's out survives a coordinator restart
  auto configured = map_of(3, 0);
  auto same = merge_with_config(persisted, configured);
  CHECK(same.epoch == 40);
  CHECK(same.find_host(2)->state == host_state::down);
  CHECK(same.find_host(2)->since_ms == 1234);
  CHECK(same.find_host(3)->retired);
  auto grown = merge_with_config(persisted, map_of(4, 0));
  CHECK(grown.epoch == 41);
  CHECK(grown.hosts.size() == 4);
  CHECK(grown.find_host(4)->state == host_state::up);
  CHECK(grown.find_host(2)->state == host_state::down);
}

TEST_CASE_FIXTURE(fixture,
                  "a new host is admitted up with its address; announcing again changes nothing") {
  map_host joining;
  joining.id = 10;
  joining.name = "h10";
  joining.address = "10.0.0.10:7400";
  auto first = m.join(joining, 5000);
  REQUIRE(first.ok());
  REQUIRE(first->changes.size() == 1);
  CHECK(first->epoch == 2);
  CHECK(first->state == host_state::up);
  REQUIRE(m.map().find_host(10));
  CHECK(m.map().find_host(10)->address == "10.0.0.10:7400");
  CHECK(m.map().find_host(10)->since_ms == 5000);
  auto again = m.join(joining, 6000);
  REQUIRE(again.ok());
  CHECK(again->changes.empty());
  CHECK(again->epoch == 2);
}

TEST_CASE_FIXTURE(fixture, "a join whose id or name belongs to another host is refused") {
  map_host stolen_name;
  stolen_name.id = 10;
  stolen_name.name = "h3";
  CHECK(m.join(stolen_name, 1000).code() == errc::already_exists);
  map_host stolen_id;
  stolen_id.id = 3;
  stolen_id.name = "h10";
  CHECK(m.join(stolen_id, 1000).code() == errc::already_exists);
  CHECK(m.map().hosts.size() == 9);
  CHECK(m.map().epoch == 1);
}

TEST_CASE_FIXTURE(fixture, "a host that leaves is down at once and up again when it rejoins") {
  auto left = m.leave(target, 1000);
  REQUIRE(left.ok());
  REQUIRE(left->changes.size() == 1);
  CHECK(left->changes[0].to == host_state::down);
  CHECK(state(target) == host_state::down);
  CHECK(m.leave(target, 1100)->changes.empty());  // leaving twice: nothing more
  accuse(obs[0], 1200);                           // an observer noticed meanwhile
  auto back = m.join(*m.map().find_host(target), 2000);
  REQUIRE(back.ok());
  REQUIRE(back->changes.size() == 1);
  CHECK(back->changes[0].to == host_state::up);
  CHECK(m.accusers(target).empty());  // judged afresh by its observers
  CHECK(m.leave(99, 1000).code() == errc::not_found);
}

TEST_CASE_FIXTURE(fixture, "a retired host that rejoins stays out") {
  REQUIRE(m.leave(target, 1000).ok());
  REQUIRE(m.admin({target, host_admin_action::mark_out, true}, 1500).ok());
  auto back = m.join(*m.map().find_host(target), 2000);
  REQUIRE(back.ok());
  CHECK(back->changes.empty());
  CHECK(state(target) == host_state::out);
}

TEST_CASE("hosts that joined after the founding survive a coordinator restart") {
  cluster_map configured = map_of(3, 0);
  membership m{configured, membership_config{}};
  map_host joining;
  joining.id = 7;
  joining.name = "h7";
  joining.address = "10.0.0.7:7400";
  REQUIRE(m.join(joining, 1000).ok());
  auto merged = merge_with_config(m.map(), configured);
  REQUIRE(merged.find_host(7));
  CHECK(merged.find_host(7)->address == "10.0.0.7:7400");
  CHECK(merged.epoch == m.map().epoch);  // nothing in the config changed
}

TEST_CASE_FIXTURE(fixture, "a host that left stays down while it still answers, until it joins") {
  REQUIRE(m.leave(target, 1000).ok());
  // Its observers still hear it while it drains: "hears again" must not bring it back.
  auto heard = accuse(obs[0], 1100, false);
  CHECK(heard.changes.empty());
  CHECK(state(target) == host_state::down);
  REQUIRE(m.join(*m.map().find_host(target), 5000).ok());
  CHECK(state(target) == host_state::up);
}
