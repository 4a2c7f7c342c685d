#include "runtime/net/cluster_link.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <unordered_map>

#include "runtime/envelope.hpp"
#include "runtime/frame.hpp"
#include "runtime/net/atoms.hpp"

namespace cairn {
namespace {

struct link_state {
  explicit link_state() : splitter(0) {}
  cluster_link_config cfg;
  frame_splitter splitter;
  std::unordered_map<uint64_t, caf::response_promise> pending;
  bool flush_scheduled = false;
  static inline const char* name = "cluster_link";
};

using link_broker = caf::io::stateful_broker<link_state>;

void fail_all(link_broker* self, caf::error why) {
  for (auto& [_, rp] : self->state.pending) rp.deliver(why);
  self->state.pending.clear();
}

void deliver(link_broker* self, std::string frame) {
  auto opened = envelope_reader::open(std::move(frame), {self->state.cfg.frame_bytes_max});
  if (!opened) {
    // The server sent something we cannot parse: nothing on this stream is trustworthy.
    fail_all(self, caf::make_error(caf::sec::malformed_basp_message, opened.err().to_string()));
    self->quit();
    return;
  }
  auto it = self->state.pending.find(opened.value()->header().correlation_id);
  if (it == self->state.pending.end()) return;  // the requester gave up (timeout)
  auto rp = std::move(it->second);
  self->state.pending.erase(it);
  rp.deliver(std::move(*opened.value()).take_frame());
}

caf::behavior cluster_link_actor(link_broker* self, caf::io::connection_handle hdl,
                                 cluster_link_config cfg) {
  self->state.cfg = cfg;
  self->state.splitter = frame_splitter(cfg.frame_bytes_max);
  self->configure_read(hdl, caf::io::receive_policy::at_most(256 * 1024));
  return {
      [self, hdl](envelope_atom, uint64_t correlation,
                  const std::string& frame) -> caf::result<std::string> {
        if (self->state.pending.size() >= self->state.cfg.inflight_max)
          return caf::make_error(caf::sec::request_timeout, "link overloaded");
        auto rp = self->make_response_promise<std::string>();
        self->state.pending.emplace(correlation, rp);
        self->write(hdl, frame.size(), frame.data());
        // Requests queued before the flush message share one send() call.
        if (!self->state.flush_scheduled) {
          self->state.flush_scheduled = true;
          self->send(self, flush_atom::value);
        }
        return rp;
      },
      [self, hdl](flush_atom) {
        self->state.flush_scheduled = false;
        self->flush(hdl);
      },
      [self](const caf::io::new_data_msg& msg) {
        if (auto st = self->state.splitter.feed({msg.buf.data(), msg.buf.size()}); !st) {
          fail_all(self, caf::make_error(caf::sec::malformed_basp_message, st.err().to_string()));
          self->quit();
          return;
        }
        while (self->state.splitter.has_frame()) deliver(self, self->state.splitter.pop_frame());
      },
      [self](const caf::io::connection_closed_msg&) {
        fail_all(self, caf::make_error(caf::sec::request_receiver_down, "connection closed"));
        self->quit();
      },
      [self](stop_atom) {
        fail_all(self, caf::make_error(caf::sec::request_receiver_down, "link stopped"));
        self->quit();
      },
  };
}

}  // namespace

result<caf::actor> connect_cluster_link(caf::actor_system& sys, const cluster_link_config& cfg) {
  auto link = sys.middleman().spawn_client(cluster_link_actor, cfg.host, cfg.port, cfg);
  if (!link)
    return error{errc::unavailable, "cannot connect to " + cfg.host + ":" +
                                        std::to_string(cfg.port) + ": " + sys.render(link.error())};
  return caf::actor_cast<caf::actor>(*link);
}

}  // namespace cairn
