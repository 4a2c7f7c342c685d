// A whole cluster in one actor system — three storage nodes, three meta shards and
// the coordinator — driven by the real client library through a local link.
#include <doctest/doctest.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <filesystem>
#include <thread>

#include "actors/client/cluster_client.hpp"
#include "cairn/schema/meta.capnp.h"
#include "runtime/net/atoms.hpp"
#include "runtime/net/local_link.hpp"
#include "tools/cairnd/local_cluster.hpp"

using namespace cairn;

namespace {

struct in_process_cluster {
  std::string dir;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  registry reg;
  local_cluster roles;
  caf::actor link;
  std::unique_ptr<cluster_client> client;

  explicit in_process_cluster(uint64_t chunk_size) {
    char tmpl[] = "/tmp/cairn-cluster-test.XXXXXX";
    dir = ::mkdtemp(tmpl);
    cfg.load<caf::io::middleman>();
    sys = std::make_unique<caf::actor_system>(cfg);
    cluster_config c;
    c.data_dir = dir;
    c.listen_port = 0;
    c.chunk_size = chunk_size;
    for (host_id h = 1; h <= 3; ++h) {
      host_config hc;
      hc.id = h;
      hc.name = "h" + std::to_string(h);
      hc.labels.rack = "r" + std::to_string(h);
      hc.data_dir = dir + "/" + hc.name;
      c.hosts.push_back(hc);
    }
    auto started = start_local_cluster(*sys, reg, c, 42);
    REQUIRE(started.ok());
    roles = std::move(*started);
    link = spawn_local_link(*sys, reg, {});
    auto attached = cluster_client::attach(*sys, link, client_options{});
    REQUIRE(attached.ok());
    client = std::move(*attached);
  }
  ~in_process_cluster() {
    client.reset();
    caf::anon_send_exit(link, caf::exit_reason::user_shutdown);
    link = {};
    stop_local_cluster(roles);
    roles = {};
    reg.clear();
    sys->await_all_actors_done();
    sys.reset();
    std::filesystem::remove_all(dir);
  }
};

std::string bytes_of(size_t n, char seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i * 31 + (i >> 7));
  return s;
}

std::string read_back(cluster_client& c, const std::string& path) {
  auto sink = std::make_shared<memory_sink>();
  auto r = c.get(path, sink);
  REQUIRE(r.ok());
  return sink->bytes();
}

}  // namespace

TEST_CASE("files of 0 bytes to many chunks round-trip through an in-process cluster") {
  in_process_cluster cl(64 * 1024);
  auto& c = *cl.client;
  REQUIRE(c.mkdir("/data/sub", true).ok());
  for (size_t size : {size_t{0}, size_t{1}, size_t{65536}, size_t{65537}, size_t{300000}}) {
    auto path = "/data/sub/f" + std::to_string(size);
    auto content = bytes_of(size, static_cast<char>(size));
    auto put = c.put(path, memory_source(content), {});
    REQUIRE(put.ok());
    CHECK(put->bytes == size);
    CHECK(read_back(c, path) == content);
    auto st = c.stat(path);
    REQUIRE(st.ok());
    CHECK(st->size == size);
    for (auto& chunk : st->chunks) CHECK(chunk.live_replicas() >= 2);
  }
  auto listed = c.list("/data/sub", true);
  REQUIRE(listed.ok());
  CHECK(listed->size() == 5);
}

TEST_CASE("concurrent puts from many threads are all readable and counted by status") {
  in_process_cluster cl(64 * 1024);
  auto& c = *cl.client;
  REQUIRE(c.mkdir("/many", false).ok());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto path = "/many/t" + std::to_string(t) + "-" + std::to_string(i);
        if (!c.put(path, memory_source(bytes_of(1000 + i, static_cast<char>(t))), {}).ok())
          ++failures;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  CHECK(read_back(c, "/many/t3-7") == bytes_of(1007, 3));
  auto s = c.status_report();
  REQUIRE(s.ok());
  CHECK(s->files() == 80);
  CHECK(s->shards.size() == 3);
  for (auto& n : s->nodes) CHECK(n.reachable);
}

