#pragma once
// cairnd's admin HTTP server (runtime/metrics/admin_http.hpp) wired to this process:
// /metrics reads the local roles' stats (metrics_collector) and the transport counters
// into `metrics` and renders it; /readyz asks `ready`; /livez answers while it runs.
#include <caf/fwd.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "runtime/config.hpp"
#include "runtime/metrics/admin_http.hpp"
#include "runtime/metrics/metrics.hpp"
#include "runtime/net/registry.hpp"
#include "tools/cairnd/metrics_collector.hpp"

namespace cairn {

// The transport's counters by name, for cairn_transport_<name>_total. A new field of
// transport_counters needs a line here.
std::vector<named_count> transport_counts(const transport_counters& c);

// The running admin server. Stop it (destroy or reset) before the actor system, the
// registry and the metrics it reads. Default-constructed: serves nothing.
class admin_server {
 public:
  admin_server() = default;
  ~admin_server() { stop(); }
  admin_server(admin_server&&) noexcept = default;
  // Stops this server before taking the other's: its handlers use the state it drops.
  admin_server& operator=(admin_server&& other) noexcept {
    if (this != &other) {
      stop();
      http_ = std::move(other.http_);
      scrape_ = std::move(other.scrape_);
    }
    return *this;
  }

  bool serving() const { return http_.serving(); }
  uint16_t port() const { return http_.port(); }  // 0 when not serving
  // Waits for the scrapes in progress (at most the collector's timeout).
  void stop() { http_.stop(); }

  struct scrape_state {
    std::unique_ptr<metrics_collector> collector;
    std::mutex mutex;  // one scrape at a time: each renders what it collected
  };

 private:
  friend result<admin_server> start_admin(caf::actor_system&, registry&, metrics&,
                                          const cluster_config&, local_roles,
                                          std::function<std::pair<bool, std::string>()>);
  std::unique_ptr<scrape_state> scrape_;  // declared first: outlives the server using it
  admin_http http_;
};

// Serves cfg.admin_listen; an empty admin_listen starts nothing (a server that is not
// serving). `roles` are this process's (local_roles_of(cfg)); `ready` answers /readyz:
// {false, why} until the host has joined and serves, then {true, ...}.
// invalid_argument / unavailable as start_admin_http (the address is in the message).
// REQUIRES: sys, reg and m outlive the returned server; `ready` is thread-safe.
result<admin_server> start_admin(caf::actor_system& sys, registry& reg, metrics& m,
                                 const cluster_config& cfg, local_roles roles,
                                 std::function<std::pair<bool, std::string>()> ready);

}  // namespace cairn
