#include "runtime/log.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <filesystem>
#include <mutex>

namespace cairn {
namespace {

std::mutex log_mutex;
std::string log_dir;
spdlog::level::level_enum log_level = spdlog::level::info;

}  // namespace

void log_init(const std::string& dir, spdlog::level::level_enum level) {
  std::lock_guard lock(log_mutex);
  log_dir = dir;
  log_level = level;
  if (!dir.empty()) std::filesystem::create_directories(dir);
  spdlog::drop_all();
}

std::shared_ptr<spdlog::logger> module_log(const std::string& module) {
  std::lock_guard lock(log_mutex);
  if (auto existing = spdlog::get(module)) return existing;
  auto err = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  err->set_level(spdlog::level::warn);
  std::vector<spdlog::sink_ptr> sinks{err};
  if (!log_dir.empty())
    sinks.push_back(
        std::make_shared<spdlog::sinks::basic_file_sink_mt>(log_dir + "/" + module + ".log"));
  auto logger = std::make_shared<spdlog::logger>(module, sinks.begin(), sinks.end());
  logger->set_level(log_level);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l [%n] %v");
  logger->flush_on(spdlog::level::warn);
  spdlog::register_logger(logger);
  return logger;
}

void log_shutdown() {
  std::lock_guard lock(log_mutex);
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); });
  spdlog::drop_all();
}

}  // namespace cairn
