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
// Transport (runtime/net): a link's connect thread reports; a port stops accepting and
// tells how many requests it still serves; a host leaves the cluster.
using connected_atom = caf::atom_constant<caf::atom("connected")>;
using connect_failed_atom = caf::atom_constant<caf::atom("connfail")>;
using reconnect_atom = caf::atom_constant<caf::atom("reconnect")>;
using stop_accepting_atom = caf::atom_constant<caf::atom("stopaccpt")>;
using inflight_atom = caf::atom_constant<caf::atom("inflight")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using leave_atom = caf::atom_constant<caf::atom("leave")>;

}  // namespace cairn
