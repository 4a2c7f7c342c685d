#include "runtime/buggify.hpp"

#include <atomic>

namespace cairn {
namespace {
std::atomic<buggify_source*> installed{nullptr};
}  // namespace

void set_buggify_source(buggify_source* source) {
  installed.store(source, std::memory_order_release);
}

bool buggify(std::string_view site) {
  auto* source = installed.load(std::memory_order_acquire);
  return source != nullptr && source->fire(site);
}

}  // namespace cairn
