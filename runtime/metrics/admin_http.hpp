#pragma once
// The admin HTTP server of a process: GET (or HEAD) /metrics, /livez and /readyz on their
// own address, served by civetweb on admin_http_threads threads. Any other path is 404,
// any other method 405. Connections are not kept alive.
//   /metrics  200, the body handlers.metrics returns (text exposition format 0.0.4)
//   /livez    200 "ok": the server's threads run
//   /readyz   200 or 503 as handlers.ready says, its explanation as the body
// Includes no CAF header.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "runtime/result.hpp"

namespace cairn {

inline constexpr int admin_http_threads = 2;

struct admin_handlers {
  std::function<std::string()> metrics;
  // {ready, why}: serving, or what it still waits for.
  std::function<std::pair<bool, std::string>()> ready;
};

// A running server; stopping it (stop() or the destructor) waits for the requests in
// progress. Default-constructed: serves nothing.
class admin_http {
 public:
  admin_http();
  ~admin_http();
  admin_http(admin_http&&) noexcept;
  admin_http& operator=(admin_http&&) noexcept;

  bool serving() const { return impl_ != nullptr; }
  uint16_t port() const;  // the bound port; 0 when not serving
  void stop();

  struct impl;

 private:
  explicit admin_http(std::unique_ptr<impl> i);
  friend result<admin_http> start_admin_http(const std::string&, admin_handlers);
  std::unique_ptr<impl> impl_;
};

// Serves `handlers` on `endpoint` ("HOST:PORT", port 0: any free port; an IPv6 host in
// brackets). invalid_argument for a malformed endpoint or a missing handler;
// unavailable, naming the address and the reason, when it cannot listen there.
// REQUIRES: whatever the handlers use outlives the returned server.
result<admin_http> start_admin_http(const std::string& endpoint, admin_handlers handlers);

}  // namespace cairn
