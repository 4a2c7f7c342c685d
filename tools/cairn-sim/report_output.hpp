#pragma once
// How cairn-sim prints a run: a readable report, or one JSON object per seed and a
// summary object for --seeds (-o json).
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "sim/simulation.hpp"

namespace cairn::sim_cli {

nlohmann::json to_json(const sim_report& r);
std::string to_text(const sim_report& r);

struct seeds_summary {
  uint64_t runs = 0, passed = 0;
  double sim_seconds = 0, wall_seconds = 0;
  std::vector<uint64_t> failed_seeds;
};
nlohmann::json to_json(const seeds_summary& s);
std::string to_text(const seeds_summary& s);

}  // namespace cairn::sim_cli
