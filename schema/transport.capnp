@0xc305893509f563e9;
# The transport handshake (docs/protocols.md, "Transport"). The first frames on every
# connection to a cluster with a secret, as envelopes of kind authHello / authProof.
# Both sides prove they hold the cluster secret with an HMAC-SHA256 over both fresh
# nonces, the cluster name and both host ids, so a proof is bound to one connection
# and cannot be replayed on another, nor sent to another cluster or host.
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("cairn::wire");

struct AuthHelloRequest {
  version @0 :UInt32;   # transport protocol version: 1
  cluster @1 :Text;     # the cluster the client expects; empty: whichever answers
  host @2 :UInt32;      # the connecting host's id; 0xFFFFFFFF for a client (the CLI)
  nonce @3 :Data;       # 32 fresh random bytes
}

struct AuthHelloReply {
  cluster @0 :Text;     # the server's cluster name
  host @1 :UInt32;      # the server's host id
  nonce @2 :Data;       # 32 fresh random bytes
  proof @3 :Data;       # HMAC(secret, "cairn-server-1", cluster, server, client, nonces)
}

struct AuthProofRequest {
  proof @0 :Data;       # HMAC(secret, "cairn-client-1", cluster, client, server, nonces)
}

struct AuthProofReply {}
