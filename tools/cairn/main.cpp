// cairn: the command-line client. Talks to a cairnd over TCP.
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <random>

#include "runtime/config.hpp"
#include "tools/cairn/bench.hpp"
#include "tools/cairn/commands.hpp"
#include "tools/cairn/node_command.hpp"

using namespace cairn;
using namespace cairn::cli;

namespace {

uint8_t replicas_arg(int v) { return static_cast<uint8_t>(std::clamp(v, 0, 255)); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "cairn: command-line client for a cairn cluster.\n"
      "Exit status: 0 ok, 1 usage error, 10+N for error code N "
      "(11 not_found, 12 already_exists, 13 not_empty, 14 not_a_directory, "
      "15 is_a_directory, 16 invalid_argument, 18 timeout, 19 no_space, 20 corrupt, "
      "22 unavailable)."};
  app.require_subcommand(1);
  const char* env_cluster = std::getenv("CAIRN_CLUSTER");
  std::string cluster = env_cluster ? env_cluster : "127.0.0.1:7400";
  std::string output = "table";
  uint32_t timeout_ms = 30000;
  app.add_option("--cluster", cluster, "cluster address HOST:PORT (env CAIRN_CLUSTER)")
      ->capture_default_str();
  app.add_option("-o,--output", output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  app.add_option("--timeout-ms", timeout_ms, "per-request timeout")->capture_default_str();
  const char* env_secret = std::getenv("CAIRN_SECRET_FILE");
  std::string secret_file = env_secret ? env_secret : "";
  app.add_option("--secret-file", secret_file,
                 "the cluster secret, for a cluster that has one (env CAIRN_SECRET_FILE)");
  tls_config tls;
  auto env_or = [](const char* name) { return std::getenv(name) ? std::getenv(name) : ""; };
  tls.cert_file = env_or("CAIRN_TLS_CERT");
  tls.key_file = env_or("CAIRN_TLS_KEY");
  tls.ca_file = env_or("CAIRN_TLS_CA");
  app.add_option("--tls-cert", tls.cert_file,
                 "client certificate (PEM), for a cluster with TLS (env CAIRN_TLS_CERT)");
  app.add_option("--tls-key", tls.key_file, "its private key (env CAIRN_TLS_KEY)");
  app.add_option("--tls-ca", tls.ca_file, "the cluster CA (env CAIRN_TLS_CA)");

  std::function<int(command_env&)> command;
  std::string a, b;
  bool flag = false;
  int min_r = 0, final_r = 0;

  auto* put = app.add_subcommand("put", "store a local file (LOCAL may be - for stdin)");
  put->add_option("LOCAL", a)->required();
  put->add_option("REMOTE", b, "absolute cairn path")->required();
  put->add_option("--min", min_r,
                  "replicas durable before the put is acknowledged (default: cluster)");
  put->add_option("--final", final_r, "replicas the cluster keeps eventually (default: cluster)");
  put->callback([&] {
    command = [&](command_env& env) {
      return cmd_put(env, a, b, put_options{replicas_arg(min_r), replicas_arg(final_r)});
    };
  });
  auto* get = app.add_subcommand("get", "fetch a file to LOCAL (or - for stdout)");
  get->add_option("REMOTE", a)->required();
  get->add_option("LOCAL", b)->required();
  get->callback([&] { command = [&](command_env& env) { return cmd_get(env, a, b); }; });
  auto* ls = app.add_subcommand("ls", "list a directory");
  ls->add_option("PATH", a)->required();
  ls->add_flag("-l", flag, "long format: kind and size");
  ls->callback([&] { command = [&](command_env& env) { return cmd_ls(env, a, flag); }; });
  auto* stat = app.add_subcommand("stat", "size, checksum, chunks and replicas of a path");
  stat->add_option("PATH", a)->required();
  stat->callback([&] { command = [&](command_env& env) { return cmd_stat(env, a); }; });
  auto* mkdir = app.add_subcommand("mkdir", "create a directory");
  mkdir->add_option("PATH", a)->required();
  mkdir->add_flag("-p,--parents", flag, "create missing parents; no error if it exists");
  mkdir->callback([&] { command = [&](command_env& env) { return cmd_mkdir(env, a, flag); }; });
  auto* rm = app.add_subcommand("rm", "remove a file or an empty directory");
  rm->add_option("PATH", a)->required();
  rm->add_flag("-r,--recursive", flag, "remove a directory and everything below it");
  rm->callback([&] { command = [&](command_env& env) { return cmd_rm(env, a, flag); }; });
  auto* mv = app.add_subcommand("mv", "rename a file or directory");
  mv->add_option("SRC", a)->required();
  mv->add_option("DST", b)->required();
  mv->callback([&] { command = [&](command_env& env) { return cmd_mv(env, a, b); }; });
  auto* status =
      app.add_subcommand("status", "hosts, shards, files, bytes, under-replicated chunks");
  status->callback([&] { command = [&](command_env& env) { return cmd_status(env); }; });

  auto* health = app.add_subcommand("health", "what is wrong with the cluster");
  health->add_subcommand("detail", "every failing check: a stable code and the items behind it")
      ->callback([&] { command = [&](command_env& env) { return cmd_health_detail(env); }; });
  health->require_subcommand(1);

  node_command nc;
  auto* node = app.add_subcommand(
      "node",
      "show the topology (tree), or change a host's membership state (a dry run unless --apply)");
  node->add_option("ACTION", nc.action,
                   "tree (region > dc > cluster > rack > host), decommission (up -> draining), "
                   "recommission (draining -> up), out (down|draining -> out)")
      ->required()
      ->check(CLI::IsMember({"tree", "decommission", "recommission", "out"}));
  node->add_option("HOST", nc.host, "host id or name (not for tree)");
  node->add_flag("--apply", nc.apply, "change the cluster (default: only show the change)");

  bench_options bo;
  std::string size_text = "4KiB";
  auto* bench = app.add_subcommand("bench", "measure put or get throughput and latency");
  bench->add_option("OP", bo.op, "put or get")->required()->check(CLI::IsMember({"put", "get"}));
  bench->add_option("--size", size_text, "file size, e.g. 4KiB or 1MiB")->capture_default_str();
  bench->add_option("--count", bo.count, "operations")->capture_default_str();
  bench->add_option("--inflight", bo.inflight, "concurrent operations")->capture_default_str();
  bench->add_option("--connections", bo.connections, "TCP connections (client actors)")
      ->capture_default_str();
  bench->add_option("--min", min_r, "min replicas (default: cluster)");
  bench->add_option("--final", final_r, "final replicas (default: cluster)");
  bench->add_flag("--keep", bo.keep, "leave the files written");

  CLI11_PARSE(app, argc, argv);

  auto ep = parse_endpoint(cluster);
  if (!ep) return fail({errc::invalid_argument, "--cluster: " + ep.err().message});
  format fmt = output == "json" ? format::json : format::table;

  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  cfg.set("work-stealing.aggressive-poll-attempts", 0);
  cfg.set("work-stealing.moderate-poll-attempts", 0);
  caf::actor_system sys{cfg};
  client_options copt;
  copt.request_timeout_ms = timeout_ms;
  // 64 random bits: trace ids come from this seed, and meta shards tell a resent write
  // from another client's by (correlation id, trace id), correlation ids starting at 1.
  std::random_device device;
  copt.seed = (uint64_t{device()} << 32) ^ device();
  if (!secret_file.empty()) {
    auto secret = read_secret_file(std::filesystem::absolute(secret_file).string());
    if (!secret) return fail({secret.code(), "--secret-file: " + secret.err().message});
    copt.secret = *secret;
  }
  if (!tls.cert_file.empty() || !tls.key_file.empty() || !tls.ca_file.empty()) {
    if (tls.cert_file.empty() || tls.key_file.empty() || tls.ca_file.empty())
      return fail({errc::invalid_argument, "--tls-cert, --tls-key and --tls-ca go together"});
    copt.tls = tls;
  }

  if (bench->parsed()) {
    auto size = parse_size(size_text);
    if (!size) return fail(size.err());
    bo.size = *size;
    bo.put = put_options{replicas_arg(min_r), replicas_arg(final_r)};
    return cmd_bench(sys, ep->first, ep->second, copt, bo, fmt);
  }
  if (node->parsed() && nc.action == "tree")
    command = [](command_env& env) { return cmd_node_tree(env); };
  else if (node->parsed() && nc.host.empty())
    return fail({errc::invalid_argument, "node " + nc.action + " needs a HOST (id or name)"});
  else if (node->parsed())
    return cmd_node(sys, ep->first, ep->second, copt, nc, fmt);
  auto client = cluster_client::connect(sys, ep->first, ep->second, copt);
  if (!client) return fail(client.err());
  command_env env{client->get(), fmt};
  return command(env);
}
