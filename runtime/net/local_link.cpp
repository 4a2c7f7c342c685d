#include "runtime/net/local_link.hpp"

#include <caf/all.hpp>

#include "runtime/net/atoms.hpp"

namespace cairn {

result<routed_frame> route_frame(const registry& reg, std::string frame, size_t frame_bytes_max) {
  auto opened = envelope_reader::open(std::move(frame), {frame_bytes_max});
  if (!opened) return opened.err();
  auto header = opened.value()->header();
  auto dest = reg.find(header.destination);
  return routed_frame{dest ? *dest : caf::actor{}, std::move(header),
                      std::move(*opened.value()).take_frame()};
}

error no_such_actor(const address& a) {
  return error{errc::unavailable, "no actor " + to_string(a)};
}

namespace {

caf::behavior local_link(caf::event_based_actor* self, registry* reg, local_link_config cfg) {
  return {
      [self, reg, cfg](envelope_atom, uint64_t, std::string& frame) -> caf::result<std::string> {
        auto routed = route_frame(*reg, std::move(frame), cfg.frame_bytes_max);
        if (!routed) return caf::make_error(caf::sec::invalid_argument, routed.err().to_string());
        if (!routed->destination)
          return make_error_reply(routed->header, no_such_actor(routed->header.destination));
        auto rp = self->make_response_promise<std::string>();
        auto header = routed->header;
        self->request(routed->destination, std::chrono::milliseconds(cfg.request_timeout_ms),
                      envelope_atom::value, std::move(routed->frame))
            .then([rp](std::string& reply) mutable { rp.deliver(std::move(reply)); },
                  [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      [self](stop_atom) { self->quit(); },
  };
}

}  // namespace

caf::actor spawn_local_link(caf::actor_system& sys, registry& reg, const local_link_config& cfg) {
  return sys.spawn(local_link, &reg, cfg);
}

}  // namespace cairn
