#pragma once
// The few CAF message shapes every cairn actor speaks. Domain messages are not CAF
// types: they travel as envelope frames (runtime/frame.hpp) inside
// (envelope_atom, std::string frame) and are answered with a std::string frame.
#include <caf/atom.hpp>

namespace cairn {

using envelope_atom = caf::atom_constant<caf::atom("envelope")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;

}  // namespace cairn
