#include "actors/client/client_actor.hpp"

#include <caf/all.hpp>

#include "runtime/net/atoms.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(cairn::client_job)

namespace cairn {
namespace {

using run_atom = caf::atom_constant<caf::atom("run")>;

struct client_actor_state {
  std::shared_ptr<client_context> ctx;
  ~client_actor_state() {
    if (ctx) ctx->cancel_timers();
  }
  static inline const char* name = "client";
};

caf::behavior client_actor(caf::stateful_actor<client_actor_state>* self, caf::actor link,
                           client_options opt) {
  // The client outlives its link on purpose: once the link is gone, every request
  // to it fails at once (request_receiver_down), so each job still ends with an error
  // instead of being dropped unanswered.
  self->state.ctx = std::make_shared<client_context>(self, link, opt);
  return {
      [self](run_atom, const client_job& job) { job(self->state.ctx); },
      [self](tick_atom, uint64_t timer) { self->state.ctx->fire(timer); },
  };
}

}  // namespace

caf::actor spawn_client_actor(caf::actor_system& sys, caf::actor link, const client_options& opt) {
  return sys.spawn(client_actor, std::move(link), opt);
}

void run_client_job(const caf::actor& client, client_job job) {
  caf::anon_send(client, run_atom::value, std::move(job));
}

}  // namespace cairn
