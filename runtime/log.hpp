#pragma once
// Logging: one spdlog logger per module ("meta", "storage", "net", ...), each writing
// its own file under the log directory and warnings and worse to stderr. By
// convention every line starts with `trace=<16 hex>` (0 when no request is involved)
// so one request can be followed across modules with grep.
#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace cairn {

// Sends module logs to files in `dir` (created if missing); empty dir: stderr only.
void log_init(const std::string& dir, spdlog::level::level_enum level);

// The module's logger; created on first use.
std::shared_ptr<spdlog::logger> module_log(const std::string& module);

// Flushes and drops every logger (at clean shutdown).
void log_shutdown();

}  // namespace cairn
