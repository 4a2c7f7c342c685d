#pragma once
// A blocking facade over the client actor for programs that are not actors (the CLI,
// benchmarks, integration tests): each call runs one operation inside the client
// actor and waits for its result. Thread-safe; calls from several threads run
// concurrently over the same TCP link.
#include <caf/fwd.hpp>

#include <future>
#include <memory>

#include "actors/client/byte_io.hpp"
#include "actors/client/client_actor.hpp"
#include "actors/client/client_types.hpp"
#include "actors/coordinator/coordinator_protocol.hpp"

namespace cairn {

class cluster_client {
 public:
  // Connects to host:port and fetches the cluster map.
  static result<std::unique_ptr<cluster_client>> connect(caf::actor_system& sys,
                                                         const std::string& host, uint16_t port,
                                                         client_options opt);
  // Uses an existing link (e.g. runtime/net/local_link.hpp) and fetches the map.
  static result<std::unique_ptr<cluster_client>> attach(caf::actor_system& sys, caf::actor link,
                                                        client_options opt);
  ~cluster_client();

  const cluster_map& map() const { return map_; }

  result<put_summary> put(const std::string& path, std::shared_ptr<byte_source> src,
                          put_options opt);
  result<get_summary> get(const std::string& path, std::shared_ptr<byte_sink> sink);
  result<file_info> stat(const std::string& path);
  result<std::vector<entry_info>> list(const std::string& path, bool with_sizes);
  result<inode_id> mkdir(const std::string& path, bool parents);
  status remove(const std::string& path, bool recursive);
  status move(const std::string& src, const std::string& dst);
  result<cluster_status> status_report();

 private:
  cluster_client(caf::actor link, caf::actor client, cluster_map map);

  // Runs op(ctx, done) in the client actor and waits for done(result).
  template <class T, class Op>
  result<T> run(Op op) {
    auto promise = std::make_shared<std::promise<result<T>>>();
    auto future = promise->get_future();
    run_client_job(client_, [promise, op](const std::shared_ptr<client_context>& ctx) {
      op(ctx, [promise](result<T> r) { promise->set_value(std::move(r)); });
    });
    return future.get();
  }

  caf::actor link_;
  caf::actor client_;
  cluster_map map_;
};

}  // namespace cairn
