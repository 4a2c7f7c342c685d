#pragma once
// The CLI's commands. Each returns the process exit status and prints its result
// (table or JSON) to stdout, or one line "cairn: <code>: <message>" to stderr.
#include <string>

#include "actors/client/cluster_client.hpp"
#include "tools/cairn/output.hpp"

namespace cairn::cli {

struct command_env {
  cluster_client* client = nullptr;
  format fmt = format::table;
};

int fail(const error& err);

int cmd_put(command_env& env, const std::string& local, const std::string& remote, put_options opt);
int cmd_get(command_env& env, const std::string& remote, const std::string& local);
int cmd_ls(command_env& env, const std::string& path, bool long_format);
int cmd_stat(command_env& env, const std::string& path);
int cmd_mkdir(command_env& env, const std::string& path, bool parents);
int cmd_rm(command_env& env, const std::string& path, bool recursive);
int cmd_mv(command_env& env, const std::string& src, const std::string& dst);
int cmd_status(command_env& env);
// `cairn health detail`: every failing health check (cluster_health.hpp) with its items.
int cmd_health_detail(command_env& env);
// `cairn node tree`: the topology, region > dc > cluster > rack > host, with states.
int cmd_node_tree(command_env& env);

}  // namespace cairn::cli
