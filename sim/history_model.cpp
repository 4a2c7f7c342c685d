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
  contents_[v] = c;
}

void history_model::add(const std::string& path, version_id v, op_id op, int64_t now) {
  auto& p = paths_[path];
  p.candidates.push_back({v, op, open_end});
  if (std::find(p.ever.begin(), p.ever.end(), v) == p.ever.end()) p.ever.push_back(v);
  p.added.emplace_back(now, v);
}

history_model::op_id history_model::begin_put(const std::string& path, version_id v, int64_t now) {
  CAIRN_ASSERT(contents_.count(v) == 1);
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
  add(from, no_file, op, now);
  carry(w, op, now);
  return op;
}

void history_model::carry(const op_state& rename, op_id op, int64_t now) {
  // "No file" moves too: a rename of a name whose inode is gone leaves a name without
  // a file at the destination, which reads as no file.
  std::vector<version_id> moving;
  for (auto& c : paths_[rename.path].candidates) moving.push_back(c.version);
  auto& dst = paths_[rename.to].candidates;
  for (auto v : moving) {
    bool have = std::any_of(dst.begin(), dst.end(),
                            [&](const candidate& c) { return c.op == op && c.version == v; });
    if (!have) add(rename.to, v, op, now);
  }
}

void history_model::complete(const std::string& path, const op_state& w, op_id op, int64_t now) {
  auto& cs = paths_[path].candidates;
  for (auto& c : cs)
    if (c.op == op) c.end = now;
  std::erase_if(cs, [&](const candidate& c) { return c.op != op && c.end < w.start; });
}

void history_model::drop(const std::string& path, op_id op) {
  std::erase_if(paths_[path].candidates, [&](const candidate& c) { return c.op == op; });
}

void history_model::end_write(op_id op, write_outcome outcome, int64_t now) {
  auto it = ops_.find(op);
  CAIRN_ASSERT(it != ops_.end() && it->second.kind != op_kind::read);
  auto w = std::move(it->second);
  ops_.erase(it);
  // A rename may have moved a version that reached its source while it ran.
  if (w.kind == op_kind::rename && outcome != write_outcome::failed) carry(w, op, now);
  std::vector<std::string> touched{w.path};
  if (w.kind == op_kind::rename) touched.push_back(w.to);
  for (auto& path : touched) {
    if (outcome == write_outcome::acked) complete(path, w, op, now);
    if (outcome == write_outcome::failed) drop(path, op);
  }
}

history_model::op_id history_model::begin_read(const std::string& path, int64_t now) {
  op_id op = next_op_++;
  auto& r = ops_[op] = op_state{op_kind::read, now, path, {}, no_file, {}};
  for (auto& c : paths_[path].candidates) r.seen.push_back(c.version);
  return op;
}

bool history_model::has_content(version_id v, const std::optional<content>& got) const {
  if (!got) return v == no_file;
  if (v == no_file) return false;
  return contents_.at(v) == *got;
}

read_verdict history_model::end_read(op_id op, const std::optional<content>& got, int64_t now,
                                     std::string* why) {
  auto it = ops_.find(op);
  CAIRN_ASSERT(it != ops_.end() && it->second.kind == op_kind::read);
  auto r = std::move(it->second);
  ops_.erase(it);
  const auto& p = paths_[r.path];
  std::vector<version_id> matching;
  for (auto v : p.ever)
    if (has_content(v, got)) matching.push_back(v);
  auto describe = [&](const char* what) {
    if (!why) return;
    *why = std::string(what) + " at " + r.path + ": read " +
           (got ? std::to_string(got->size) + " bytes crc " + std::to_string(got->crc)
                : std::string("no file")) +
           " between t=" + std::to_string(r.start) + " and t=" + std::to_string(now) +
           "us; allowed versions:";
    for (auto v : r.seen) *why += " " + std::to_string(v);
  };
  if (matching.empty()) {
    describe("wrong bytes");
    return read_verdict::wrong_bytes;
  }
  // Additions are in time order: those since the read started are a suffix.
  auto since = std::lower_bound(p.added.begin(), p.added.end(), std::pair{r.start, no_file});
  for (auto v : matching) {
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
  for (auto& c : it->second.candidates) out.push_back(c.version);
  return out;
}

}  // namespace cairn
