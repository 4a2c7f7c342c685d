#pragma once
// Reads Prometheus text exposition back for tests: every sample line as
// (series, value), series being the name with its labels exactly as written.
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace cairn::testing {

struct sample {
  std::string series;  // e.g. cairn_requests_total{kind="chunkPutRequest",outcome="ok"}
  double value = 0;
};

inline std::vector<sample> samples_of(const std::string& text) {
  std::vector<sample> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    out.push_back({line.substr(0, space), std::strtod(line.c_str() + space + 1, nullptr)});
  }
  return out;
}

// The value of the series written exactly so; nullopt when absent.
inline std::optional<double> value_of(const std::string& text, const std::string& series) {
  for (auto& s : samples_of(text))
    if (s.series == series) return s.value;
  return std::nullopt;
}

// The samples of metric `name` (any labels), by series.
inline std::map<std::string, double> series_of(const std::string& text, const std::string& name) {
  std::map<std::string, double> out;
  for (auto& s : samples_of(text))
    if (s.series == name || s.series.rfind(name + "{", 0) == 0) out[s.series] = s.value;
  return out;
}

inline double sum_of(const std::string& text, const std::string& name) {
  double total = 0;
  for (auto& [series, value] : series_of(text, name)) total += value;
  return total;
}

}  // namespace cairn::testing
