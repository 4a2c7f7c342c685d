// The workload's expectations: what a read at a path may return.
#include <doctest/doctest.h>

#include "sim/history_model.hpp"

using namespace cairn;

namespace {

struct fixture {
  history_model m;
  fixture() {
    for (version_id v = 1; v <= 5; ++v) m.define_version(v, content{v * 100, uint32_t(v * 7)});
  }
  std::optional<content> bytes_of(version_id v) {
    return v == no_file ? std::nullopt : std::optional<content>{content{v * 100, uint32_t(v * 7)}};
  }
  read_verdict read(const std::string& path, version_id got, int64_t start, int64_t end) {
    auto op = m.begin_read(path, start);
    return m.end_read(op, bytes_of(got), end);
  }
};

}  // namespace

TEST_CASE("an acknowledged put is what later reads return") {
  fixture f;
  auto w = f.m.begin_put("/a", 1, 10);
  f.m.end_write(w, write_outcome::acked, 20);
  CHECK(f.read("/a", 1, 30, 40) == read_verdict::ok);
  CHECK(f.read("/a", no_file, 30, 40) == read_verdict::lost_write);
}

TEST_CASE("a read overlapping a put may see either state") {
  fixture f;
  auto w = f.m.begin_put("/a", 1, 10);
  CHECK(f.read("/a", no_file, 5, 15) == read_verdict::ok);
  CHECK(f.read("/a", 1, 5, 15) == read_verdict::ok);
  auto r = f.m.begin_read("/a", 15);
  f.m.end_write(w, write_outcome::acked, 20);
  CHECK(f.m.end_read(r, std::nullopt, 25) == read_verdict::ok);  // started before the ack
  CHECK(f.read("/a", no_file, 30, 40) == read_verdict::lost_write);
}

TEST_CASE("bytes no write carried are wrong bytes") {
  fixture f;
  auto w = f.m.begin_put("/a", 1, 10);
  f.m.end_write(w, write_outcome::acked, 20);
  auto op = f.m.begin_read("/a", 30);
  CHECK(f.m.end_read(op, content{100, 8}, 40) == read_verdict::wrong_bytes);
  // Another path's version is also wrong here.
  auto w2 = f.m.begin_put("/b", 2, 10);
  f.m.end_write(w2, write_outcome::acked, 20);
  CHECK(f.read("/a", 2, 30, 40) == read_verdict::wrong_bytes);
}

TEST_CASE("an acknowledged remove supersedes the file") {
  fixture f;
  f.m.end_write(f.m.begin_put("/a", 1, 10), write_outcome::acked, 20);
  f.m.end_write(f.m.begin_remove("/a", 30), write_outcome::acked, 40);
  CHECK(f.read("/a", no_file, 50, 60) == read_verdict::ok);
  CHECK(f.read("/a", 1, 50, 60) == read_verdict::lost_write);
}

TEST_CASE("a failed write is not a candidate; an unknown one stays one") {
  fixture f;
  auto failed = f.m.begin_put("/a", 1, 10);
  f.m.end_write(failed, write_outcome::failed, 20);
  CHECK(f.read("/a", 1, 30, 40) == read_verdict::lost_write);
  CHECK(f.read("/a", no_file, 30, 40) == read_verdict::ok);

  auto unknown = f.m.begin_put("/b", 2, 10);
  f.m.end_write(unknown, write_outcome::unknown, 20);
  f.m.end_write(f.m.begin_remove("/b", 30), write_outcome::acked, 40);
  // The unknown put may still land after the remove.
  CHECK(f.read("/b", 2, 50, 60) == read_verdict::ok);
  CHECK(f.read("/b", no_file, 50, 60) == read_verdict::ok);
}

TEST_CASE("an unknown write stops being a candidate once its horizon passed") {
  fixture f;
  auto unknown = f.m.begin_put("/a", 1, 10);
  f.m.end_write(unknown, write_outcome::unknown, 20);
  int64_t later = 20 + history_model::unknown_horizon_us + 1;
  f.m.end_write(f.m.begin_remove("/a", later), write_outcome::acked, later + 10);
  CHECK(f.read("/a", 1, later + 20, later + 30) == read_verdict::lost_write);
  CHECK(f.read("/a", no_file, later + 20, later + 30) == read_verdict::ok);
}

TEST_CASE("overlapping acknowledged puts: either may win") {
  fixture f;
  auto a = f.m.begin_put("/a", 1, 10);
  auto b = f.m.begin_put("/a", 2, 12);
  f.m.end_write(a, write_outcome::acked, 20);
  f.m.end_write(b, write_outcome::acked, 22);
  CHECK(f.read("/a", 1, 30, 40) == read_verdict::ok);
  CHECK(f.read("/a", 2, 30, 40) == read_verdict::ok);
  CHECK(f.read("/a", no_file, 30, 40) == read_verdict::lost_write);
  // A later acknowledged put supersedes both.
  f.m.end_write(f.m.begin_remove("/a", 50), write_outcome::acked, 60);
  f.m.end_write(f.m.begin_put("/a", 3, 70), write_outcome::acked, 80);
  CHECK(f.read("/a", 1, 90, 95) == read_verdict::lost_write);
  CHECK(f.read("/a", 3, 90, 95) == read_verdict::ok);
}

TEST_CASE("a rename moves the version and empties its source") {
  fixture f;
  f.m.end_write(f.m.begin_put("/a", 1, 10), write_outcome::acked, 20);
  auto mv = f.m.begin_rename("/a", "/b", 30);
  CHECK(f.read("/b", no_file, 31, 32) == read_verdict::ok);  // not yet
  f.m.end_write(mv, write_outcome::acked, 40);
  CHECK(f.read("/b", 1, 50, 60) == read_verdict::ok);
  CHECK(f.read("/b", no_file, 50, 60) == read_verdict::lost_write);
  CHECK(f.read("/a", no_file, 50, 60) == read_verdict::ok);
  CHECK(f.read("/a", 1, 50, 60) == read_verdict::lost_write);
}

TEST_CASE("a failed rename leaves both paths as they were") {
  fixture f;
  f.m.end_write(f.m.begin_put("/a", 1, 10), write_outcome::acked, 20);
  auto mv = f.m.begin_rename("/a", "/b", 30);
  f.m.end_write(mv, write_outcome::failed, 40);
  CHECK(f.read("/a", 1, 50, 60) == read_verdict::ok);
  CHECK(f.read("/a", no_file, 50, 60) == read_verdict::lost_write);
  CHECK(f.read("/b", 1, 50, 60) == read_verdict::lost_write);
  CHECK(f.m.open_ops() == 0);
}

TEST_CASE("a rename moves a version that reached its source while it ran") {
  fixture f;
  auto mv = f.m.begin_rename("/a", "/b", 10);
  f.m.end_write(f.m.begin_put("/a", 1, 20), write_outcome::acked, 30);
  // The rename may have resolved /a after the put committed: /b may hold version 1
  // before the rename answers.
  CHECK(f.read("/b", 1, 40, 50) == read_verdict::ok);
  f.m.end_write(mv, write_outcome::acked, 60);
  CHECK(f.read("/b", 1, 70, 80) == read_verdict::ok);
}
