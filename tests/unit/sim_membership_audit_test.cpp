// membership_audit: detection times, false downs and missed crashes from the events the
// simulation and the coordinator's map hook report.
#include <doctest/doctest.h>

#include "sim/membership_audit.hpp"

using namespace cairn;

namespace {

constexpr sim_us s = 1'000'000;

cluster_map map_of(uint64_t epoch, std::vector<std::pair<host_id, host_state>> states) {
  cluster_map m;
  m.epoch = epoch;
  for (auto& [id, st] : states) m.hosts.push_back({id, "h", {}, st, true, 0});
  return m;
}

}  // namespace

TEST_CASE("membership audit: detection time runs from the crash to the first map with it down") {
  membership_audit a(1);
  a.host_crashed(2, 10 * s);
  a.map_changed(map_of(2, {{1, host_state::up}, {2, host_state::suspect}}), 11 * s);
  a.map_changed(map_of(3, {{1, host_state::up}, {2, host_state::down}}), 12 * s + s / 2);
  // A later map that still has it down, or an older one, counts nothing twice.
  a.map_changed(map_of(4, {{1, host_state::up}, {2, host_state::down}}), 13 * s);
  a.map_changed(map_of(3, {{1, host_state::up}, {2, host_state::down}}), 14 * s);
  auto f = a.figures();
  CHECK(f.crashes == 1);
  CHECK(f.detected == 1);
  CHECK(f.p50_s == doctest::Approx(2.5));
  CHECK(f.p99_s == doctest::Approx(2.5));
  CHECK(f.false_downs == 0);
}

TEST_CASE("membership audit: percentiles take the nearest rank") {
  membership_audit a(1);
  uint64_t epoch = 1;
  for (int i = 1; i <= 100; ++i) {
    sim_us at = i * 100 * s;
    a.host_crashed(2, at);
    a.map_changed(map_of(++epoch, {{2, host_state::down}}), at + i * s / 100);
    a.host_restarted(2, at + 50 * s);
    a.map_changed(map_of(++epoch, {{2, host_state::up}}), at + 51 * s);
  }
  auto f = a.figures();
  CHECK(f.detected == 100);
  CHECK(f.p50_s == doctest::Approx(0.50));
  CHECK(f.p99_s == doctest::Approx(0.99));
  CHECK(f.max_s == doctest::Approx(1.00));
  CHECK(f.missed == 0);
}

TEST_CASE("membership audit: a running host declared down is false unless the network was hit") {
  membership_audit a(1, 30 * s);
  a.map_changed(map_of(2, {{2, host_state::down}}), 100 * s);
  CHECK(a.figures().false_downs == 1);
  a.network_disturbed(200 * s);
  a.map_changed(map_of(3, {{2, host_state::up}, {3, host_state::down}}), 220 * s);
  CHECK(a.figures().false_downs == 1);
  a.map_changed(map_of(4, {{2, host_state::down}, {3, host_state::down}}), 260 * s);
  CHECK(a.figures().false_downs == 2);
}

TEST_CASE("membership audit: a long crash never declared is missed; a short one is not") {
  membership_audit a(1, 30 * s, 10 * s);
  a.host_crashed(2, 0);
  a.host_restarted(2, 5 * s);
  a.host_crashed(3, 0);
  a.host_restarted(3, 15 * s);
  CHECK(a.figures().missed == 1);
  CHECK(a.figures().detected == 0);
}

TEST_CASE("membership audit: crashes overlapping the coordinator's are not timed") {
  membership_audit a(1);
  a.host_crashed(2, 10 * s);
  a.host_crashed(1, 11 * s);
  a.host_restarted(1, 20 * s);
  a.map_changed(map_of(2, {{1, host_state::up}, {2, host_state::down}}), 22 * s);
  auto f = a.figures();
  CHECK(f.detected == 0);
  CHECK(f.untimed == 1);
}

TEST_CASE("membership audit: a short crash declared just after the return is late, not false") {
  membership_audit a(1);
  a.host_crashed(2, 10 * s);
  a.host_restarted(2, 11 * s);
  a.map_changed(map_of(2, {{2, host_state::down}}), 12 * s);
  a.map_changed(map_of(3, {{2, host_state::up}}), 13 * s);
  auto f = a.figures();
  CHECK(f.after_return == 1);
  CHECK(f.false_downs == 0);
  // Later, a down without a crash is false again.
  a.map_changed(map_of(4, {{2, host_state::down}}), 100 * s);
  CHECK(a.figures().false_downs == 1);
}

TEST_CASE("membership audit: a crash during the coordinator's is neither timed nor missed") {
  membership_audit a(1, 30 * s, 10 * s);
  a.host_crashed(1, 10 * s);
  a.host_crashed(2, 20 * s);
  a.host_crashed(3, 21 * s);
  a.host_restarted(3, 40 * s);  // long, never declared: the coordinator was away
  a.host_restarted(1, 45 * s);
  a.map_changed(map_of(2, {{2, host_state::down}}), 46 * s);
  auto f = a.figures();
  CHECK(f.missed == 0);
  CHECK(f.detected == 0);
  CHECK(f.untimed == 1);
}
