#pragma once
// Simulated time: microseconds since the run started, on the simulation's virtual clock.
#include <cstdint>

namespace cairn {

using sim_us = int64_t;

}  // namespace cairn
