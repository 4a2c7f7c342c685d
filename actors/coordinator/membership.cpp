#include "actors/coordinator/membership.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "actors/failure_detector/observer_assignment.hpp"

namespace cairn {

membership_config membership_config_from(const cluster_config& cfg) {
  return membership_config{cfg.observers, cfg.accusation_ttl_ms, cfg.out_interval_ms};
}

std::string to_string(host_admin_action a) {
  switch (a) {
    case host_admin_action::decommission:
      return "decommission";
    case host_admin_action::recommission:
      return "recommission";
    case host_admin_action::mark_out:
      return "out";
  }
  return "unknown";
}

map_host* membership::find(host_id id) {
  for (auto& h : map_.hosts)
    if (h.id == id) return &h;
  return nullptr;
}

const std::vector<host_id>& membership::observers(host_id target) const {
  if (observers_epoch_ != map_.epoch) {
    observers_cache_.clear();
    observers_epoch_ = map_.epoch;
  }
  auto it = observers_cache_.find(target);
  if (it == observers_cache_.end())
    it = observers_cache_.emplace(target, observers_of(map_, target, cfg_.observers)).first;
  return it->second;
}

void membership::expire(host_id target, int64_t now_ms) {
  auto it = accusers_.find(target);
  if (it == accusers_.end()) return;
  const auto& observers = this->observers(target);
  std::erase_if(it->second, [&](auto& kv) {
    bool observer = std::find(observers.begin(), observers.end(), kv.first) != observers.end();
    return !observer || now_ms - kv.second.at_ms > cfg_.accusation_ttl_ms;
  });
  if (it->second.empty()) accusers_.erase(it);
}

bool membership::enough_accusers(host_id target) const {
  auto it = accusers_.find(target);
  if (it == accusers_.end() || it->second.empty()) return false;
  std::set<std::string> observer_domains;
  size_t reachable = 0;
  for (host_id o : observers(target)) {
    auto* h = map_.find_host(o);
    if (!h || !h->reachable()) continue;
    ++reachable;
    observer_domains.insert(failure_domain(h->labels));
  }
  // One reachable observer (or none: the accuser is alive whatever the map says) can
  // only be confirmed by itself.
  if (reachable < 2) return true;
  std::set<std::string> accuser_domains;
  for (auto& [o, _] : it->second)
    if (auto* h = map_.find_host(o)) accuser_domains.insert(failure_domain(h->labels));
  if (it->second.size() < 2) return false;
  return observer_domains.size() < 2 || accuser_domains.size() >= 2;
}

std::string membership::accusers_text(host_id target) const {
  std::string out;
  auto it = accusers_.find(target);
  if (it == accusers_.end()) return "no accusers";
  for (auto& [o, a] : it->second) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%shost %u (phi %.1f)", out.empty() ? "" : ", ", o, a.phi);
    out += buf;
  }
  return "accused by " + out;
}

host_transition membership::change(map_host& h, host_state to, int64_t now_ms, std::string reason) {
  host_transition t{h.id, h.state, to, ++map_.epoch, std::move(reason)};
  h.state = to;
  h.since_ms = now_ms;
  return t;
}

void membership::evaluate(map_host& h, bool withdrawn, int64_t now_ms,
                          std::vector<host_transition>& out) {
  bool any = accusers_.count(h.id) > 0;
  switch (h.state) {
    case host_state::up:
      if (any)
        out.push_back(change(h, enough_accusers(h.id) ? host_state::down : host_state::suspect,
                             now_ms, accusers_text(h.id)));
      return;
    case host_state::suspect:
      if (!any)
        out.push_back(change(h, host_state::up, now_ms, "accusations withdrawn or expired"));
      else if (enough_accusers(h.id))
        out.push_back(change(h, host_state::down, now_ms, accusers_text(h.id)));
      return;
    case host_state::draining:
      if (enough_accusers(h.id))
        out.push_back(change(h, host_state::down, now_ms, accusers_text(h.id)));
      return;
    case host_state::out:
      if (h.retired) return;  // stays out until an operator recommissions it
      [[fallthrough]];
    case host_state::down:
      if (withdrawn && !any)
        out.push_back(change(h, host_state::up, now_ms, "answers its observers again"));
      return;
  }
}

result<report_outcome> membership::report(const host_report& r, int64_t now_ms) {
  if (r.epoch < map_.epoch)
    return error{errc::stale_epoch, "report at epoch " + std::to_string(r.epoch) +
                                        ", the map is at " + std::to_string(map_.epoch)};
  map_host* h = find(r.target);
  if (!h) return error{errc::not_found, "no host " + std::to_string(r.target) + " in the map"};
  report_outcome out;
  const auto& observers = this->observers(r.target);
  if (std::find(observers.begin(), observers.end(), r.observer) == observers.end()) {
    out.ignored = true;
  } else {
    expire(r.target, now_ms);
    if (!r.suspect && left_.count(r.target)) {
      // A host that left answers until it has stopped; only its join brings it back.
      out.epoch = map_.epoch;
      out.state = h->state;
      return out;
    }
    if (r.suspect) {
      accusers_[r.target][r.observer] = accusation{r.observer, now_ms, r.phi};
    } else if (auto it = accusers_.find(r.target); it != accusers_.end()) {
      it->second.erase(r.observer);
      if (it->second.empty()) accusers_.erase(it);
    }
    evaluate(*h, !r.suspect, now_ms, out.changes);
  }
  out.epoch = map_.epoch;
  out.state = h->state;
  return out;
}

