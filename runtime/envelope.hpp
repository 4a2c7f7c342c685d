#pragma once
// The envelope codec: builds frames (runtime/frame.hpp) whose body is a wire::Envelope
// and reads them back under traversal and nesting limits. Every Cap'n Proto or kj
// exception is caught here (see guarded) and becomes errc::corrupt.
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <memory>
#include <string>

#include "cairn/schema/envelope.capnp.h"
#include "runtime/address.hpp"
#include "runtime/result.hpp"

namespace cairn {

struct envelope_header {
  address source;
  address destination;
  uint64_t correlation_id = 0;
  uint64_t trace_id = 0;
  int64_t deadline_ms = 0;  // absolute cluster time; 0 = none
  wire::MessageKind kind = wire::MessageKind::NONE;
};

struct decode_limits {
  size_t frame_bytes_max = 64u << 20;
  int nesting_max = 16;
  // Words a reader may traverse per word of message: bounds amplification attacks
  // (many pointers to the same bytes) while any honest message reads in full.
  uint64_t traversal_factor = 4;
};

// Builds one envelope. Fill the payload through init_payload<T>(), then finish().
class envelope_builder {
 public:
  explicit envelope_builder(const envelope_header& header);
  envelope_builder(const envelope_builder&) = delete;
  envelope_builder& operator=(const envelope_builder&) = delete;

  template <class T>
  typename T::Builder init_payload() {
    return root_.getPayload().template initAs<T>();
  }
  // Sets a Data payload field without an extra copy where possible.
  capnp::MessageBuilder& message() { return message_; }

  // The whole frame: header and body.
  std::string finish();

 private:
  capnp::MallocMessageBuilder message_;
  wire::Envelope::Builder root_;
};

// A received frame, validated and ready to read. Owns the bytes.
class envelope_reader {
 public:
  // Checks the frame header, opens the message under `limits` and reads the header
  // fields. errc::corrupt for anything malformed.
  static result<std::unique_ptr<envelope_reader>> open(std::string frame,
                                                       const decode_limits& limits = {});

  const envelope_header& header() const { return header_; }
  wire::MessageKind kind() const { return header_.kind; }
  size_t frame_bytes() const { return frame_.size(); }
  // Hands the frame's bytes to the caller, e.g. to forward them unchanged.
  // The reader must not be used afterwards.
  std::string take_frame() && { return std::move(frame_); }

  // Lazily reads the payload; field access may throw kj::Exception on malformed
  // bytes, so callers read inside guarded().
  template <class T>
  typename T::Reader payload() const {
    return root_.getPayload().template getAs<T>();
  }

 private:
  envelope_reader() = default;
  std::string frame_;
  kj::Array<capnp::word> aligned_copy_;  // only if frame_'s body was misaligned
  std::unique_ptr<capnp::FlatArrayMessageReader> reader_;
  wire::Envelope::Reader root_;
  envelope_header header_;
};

// Runs fn(), turning a kj::Exception (malformed Cap'n Proto data) into errc::corrupt.
// fn returns result<T> or status.
template <class F>
auto guarded(F&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const kj::Exception& e) {
    return error{errc::corrupt, std::string("malformed message: ") + e.getDescription().cStr()};
  }
}

// The header of a reply to `request`: source and destination swapped, correlation
// and trace kept.
envelope_header reply_header(const envelope_header& request, wire::MessageKind kind);

// A whole errorReply frame answering `request`.
std::string make_error_reply(const envelope_header& request, const error& err);

// Reads an errorReply's payload back into an error.
error read_error_reply(const envelope_reader& reply);

// Opens a reply frame expected to be of `kind` (`what` names the request in errors).
// Returns the errorReply's own error for an errorReply (corrupt if its code is ok), and
// errc::corrupt for another kind or an unreadable frame.
result<std::unique_ptr<envelope_reader>> open_reply(std::string frame, wire::MessageKind kind,
                                                    const char* what,
                                                    const decode_limits& limits = {});

// The kind of a whole frame, read in place without copying it (metrics on large
// replies); NONE when the frame is malformed or its body is not word-aligned in memory.
wire::MessageKind peek_kind(std::string_view frame);

wire::ErrorCode to_wire(errc code);
errc from_wire(wire::ErrorCode code);

}  // namespace cairn
