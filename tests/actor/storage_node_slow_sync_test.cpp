// The storage node actor under CAF's test coordinator, with a virtual clock: replies
// held behind a slow (simulated) sync, and the storage.fail_put fault site.
#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/storage_node/storage_codec.hpp"
#include "actors/storage_node/storage_node_actor.hpp"
#include "runtime/buggify.hpp"
#include "runtime/crc32c.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/registry.hpp"

using namespace cairn;
using namespace std::chrono_literals;

namespace {

constexpr host_id node_host = 6;

// A chunk_store in memory whose commits report a settable sync latency.
class slow_sync_store final : public chunk_store {
 public:
  explicit slow_sync_store(std::shared_ptr<uint32_t> sync_ms) : sync_ms_(std::move(sync_ms)) {}

  result<chunk_receipt> append(const chunk_key& key, std::string_view bytes) override {
    uint32_t crc = crc32c(bytes.data(), bytes.size());
    staged_.push_back({key, false, chunk_data{crc, std::string(bytes)}});
    return chunk_receipt{crc, static_cast<uint32_t>(bytes.size())};
  }
  void remove(const chunk_key& key) override { staged_.push_back({key, true, {}}); }
  result<batch_receipt> commit(int64_t now_ms) override {
    batch_receipt receipt;
    for (auto& op : staged_) {
      if (op.remove) {
        receipt.existed.push_back(chunks_.erase(op.key) > 0);
        commit_ms_.erase(op.key);
      } else {
        chunks_[op.key] = std::move(op.chunk);
        commit_ms_[op.key] = now_ms;
      }
    }
    last_sync_ms_ = staged_.empty() ? 0 : *sync_ms_;
    staged_.clear();
    return receipt;
  }
  result<chunk_data> get(const chunk_key& key) override {
    auto it = chunks_.find(key);
    if (it == chunks_.end()) return error{errc::not_found, "absent"};
    return it->second;
  }
  result<std::vector<stored_chunk_info>> scan(const chunk_key& after, size_t limit) override {
    std::vector<stored_chunk_info> out;
    for (auto it = commit_ms_.upper_bound(after); it != commit_ms_.end() && out.size() < limit;
         ++it)
      out.push_back({it->first, it->second});
    return out;
  }
  chunk_store_stats stats() override { return {chunks_.size(), 0, 1 << 30}; }
  uint32_t last_sync_latency_ms() const override { return last_sync_ms_; }

 private:
  struct staged_op {
    chunk_key key;
    bool remove;
    chunk_data chunk;
  };
  std::shared_ptr<uint32_t> sync_ms_;
  std::vector<staged_op> staged_;
  std::map<chunk_key, chunk_data> chunks_;
  std::map<chunk_key, int64_t> commit_ms_;
  uint32_t last_sync_ms_ = 0;
};

caf::actor_system_config& with_test_coordinator(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  return cfg;
}

// Fires exactly the sites it was given, every time.
class fixed_buggify_source final : public buggify_source {
 public:
  explicit fixed_buggify_source(std::string site) : site_(std::move(site)) {
    set_buggify_source(this);
  }
  ~fixed_buggify_source() override { set_buggify_source(nullptr); }
  bool fire(std::string_view site) override { return site == site_; }

 private:
  std::string site_;
};

struct slow_sync_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{with_test_coordinator(cfg)};
  caf::scheduler::test_coordinator& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  registry reg;
  caf::scoped_actor self{sys};
  std::shared_ptr<uint32_t> sync_ms = std::make_shared<uint32_t>(0);
  caf::actor node;
  uint64_t next_id = 1;

  slow_sync_fixture() { spawn(); }

  void spawn() {
    storage_node_options opt;
    opt.host = node_host;
    opt.detached = false;
    auto spawned = spawn_storage_node(sys, reg, opt, std::make_unique<slow_sync_store>(sync_ms));
    REQUIRE(spawned.ok());
    node = *spawned;
  }

  ~slow_sync_fixture() {
    self->send_exit(node, caf::exit_reason::kill);
    sched.run();
    reg.clear();
  }

  envelope_header header() {
    envelope_header h;
    h.source = {client_host, "test"};
    h.destination = {node_host, storage_actor_name};
    h.correlation_id = next_id++;
    return h;
  }

  // Sends a request and lets every actor run; the reply, if any, waits in self's mailbox.
  void send(std::string frame) {
    self->send(node, envelope_atom::value, std::move(frame));
    sched.run();
  }
  // The put's correlation id.
  uint64_t put(const chunk_key& key, std::string_view data) {
    auto h = header();
    send(make_chunk_put_request(h, key, data));
    return h.correlation_id;
  }