TEST_CASE("renames across directories keep the bytes and removes leave nothing behind") {
  in_process_cluster cl(64 * 1024);
  auto& c = *cl.client;
  // Enough directories that some pairs live on different shards.
  for (int d = 0; d < 6; ++d) REQUIRE(c.mkdir("/d" + std::to_string(d), false).ok());
  auto content = bytes_of(70000, 9);
  REQUIRE(c.put("/d0/f", memory_source(content), {}).ok());
  for (int d = 1; d < 6; ++d) {
    auto from = "/d" + std::to_string(d - 1) + "/f", to = "/d" + std::to_string(d) + "/f";
    REQUIRE(c.move(from, to).ok());
    CHECK(c.stat(from).code() == errc::not_found);
  }
  CHECK(read_back(c, "/d5/f") == content);
  REQUIRE(c.move("/d5", "/d0/d5").ok());
  CHECK(read_back(c, "/d0/d5/f") == content);
  CHECK(c.remove("/d0", false).code() == errc::not_empty);
  REQUIRE(c.remove("/d0", true).ok());
  CHECK(c.stat("/d0/d5/f").code() == errc::not_found);
  auto s = c.status_report();
  REQUIRE(s.ok());
  CHECK(s->files() == 0);
}

TEST_CASE("a client whose link is gone fails every call with unavailable instead of hanging") {
  in_process_cluster cl(64 * 1024);
  auto& c = *cl.client;
  REQUIRE(c.mkdir("/x", false).ok());
  caf::anon_send_exit(cl.link, caf::exit_reason::kill);
  CHECK(c.stat("/x").code() == errc::unavailable);
  CHECK(c.put("/x/f", memory_source("abc"), {}).code() == errc::unavailable);
}

TEST_CASE("attaching to a link with no cluster behind it fails with unavailable") {
  in_process_cluster cl(64 * 1024);
  registry empty;
  auto link = spawn_local_link(*cl.sys, empty, {});
  auto client = cluster_client::attach(*cl.sys, link, client_options{});
  CHECK(client.code() == errc::unavailable);
  caf::anon_send_exit(link, caf::exit_reason::user_shutdown);
}

TEST_CASE("a put that cannot reach min storage nodes fails retryably and leaves nothing visible") {
  in_process_cluster cl(64 * 1024);
  auto& c = *cl.client;
  // Two of three storage nodes unreachable: every chunk can get at most one ack.
  cl.reg.erase(storage_address(2));
  cl.reg.erase(storage_address(3));
  auto put = c.put("/f", memory_source(bytes_of(200000, 1)), {});
  REQUIRE_FALSE(put.ok());
  CHECK(put.code() == errc::unavailable);
  CHECK(is_retryable(put.code()));
  CHECK(c.stat("/f").code() == errc::not_found);
  auto listed = c.list("/", false);
  REQUIRE(listed.ok());
  CHECK(listed->empty());
  // With min 1 the same write succeeds and is recorded as under-replicated.
  auto single = c.put("/g", memory_source(bytes_of(1000, 2)), {1, 3});
  REQUIRE(single.ok());
  CHECK(single->under_replicated_chunks == 1);
}

TEST_CASE("rm -r removes a directory entry whose marker an interrupted rm already removed") {
  in_process_cluster cl(64 * 1024);
  auto& c = *cl.client;
  REQUIRE(c.mkdir("/q/e", true).ok());
  auto e = c.stat("/q/e");
  REQUIRE(e.ok());
  // What a crash between dirRemove and unlink leaves behind: the entry, no marker.
  envelope_header h{{client_host, "test"},
                    c.map().meta_address_for(e->id),
                    1,
                    1,
                    0,
                    wire::MessageKind::DIR_REMOVE_REQUEST};
  envelope_builder b(h);
  b.init_payload<wire::DirRemoveRequest>().setDirId(e->id);
  auto shard = cl.reg.find(h.destination);
  REQUIRE(shard.has_value());
  caf::scoped_actor self{*cl.sys};
  self->request(*shard, caf::infinite, envelope_atom::value, b.finish())
      .receive([](std::string&) {}, [](caf::error&) { FAIL("dirRemove failed"); });
  CHECK(c.list("/q/e", false).code() == errc::not_found);
  REQUIRE(c.remove("/q", true).ok());
  CHECK(c.stat("/q").code() == errc::not_found);
}
