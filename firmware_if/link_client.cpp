#include "firmware_if/link_client.hpp"

#include "firmware_if/transport.hpp"

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <thread>

namespace hdr::fw {

std::string LinkOptions::validate() const {
  auto bad = [](const char* f, int v, const char* rule) { return std::string("LinkOptions::") + f + " = " + std::to_string(v) + ": " + rule; };
  if (heartbeat_ms < 10 || heartbeat_ms > 250) return bad("heartbeat_ms", heartbeat_ms, "must be 10..250 (the machine's watchdog needs one every 250 ms)");
  if (response_timeout_ms < 10 || response_timeout_ms > 10000) return bad("response_timeout_ms", response_timeout_ms, "must be 10..10000");
  if (max_attempts < 1 || max_attempts > 20) return bad("max_attempts", max_attempts, "must be 1..20");
  if (connect_timeout_ms < 100) return bad("connect_timeout_ms", connect_timeout_ms, "must be >= 100");
  return {};
}

namespace asio = boost::asio;

struct LinkClient::Impl : std::enable_shared_from_this<LinkClient::Impl> {
  Impl(Address a, LinkOptions o)
      : address(std::move(a)), options(std::move(o)), strand(asio::make_strand(io)), heartbeat(strand),
        work(asio::make_work_guard(io)) {
    std::random_device rd;
    epoch = static_cast<std::uint32_t>(rd()) ^ static_cast<std::uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    if (epoch == 0) epoch = 1;
  }

  Address address;
  LinkOptions options;
  asio::io_context io;
  asio::strand<asio::io_context::executor_type> strand;
  asio::steady_timer heartbeat;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::thread thread;

  // --- strand-only state ---
  std::shared_ptr<ByteStream> stream;
  FrameParser parser;
  std::uint32_t epoch = 1;
  std::uint32_t next_seq = 1;
  // Outstanding requests by sequence number: the session's STATUS polling and an operator's
  // INTERRUPT / EMERGENCY_STOP from another thread may be in flight together.
  struct Pending {
    Bytes frame;
    int attempts = 0;
    std::shared_ptr<std::promise<CallOutcome>> promise;
    std::shared_ptr<asio::steady_timer> timer;
  };
  std::map<std::uint32_t, Pending> pending;
  std::function<void(const StatusReport&)> notify_handler;

  mutable std::mutex counters_mutex;
  LinkCounters counters;
  std::atomic<bool> is_connected{false};
  bool stopping = false;  // set by the destructor: no timer may re-arm after it

  void count(std::uint64_t LinkCounters::*field) {
    std::lock_guard lock(counters_mutex);
    ++(counters.*field);
  }