  void advance(caf::timespan by) {
    sched.advance_time(by);
    sched.run();
  }

  // Replies that arrived so far, in arrival order.
  std::vector<std::unique_ptr<envelope_reader>> replies() {
    std::vector<std::unique_ptr<envelope_reader>> out;
    bool more = true;
    while (more)
      self->receive(
          [&](std::string& frame) {
            auto opened = envelope_reader::open(std::move(frame));
            REQUIRE(opened.ok());
            out.push_back(std::move(opened.value()));
          },
          caf::after(0s) >> [&] { more = false; });
    return out;
  }

  std::vector<uint64_t> replied_ids() {
    std::vector<uint64_t> ids;
    for (auto& r : replies()) {
      CHECK(r->kind() == wire::MessageKind::CHUNK_PUT_REPLY);
      ids.push_back(r->header().correlation_id);
    }
    return ids;
  }
};

}  // namespace

TEST_CASE_FIXTURE(slow_sync_fixture,
                  "a storage node holds a batch's replies until its slow sync is over") {
  auto fast = put({1, 0}, "fast");
  CHECK(replied_ids() == std::vector<uint64_t>{fast});  // no sync latency: no wait

  *sync_ms = 100;
  auto slow = put({1, 1}, "slow");
  CHECK(replied_ids().empty());
  advance(99ms);
  CHECK(replied_ids().empty());
  advance(1ms);
  CHECK(replied_ids() == std::vector<uint64_t>{slow});
}

TEST_CASE_FIXTURE(slow_sync_fixture,
                  "replies of a later batch never overtake a batch still waiting for its sync") {
  *sync_ms = 100;
  auto first = put({2, 0}, "first");
  *sync_ms = 10;
  auto second = put({2, 1}, "second");
  *sync_ms = 0;
  auto third = put({2, 2}, "third");
  CHECK(replied_ids().empty());
  advance(10ms);
  CHECK(replied_ids().empty());  // the second batch synced, but waits behind the first
  advance(90ms);
  CHECK(replied_ids() == std::vector<uint64_t>{first, second, third});
  auto fourth = put({2, 3}, "fourth");  // nothing held any more
  CHECK(replied_ids() == std::vector<uint64_t>{fourth});
}

TEST_CASE_FIXTURE(slow_sync_fixture, "a clean stop sends held replies and a kill drops them") {
  *sync_ms = 1000;
  auto held = put({3, 0}, "held");
  CHECK(replied_ids().empty());
  self->send_exit(node, caf::exit_reason::user_shutdown);
  sched.run();
  CHECK(replied_ids() == std::vector<uint64_t>{held});

  spawn();
  put({3, 1}, "dropped");
  self->send_exit(node, caf::exit_reason::kill);
  sched.run();
  advance(2s);
  CHECK(replied_ids().empty());
}

TEST_CASE_FIXTURE(slow_sync_fixture, "the storage.fail_put site fails a put with io_error") {
  {
    fixed_buggify_source source("storage.fail_put");
    put({4, 0}, "refused");
    auto got = replies();
    REQUIRE(got.size() == 1);
    REQUIRE(got[0]->kind() == wire::MessageKind::ERROR_REPLY);
    auto err = read_error_reply(*got[0]);
    CHECK(err.code == errc::io_error);
    CHECK(err.message == "injected by buggify: storage.fail_put");
  }
  send(make_chunk_get_request(header(), {4, 0}));
  auto got = replies();
  REQUIRE(got.size() == 1);
  REQUIRE(got[0]->kind() == wire::MessageKind::ERROR_REPLY);
  CHECK(read_error_reply(*got[0]).code == errc::not_found);
  auto ok = put({4, 0}, "stored");
  CHECK(replied_ids() == std::vector<uint64_t>{ok});
}

TEST_CASE_FIXTURE(slow_sync_fixture,
                  "a storage node refuses new writes with overloaded past 1024 held batches") {
  *sync_ms = 50;
  constexpr uint32_t held_batches_max = 1024;
  for (uint32_t i = 0; i < held_batches_max; ++i) put({5, i}, "x");  // one batch each
  CHECK(replies().empty());
  put({5, held_batches_max}, "refused");
  send(make_chunk_delete_request(header(), {5, 0}));
  auto refused = replies();
  REQUIRE(refused.size() == 2);
  for (auto& r : refused) {
    REQUIRE(r->kind() == wire::MessageKind::ERROR_REPLY);
    CHECK(read_error_reply(*r).code == errc::overloaded);
  }
  advance(50ms);
  CHECK(replied_ids().size() == held_batches_max);
  auto ok = put({5, held_batches_max}, "accepted");
  advance(50ms);
  CHECK(replied_ids() == std::vector<uint64_t>{ok});
}
