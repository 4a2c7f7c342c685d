#pragma once
// The client library's CAF shell: an event-based actor that runs client operations
// (namespace_ops, put_op, get_op) as jobs. Every operation is a chain of requests
// through `link`, an actor that takes (envelope_atom, correlation, frame) and answers
// with the reply frame: a TCP cluster_link in the CLI, a simulated network later.
#include <caf/fwd.hpp>

#include <functional>

#include "actors/client/client_context.hpp"

namespace cairn {

using client_job = std::function<void(const std::shared_ptr<client_context>&)>;

caf::actor spawn_client_actor(caf::actor_system& sys, caf::actor link, const client_options& opt);

// Runs `job` inside the client actor.
void run_client_job(const caf::actor& client, client_job job);

}  // namespace cairn
