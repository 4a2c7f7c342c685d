#pragma once
// The coordinator's membership state machine over the cluster map, pure (no CAF, LMDB,
// Cap'n Proto, spdlog, clock or rng; time is an argument). It turns observers'
// reports and operators' actions into host state changes; every change bumps the
// epoch, stamps since_ms and is returned as a transition for the shell to persist,
// log and push.
//
//   up --first accusation--> suspect --enough accusers--> down --out_interval--> out
//   suspect --no accusers left (withdrawn or expired)--> up
//   down|out --an observer withdraws and no accuser is left--> up   (a returning host)
//   up|suspect --decommission--> draining --recommission--> up
//   down|draining --markOut--> out
//
// "Enough accusers": 2 distinct observers of the target (observers_of), in distinct
// failure domains when its reachable observers span 2 or more. With a single reachable
// observer (a two-host cluster, or the others down), that one accusation is enough:
// nobody else could confirm it, and never declaring a dead host down is worse. A
// one-host cluster has no observers and its host is never declared down.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "runtime/cluster_map.hpp"
#include "runtime/config.hpp"
#include "runtime/result.hpp"

namespace cairn {

struct membership_config {
  uint32_t observers = 3;
  int64_t accusation_ttl_ms = 10 * 1000;
  int64_t out_interval_ms = 10 * 60 * 1000;
};

membership_config membership_config_from(const cluster_config& cfg);

struct host_report {
  host_id observer = 0;
  host_id target = 0;
  bool suspect = false;
  double phi = 0;
  uint64_t epoch = 0;
};

enum class host_admin_action : uint8_t { decommission = 0, recommission = 1, mark_out = 2 };
std::string to_string(host_admin_action a);

struct host_admin {
  host_id host = 0;
  host_admin_action action = host_admin_action::decommission;
  bool apply = false;
};

struct host_transition {
  host_id host = 0;
  host_state from = host_state::up, to = host_state::up;
  uint64_t epoch = 0;  // the epoch the change created
  std::string reason;  // for the log: who accused, with which phi; or the operator
};

struct report_outcome {
  uint64_t epoch = 0;
  host_state state = host_state::up;  // the target's state afterwards
  bool ignored = false;               // the reporter is not one of the target's observers
  std::vector<host_transition> changes;
};

struct admin_outcome {
  uint64_t epoch = 0;
  host_state before = host_state::up, after = host_state::up;
  bool applied = false;
  std::vector<host_transition> changes;
};

// A host announcing itself, or leaving: the epoch afterwards and what changed.
struct presence_outcome {
  uint64_t epoch = 0;
  host_state state = host_state::up;  // the host's state afterwards
  std::vector<host_transition> changes;
};

struct accusation {
  host_id observer = 0;
  int64_t at_ms = 0;
  double phi = 0;
};

class membership {
 public:
  membership(cluster_map map, membership_config cfg) : map_(std::move(map)), cfg_(cfg) {}

  const cluster_map& map() const { return map_; }

  // stale_epoch: the report carries an older epoch than the map's (its sender must get
  // the map). not_found: no such target. A report from a host that is not one of the
  // target's observers changes nothing (ignored).
  result<report_outcome> report(const host_report& r, int64_t now_ms);

  // not_found: no such host. invalid_argument: the action does not apply to the host's
  // state (the message says which states it needs). Without `apply`, a dry run: the
  // outcome says what would change and nothing does.
  result<admin_outcome> admin(const host_admin& a, int64_t now_ms);

  // A host announcing itself at start (hostJoin). An unknown id is admitted, up;
  // already_exists when its id or name belongs to another host. A known host that is
  // down, or out but not retired, is up again (it answers: its accusations are
  // dropped, the detectors judge it afresh). A changed address is taken. Otherwise
  // nothing changes, so a repeated announcement is harmless.
  result<presence_outcome> join(const map_host& h, int64_t now_ms);

  // A host stopping cleanly (hostLeave): down at once, without waiting for its
  // observers. It comes back with its next join only: while it drains its last requests
  // it still answers pings, and its observers' "hears again" must not bring it back up.
  // not_found: no such host.
  result<presence_outcome> leave(host_id id, int64_t now_ms);

  // Expires accusations older than accusation_ttl_ms (a suspect left with none is up
  // again) and moves hosts down longer than out_interval_ms to out.
  std::vector<host_transition> tick(int64_t now_ms);

  // The live accusations against `target`, for explanation.
  std::vector<accusation> accusers(host_id target) const;

 private:
  map_host* find(host_id id);
  void expire(host_id target, int64_t now_ms);
  bool enough_accusers(host_id target) const;
  std::string accusers_text(host_id target) const;
  host_transition change(map_host& h, host_state to, int64_t now_ms, std::string reason);
  void evaluate(map_host& h, bool withdrawn, int64_t now_ms, std::vector<host_transition>& out);

  cluster_map map_;
  membership_config cfg_;
  // observers_of(map_, target) for the current epoch (the map changes only with it).
  const std::vector<host_id>& observers(host_id target) const;
  mutable std::map<host_id, std::vector<host_id>> observers_cache_;
  mutable uint64_t observers_epoch_ = 0;
  std::map<host_id, std::map<host_id, accusation>> accusers_;  // target -> observer -> last
  std::set<host_id> left_;  // left cleanly, not yet joined again (not persisted)
};

// The map a coordinator starts with: the persisted one (states, since, epoch) with
// hosts the config added (as up) and the config's names, labels, shards and defaults.
// Hosts that joined later (persisted, not in the config) are kept. Bumps the epoch
// when the config changed the persisted map.
cluster_map merge_with_config(const cluster_map& persisted, const cluster_map& configured);

}  // namespace cairn
