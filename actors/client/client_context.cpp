#include "actors/client/client_context.hpp"

#include <caf/all.hpp>

#include "runtime/net/atoms.hpp"

namespace cairn {

client_context::client_context(caf::event_based_actor* self, caf::actor link, client_options opt)
    : self_(self),
      link_(std::move(link)),
      opt_(opt),
      next_correlation_(opt.correlation_base),
      rng_(rng(opt.seed).derive("client")) {}

void client_context::call(const address& to, wire::MessageKind kind, uint64_t trace,
                          const std::function<void(envelope_builder&)>& fill, reply_fn done) {
  envelope_header h;
  h.source = {client_host, "client"};
  h.destination = to;
  h.correlation_id = next_correlation_++;
  h.trace_id = trace;
  h.kind = kind;
  envelope_builder b(h);
  fill(b);
  auto expected = static_cast<wire::MessageKind>(static_cast<uint16_t>(kind) + 1);
  auto limit = opt_.frame_bytes_max;
  self_
      ->request(link_, std::chrono::milliseconds(opt_.request_timeout_ms), envelope_atom::value,
                h.correlation_id, b.finish())
      .then(
          [done, expected, limit](std::string& frame) {
            auto opened = envelope_reader::open(std::move(frame), {limit});
            if (!opened) return done(opened.err());
            auto k = opened.value()->kind();
            if (k == wire::MessageKind::ERROR_REPLY) return done(read_error_reply(*opened.value()));
            if (k != expected) return done(error{errc::internal, "unexpected reply kind"});
            done(std::move(opened.value()));
          },
          [this, done, to](caf::error& err) {
            auto code = err == caf::sec::request_timeout ? errc::timeout : errc::unavailable;
            done(error{code, to_string(to) + ": " + self_->system().render(err)});
          });
}

void client_context::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  auto id = next_timer_++;
  timers_.emplace(id, std::move(fn));
  self_->delayed_send(self_, delay, tick_atom::value, id);
}

void client_context::fire(uint64_t timer_id) {
  auto it = timers_.find(timer_id);
  if (it == timers_.end()) return;
  auto fn = std::move(it->second);
  timers_.erase(it);
  fn();
}

}  // namespace cairn
