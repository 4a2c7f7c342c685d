#include "sim/trace_log.hpp"

namespace cairn {

trace_log::trace_log(const std::string& jsonl_path) : path_(jsonl_path) {
  if (!path_.empty()) file_ = std::fopen(path_.c_str(), "w");
}

trace_log::~trace_log() {
  if (file_) std::fclose(file_);
}

void trace_log::mix(const void* data, size_t n) {
  auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    hash_ ^= p[i];
    hash_ *= 1099511628211ull;  // FNV-1a prime
  }
}

namespace {

void put_json_string(std::FILE* f, std::string_view s) {
  std::fputc('"', f);
  for (char c : s) {
    if (c == '"' || c == '\\') std::fputc('\\', f);
    if (static_cast<unsigned char>(c) < 0x20) {
      std::fprintf(f, "\\u%04x", c);
      continue;
    }
    std::fputc(c, f);
  }
  std::fputc('"', f);
}

}  // namespace

void trace_log::record(int64_t t_us, std::string_view event, std::initializer_list<field> numbers,
                       std::string_view text) {
  ++events_;
  mix(&t_us, sizeof t_us);
  mix(event.data(), event.size());
  for (auto& [name, value] : numbers) mix(&value, sizeof value);
  mix(text.data(), text.size());
  if (!file_) return;
  std::fprintf(file_, "{\"t_us\":%lld,\"event\":", static_cast<long long>(t_us));
  put_json_string(file_, event);
  for (auto& [name, value] : numbers) {
    std::fputc(',', file_);
    put_json_string(file_, name);
    std::fprintf(file_, ":%llu", static_cast<unsigned long long>(value));
  }
  if (!text.empty()) {
    std::fputs(",\"text\":", file_);
    put_json_string(file_, text);
  }
  std::fputs("}\n", file_);
}

}  // namespace cairn
