// Test peers for ServerSession (header-only, for the *_test.cpp beside it): a real nghttp2
// client session in memory, raw frames for what no well-behaved client sends (HPACK by
// nghttp2's deflater), and the server's output parsed back into frames.
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "h2/server_session.h"

namespace apigw::h2::testing {

using Fields = std::vector<std::pair<std::string, std::string>>;

inline std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

inline Fields get_request(std::string path = "/", std::string authority = "example.test") {
  return {{":method", "GET"},
          {":scheme", "https"},
          {":path", std::move(path)},
          {":authority", std::move(authority)}};
}

// What a client saw of one stream.
struct ClientStream {
  int status = 0;         // the final one
  int informational = 0;  // 1xx heads before it
  Fields headers;
  Fields trailers;
  std::string body;
  bool ended = false;
  bool closed = false;
  std::uint32_t close_code = 0;
};

class Client {
 public:
  // `settings`: the client's SETTINGS (an empty list sends an empty SETTINGS frame).
  explicit Client(std::vector<nghttp2_settings_entry> settings = {}) {
    nghttp2_session_callbacks* callbacks = nullptr;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, on_frame);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_close);
    nghttp2_session_client_new(&session_, callbacks, this);
    nghttp2_session_callbacks_del(callbacks);
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
  }
  ~Client() { nghttp2_session_del(session_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // A request; with `body`, sent as DATA (as the flow-control windows allow) then END_STREAM.
  std::int32_t request(const Fields& fields, const std::string* body = nullptr) {
    std::vector<nghttp2_nv> nv;
    for (const auto& [name, value] : fields) {
      nv.push_back(nghttp2_nv{reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                              reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())),
                              name.size(), value.size(), NGHTTP2_NV_FLAG_NONE});
    }
    nghttp2_data_provider provider{};
    provider.read_callback = read_body;
    const std::int32_t id = nghttp2_submit_request(session_, nullptr, nv.data(), nv.size(),
                                                   body != nullptr ? &provider : nullptr, nullptr);
    if (id < 0) throw std::runtime_error("nghttp2_submit_request failed");
    if (body != nullptr) bodies_[id] = Body{*body, 0};
    return id;
  }
  void reset(std::int32_t stream, std::uint32_t code = NGHTTP2_CANCEL) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream, code);
  }

  // Everything the client wants to send now.
  std::string output() {
    std::string out;
    for (;;) {
      const std::uint8_t* data = nullptr;
      const ssize_t size = nghttp2_session_mem_send(session_, &data);
      if (size <= 0) break;
      out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
    }
    return out;
  }
  void input(std::string_view bytes) {
    if (bytes.empty()) return;
    const ssize_t taken = nghttp2_session_mem_recv(session_, as_bytes(bytes).data(), bytes.size());
    if (taken < 0) throw std::runtime_error(nghttp2_strerror(static_cast<int>(taken)));
  }

  nghttp2_session* session() { return session_; }
  std::map<std::int32_t, ClientStream> streams;
  bool goaway = false;
  std::uint32_t goaway_code = 0;
  std::int32_t goaway_last_stream = -1;

 private:
  struct Body {
    std::string bytes;
    std::size_t sent = 0;
  };
  static Client& self(void* user_data) { return *static_cast<Client*>(user_data); }

  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                       std::size_t name_size, const std::uint8_t* value, std::size_t value_size,
                       std::uint8_t, void* user_data) {
    ClientStream& stream = self(user_data).streams[frame->hd.stream_id];
    const std::string n(reinterpret_cast<const char*>(name), name_size);
    const std::string v(reinterpret_cast<const char*>(value), value_size);
    if (n == ":status") {
      stream.status = std::stoi(v);
      if (stream.status < 200) ++stream.informational;
    } else if (frame->headers.cat == NGHTTP2_HCAT_HEADERS && stream.status >= 200) {
      stream.trailers.emplace_back(n, v);
    } else {
      stream.headers.emplace_back(n, v);
    }
    return 0;
  }
  static int on_data(nghttp2_session*, std::uint8_t, std::int32_t stream_id,
                     const std::uint8_t* data, std::size_t size, void* user_data) {
    self(user_data).streams[stream_id].body.append(reinterpret_cast<const char*>(data), size);
    return 0;
  }
  static int on_frame(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
    Client& client = self(user_data);
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      client.goaway = true;
      client.goaway_code = frame->goaway.error_code;
      client.goaway_last_stream = frame->goaway.last_stream_id;
    }
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
      client.streams[frame->hd.stream_id].ended = true;
    }
    return 0;
  }
  static int on_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t code,
                      void* user_data) {
    ClientStream& stream = self(user_data).streams[stream_id];
    stream.closed = true;
    stream.close_code = code;
    return 0;
  }
  static ssize_t read_body(nghttp2_session*, std::int32_t stream_id, std::uint8_t* buf,
                           std::size_t length, std::uint32_t* flags, nghttp2_data_source*,
                           void* user_data) {
    Body& body = self(user_data).bodies_[stream_id];
    const std::size_t take = std::min(length, body.bytes.size() - body.sent);
    std::copy_n(body.bytes.data() + body.sent, take, buf);
    body.sent += take;
    if (body.sent == body.bytes.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(take);
  }

  nghttp2_session* session_ = nullptr;
  std::map<std::int32_t, Body> bodies_;
};

