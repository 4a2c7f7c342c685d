#include "runtime/metrics/admin_http.hpp"

#include <civetweb.h>

#include <mutex>
#include <string_view>

#include "runtime/config.hpp"
#include "runtime/log.hpp"

namespace cairn {

struct admin_http::impl {
  admin_handlers handlers;
  mg_context* ctx = nullptr;
  uint16_t port = 0;
  std::shared_ptr<spdlog::logger> log;
  ~impl() {
    if (ctx) mg_stop(ctx);  // waits for the requests in progress
  }
};

namespace {

int respond(mg_connection* c, int code, const char* reason, const char* type,
            const std::string& body, bool head) {
  mg_printf(c,
            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
            code, reason, type, body.size());
  if (!head && !body.empty()) mg_write(c, body.data(), body.size());
  return code;
}

constexpr const char* plain_text = "text/plain; charset=utf-8";
constexpr const char* exposition_text = "text/plain; version=0.0.4; charset=utf-8";

// civetweb's begin_request: answers every request itself (the return value is the
// status, which tells civetweb not to serve files).
int on_request(mg_connection* c) {
  const mg_request_info* info = mg_get_request_info(c);
  auto* self = static_cast<admin_http::impl*>(info->user_data);
  std::string_view method = info->request_method ? info->request_method : "";
  std::string_view path = info->local_uri ? info->local_uri : "";
  bool head = method == "HEAD";
  if (method != "GET" && !head)
    return respond(c, 405, "Method Not Allowed", plain_text, "GET or HEAD only\n", false);
  if (path == "/livez") return respond(c, 200, "OK", plain_text, "ok\n", head);
  if (path == "/readyz") {
    auto [ready, why] = self->handlers.ready();
    return ready ? respond(c, 200, "OK", plain_text, why + "\n", head)
                 : respond(c, 503, "Service Unavailable", plain_text, why + "\n", head);
  }
  if (path == "/metrics")
    return respond(c, 200, "OK", exposition_text, self->handlers.metrics(), head);
  return respond(c, 404, "Not Found", plain_text, "not found: /metrics, /livez, /readyz\n", head);
}

int on_log(const mg_connection*, const char* message) {
  module_log("admin")->warn("trace=0000000000000000 admin HTTP: {}", message);
  return 1;  // logged here: civetweb writes nothing itself
}

// civetweb's own option syntax: an IPv6 host goes in brackets.
std::string listening_port(const std::string& host, uint16_t port) {
  bool bare_ipv6 = host.find(':') != std::string::npos && host.front() != '[';
  return (bare_ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

admin_http::admin_http() = default;
admin_http::admin_http(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
admin_http::~admin_http() = default;
admin_http::admin_http(admin_http&&) noexcept = default;
admin_http& admin_http::operator=(admin_http&&) noexcept = default;

uint16_t admin_http::port() const { return impl_ ? impl_->port : 0; }

void admin_http::stop() { impl_.reset(); }

result<admin_http> start_admin_http(const std::string& endpoint, admin_handlers handlers) {
  if (!handlers.metrics || !handlers.ready)
    return error{errc::invalid_argument, "admin HTTP: a handler is missing"};
  auto parsed = parse_endpoint(endpoint);
  if (!parsed) return error{errc::invalid_argument, "admin HTTP: " + parsed.err().message};
  // civetweb's library state is set up once per process; mg_start2 alone would do it
  // unsynchronised.
  static std::once_flag civetweb_ready;
  std::call_once(civetweb_ready, [] { mg_init_library(0); });

  auto server = std::make_unique<admin_http::impl>();
  server->handlers = std::move(handlers);
  server->log = module_log("admin");
  std::string ports = listening_port(parsed->first, parsed->second);
  std::string threads = std::to_string(admin_http_threads);
  const char* options[] = {"listening_ports",
                           ports.c_str(),
                           "num_threads",
                           threads.c_str(),
                           "enable_keep_alive",
                           "no",
                           "request_timeout_ms",
                           "10000",
                           nullptr};
  mg_callbacks callbacks{};
  callbacks.begin_request = on_request;
  callbacks.log_message = on_log;
  mg_init_data init{&callbacks, server.get(), options};
  char why[256] = {};
  unsigned code = 0;
  mg_error_data err{&code, why, sizeof why};
  server->ctx = mg_start2(&init, &err);
  if (!server->ctx)
    return error{errc::unavailable, "admin HTTP: cannot listen on " + endpoint + ": " +
                                        (why[0] ? std::string(why) : "civetweb did not start")};
  mg_server_port bound{};
  if (mg_get_server_ports(server->ctx, 1, &bound) == 1) server->port = uint16_t(bound.port);
  server->log->info("trace=0000000000000000 admin HTTP on {} (port {})", ports, server->port);
  return admin_http(std::move(server));
}

}  // namespace cairn
