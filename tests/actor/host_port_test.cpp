// The client port over real TCP: replies reach only the connection that asked.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <filesystem>

#include "cairn/schema/cluster.capnp.h"
#include "cairn/schema/storage.capnp.h"
#include "runtime/cluster_map.hpp"
#include "runtime/frame.hpp"
#include "tools/cairnd/local_cluster.hpp"

using namespace cairn;

namespace {

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

void send_all(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    auto n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    REQUIRE(n > 0);
    done += static_cast<size_t>(n);
  }
}

std::unique_ptr<envelope_reader> read_frame(int fd) {
  frame_splitter splitter(64u << 20);
  char buf[65536];
  while (!splitter.has_frame()) {
    auto n = ::recv(fd, buf, sizeof buf, 0);
    REQUIRE(n > 0);
    REQUIRE(splitter.feed({buf, static_cast<size_t>(n)}).ok());
  }
  auto r = envelope_reader::open(splitter.pop_frame());
  REQUIRE(r.ok());
  return std::move(r.value());
}

std::string chunk_put(uint64_t correlation, const std::string& data) {
  envelope_builder b(envelope_header{{client_host, "t"},
                                     storage_address(1),
                                     correlation,
                                     1,
                                     0,
                                     wire::MessageKind::CHUNK_PUT_REQUEST});
  auto p = b.init_payload<wire::ChunkPutRequest>();
  p.setFileId(make_inode_id(0, 1000 + correlation));
  p.setIndex(0);
  p.setData(kj::arrayPtr(reinterpret_cast<const kj::byte*>(data.data()), data.size()));
  return b.finish();
}

std::string map_request(uint64_t correlation) {
  envelope_builder b(envelope_header{{client_host, "t"},
                                     coordinator_address(),
                                     correlation,
                                     2,
                                     0,
                                     wire::MessageKind::CLUSTER_MAP_REQUEST});
  b.init_payload<wire::ClusterMapRequest>();
  return b.finish();
}

}  // namespace

TEST_CASE("replies for a closed connection never reach the next connection on that descriptor") {
  char tmpl[] = "/tmp/cairn-port-test.XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  auto sys = std::make_unique<caf::actor_system>(cfg);
  registry reg;
  cluster_config c;
  c.data_dir = dir;
  c.listen_port = 0;
  host_config h;
  h.id = 1;
  h.name = "h1";
  h.data_dir = dir + "/h1";
  c.hosts.push_back(h);
  c.min_replicas = c.final_replicas = 1;
  c.shards = 1;
  auto roles = start_local_cluster(*sys, reg, c, 1);
  REQUIRE(roles.ok());
  std::string data(1 << 20, 'x');
  for (int round = 0; round < 5; ++round) {
    // A: many slow requests, then hang up while they are in flight.
    int a = connect_to(roles->port);
    for (uint64_t i = 1; i <= 40; ++i) send_all(a, chunk_put(i, data));
    ::close(a);
    // B: the server's next connection, likely on A's old descriptor.
    int b = connect_to(roles->port);
    for (uint64_t i = 1; i <= 3; ++i) {
      send_all(b, map_request(i));
      auto reply = read_frame(b);
      CHECK(reply->kind() == wire::MessageKind::CLUSTER_MAP_REPLY);
      CHECK(reply->header().correlation_id == i);
    }
    ::close(b);
  }
  stop_local_cluster(*roles);
  *roles = {};
  reg.clear();
  sys->await_all_actors_done();
  sys.reset();
  std::filesystem::remove_all(dir);
}