// Runs the client and the server against each other until neither has anything to say.
// `on_events` sees every batch of server events (and may answer through the session).
inline void exchange(Client& client, ServerSession& server,
                     const std::function<void(std::span<const Event>)>& on_events = {},
                     int max_rounds = 1000) {
  for (int round = 0; round < max_rounds; ++round) {
    const std::string to_server = client.output();
    const std::span<const Event> events = server.feed(as_bytes(to_server));
    if (on_events && !events.empty()) on_events(events);
    const std::string to_client(server.pending_output());
    server.output_written(to_client.size());
    const std::span<const Event> late = server.take_events();
    if (on_events && !late.empty()) on_events(late);
    client.input(to_client);
    if (to_server.empty() && to_client.empty() && late.empty()) return;
  }
}

// Raw client frames, for sequences nghttp2's client refuses to produce.
class Frames {
 public:
  Frames() { nghttp2_hd_deflate_new(&deflater_, 4096); }
  ~Frames() { nghttp2_hd_deflate_del(deflater_); }
  Frames(const Frames&) = delete;
  Frames& operator=(const Frames&) = delete;

  static constexpr std::uint8_t kEndStream = 0x1;
  static constexpr std::uint8_t kEndHeaders = 0x4;
  static constexpr std::uint8_t kPadded = 0x8;

  Frames& preface() {
    bytes_.append("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    return settings();
  }
  Frames& frame(std::uint8_t type, std::uint8_t flags, std::int32_t stream,
                std::string_view payload) {
    const auto length = static_cast<std::uint32_t>(payload.size());
    const char header[9] = {
        static_cast<char>(length >> 16), static_cast<char>(length >> 8),
        static_cast<char>(length),       static_cast<char>(type),
        static_cast<char>(flags),        static_cast<char>((stream >> 24) & 0x7f),
        static_cast<char>(stream >> 16), static_cast<char>(stream >> 8),
        static_cast<char>(stream)};
    bytes_.append(header, 9);
    bytes_.append(payload);
    return *this;
  }
  Frames& settings(const std::vector<std::pair<std::uint16_t, std::uint32_t>>& entries = {},
                   bool ack = false) {
    std::string payload;
    for (const auto& [id, value] : entries) payload += be16(id) + be32(value);
    return frame(NGHTTP2_SETTINGS, ack ? 0x1 : 0x0, 0, payload);
  }
  // An HPACK block for `fields` (the deflater's table persists across blocks, as on a real
  // connection).
  std::string encode(const Fields& fields) {
    std::vector<nghttp2_nv> nv;
    for (const auto& [name, value] : fields) {
      nv.push_back(nghttp2_nv{reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                              reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())),
                              name.size(), value.size(), NGHTTP2_NV_FLAG_NONE});
    }
    std::string block(nghttp2_hd_deflate_bound(deflater_, nv.data(), nv.size()), '\0');
    const ssize_t size =
        nghttp2_hd_deflate_hd(deflater_, reinterpret_cast<std::uint8_t*>(block.data()),
                              block.size(), nv.data(), nv.size());
    if (size < 0) throw std::runtime_error("nghttp2_hd_deflate_hd failed");
    block.resize(static_cast<std::size_t>(size));
    return block;
  }
  Frames& headers(std::int32_t stream, const Fields& fields,
                  std::uint8_t flags = kEndHeaders | kEndStream) {
    return frame(NGHTTP2_HEADERS, flags, stream, encode(fields));
  }
  Frames& continuation(std::int32_t stream, std::string_view block, std::uint8_t flags = 0) {
    return frame(NGHTTP2_CONTINUATION, flags, stream, block);
  }
  Frames& data(std::int32_t stream, std::string_view payload, std::uint8_t flags = 0) {
    return frame(NGHTTP2_DATA, flags, stream, payload);
  }
  Frames& rst(std::int32_t stream, std::uint32_t code = NGHTTP2_CANCEL) {
    return frame(NGHTTP2_RST_STREAM, 0, stream, be32(code));
  }
  Frames& ping(bool ack = false) {
    return frame(NGHTTP2_PING, ack ? 0x1 : 0x0, 0, std::string(8, 'p'));
  }
  Frames& priority(std::int32_t stream) {
    return frame(NGHTTP2_PRIORITY, 0, stream, be32(0) + std::string(1, '\x0f'));
  }
  Frames& window_update(std::int32_t stream, std::uint32_t increment) {
    return frame(NGHTTP2_WINDOW_UPDATE, 0, stream, be32(increment));
  }
  Frames& goaway(std::int32_t last_stream, std::uint32_t code = NGHTTP2_NO_ERROR) {
    return frame(NGHTTP2_GOAWAY, 0, 0, be32(static_cast<std::uint32_t>(last_stream)) + be32(code));
  }

  // The frames written so far, forgotten by the builder.
  std::string take() { return std::exchange(bytes_, {}); }

  static std::string be16(std::uint16_t v) {
    return {static_cast<char>(v >> 8), static_cast<char>(v)};
  }
  static std::string be32(std::uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
            static_cast<char>(v)};
  }

 private:
  nghttp2_hd_deflater* deflater_ = nullptr;
  std::string bytes_;
};

