#include "runtime/net/peer_link.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <deque>
#include <unordered_map>

#include "runtime/envelope.hpp"
#include "runtime/frame.hpp"
#include "runtime/log.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/tcp_connect.hpp"

namespace cairn {
namespace {

enum class phase : uint8_t { connecting, handshaking, open, backoff };

struct queued_request {
  std::string key;
  std::string frame;
};

struct link_state {
  link_state() : splitter(0) {}
  peer_link_config cfg;
  phase at = phase::connecting;
  caf::io::connection_handle hdl;
  frame_splitter splitter;
  std::unique_ptr<tls_session> tls;
  std::unique_ptr<client_handshake> handshake;
  bool hello_answered = false;
  uint64_t attempt = 0;  // a connect thread's result for an older attempt is stale
  int64_t backoff_ms = 0;
  std::deque<queued_request> queue;  // waiting for the connection to open
  uint64_t queued_bytes = 0;
  uint64_t unsent_bytes = 0;  // written to the broker, not yet taken by the socket
  // (reply destination, correlation) -> requesters (a retry may reuse its correlation)
  std::unordered_multimap<std::string, caf::response_promise> pending;
  std::vector<caf::response_promise> waiting_open;  // (get_atom) callers
  bool flush_scheduled = false;
  uint32_t failures_in_row = 0;  // the first failure of an outage is a warning, the rest debug
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "peer_link";
};

using link_broker = caf::io::stateful_broker<link_state>;

std::string request_key(const address& requester, uint64_t correlation) {
  return std::to_string(requester.host) + "/" + requester.actor + "/" + std::to_string(correlation);
}

caf::error lost(link_broker* self, const std::string& why) {
  return caf::make_error(caf::sec::request_receiver_down, self->state.cfg.name + ": " + why);
}

void write_raw(link_broker* self, const std::string& bytes) {
  auto& st = self->state;
  self->write(st.hdl, bytes.size(), bytes.data());
  st.unsent_bytes += bytes.size();
}

void write_bytes(link_broker* self, const std::string& bytes) {
  auto& st = self->state;
  if (st.tls) {
    (void)st.tls->write(bytes);  // bounded like unsent_bytes; checked before a request
    write_raw(self, st.tls->take_output());
  } else {
    write_raw(self, bytes);
  }
  if (!st.flush_scheduled) {
    st.flush_scheduled = true;
    self->send(self, flush_atom::value);
  }
}

void fail_pending(link_broker* self, const std::string& why) {
  auto& st = self->state;
  for (auto& [_, rp] : st.pending) rp.deliver(lost(self, why));
  st.pending.clear();
}

void start_connect(link_broker* self);

// The connection is gone (or never came): fail what waits on it, then retry or quit.
// `closed`: the peer closed it, so the handle is gone already.
void connection_lost(link_broker* self, const std::string& why, bool closed = false) {
  auto& st = self->state;
  if (!closed && (st.at == phase::open || st.at == phase::handshaking)) self->close(st.hdl);
  fail_pending(self, why);
  // Queued requests have promises in `pending` too: failed above; drop their bytes.
  st.queue.clear();
  st.queued_bytes = 0;
  st.unsent_bytes = 0;
  st.handshake.reset();
  st.tls.reset();
  // A client's link reports to its caller instead.
  if (st.failures_in_row++ == 0 && st.cfg.reconnect)
    st.log->warn("trace=0000000000000000 {} ({}:{}): {}", st.cfg.name, st.cfg.host, st.cfg.port,
                 why);
  else
    st.log->debug("trace=0000000000000000 {}: {}", st.cfg.name, why);
  if (!st.cfg.reconnect) {
    for (auto& rp : st.waiting_open)
      rp.deliver(caf::make_error(caf::sec::cannot_connect_to_node, why));
    st.waiting_open.clear();
    self->quit();
    return;
  }
  st.at = phase::backoff;
  st.backoff_ms = st.backoff_ms == 0 ? st.cfg.backoff_min_ms
                                     : std::min(st.backoff_ms * 2, st.cfg.backoff_max_ms);
  self->delayed_send(self, std::chrono::milliseconds(st.backoff_ms), reconnect_atom::value);
}

void opened(link_broker* self) {
  auto& st = self->state;
  st.at = phase::open;
  st.backoff_ms = 0;
  st.failures_in_row = 0;
  if (st.cfg.reconnect)
    st.log->info("trace=0000000000000000 {}: connected to {}:{}{}", st.cfg.name, st.cfg.host,
                 st.cfg.port, st.cfg.identity.secret.empty() ? "" : " (authenticated)");
  for (auto& q : st.queue) write_bytes(self, q.frame);
  st.queue.clear();
  st.queued_bytes = 0;
  for (auto& rp : st.waiting_open) rp.deliver(caf::unit);
  st.waiting_open.clear();
}

// Connects on a thread of its own; the broker gets the socket or the reason.
void connector(caf::blocking_actor* self, peer_link_config cfg, caf::actor link, uint64_t attempt) {
  auto fd = tcp_connect(cfg.host, cfg.port, cfg.connect_timeout_ms);
  if (fd)
    self->send(link, connected_atom::value, attempt, *fd);
  else
    self->send(link, connect_failed_atom::value, attempt, fd.err().message);
}

void start_connect(link_broker* self) {
  auto& st = self->state;
  st.at = phase::connecting;
  ++st.attempt;
  self->system().spawn(connector, st.cfg, caf::actor_cast<caf::actor>(self), st.attempt);
}

void on_socket(link_broker* self, int fd) {
  auto& st = self->state;
  st.hdl = self->add_scribe(fd);
  st.splitter = frame_splitter(st.cfg.frame_bytes_max);
  // 64 KiB, not more: CAF zero-fills the read buffer back to this size before every read.
  self->configure_read(st.hdl, caf::io::receive_policy::at_most(64 * 1024));
  self->ack_writes(st.hdl, true);
  if (st.cfg.tls) {
    auto tls = tls_session::client(st.cfg.tls);
    if (!tls) {
      st.at = phase::handshaking;
      return connection_lost(self, tls.err().message);
    }
    st.tls = std::make_unique<tls_session>(std::move(*tls));
    write_raw(self, st.tls->take_output());  // the ClientHello
    self->send(self, flush_atom::value);
  }
  if (st.cfg.identity.secret.empty()) return opened(self);
  st.at = phase::handshaking;
  st.hello_answered = false;
  st.handshake = std::make_unique<client_handshake>(st.cfg.identity, make_nonce());
  write_bytes(self, st.handshake->hello());
}

// A frame during the handshake: the hello's answer, then the proof's.
void on_handshake_frame(link_broker* self, std::string frame) {
  auto& st = self->state;
  if (!st.hello_answered) {
    auto proof = st.handshake->on_hello_reply(std::move(frame), st.cfg.frame_bytes_max);
    if (!proof) return connection_lost(self, proof.err().message);
    if (st.cfg.expect_host != 0 && st.handshake->server_host() != st.cfg.expect_host)
      return connection_lost(self, "expected host " + std::to_string(st.cfg.expect_host) +
                                       " and reached host " +
                                       std::to_string(st.handshake->server_host()));
    st.hello_answered = true;
    return write_bytes(self, *proof);
  }
  if (auto done = st.handshake->on_proof_reply(std::move(frame), st.cfg.frame_bytes_max); !done)
    return connection_lost(self, done.err().message);
  st.handshake.reset();
  opened(self);
}

void on_reply(link_broker* self, std::string frame) {
  auto& st = self->state;
  auto opened_reply = envelope_reader::open(std::move(frame), {st.cfg.frame_bytes_max});
  if (!opened_reply)
    return connection_lost(self, "unreadable frame from the peer: " + opened_reply.err().message);
  auto& h = opened_reply.value()->header();
  auto [first, last] = st.pending.equal_range(request_key(h.destination, h.correlation_id));
  if (first == last) return;  // answered twice, or its requester's link state was reset
  std::vector<caf::response_promise> waiting;
  for (auto it = first; it != last; ++it) waiting.push_back(std::move(it->second));
  st.pending.erase(first, last);
  auto reply = std::move(*opened_reply.value()).take_frame();
  for (size_t i = 0; i + 1 < waiting.size(); ++i) waiting[i].deliver(reply);
  waiting.back().deliver(std::move(reply));
}

caf::result<std::string> on_request(link_broker* self, std::string& frame) {
  auto& st = self->state;
  if (st.at == phase::backoff)
    return caf::make_error(caf::sec::request_receiver_down,
                           st.cfg.name + ": not connected (retrying)");
  if (st.pending.size() >= st.cfg.inflight_max)
    return caf::make_error(caf::sec::request_timeout,
                           st.cfg.name + ": too many requests in flight");
  uint64_t waiting_bytes = st.at == phase::open ? st.unsent_bytes : st.queued_bytes;
  if (waiting_bytes + frame.size() > st.cfg.queue_bytes_max)
    return caf::make_error(caf::sec::request_timeout, st.cfg.name + ": send queue full (" +
                                                          std::to_string(waiting_bytes) +
                                                          " bytes not yet sent)");
  // Opened in place for its header, then the bytes are taken back: no copy of the frame.
  auto opened_request = envelope_reader::open(std::move(frame), {st.cfg.frame_bytes_max});
  if (!opened_request)
    return caf::make_error(caf::sec::invalid_argument, opened_request.err().to_string());
  auto key = request_key(opened_request.value()->header().source,
                         opened_request.value()->header().correlation_id);
  frame = std::move(*opened_request.value()).take_frame();
  auto rp = self->make_response_promise<std::string>();
  st.pending.emplace(key, rp);
  if (st.at == phase::open) {
    write_bytes(self, frame);
  } else {
    st.queued_bytes += frame.size();
    st.queue.push_back({std::move(key), std::move(frame)});
  }
  return rp;
}

caf::behavior peer_link_actor(link_broker* self, peer_link_config cfg) {
  self->state.cfg = std::move(cfg);
  self->state.log = module_log("net");
  start_connect(self);
  return {
      [self](envelope_atom, std::string& frame) { return on_request(self, frame); },
      [self](envelope_atom, uint64_t, std::string& frame) { return on_request(self, frame); },
      [self](caf::get_atom) -> caf::result<void> {
        if (self->state.at == phase::open) return caf::unit;
        auto rp = self->make_response_promise();
        self->state.waiting_open.push_back(rp);
        return rp;
      },
      [self](connected_atom, uint64_t attempt, int fd) {
        if (attempt != self->state.attempt || self->state.at != phase::connecting) {
          ::close(fd);
          return;
        }
        on_socket(self, fd);
      },
      [self](connect_failed_atom, uint64_t attempt, const std::string& why) {
        if (attempt == self->state.attempt && self->state.at == phase::connecting)
          connection_lost(self, why);
      },
      [self](reconnect_atom) {
        if (self->state.at == phase::backoff) start_connect(self);
      },
      [self](flush_atom) {
        self->state.flush_scheduled = false;
        if (self->state.at == phase::open || self->state.at == phase::handshaking)
          self->flush(self->state.hdl);
      },
      [self](const caf::io::new_data_msg& msg) {
        auto& st = self->state;
        if (msg.handle != st.hdl) return;
        std::string_view bytes{msg.buf.data(), msg.buf.size()};
        std::string plain;
        if (st.tls) {
          auto opened = st.tls->feed(bytes);
          if (auto out = st.tls->take_output(); !out.empty()) {
            write_raw(self, out);
            self->flush(st.hdl);
          }
          if (!opened) return connection_lost(self, opened.err().message);
          plain = std::move(*opened);
          bytes = plain;
        }
        // A TLS record (alert 0x15 or handshake 0x16) where frames were expected.
        if (!st.tls && !bytes.empty() && (bytes[0] == 0x15 || bytes[0] == 0x16) &&
            !st.splitter.has_partial())
          return connection_lost(self, "the peer speaks TLS: configure tls_cert, tls_key, tls_ca");
        if (auto fed = st.splitter.feed(bytes); !fed)
          return connection_lost(self, "malformed stream from the peer: " + fed.err().message);
        while (st.splitter.has_frame() && msg.handle == st.hdl &&
               (st.at == phase::open || st.at == phase::handshaking)) {
          auto frame = st.splitter.pop_frame();
          if (st.at == phase::handshaking)
            on_handshake_frame(self, std::move(frame));
          else
            on_reply(self, std::move(frame));
        }
      },
      [self](const caf::io::data_transferred_msg& msg) {
        auto& st = self->state;
        if (msg.handle == st.hdl)
          st.unsent_bytes = st.unsent_bytes > msg.written ? st.unsent_bytes - msg.written : 0;
      },
      [self](const caf::io::connection_closed_msg& msg) {
        auto& st = self->state;
        if (msg.handle != st.hdl || (st.at != phase::open && st.at != phase::handshaking)) return;
        connection_lost(self,
                        st.at == phase::handshaking
                            ? "connection closed by the peer during the handshake (it may "
                              "expect TLS, or a secret this client lacks)"
                            : "connection closed by the peer",
                        true);
      },
      [self](stop_atom) {
        fail_pending(self, "link stopped");
        for (auto& rp : self->state.waiting_open)
          rp.deliver(caf::make_error(caf::sec::cannot_connect_to_node, "link stopped"));
        self->quit();
      },
  };
}

}  // namespace

caf::actor spawn_peer_link(caf::actor_system& sys, const peer_link_config& cfg) {
  return caf::actor_cast<caf::actor>(sys.middleman().spawn_broker(peer_link_actor, cfg));
}

}  // namespace cairn
