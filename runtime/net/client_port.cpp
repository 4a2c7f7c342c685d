#include "runtime/net/client_port.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <unordered_map>

#include "runtime/frame.hpp"
#include "runtime/log.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/local_link.hpp"

namespace cairn {
namespace {

struct connection_state {
  explicit connection_state(size_t frame_bytes_max) : splitter(frame_bytes_max) {}
  frame_splitter splitter;
  uint32_t inflight = 0;
  bool flush_scheduled = false;
  // CAF names a connection by its file descriptor, which the kernel reuses: a reply
  // for a connection that closed must not reach the next one with the same number.
  uint64_t generation = 0;
};

struct port_state {
  registry* reg = nullptr;
  client_port_config cfg;
  std::unordered_map<caf::io::connection_handle, connection_state> connections;
  uint64_t next_generation = 1;
  std::shared_ptr<spdlog::logger> log;
  uint16_t bound_port = 0;
  std::string bind_error;
  static inline const char* name = "client_port";
};

using port_broker = caf::io::stateful_broker<port_state>;

// Replies are written to the connection's buffer and flushed by a message the broker
// sends itself: every reply that arrives before that message goes out in the same
// send() call. One syscall per burst instead of one per reply.
void write_frame(port_broker* self, caf::io::connection_handle hdl, const std::string& frame) {
  auto it = self->state.connections.find(hdl);
  if (it == self->state.connections.end()) return;
  self->write(hdl, frame.size(), frame.data());
  if (!it->second.flush_scheduled) {
    it->second.flush_scheduled = true;
    self->send(self, flush_atom::value, hdl);
  }
}

void reject_connection(port_broker* self, caf::io::connection_handle hdl, const error& why) {
  self->state.reg->counters().frames_rejected++;
  self->state.reg->counters().connections_closed_bad_frame++;
  self->state.log->warn("trace=0000000000000000 closing connection {}: {}", hdl.id(),
                        why.to_string());
  self->state.connections.erase(hdl);
  self->close(hdl);
}

void route(port_broker* self, caf::io::connection_handle hdl, std::string frame) {
  auto routed = route_frame(*self->state.reg, std::move(frame), self->state.cfg.frame_bytes_max);
  if (!routed) return reject_connection(self, hdl, routed.err());
  auto& conn = self->state.connections.at(hdl);
  auto header = routed->header;
  // A well-formed frame for an address nobody has: answer, keep the connection.
  if (!routed->destination)
    return write_frame(self, hdl, make_error_reply(header, no_such_actor(header.destination)));
  if (conn.inflight >= self->state.cfg.inflight_per_connection_max)
    return write_frame(self, hdl,
                       make_error_reply(header, {errc::overloaded, "too many requests in flight"}));
  ++conn.inflight;
  auto timeout = std::chrono::milliseconds(self->state.cfg.request_timeout_ms);
  // True if the connection that sent the request is still open.
  auto release = [self, hdl, generation = conn.generation] {
    auto it = self->state.connections.find(hdl);
    if (it == self->state.connections.end() || it->second.generation != generation) return false;
    --it->second.inflight;
    return true;
  };
  self->request(routed->destination, timeout, envelope_atom::value, std::move(routed->frame))
      .then(
          [self, hdl, release](std::string& reply) {
            if (release()) write_frame(self, hdl, reply);
          },
          [self, hdl, header, release](caf::error& err) {
            if (!release()) return;
            auto code = err == caf::sec::request_timeout ? errc::timeout : errc::unavailable;
            write_frame(self, hdl, make_error_reply(header, {code, self->system().render(err)}));
          });
}

caf::behavior client_port_actor(port_broker* self, registry* reg, client_port_config cfg) {
  self->state.reg = reg;
  self->state.cfg = cfg;
  self->state.log = module_log("net");
  // spawn_server would listen on every address; a doorman added here binds cfg.host.
  auto bound = self->add_tcp_doorman(cfg.port, cfg.host.c_str(), true);
  if (bound)
    self->state.bound_port = bound->second;
  else
    self->state.bind_error = self->system().render(bound.error());
  return {
      [self](caf::get_atom) -> caf::result<uint16_t> {
        if (self->state.bound_port == 0) {
          auto why = self->state.bind_error;
          self->quit();
          return caf::make_error(caf::sec::cannot_open_port, why);
        }
        return self->state.bound_port;
      },
      [self](const caf::io::new_connection_msg& msg) {
        auto& st = self->state;
        if (st.connections.size() >= st.cfg.connections_max) {
          st.reg->counters().connections_refused++;
          st.log->warn("trace=0000000000000000 refusing connection: {} open",
                       st.connections.size());
          self->close(msg.handle);
          return;
        }
        st.reg->counters().connections_accepted++;
        auto [it, _] =
            st.connections.insert_or_assign(msg.handle, connection_state(st.cfg.frame_bytes_max));
        it->second.generation = st.next_generation++;
        self->configure_read(msg.handle, caf::io::receive_policy::at_most(256 * 1024));
      },
      [self](const caf::io::new_data_msg& msg) {
        auto it = self->state.connections.find(msg.handle);
        if (it == self->state.connections.end()) return;
        auto& splitter = it->second.splitter;
        if (auto st = splitter.feed({msg.buf.data(), msg.buf.size()}); !st)
          return reject_connection(self, msg.handle, st.err());
        while (true) {
          auto found = self->state.connections.find(msg.handle);
          if (found == self->state.connections.end() || !found->second.splitter.has_frame()) break;
          self->state.reg->counters().frames_received++;
          route(self, msg.handle, found->second.splitter.pop_frame());
        }
      },
      [self](flush_atom, caf::io::connection_handle hdl) {
        auto it = self->state.connections.find(hdl);
        if (it == self->state.connections.end()) return;
        it->second.flush_scheduled = false;
        self->flush(hdl);
      },
      [self](const caf::io::connection_closed_msg& msg) {
        self->state.connections.erase(msg.handle);
      },
      [self](const caf::io::acceptor_closed_msg&) { self->quit(); },
      [self](stop_atom) { self->quit(); },
  };
}

}  // namespace

result<client_port_handle> spawn_client_port(caf::actor_system& sys, registry& reg,
                                             const client_port_config& cfg) {
  auto broker = sys.middleman().spawn_broker(client_port_actor, &reg, cfg);
  caf::scoped_actor self{sys};
  result<client_port_handle> out = error{errc::internal, "no answer from the client port"};
  self->request(broker, std::chrono::seconds(10), caf::get_atom::value)
      .receive(
          [&](uint16_t port) {
            out = client_port_handle{caf::actor_cast<caf::actor>(broker), port};
          },
          [&](caf::error& err) {
            out = error{errc::unavailable, "cannot listen on " + cfg.host + ":" +
                                               std::to_string(cfg.port) + ": " + sys.render(err)};
          });
  return out;
}

}  // namespace cairn
