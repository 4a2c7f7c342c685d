#pragma once
// `cairn node decommission|recommission|out HOST [--apply]`: asks the coordinator to
// change a host's membership state. A dry run unless --apply: it prints the state the
// host is in and the one it would move to.
#include <caf/fwd.hpp>

#include <string>

#include "actors/client/client_context.hpp"

#include "tools/cairn/output.hpp"

namespace cairn::cli {

struct node_command {
  std::string action;  // decommission, recommission or out
  std::string host;    // a host id or name
  bool apply = false;
};

// REQUIRES: the actor system loaded caf::io::middleman.
int cmd_node(caf::actor_system& sys, const std::string& cluster_host, uint16_t port,
             const client_options& opt, const node_command& cmd, format fmt);

}  // namespace cairn::cli
