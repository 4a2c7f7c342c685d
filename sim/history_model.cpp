#include "sim/history_model.hpp"

#include <algorithm>

#include "runtime/assert.hpp"

namespace cairn {

const char* to_string(read_verdict v) {
  switch (v) {
    case read_verdict::ok:
      return "ok";
    case read_verdict::wrong_bytes:
      return "wrong_bytes";
    case read_verdict::lost_write:
      return "lost_write";
  }
  return "?";
}

void history_model::define_version(version_id v, content c) {
  CAIRN_ASSERT(v != no_file);
  by_content_[{c.size, c.crc}].push_back(v);
}

void history_model::add(const std::string& path, version_id v, op_id op, int64_t now) {
  auto& p = paths_[path];
  if (!p.candidates[v].open.insert(op).second) return;
  p.ever.insert(v);
  p.added.emplace_back(now, v);
  // A rename running from this path may move the new version on at once.
  auto renames = renames_from_.find(path);
  if (renames == renames_from_.end()) return;
  for (auto r : std::set<op_id>(renames->second))
    if (r != op && (v != no_file || dangling_renames_)) add(ops_.at(r).to, v, r, now);
}

history_model::op_id history_model::begin_put(const std::string& path, version_id v, int64_t now) {
  op_id op = next_op_++;
  ops_[op] = op_state{op_kind::put, now, path, {}, v, {}};
  add(path, v, op, now);
  return op;
}

history_model::op_id history_model::begin_remove(const std::string& path, int64_t now) {
  op_id op = next_op_++;
  ops_[op] = op_state{op_kind::remove, now, path, {}, no_file, {}};
  add(path, no_file, op, now);
  return op;
}

history_model::op_id history_model::begin_rename(const std::string& from, const std::string& to,
                                                 int64_t now) {
  op_id op = next_op_++;
  auto& w = ops_[op] = op_state{op_kind::rename, now, from, to, no_file, {}};
  carry(w, op, now);
  add(from, no_file, op, now);
  renames_from_[from].insert(op);
  return op;
}

void history_model::carry(const op_state& rename, op_id op, int64_t now) {
  std::vector<version_id> moving;
  for (auto& [v, c] : paths_[rename.path].candidates)
    if (v != no_file || dangling_renames_) moving.push_back(v);
  for (auto v : moving) add(rename.to, v, op, now);
}

void history_model::settle(const std::string& path, const op_state& w, op_id op, int64_t end,
                           bool acked) {
  auto& cs = paths_[path].candidates;
  for (auto it = cs.begin(); it != cs.end();) {
    auto& c = it->second;
    if (c.open.erase(op)) c.end = std::max(c.end, end);
    // Acknowledged: what completed before this write started is overwritten by it.
    else if (acked && c.end < w.start)
      c.end = never;
    bool gone = c.open.empty() && c.end == never;
    it = gone ? cs.erase(it) : std::next(it);
  }
}

void history_model::drop(const std::string& path, op_id op) {
  auto& cs = paths_[path].candidates;
  for (auto it = cs.begin(); it != cs.end();) {
    it->second.open.erase(op);
    bool gone = it->second.open.empty() && it->second.end == never;
    it = gone ? cs.erase(it) : std::next(it);
  }
}

void history_model::end_write(op_id op, write_outcome outcome, int64_t now) {
  auto it = ops_.find(op);
  CAIRN_ASSERT(it != ops_.end() && it->second.kind != op_kind::read);
  auto w = std::move(it->second);
  ops_.erase(it);
  if (w.kind == op_kind::rename) {
    auto& running = renames_from_[w.path];
    running.erase(op);
    if (running.empty()) renames_from_.erase(w.path);
  }
  std::vector<std::string> touched{w.path};
  if (w.kind == op_kind::rename) touched.push_back(w.to);
  for (auto& path : touched) {
    if (outcome == write_outcome::acked) settle(path, w, op, now, true);
    if (outcome == write_outcome::unknown) settle(path, w, op, now + unknown_horizon_us, false);
    if (outcome == write_outcome::failed) drop(path, op);
  }
}

history_model::op_id history_model::begin_read(const std::string& path, int64_t now) {
  op_id op = next_op_++;
  auto& r = ops_[op] = op_state{op_kind::read, now, path, {}, no_file, {}};
  for (auto& [v, c] : paths_[path].candidates) r.seen.push_back(v);
  return op;
}

std::vector<version_id> history_model::matching(const path_state& p,
                                                const std::optional<content>& got) const {
  if (!got) return {no_file};
  std::vector<version_id> out;
  auto same = by_content_.find({got->size, got->crc});
  if (same == by_content_.end()) return out;
  for (auto v : same->second)
    if (p.ever.count(v)) out.push_back(v);
  return out;
}

read_verdict history_model::end_read(op_id op, const std::optional<content>& got, int64_t now,
                                     std::string* why) {
  auto it = ops_.find(op);
  CAIRN_ASSERT(it != ops_.end() && it->second.kind == op_kind::read);
  auto r = std::move(it->second);
  ops_.erase(it);
  const auto& p = paths_[r.path];
  auto versions = matching(p, got);
  auto describe = [&](const char* what) {
    if (!why) return;
    *why = std::string(what) + " at " + r.path + ": read " +
           (got ? std::to_string(got->size) + " bytes crc " + std::to_string(got->crc)
                : std::string("no file")) +
           " between t=" + std::to_string(r.start) + " and t=" + std::to_string(now) +
           "us; allowed versions:";
    for (auto v : r.seen) *why += " " + std::to_string(v);
  };
  if (versions.empty()) {
    describe("wrong bytes");
    return read_verdict::wrong_bytes;
  }
  // Additions are in time order: those since the read started are a suffix.
  auto since = std::lower_bound(p.added.begin(), p.added.end(), std::pair{r.start, no_file});
  for (auto v : versions) {
    if (std::find(r.seen.begin(), r.seen.end(), v) != r.seen.end()) return read_verdict::ok;
    for (auto a = since; a != p.added.end(); ++a)
      if (a->second == v) return read_verdict::ok;
  }
  describe("lost write");
  return read_verdict::lost_write;
}

void history_model::abandon_read(op_id op) { ops_.erase(op); }

std::vector<std::string> history_model::paths() const {
  std::vector<std::string> out;
  for (auto& [path, _] : paths_) out.push_back(path);
  return out;
}

std::vector<version_id> history_model::candidates(const std::string& path) const {
  std::vector<version_id> out;
  auto it = paths_.find(path);
  if (it == paths_.end()) return {no_file};
  for (auto& [v, c] : it->second.candidates) out.push_back(v);
  return out;
}

}  // namespace cairn
