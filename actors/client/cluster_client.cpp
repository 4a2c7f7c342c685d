#include "actors/client/cluster_client.hpp"

#include <caf/all.hpp>

#include "actors/client/get_op.hpp"
#include "actors/client/put_op.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/cluster_link.hpp"

namespace cairn {

result<std::unique_ptr<cluster_client>> cluster_client::connect(caf::actor_system& sys,
                                                                const std::string& host,
                                                                uint16_t port, client_options opt) {
  cluster_link_config lc;
  lc.host = host;
  lc.port = port;
  lc.frame_bytes_max = opt.frame_bytes_max;
  lc.secret = opt.secret;
  lc.tls = opt.tls;
  auto link = connect_cluster_link(sys, lc);
  if (!link) return link.err();
  return attach(sys, *link, opt);
}

result<std::unique_ptr<cluster_client>> cluster_client::attach(caf::actor_system& sys,
                                                               caf::actor link,
                                                               client_options opt) {
  auto client = spawn_client_actor(sys, link, opt);
  std::unique_ptr<cluster_client> c(new cluster_client(link, client, {}));
  auto map = c->run<cluster_map>([](const context_ptr& ctx, callback<cluster_map> done) {
    fetch_map(ctx, [ctx, done](result<cluster_map> m) {
      if (m) ctx->set_map(*m);
      done(std::move(m));
    });
  });
  if (!map) return map.err();
  c->map_ = *map;
  return c;
}

cluster_client::cluster_client(caf::actor link, caf::actor client, cluster_map map)
    : link_(std::move(link)), client_(std::move(client)), map_(std::move(map)) {}

cluster_client::~cluster_client() {
  caf::anon_send_exit(client_, caf::exit_reason::user_shutdown);
  caf::anon_send(link_, stop_atom::value);
}

result<put_summary> cluster_client::put(const std::string& path, std::shared_ptr<byte_source> src,
                                        put_options opt) {
  return run<put_summary>([=](const context_ptr& ctx, callback<put_summary> done) {
    put_file(ctx, path, src, opt, std::move(done));
  });
}

result<get_summary> cluster_client::get(const std::string& path, std::shared_ptr<byte_sink> sink) {
  return run<get_summary>([=](const context_ptr& ctx, callback<get_summary> done) {
    get_file(ctx, path, sink, std::move(done));
  });
}

result<file_info> cluster_client::stat(const std::string& path) {
  return run<file_info>([=](const context_ptr& ctx, callback<file_info> done) {
    stat_path(ctx, path, std::move(done));
  });
}

result<std::vector<entry_info>> cluster_client::list(const std::string& path, bool with_sizes) {
  return run<std::vector<entry_info>>(
      [=](const context_ptr& ctx, callback<std::vector<entry_info>> done) {
        list_path(ctx, path, with_sizes, std::move(done));
      });
}

result<inode_id> cluster_client::mkdir(const std::string& path, bool parents) {
  return run<inode_id>([=](const context_ptr& ctx, callback<inode_id> done) {
    make_dir(ctx, path, parents, std::move(done));
  });
}

status cluster_client::remove(const std::string& path, bool recursive) {
  return run<unit>([=](const context_ptr& ctx, callback<unit> done) {
    remove_path(ctx, path, recursive, std::move(done));
  });
}

status cluster_client::move(const std::string& src, const std::string& dst) {
  return run<unit>([=](const context_ptr& ctx, callback<unit> done) {
    move_path(ctx, src, dst, std::move(done));
  });
}

result<cluster_status> cluster_client::status_report() {
  return run<cluster_status>([](const context_ptr& ctx, callback<cluster_status> done) {
    fetch_status(ctx, std::move(done));
  });
}

}  // namespace cairn
