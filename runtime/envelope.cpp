#include "runtime/envelope.hpp"

#include <cstring>

#include "runtime/frame.hpp"

namespace cairn {
namespace {

// A kj output stream appending to a std::string, so the frame is written once.
class string_output final : public kj::OutputStream {
 public:
  explicit string_output(std::string& out) : out_(out) {}
  void write(const void* buffer, size_t size) override {
    out_.append(static_cast<const char*>(buffer), size);
  }

 private:
  std::string& out_;
};

void set_address(wire::Address::Builder b, const address& a) {
  b.setHost(a.host);
  b.setActor(a.actor);
}

address get_address(wire::Address::Reader r) {
  return address{r.getHost(), std::string(r.getActor().cStr())};
}

}  // namespace

envelope_builder::envelope_builder(const envelope_header& h)
    : root_(message_.initRoot<wire::Envelope>()) {
  set_address(root_.initSource(), h.source);
  set_address(root_.initDestination(), h.destination);
  root_.setCorrelationId(h.correlation_id);
  root_.setTraceId(h.trace_id);
  root_.setDeadlineMs(h.deadline_ms);
  root_.setKind(h.kind);
}

std::string envelope_builder::finish() {
  size_t words = capnp::computeSerializedSizeInWords(message_);
  std::string out;
  out.reserve(frame_header_bytes + words * sizeof(capnp::word));
  out.resize(frame_header_bytes);
  write_frame_header(out.data(), static_cast<uint32_t>(words * sizeof(capnp::word)));
  string_output stream(out);
  capnp::writeMessage(stream, message_);
  return out;
}

result<std::unique_ptr<envelope_reader>> envelope_reader::open(std::string frame,
                                                               const decode_limits& limits) {
  if (auto st = check_frame(frame, limits.frame_bytes_max); !st) return st.err();
  std::unique_ptr<envelope_reader> r(new envelope_reader());
  r->frame_ = std::move(frame);
  const char* body = r->frame_.data() + frame_header_bytes;
  size_t words = (r->frame_.size() - frame_header_bytes) / sizeof(capnp::word);
  kj::ArrayPtr<const capnp::word> view;
  if (reinterpret_cast<uintptr_t>(body) % alignof(capnp::word) == 0) {
    view = kj::arrayPtr(reinterpret_cast<const capnp::word*>(body), words);
  } else {
    r->aligned_copy_ = kj::heapArray<capnp::word>(words);
    std::memcpy(r->aligned_copy_.begin(), body, words * sizeof(capnp::word));
    view = r->aligned_copy_.asPtr();
  }
  capnp::ReaderOptions options;
  options.traversalLimitInWords = std::max<uint64_t>(words * limits.traversal_factor, 1024);
  options.nestingLimit = limits.nesting_max;
  auto opened = guarded([&]() -> status {
    r->reader_ = std::make_unique<capnp::FlatArrayMessageReader>(view, options);
    if (r->reader_->getEnd() != view.end())
      return error{errc::corrupt, "trailing bytes after the message"};
    r->root_ = r->reader_->getRoot<wire::Envelope>();
    auto& h = r->header_;
    h.source = get_address(r->root_.getSource());
    h.destination = get_address(r->root_.getDestination());
    h.correlation_id = r->root_.getCorrelationId();
    h.trace_id = r->root_.getTraceId();
    h.deadline_ms = r->root_.getDeadlineMs();
    h.kind = r->root_.getKind();
    return ok_status();
  });
  if (!opened) return opened.err();
  return r;
}

wire::MessageKind peek_kind(std::string_view frame) {
  if (!check_frame(frame, frame.size()).ok()) return wire::MessageKind::NONE;
  const char* body = frame.data() + frame_header_bytes;
  if (reinterpret_cast<uintptr_t>(body) % alignof(capnp::word) != 0) return wire::MessageKind::NONE;
  auto view = kj::arrayPtr(reinterpret_cast<const capnp::word*>(body),
                           (frame.size() - frame_header_bytes) / sizeof(capnp::word));
  try {
    capnp::FlatArrayMessageReader reader(view);
    return reader.getRoot<wire::Envelope>().getKind();
  } catch (const kj::Exception&) {
    return wire::MessageKind::NONE;
  }
}

envelope_header reply_header(const envelope_header& request, wire::MessageKind kind) {
  envelope_header h;
  h.source = request.destination;
  h.destination = request.source;
  h.correlation_id = request.correlation_id;
  h.trace_id = request.trace_id;
  h.deadline_ms = request.deadline_ms;
  h.kind = kind;
  return h;
}

std::string make_error_reply(const envelope_header& request, const error& err) {
  envelope_builder b(reply_header(request, wire::MessageKind::ERROR_REPLY));
  auto p = b.init_payload<wire::ErrorReply>();
  p.setCode(to_wire(err.code));
  p.setMessage(err.message);
  return b.finish();
}

error read_error_reply(const envelope_reader& reply) {
  try {
    auto p = reply.payload<wire::ErrorReply>();
    return error{from_wire(p.getCode()), std::string(p.getMessage().cStr())};
  } catch (const kj::Exception& e) {
    return error{errc::corrupt, std::string("malformed error reply: ") + e.getDescription().cStr()};
  }
}

result<std::unique_ptr<envelope_reader>> open_reply(std::string frame, wire::MessageKind kind,
                                                    const char* what, const decode_limits& limits) {
  auto env = envelope_reader::open(std::move(frame), limits);
  if (!env) return env.err();
  auto got = (*env)->kind();
  if (got == wire::MessageKind::ERROR_REPLY) {
    auto err = read_error_reply(**env);
    if (err.code == errc::ok) return error{errc::corrupt, "an errorReply with code ok"};
    return err;
  }
  if (got != kind)
    return error{errc::corrupt, std::string("a ") + what + " was answered with message kind " +
                                    std::to_string(static_cast<uint16_t>(got))};
  return env;
}

wire::ErrorCode to_wire(errc code) {
  return static_cast<wire::ErrorCode>(static_cast<uint16_t>(code));
}

errc from_wire(wire::ErrorCode code) {
  auto v = static_cast<uint16_t>(code);
  return v < errc_count ? static_cast<errc>(v) : errc::internal;
}

}  // namespace cairn