// One frame of the server's output.
struct Frame {
  std::uint8_t type = 0;
  std::uint8_t flags = 0;
  std::int32_t stream = 0;
  std::string payload;

  // RST_STREAM's and GOAWAY's error code, WINDOW_UPDATE's increment.
  std::uint32_t code() const {
    const std::size_t at = type == NGHTTP2_GOAWAY ? 4 : 0;
    if (payload.size() < at + 4) return 0;
    const auto* p = reinterpret_cast<const unsigned char*>(payload.data()) + at;
    return (std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 |
            p[3]) &
           (type == NGHTTP2_WINDOW_UPDATE ? 0x7fffffffu : 0xffffffffu);
  }
  std::int32_t goaway_last_stream() const {
    const auto* p = reinterpret_cast<const unsigned char*>(payload.data());
    return static_cast<std::int32_t>(
        (std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3]) &
        0x7fffffffu);
  }
};

inline std::vector<Frame> parse_frames(std::string_view bytes) {
  std::vector<Frame> frames;
  while (bytes.size() >= 9) {
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
    const std::size_t length = std::size_t{b[0]} << 16 | std::size_t{b[1]} << 8 | b[2];
    if (bytes.size() < 9 + length) break;
    Frame frame;
    frame.type = b[3];
    frame.flags = b[4];
    frame.stream = static_cast<std::int32_t>(
        (std::uint32_t{b[5]} << 24 | std::uint32_t{b[6]} << 16 | std::uint32_t{b[7]} << 8 | b[8]) &
        0x7fffffffu);
    frame.payload = std::string(bytes.substr(9, length));
    frames.push_back(std::move(frame));
    bytes.remove_prefix(9 + length);
  }
  return frames;
}

// Feeds raw frames to the server and collects what it answered.
struct RawRun {
  std::vector<Event> events;
  std::vector<Frame> frames;

  const Frame* find(std::uint8_t type, std::int32_t stream = -1) const {
    for (const Frame& frame : frames) {
      if (frame.type == type && (stream < 0 || frame.stream == stream)) return &frame;
    }
    return nullptr;
  }
  std::size_t count(std::uint8_t type) const {
    std::size_t n = 0;
    for (const Frame& frame : frames) n += frame.type == type ? 1 : 0;
    return n;
  }
  std::size_t count(EventKind kind) const {
    std::size_t n = 0;
    for (const Event& event : events) n += event.kind == kind ? 1 : 0;
    return n;
  }
};

inline void feed_raw(ServerSession& server, std::string_view bytes, RawRun& run,
                     Clock::time_point now = Clock::time_point{} + std::chrono::hours(1)) {
  for (const Event& event : server.feed(as_bytes(bytes), now)) run.events.push_back(event);
  const std::string out(server.pending_output());
  server.output_written(out.size());
  for (Frame& frame : parse_frames(out)) run.frames.push_back(std::move(frame));
  for (const Event& event : server.take_events()) run.events.push_back(event);
}

}  // namespace apigw::h2::testing