  void start_heartbeat() {
    if (stopping) return;
    heartbeat.expires_after(std::chrono::milliseconds(options.heartbeat_ms));
    heartbeat.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      if (self->stream && self->is_connected)
        self->write(encode_frame(Frame{static_cast<std::uint8_t>(MsgType::heartbeat), self->epoch, 0, {}}));
      self->start_heartbeat();
    });
  }

  void write(Bytes frame) {
    if (!stream) return;
    count(&LinkCounters::frames_sent);
    stream->send(std::move(frame));
  }

  void complete(std::uint32_t seq, CallOutcome out) {
    const auto it = pending.find(seq);
    if (it == pending.end()) return;
    it->second.timer->cancel();
    it->second.promise->set_value(std::move(out));
    pending.erase(it);
  }

  void fail_pending(const std::string& why) {
    while (!pending.empty()) {
      CallOutcome out;
      out.error = why;
      complete(pending.begin()->first, std::move(out));
    }
  }

  void drop_stream(const std::string& why) {
    if (stream) stream->close();
    stream.reset();
    is_connected = false;
    fail_pending(why);
  }

  void attach(std::shared_ptr<ByteStream> s) {
    drop_stream("link replaced");
    stream = std::move(s);
    parser.reset();
    auto me = stream.get();
    std::weak_ptr<Impl> weak = shared_from_this();
    stream->start(
        [weak, me](std::span<const std::uint8_t> bytes) {
          if (auto self = weak.lock(); self && self->stream.get() == me) self->on_bytes(bytes);
        },
        [weak, me](const boost::system::error_code& ec) {
          if (auto self = weak.lock(); self && self->stream.get() == me) self->drop_stream("link closed: " + ec.message());
        });
  }

  void on_bytes(std::span<const std::uint8_t> bytes) {
    std::vector<Frame> frames;
    const std::size_t bad = parser.feed(bytes, frames);
    for (std::size_t i = 0; i < bad; ++i) {
      count(&LinkCounters::crc_errors);
      write(encode_frame(Frame{static_cast<std::uint8_t>(MsgType::nak), epoch, 0, {}}));
    }
    for (const auto& f : frames) on_frame(f);
  }

  void on_frame(const Frame& f) {
    if (f.epoch != epoch) return;  // another console's conversation, or stale
    switch (static_cast<MsgType>(f.type)) {
      case MsgType::response: {
        if (!pending.count(f.seq)) return;  // a duplicate answer: already handled
        CallOutcome out;
        try {
          out.response = decode_response(f.payload);
          out.answered = true;
        } catch (const ProtocolError& e) {
          out.error = std::string("malformed answer: ") + e.what();
        }
        complete(f.seq, std::move(out));
        return;
      }
      case MsgType::nak: {
        count(&LinkCounters::naks_received);
        std::vector<std::uint32_t> seqs;
        for (const auto& [seq, p] : pending) seqs.push_back(seq);
        for (std::uint32_t seq : seqs) resend(seq);
        return;
      }
      case MsgType::notify:
        if (notify_handler) {
          try {
            notify_handler(decode_status(f.payload));
          } catch (const ProtocolError&) {
            // A NOTIFY is only a hint; the session's STATUS polling is authoritative.
          }
        }
        return;
      default: return;  // heartbeats: the machine is alive; nothing to do
    }
  }

  void resend(std::uint32_t seq) {
    const auto it = pending.find(seq);
    if (it == pending.end()) return;
    Pending& p = it->second;
    if (p.attempts >= options.max_attempts) {
      drop_stream("no answer to request seq " + std::to_string(seq) + " after " + std::to_string(p.attempts) + " attempts");
      return;
    }
    ++p.attempts;
    if (p.attempts > 1) count(&LinkCounters::retransmissions);
    write(p.frame);
    p.timer->expires_after(std::chrono::milliseconds(options.response_timeout_ms));
    p.timer->async_wait([self = shared_from_this(), seq](const boost::system::error_code& ec) {
      if (ec) return;
      self->resend(seq);
    });
  }

  void begin_call(MsgType type, Bytes payload, std::shared_ptr<std::promise<CallOutcome>> promise) {
    if (!stream) {
      CallOutcome out;
      out.error = "link not connected";
      promise->set_value(std::move(out));
      return;
    }
    const std::uint32_t seq = next_seq++;
    Pending p;
    p.frame = encode_frame(Frame{static_cast<std::uint8_t>(type), epoch, seq, std::move(payload)});
    p.promise = std::move(promise);
    p.timer = std::make_shared<asio::steady_timer>(strand);
    pending.emplace(seq, std::move(p));
    resend(seq);
  }
};

LinkClient::LinkClient(Address address, LinkOptions options) : impl_(std::make_shared<Impl>(std::move(address), std::move(options))) {
  const std::string problem = impl_->options.validate();
  require(problem.empty(), problem);
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
  asio::post(impl_->strand, [impl = impl_] { impl->start_heartbeat(); });
}

