#include "runtime/net/host_port.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <unordered_map>

#include "runtime/frame.hpp"
#include "runtime/log.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/local_link.hpp"

namespace cairn {
namespace {

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// closing: a failed handshake's answer is being flushed; the next sweep closes it.
enum class phase : uint8_t { hello, proof, open, closing };

struct connection_state {
  explicit connection_state(size_t frame_bytes_max) : splitter(frame_bytes_max) {}
  frame_splitter splitter;
  std::unique_ptr<tls_session> tls;  // TLS under the frames, when configured
  phase at = phase::open;
  std::unique_ptr<server_handshake> handshake;
  host_id peer = 0;  // proven by the handshake
  std::string ip;
  uint32_t inflight = 0;
  bool flush_scheduled = false;
  // CAF names a connection by its file descriptor, which the kernel reuses: a reply
  // for a connection that closed must not reach the next one with the same number.
  uint64_t generation = 0;
  int64_t opened_ms = 0, last_frame_ms = 0;
  int64_t partial_since_ms = 0;  // a frame started and not finished since; 0: none
};

struct port_state {
  registry* reg = nullptr;
  host_port_config cfg;
  std::unordered_map<caf::io::connection_handle, connection_state> connections;
  std::unordered_map<std::string, uint32_t> per_ip;
  uint64_t next_generation = 1;
  std::shared_ptr<spdlog::logger> log;
  uint16_t bound_port = 0;
  caf::io::accept_handle acceptor;
  bool accepting = false;
  std::string bind_error;
  uint32_t inflight = 0;
  static inline const char* name = "host_port";
};

using port_broker = caf::io::stateful_broker<port_state>;

// Replies are written to the connection's buffer and flushed by a message the broker
// sends itself: every reply that arrives before that message goes out in the same
// send() call. One syscall per burst instead of one per reply.
void write_frame(port_broker* self, caf::io::connection_handle hdl, const std::string& frame) {
  auto it = self->state.connections.find(hdl);
  if (it == self->state.connections.end()) return;
  if (auto& tls = it->second.tls) {
    // A write the TLS buffer refuses means the peer reads nothing: the sweep cuts it.
    (void)tls->write(frame);
    auto out = tls->take_output();
    self->write(hdl, out.size(), out.data());
  } else {
    self->write(hdl, frame.size(), frame.data());
  }
  if (!it->second.flush_scheduled) {
    it->second.flush_scheduled = true;
    self->send(self, flush_atom::value, hdl);
  }
}

void forget(port_broker* self, caf::io::connection_handle hdl) {
  auto& st = self->state;
  auto it = st.connections.find(hdl);
  if (it == st.connections.end()) return;
  if (auto ip = st.per_ip.find(it->second.ip); ip != st.per_ip.end() && --ip->second == 0)
    st.per_ip.erase(ip);
  st.connections.erase(it);
}

void cut(port_broker* self, caf::io::connection_handle hdl, std::atomic<uint64_t>& counter,
         const std::string& why) {
  counter++;
  auto it = self->state.connections.find(hdl);
  self->state.log->warn("trace=0000000000000000 closing connection {} from {}: {}", hdl.id(),
                        it == self->state.connections.end() ? "?" : it->second.ip, why);
  forget(self, hdl);
  self->close(hdl);
}

void reject_connection(port_broker* self, caf::io::connection_handle hdl, const error& why) {
  self->state.reg->counters().frames_rejected++;
  cut(self, hdl, self->state.reg->counters().connections_closed_bad_frame, why.to_string());
}

// The handshake: answer, or answer the failure and close once it is flushed.
void on_handshake_frame(port_broker* self, caf::io::connection_handle hdl, connection_state& conn,
                        const envelope_reader& env) {
  auto& counters = self->state.reg->counters();
  auto answer =
      conn.at == phase::hello ? conn.handshake->on_hello(env) : conn.handshake->on_proof(env);
  if (!answer) {
    counters.handshakes_failed++;
    self->state.log->warn("trace=0000000000000000 closing connection {} from {}: {}", hdl.id(),
                          conn.ip, answer.err().message);
    write_frame(self, hdl, make_error_reply(env.header(), answer.err()));
    conn.at = phase::closing;
    return;
  }
  write_frame(self, hdl, *answer);
  if (conn.at == phase::hello) {
    conn.at = phase::proof;
    return;
  }
  conn.at = phase::open;
  conn.peer = conn.handshake->client_host();
  conn.handshake.reset();
  counters.handshakes_ok++;
  self->state.log->debug("trace=0000000000000000 connection {} from {} authenticated as host {}",
                         hdl.id(), conn.ip, conn.peer);
}

void route(port_broker* self, caf::io::connection_handle hdl, std::string frame) {
  auto& st = self->state;
  auto& conn = st.connections.at(hdl);
  conn.last_frame_ms = steady_ms();
  if (conn.at == phase::closing) return;
  if (conn.at != phase::open) {
    auto env = envelope_reader::open(std::move(frame), {st.cfg.frame_bytes_max});
    if (!env) return reject_connection(self, hdl, env.err());
    return on_handshake_frame(self, hdl, conn, *env.value());
  }
  auto routed = route_frame(*st.reg, std::move(frame), st.cfg.frame_bytes_max);
  if (!routed) return reject_connection(self, hdl, routed.err());
  auto header = routed->header;
  // A well-formed frame for an address nobody has: answer, keep the connection.
  if (!routed->destination)
    return write_frame(self, hdl, make_error_reply(header, no_such_actor(header.destination)));
  if (conn.inflight >= st.cfg.inflight_per_connection_max)
    return write_frame(self, hdl,
                       make_error_reply(header, {errc::overloaded, "too many requests in flight"}));
  ++conn.inflight;
  ++st.inflight;
  auto timeout = std::chrono::milliseconds(st.cfg.request_timeout_ms);
  auto started = std::chrono::steady_clock::now();
  // Counts the reply; true if the connection that sent the request is still open.
  auto release = [self, hdl, generation = conn.generation, started,
                  kind = static_cast<uint16_t>(header.kind)](bool failed) {
    auto& st = self->state;
    --st.inflight;
    if (st.cfg.observe)
      st.cfg.observe(
          kind, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
          failed);
    auto it = st.connections.find(hdl);
    if (it == st.connections.end() || it->second.generation != generation) return false;
    --it->second.inflight;
    return true;
  };
  self->request(routed->destination, timeout, envelope_atom::value, std::move(routed->frame))
      .then(
          [self, hdl, release](std::string& reply) {
            bool failed =
                self->state.cfg.observe && peek_kind(reply) == wire::MessageKind::ERROR_REPLY;
            if (release(failed)) write_frame(self, hdl, reply);
          },
          [self, hdl, header, release](caf::error& err) {
            if (!release(true)) return;
            auto code = err == caf::sec::request_timeout ? errc::timeout : errc::unavailable;
            write_frame(self, hdl, make_error_reply(header, {code, self->system().render(err)}));
          });
}

// Handshake, idle and slow-frame deadlines.
void sweep(port_broker* self) {
  auto& st = self->state;
  auto now = steady_ms();
  auto& counters = st.reg->counters();
  std::vector<std::pair<caf::io::connection_handle, int>> doomed;
  for (auto& [hdl, c] : st.connections) {
    if (c.at == phase::closing)
      doomed.push_back({hdl, 3});
    else if (c.at != phase::open && now - c.opened_ms > st.cfg.handshake_timeout_ms)
      doomed.push_back({hdl, 0});
    else if (c.partial_since_ms && now - c.partial_since_ms > st.cfg.frame_timeout_ms)
      doomed.push_back({hdl, 1});
    else if (c.inflight == 0 && now - c.last_frame_ms > st.cfg.idle_timeout_ms)
      doomed.push_back({hdl, 2});
  }
  for (auto& [hdl, why] : doomed) {
    if (why == 0)
      cut(self, hdl, counters.handshakes_failed, "no handshake within the handshake timeout");
    else if (why == 1)
      cut(self, hdl, counters.connections_closed_slow, "a frame left half sent too long");
    else if (why == 2)
      cut(self, hdl, counters.connections_closed_idle, "idle");
    else {
      forget(self, hdl);
      self->close(hdl);
    }
  }
  self->delayed_send(self, std::chrono::milliseconds(st.cfg.sweep_interval_ms), tick_atom::value);
}

void on_connection(port_broker* self, caf::io::connection_handle hdl) {
  auto& st = self->state;
  auto ip = self->remote_addr(hdl);
  if (st.connections.size() >= st.cfg.connections_max) {
    st.reg->counters().connections_refused++;
    st.log->warn("trace=0000000000000000 refusing connection from {}: {} open", ip,
                 st.connections.size());
    self->close(hdl);
    return;
  }
  if (st.per_ip[ip] >= st.cfg.connections_per_ip_max) {
    st.reg->counters().connections_refused_per_ip++;
    st.log->warn("trace=0000000000000000 refusing connection from {}: {} open from it", ip,
                 st.per_ip[ip]);
    self->close(hdl);
    return;
  }
  ++st.per_ip[ip];
  st.reg->counters().connections_accepted++;
  auto [it, _] = st.connections.insert_or_assign(hdl, connection_state(st.cfg.frame_bytes_max));
  auto& c = it->second;
  c.generation = st.next_generation++;
  c.ip = ip;
  c.opened_ms = c.last_frame_ms = steady_ms();
  if (st.cfg.tls) {
    auto tls = tls_session::server(st.cfg.tls);
    if (!tls) return cut(self, hdl, st.reg->counters().handshakes_failed, tls.err().message);
    c.tls = std::make_unique<tls_session>(std::move(*tls));
  }
  if (!st.cfg.identity.secret.empty()) {
    c.at = phase::hello;
    c.handshake = std::make_unique<server_handshake>(st.cfg.identity, make_nonce());
  }
  // 64 KiB, not more: CAF zero-fills the read buffer back to this size before every read.
  self->configure_read(hdl, caf::io::receive_policy::at_most(64 * 1024));
}

void on_data(port_broker* self, const caf::io::new_data_msg& msg) {
  auto& st = self->state;
  auto it = st.connections.find(msg.handle);
  if (it == st.connections.end() || it->second.at == phase::closing) return;
  std::string_view bytes{msg.buf.data(), msg.buf.size()};
  std::string plain;
  if (auto& tls = it->second.tls) {
    auto opened = tls->feed(bytes);
    if (auto out = tls->take_output(); !out.empty()) {  // handshake records, or an alert
      self->write(msg.handle, out.size(), out.data());
      self->flush(msg.handle);
    }
    if (!opened) {
      // Closed by the next sweep, so the alert written above reaches the peer first.
      st.reg->counters().handshakes_failed++;
      st.log->warn("trace=0000000000000000 closing connection {} from {}: {}", msg.handle.id(),
                   it->second.ip, opened.err().message);
      it->second.at = phase::closing;
      return;
    }
    plain = std::move(*opened);
    bytes = plain;
  }
  if (auto fed = it->second.splitter.feed(bytes); !fed)
    return reject_connection(self, msg.handle, fed.err());
  while (true) {
    auto found = st.connections.find(msg.handle);
    if (found == st.connections.end()) return;
    auto& c = found->second;
    if (!c.splitter.has_frame()) {
      if (!c.splitter.has_partial())
        c.partial_since_ms = 0;
      else if (c.partial_since_ms == 0)
        c.partial_since_ms = steady_ms();
      return;
    }
    st.reg->counters().frames_received++;
    c.partial_since_ms = 0;
    route(self, msg.handle, c.splitter.pop_frame());
  }
}

caf::behavior host_port_actor(port_broker* self, registry* reg, host_port_config cfg) {
  self->state.reg = reg;
  self->state.cfg = std::move(cfg);
  self->state.log = module_log("net");
  auto& st = self->state;
  // spawn_server would listen on every address; a doorman added here binds cfg.host.
  auto bound = self->add_tcp_doorman(st.cfg.port, st.cfg.host.c_str(), true);
  if (bound) {
    st.acceptor = bound->first;
    st.bound_port = bound->second;
    st.accepting = true;
    self->send(self, tick_atom::value);
  } else {
    st.bind_error = self->system().render(bound.error());
  }
  return {
      [self](caf::get_atom) -> caf::result<uint16_t> {
        if (self->state.bound_port == 0) {
          auto why = self->state.bind_error;
          self->quit();
          return caf::make_error(caf::sec::cannot_open_port, why);
        }
        return self->state.bound_port;
      },
      [self](const caf::io::new_connection_msg& msg) { on_connection(self, msg.handle); },
      [self](const caf::io::new_data_msg& msg) { on_data(self, msg); },
      [self](flush_atom, caf::io::connection_handle hdl) {
        auto it = self->state.connections.find(hdl);
        if (it == self->state.connections.end()) return;
        it->second.flush_scheduled = false;
        self->flush(hdl);
      },
      [self](tick_atom) { sweep(self); },
      [self](const caf::io::connection_closed_msg& msg) { forget(self, msg.handle); },
      [self](const caf::io::acceptor_closed_msg&) { self->state.accepting = false; },
      [self](stop_accepting_atom) {
        if (self->state.accepting) self->close(self->state.acceptor);
        self->state.accepting = false;
      },
      [self](inflight_atom) -> uint32_t { return self->state.inflight; },
      [self](stop_atom) { self->quit(); },
  };
}

}  // namespace

result<host_port_handle> spawn_host_port(caf::actor_system& sys, registry& reg,
                                         const host_port_config& cfg) {
  auto broker = sys.middleman().spawn_broker(host_port_actor, &reg, cfg);
  caf::scoped_actor self{sys};
  result<host_port_handle> out = error{errc::internal, "no answer from the host port"};
  self->request(broker, std::chrono::seconds(10), caf::get_atom::value)
      .receive(
          [&](uint16_t port) {
            out = host_port_handle{caf::actor_cast<caf::actor>(broker), port};
          },
          [&](caf::error& err) {
            out = error{errc::unavailable, "cannot listen on " + cfg.host + ":" +
                                               std::to_string(cfg.port) + ": " + sys.render(err)};
          });
  return out;
}

}  // namespace cairn
