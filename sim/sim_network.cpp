#include "sim/sim_network.hpp"

#include <caf/all.hpp>

#include "runtime/envelope.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/local_link.hpp"

namespace cairn {

void sim_network::clear_targets(host_id host) {
  std::erase_if(targets, [&](const auto& t) { return t.first.first == host; });
}

namespace {

// One copy of a message on its way: a request to the real actor, or a reply to the
// sender's promise.
struct in_flight {
  bool is_reply = false;
  bool answer = false;  // the copy whose reply goes back (not a duplicate)
  std::string frame;
  envelope_header header;
  uint64_t incarnation = 0;  // of this NIC's host when the request arrived
  caf::response_promise promise;
};

struct nic_state {
  sim_network* net = nullptr;
  host_id host = 0;
  uint64_t next_id = 1;
  std::map<uint64_t, in_flight> flying;
  static inline const char* name = "sim_nic";
};

using nic_actor = caf::stateful_actor<nic_state>;

uint64_t incarnation_of(const sim_network& net, host_id h) {
  auto it = net.incarnation.find(h);
  return it == net.incarnation.end() ? 0 : it->second;
}

bool host_alive(const sim_network& net, host_id h, uint64_t incarnation) {
  return net.down.count(h) == 0 && incarnation_of(net, h) == incarnation;
}

// Sends copies of `msg` after the delays the link model chose (none: lost).
void launch(nic_actor* self, host_id from, host_id to, in_flight msg) {
  auto& st = self->state;
  auto& net = *st.net;
  auto fate = net.links.send(from, to, net.world.now(), net.random);
  net.trace.record(net.world.now(), msg.is_reply ? "reply" : "send",
                   {{"from", from},
                    {"to", to},
                    {"kind", static_cast<uint64_t>(msg.header.kind)},
                    {"trace", msg.header.trace_id},
                    {"bytes", msg.frame.size()},
                    {"copies", fate.delays.size()},
                    {"delay_us", fate.delays.empty() ? 0 : uint64_t(fate.delays.front())}},
                   msg.header.destination.actor);
  if (fate.delays.empty()) {
    ++net.counters.dropped;
    return;  // the promise goes unanswered: the sender's own timeout decides
  }
  // Extra copies of a request are delivered too, but only the first one's reply goes
  // back (a reply duplicated on the wire would be discarded by its receiver anyway).
  size_t copies = msg.is_reply ? 1 : fate.delays.size();
  net.counters.duplicated += copies - 1;
  auto schedule = [&](in_flight copy, sim_us delay) {
    uint64_t id = st.next_id++;
    st.flying.emplace(id, std::move(copy));
    self->delayed_send(self, std::chrono::microseconds(delay), tick_atom::value, id);
  };
  for (size_t i = 1; i < copies; ++i) {
    in_flight dup;
    dup.frame = msg.frame;
    dup.header = msg.header;
    dup.incarnation = msg.incarnation;
    schedule(std::move(dup), fate.delays[i]);
  }
  schedule(std::move(msg), fate.delays[0]);
}

void reply_back(nic_actor* self, in_flight req, std::string reply) {
  auto& net = *self->state.net;
  if (!req.answer) return;  // the reply to a duplicate
  if (!host_alive(net, self->state.host, req.incarnation)) {
    ++net.counters.host_down;
    return;
  }
  ++net.counters.replies;
  in_flight back;
  back.is_reply = true;
  back.answer = true;
  back.frame = std::move(reply);
  back.header = req.header;
  back.promise = std::move(req.promise);
  launch(self, self->state.host, req.header.source.host, std::move(back));
}

void arrive(nic_actor* self, uint64_t id) {
  auto& st = self->state;
  auto& net = *st.net;
  auto it = st.flying.find(id);
  if (it == st.flying.end()) return;
  auto msg = std::move(it->second);
  st.flying.erase(it);
  if (msg.is_reply) {
    if (msg.answer) msg.promise.deliver(std::move(msg.frame));
    return;
  }
  if (!host_alive(net, st.host, msg.incarnation)) {
    ++net.counters.host_down;
    return;
  }
  auto& dest = msg.header.destination;
  auto target = net.targets.find({dest.host, dest.actor});
  if (target == net.targets.end()) {
    auto reply = make_error_reply(msg.header, no_such_actor(dest));
    return reply_back(self, std::move(msg), std::move(reply));
  }
  auto frame = std::move(msg.frame);
  auto shared = std::make_shared<in_flight>(std::move(msg));
  // No timeout: a timer per delivery would cost the simulation a fifth of its speed. A
  // role killed while holding the request leaves this handler pending to the end of
  // the run (a few per crash); the sender's own timeout decides for the sender.
  self->request(target->second, caf::infinite, envelope_atom::value, std::move(frame))
      .then([self, shared](std::string& reply) { reply_back(self, std::move(*shared), reply); },
            [self](caf::error&) {
              // The role died with the request: its host crashed under it.
              ++self->state.net->counters.host_down;
            });
}

caf::behavior nic(nic_actor* self, sim_network* net, host_id host) {
  self->state.net = net;
  self->state.host = host;
  return {
      [self](envelope_atom, std::string& frame) -> caf::result<std::string> {
        auto& st = self->state;
        auto& net = *st.net;
        auto opened = envelope_reader::open(std::move(frame));
        if (!opened) {
          ++net.counters.undecodable;
          return caf::make_error(caf::sec::unexpected_message);
        }
        ++net.counters.requests;
        auto promise = self->make_response_promise();
        // A host that is down accepts nothing (a TCP connect to it would fail); what was
        // sent before its crash is dropped on arrival by the incarnation check.
        if (net.down.count(st.host)) {
          ++net.counters.host_down;
          return promise;
        }
        in_flight msg;
        msg.header = opened.value()->header();
        msg.frame = std::move(*opened.value()).take_frame();
        msg.answer = true;
        msg.incarnation = incarnation_of(net, st.host);
        msg.promise = promise;
        launch(self, msg.header.source.host, st.host, std::move(msg));
        return promise;
      },
      [self](tick_atom, uint64_t id) { arrive(self, id); },
  };
}

}  // namespace

caf::actor spawn_nic(caf::actor_system& sys, sim_network& net, host_id host) {
  return sys.spawn(nic, &net, host);
}

}  // namespace cairn