LinkClient::~LinkClient() {
  asio::post(impl_->strand, [impl = impl_] {
    impl->stopping = true;
    impl->drop_stream("link client closed");
    impl->heartbeat.cancel();
    impl->work.reset();
    impl->io.stop();
  });
  if (impl_->thread.joinable()) impl_->thread.join();
  // Run the cancelled handlers to completion: each holds a shared_ptr to impl_, and left in the
  // stopped io_context they would keep it (and its io_context) alive for ever.
  impl_->io.restart();
  impl_->io.run();
}

std::optional<MachineProfile> LinkClient::connect(std::string& error) {
  auto opened = std::make_shared<std::promise<std::string>>();
  auto fut = opened->get_future();
  {
    std::lock_guard lock(impl_->counters_mutex);
    ++impl_->counters.reconnects;
  }
  asio::post(impl_->strand, [impl = impl_, opened] {
    impl->drop_stream("reconnecting");
    auto done = std::make_shared<bool>(false);
    auto timer = std::make_shared<asio::steady_timer>(impl->strand, std::chrono::milliseconds(impl->options.connect_timeout_ms));
    timer->async_wait([done, opened](const boost::system::error_code& ec) {
      if (ec || *done) return;
      *done = true;
      opened->set_value("connect timed out");
    });
    async_open(impl->strand, impl->address, [impl, opened, done, timer](const std::string& err, std::shared_ptr<ByteStream> s) {
      timer->cancel();
      if (*done) {
        if (s) s->close();
        return;
      }
      *done = true;
      if (!err.empty()) return opened->set_value(err);
      impl->attach(std::move(s));
      opened->set_value({});
    });
  });
  if (fut.wait_for(std::chrono::milliseconds(impl_->options.connect_timeout_ms + 1000)) != std::future_status::ready) {
    error = "connect did not finish";
    return std::nullopt;
  }
  error = fut.get();
  if (!error.empty()) return std::nullopt;
  HelloMsg hello;
  hello.console_name = impl_->options.console_name;
  const CallOutcome out = call(MsgType::hello, encode(hello));
  if (!out.answered) {
    error = "HELLO: " + out.error;
    return std::nullopt;
  }
  if (out.response.result != Result::ok) {
    error = std::string("HELLO refused: ") + to_string(out.response.result) + " " + out.response.detail;
    return std::nullopt;
  }
  try {
    MachineProfile p = decode_profile(out.response.body);
    impl_->is_connected = true;
    return p;
  } catch (const ProtocolError& e) {
    error = std::string("HELLO answer: ") + e.what();
    return std::nullopt;
  }
}

CallOutcome LinkClient::call(MsgType type, Bytes payload) {
  auto promise = std::make_shared<std::promise<CallOutcome>>();
  auto fut = promise->get_future();
  asio::post(impl_->strand, [impl = impl_, type, payload = std::move(payload), promise]() mutable {
    impl->begin_call(type, std::move(payload), std::move(promise));
  });
  // The strand answers within attempts x timeout; the margin only guards against a bug.
  const auto limit = std::chrono::milliseconds(impl_->options.max_attempts * impl_->options.response_timeout_ms + 2000);
  if (fut.wait_for(limit) != std::future_status::ready) {
    CallOutcome out;
    out.error = "internal: no outcome from the link thread";
    return out;
  }
  return fut.get();
}

void LinkClient::disconnect() {
  std::promise<void> done;
  auto fut = done.get_future();
  asio::post(impl_->strand, [impl = impl_, &done] {
    impl->drop_stream("disconnected by the console");
    done.set_value();
  });
  fut.wait();
}

bool LinkClient::connected() const { return impl_->is_connected; }

LinkCounters LinkClient::counters() const {
  std::lock_guard lock(impl_->counters_mutex);
  return impl_->counters;
}

void LinkClient::set_notify_handler(std::function<void(const StatusReport&)> handler) {
  std::promise<void> done;
  auto fut = done.get_future();
  asio::post(impl_->strand, [impl = impl_, h = std::move(handler), &done]() mutable {
    impl->notify_handler = std::move(h);
    done.set_value();
  });
  fut.wait();
}

}  // namespace hdr::fw