namespace {

// The state an action needs and the one it leads to; nullopt when it does not apply.
std::optional<host_state> admin_target(host_admin_action a, host_state s) {
  switch (a) {
    case host_admin_action::decommission:
      if (s == host_state::up || s == host_state::suspect || s == host_state::draining)
        return host_state::draining;
      break;
    case host_admin_action::recommission:
      if (s == host_state::draining || s == host_state::up || s == host_state::out)
        return host_state::up;
      break;
    case host_admin_action::mark_out:
      if (s == host_state::down || s == host_state::draining || s == host_state::out)
        return host_state::out;
      break;
  }
  return std::nullopt;
}

const char* admin_needs(host_admin_action a) {
  switch (a) {
    case host_admin_action::decommission:
      return "up or suspect";
    case host_admin_action::recommission:
      return "draining or out";
    case host_admin_action::mark_out:
      return "down or draining";
  }
  return "?";
}

}  // namespace

result<admin_outcome> membership::admin(const host_admin& a, int64_t now_ms) {
  map_host* h = find(a.host);
  if (!h) return error{errc::not_found, "no host " + std::to_string(a.host) + " in the map"};
  auto to = admin_target(a.action, h->state);
  if (!to)
    return error{errc::invalid_argument, to_string(a.action) + " needs a host that is " +
                                             admin_needs(a.action) + "; host " +
                                             std::to_string(a.host) + " is " + to_string(h->state)};
  admin_outcome out;
  out.before = h->state;
  out.after = *to;
  // Asking for the state the host is already in is a successful no-op (retries).
  bool retire = *to == host_state::out;
  if (a.apply && (*to != h->state || retire != h->retired)) {
    h->retired = retire;
    out.changes.push_back(change(*h, *to, now_ms, "operator: " + to_string(a.action)));
    out.applied = true;
  }
  out.epoch = map_.epoch;
  return out;
}

result<presence_outcome> membership::join(const map_host& joining, int64_t now_ms) {
  presence_outcome out;
  for (auto& other : map_.hosts)
    if ((other.id == joining.id) != (other.name == joining.name))
      return error{errc::already_exists,
                   "host " + std::to_string(joining.id) + " (" + joining.name +
                       ") clashes with host " + std::to_string(other.id) + " (" + other.name +
                       ") in the map: ids and names must both be new or both match"};
  left_.erase(joining.id);
  map_host* h = find(joining.id);
  if (!h) {
    map_host admitted = joining;
    admitted.state = host_state::up;
    admitted.retired = false;
    map_.hosts.push_back(admitted);
    h = &map_.hosts.back();
    host_transition t{h->id, host_state::up, host_state::up, ++map_.epoch,
                      "admitted at " + (joining.address.empty() ? "?" : joining.address)};
    h->since_ms = now_ms;
    out.changes.push_back(std::move(t));
  } else {
    bool moved = h->address != joining.address;
    h->address = joining.address;
    bool back = h->state == host_state::down || (h->state == host_state::out && !h->retired);
    if (back) {
      accusers_.erase(h->id);
      out.changes.push_back(change(*h, host_state::up, now_ms, "rejoined"));
    } else if (moved) {
      out.changes.push_back(
          change(*h, h->state, now_ms, "rejoined from a new address " + joining.address));
    }
  }
  out.epoch = map_.epoch;
  out.state = h->state;
  return out;
}

result<presence_outcome> membership::leave(host_id id, int64_t now_ms) {
  map_host* h = find(id);
  if (!h) return error{errc::not_found, "no host " + std::to_string(id) + " in the map"};
  presence_outcome out;
  left_.insert(id);
  if (h->reachable()) out.changes.push_back(change(*h, host_state::down, now_ms, "left cleanly"));
  out.epoch = map_.epoch;
  out.state = h->state;
  return out;
}

std::vector<host_transition> membership::tick(int64_t now_ms) {
  std::vector<host_transition> out;
  for (auto& h : map_.hosts) {
    expire(h.id, now_ms);
    if (h.state == host_state::suspect && !accusers_.count(h.id))
      out.push_back(change(h, host_state::up, now_ms, "accusations expired"));
    else if (h.state == host_state::down && now_ms - h.since_ms >= cfg_.out_interval_ms)
      out.push_back(change(h, host_state::out, now_ms,
                           "down for " + std::to_string(cfg_.out_interval_ms / 1000) + " s"));
  }
  return out;
}

std::vector<accusation> membership::accusers(host_id target) const {
  std::vector<accusation> out;
  if (auto it = accusers_.find(target); it != accusers_.end())
    for (auto& [_, a] : it->second) out.push_back(a);
  return out;
}

namespace {

bool same_labels(const topology_labels& a, const topology_labels& b) {
  return a.region == b.region && a.dc == b.dc && a.cluster == b.cluster && a.rack == b.rack &&
         a.host == b.host;
}

}  // namespace

cluster_map merge_with_config(const cluster_map& persisted, const cluster_map& configured) {
  cluster_map out = configured;
  out.epoch = std::max(persisted.epoch, configured.epoch);
  bool changed = persisted.shard_hosts != configured.shard_hosts ||
                 persisted.chunk_size != configured.chunk_size ||
                 persisted.min_replicas != configured.min_replicas ||
                 persisted.final_replicas != configured.final_replicas;
  for (auto& h : out.hosts) {
    auto* old = persisted.find_host(h.id);
    if (!old) {
      changed = true;
      continue;
    }
    h.state = old->state;
    h.since_ms = old->since_ms;
    h.retired = old->retired;
    changed |= old->name != h.name || !same_labels(old->labels, h.labels) ||
               old->storage != h.storage || old->address != h.address;
  }
  for (auto& h : persisted.hosts)
    if (!configured.find_host(h.id)) out.hosts.push_back(h);  // joined after the founding
  if (changed) ++out.epoch;
  return out;
}

}  // namespace cairn
