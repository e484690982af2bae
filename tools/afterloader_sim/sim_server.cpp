#include "tools/afterloader_sim/sim_server.hpp"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/streambuf.hpp>
#include <chrono>
#include <cmath>
#include <csignal>
#include <istream>
#include <map>
#include <sstream>

#include "firmware_if/transport.hpp"

namespace hdr::sim {

std::string ServerOptions::validate() const {
  if (!(std::isfinite(time_scale) && time_scale > 0 && time_scale <= 100000))
    return "--time-scale = " + std::to_string(time_scale) + ": must be > 0 and <= 100000";
  if (watchdog_ms < 50 || watchdog_ms > 600000) return "--watchdog-ms = " + std::to_string(watchdog_ms) + ": must be 50..600000";
  return {};
}

namespace {

using Clock = std::chrono::steady_clock;
namespace asio = boost::asio;
constexpr std::uint32_t kDedupWindow = 64;

class Server {
 public:
  Server(const ServerOptions& o, Machine& m)
      : o_(o), m_(m), strand_(asio::make_strand(io_)), tick_(strand_), heartbeat_(strand_), signals_(strand_, SIGTERM, SIGINT) {}

  int run() {
    const fw::Address addr = fw::parse_address(o_.listen);
    if (addr.kind == fw::Address::Kind::tcp) {
      acceptor_.emplace(strand_);
      const auto ep = asio::ip::tcp::endpoint(asio::ip::make_address(addr.host == "localhost" ? "127.0.0.1" : addr.host), addr.port);
      acceptor_->open(ep.protocol());
      acceptor_->set_option(asio::ip::tcp::acceptor::reuse_address(true));
      acceptor_->bind(ep);
      acceptor_->listen();
      accept();
    } else {
      serial_ = addr;
      open_serial();
    }
    m_.log_event({{"event", "powered_on"}, {"listen", o_.listen}, {"time_scale", o_.time_scale}, {"watchdog_ms", o_.watchdog_ms}});
    signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      // Powering off mid-treatment retracts like an emergency stop, so that the log holds the
      // part of the current dwell that was delivered.
      advance_clock();
      if (m_.state() == fw::MachineState::running) m_.emergency_stop("shutdown");
      m_.log_event({{"event", "shutdown"}, {"signal", sig}});
      io_.stop();
    });
    if (o_.read_stdin) read_stdin();
    last_tick_ = Clock::now();
    last_rx_ = last_tick_;
    schedule_tick();
    schedule_heartbeat();
    io_.run();
    return 0;
  }

 private:
  // --- connections ---
  void accept() {
    acceptor_->async_accept(strand_, [this](const boost::system::error_code& ec, asio::ip::tcp::socket s) {
      if (!ec) attach(fw::make_stream(std::move(s)), "tcp");
      if (ec != asio::error::operation_aborted) accept();
    });
  }
  void open_serial() {
    fw::async_open(strand_, *serial_, [this](const std::string& err, std::shared_ptr<fw::ByteStream> s) {
      if (!err.empty()) {
        m_.log_event({{"event", "serial_error"}, {"error", err}});
        retry_serial();
        return;
      }
      attach(std::move(s), "serial");
    });
  }
  void retry_serial() {
    auto t = std::make_shared<asio::steady_timer>(strand_, std::chrono::milliseconds(200));
    t->async_wait([this, t](const boost::system::error_code& ec) {
      if (!ec) open_serial();
    });
  }
  void attach(std::shared_ptr<fw::ByteStream> s, const char* kind) {
    if (conn_) {
      conn_->close();
      m_.log_event({{"event", "disconnected"}, {"why", "replaced by a new connection"}});
    }
    conn_ = std::move(s);
    parser_.reset();
    m_.log_event({{"event", "connected"}, {"transport", kind}});
    auto me = conn_.get();
    conn_->start([this, me](std::span<const std::uint8_t> b) { if (conn_.get() == me) on_bytes(b); },
                 [this, me](const boost::system::error_code& ec) {
                   if (conn_.get() != me) return;
                   m_.log_event({{"event", "disconnected"}, {"why", ec.message()}});
                   conn_.reset();
                   if (serial_) retry_serial();
                 });
  }
  void drop_link() {
    m_.log_event({{"event", "link_dropped"}, {"injected", true}});
    if (!conn_) return;
    conn_->close();
    conn_.reset();
    // A serial line cannot be unplugged here: go deaf and mute for longer than the watchdog.
    if (serial_) {
      mute_until_ = Clock::now() + std::chrono::milliseconds(o_.watchdog_ms * 2);
      retry_serial();
    }
  }
  bool muted() const { return Clock::now() < mute_until_; }
  void send(fw::MsgType type, std::uint32_t epoch, std::uint32_t seq, fw::Bytes payload) {
    if (!conn_ || muted()) return;
    conn_->send(fw::encode_frame(fw::Frame{static_cast<std::uint8_t>(type), epoch, seq, std::move(payload)}));
  }

  // --- frames ---
  void on_bytes(std::span<const std::uint8_t> b) {
    if (muted()) return;
    advance_clock();
    std::vector<fw::Frame> frames;
    const std::size_t bad = parser_.feed(b, frames);
    for (std::size_t i = 0; i < bad; ++i) send(fw::MsgType::nak, epoch_, 0, {});
    for (auto& f : frames) on_frame(f);
    after_event();
    schedule_tick();  // re-arm for the next transition a command may have started (e.g. a retraction)
  }

  void on_frame(const fw::Frame& f) {
    const auto type = static_cast<fw::MsgType>(f.type);
    if (type == fw::MsgType::hello && f.epoch != epoch_) {
      // A new console process: forget the old one's sequence numbers and cached answers.
      epoch_ = f.epoch;
      hi_seq_ = 0;
      cache_.clear();
    }
    if (f.epoch != epoch_ || epoch_ == 0) {
      if (fw::is_request(f.type)) {
        fw::ResponseMsg r{type, fw::Result::not_connected, "no HELLO from this console epoch", fw::encode(m_.status(false))};
        send(fw::MsgType::response, f.epoch, f.seq, fw::encode(r));
      }
      return;
    }
    last_rx_ = Clock::now();
    if (type == fw::MsgType::heartbeat) return;
    if (type == fw::MsgType::nak) {
      // The console could not read our last frame: repeat the last answer.
      if (!cache_.empty()) send_cached(cache_.rbegin()->second);
      return;
    }
    if (!fw::is_request(f.type)) {
      fw::ResponseMsg r{fw::MsgType::status, fw::Result::invalid, "unknown message type " + std::to_string(f.type), {}};
      send(fw::MsgType::response, f.epoch, f.seq, fw::encode(r));
      return;
    }
    // Requests may overlap and arrive out of order (a console's STATUS poll and an operator's
    // EMERGENCY_STOP). The 64 highest sequence numbers acted on are remembered with their
    // answers: a duplicate among them is answered again, never acted on again; anything
    // older than that window is stale and ignored.
    if (auto it = cache_.find(f.seq); it != cache_.end()) {
      send_cached(it->second);
      return;
    }
    if (hi_seq_ >= kDedupWindow && f.seq <= hi_seq_ - kDedupWindow) return;
    hi_seq_ = std::max(hi_seq_, f.seq);
    const fw::ResponseMsg r = m_.handle(type, f.payload);
    fw::Bytes frame = fw::encode_frame(fw::Frame{static_cast<std::uint8_t>(fw::MsgType::response), f.epoch, f.seq, fw::encode(r)});
    cache_[f.seq] = frame;
    while (cache_.size() > kDedupWindow) cache_.erase(cache_.begin());
    send_cached(frame);
  }
  void send_cached(const fw::Bytes& frame) {
    if (conn_ && !muted()) conn_->send(frame);
  }

  // --- time ---
  void advance_clock() {
    const auto now = Clock::now();
    const double wall_s = std::chrono::duration<double>(now - last_tick_).count();
    last_tick_ = now;
    m_.advance(wall_s * o_.time_scale);
    if (m_.state() == fw::MachineState::running && !first_start_s_) first_start_s_ = m_.now_s();
    if (first_start_s_) {
      const double since = m_.now_s() - *first_start_s_;
      if (o_.door_open_after_s && since >= *o_.door_open_after_s) {
        o_.door_open_after_s.reset();
        m_.set_door_open(true);
        m_.set_door_open(false);
      }
      if (o_.emergency_stop_after_s && since >= *o_.emergency_stop_after_s) {
        o_.emergency_stop_after_s.reset();
        m_.emergency_stop("flag");
      }
      if (o_.drop_link_after_s && since >= *o_.drop_link_after_s) {
        o_.drop_link_after_s.reset();
        drop_link();
      }
    }
    if (m_.state() == fw::MachineState::running &&
        now - last_rx_ > std::chrono::milliseconds(o_.watchdog_ms))
      m_.watchdog_expired();
  }
  void after_event() {
    if (m_.take_changed()) send(fw::MsgType::notify, epoch_, 0, fw::encode(m_.status(false)));
  }
  void schedule_tick() {
    auto wait = std::chrono::microseconds(5000);
    if (const auto left = m_.time_to_next_transition_s()) {
      const double us = *left / o_.time_scale * 1e6;
      wait = std::min(wait, std::chrono::microseconds(std::max<long long>(100, std::llround(us))));
    }
    tick_.expires_after(wait);
    tick_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      advance_clock();
      after_event();
      schedule_tick();
    });
  }
  void schedule_heartbeat() {
    heartbeat_.expires_after(std::chrono::milliseconds(o_.heartbeat_ms));
    heartbeat_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      if (epoch_ != 0) send(fw::MsgType::heartbeat, epoch_, 0, {});
      schedule_heartbeat();
    });
  }

  // --- stdin commands ---
  void read_stdin() {
    const int fd = ::dup(0);
    if (fd < 0) return;
    try {
      stdin_.emplace(strand_, fd);
    } catch (const boost::system::system_error&) {
      ::close(fd);  // e.g. a regular file: epoll refuses it; commands then come only from flags
      return;
    }
    next_stdin_line();
  }
  void next_stdin_line() {
    asio::async_read_until(*stdin_, stdin_buf_, '\n', [this](const boost::system::error_code& ec, std::size_t) {
      if (ec) return;  // EOF or closed: no more local commands
      std::istream in(&stdin_buf_);
      std::string line;
      std::getline(in, line);
      advance_clock();
      command(line);
      after_event();
      schedule_tick();
      next_stdin_line();
    });
  }
  void command(const std::string& line) {
    std::istringstream in(line);
    std::string a, b;
    in >> a >> b;
    if (a == "door" && b == "open") m_.set_door_open(true);
    else if (a == "door" && b == "close") m_.set_door_open(false);
    else if (a == "estop" || a == "emergency") m_.emergency_stop("panel");
    else if (a == "drop") drop_link();
    else if (a == "obstruct" && !b.empty()) m_.set_obstructed_channel(std::atoi(b.c_str()));
    else if (a == "refuse" && !b.empty()) m_.set_refused_channel(std::atoi(b.c_str()));
    else if (a == "clear") {
      m_.set_obstructed_channel(std::nullopt);
      m_.set_refused_channel(std::nullopt);
    } else if (!a.empty())
      m_.log_event({{"event", "unknown_command"}, {"command", line}});
  }

  ServerOptions o_;
  Machine& m_;
  asio::io_context io_;
  asio::strand<asio::io_context::executor_type> strand_;
  asio::steady_timer tick_;
  asio::steady_timer heartbeat_;
  asio::signal_set signals_;
  std::optional<asio::ip::tcp::acceptor> acceptor_;
  std::optional<fw::Address> serial_;
  std::optional<asio::posix::stream_descriptor> stdin_;
  asio::streambuf stdin_buf_;
  std::shared_ptr<fw::ByteStream> conn_;
  fw::FrameParser parser_;
  std::uint32_t epoch_ = 0;
  std::uint32_t hi_seq_ = 0;
  std::map<std::uint32_t, fw::Bytes> cache_;
  Clock::time_point last_tick_;
  Clock::time_point last_rx_;
  Clock::time_point mute_until_{};
  std::optional<double> first_start_s_;
};

}  // namespace

int run_simulator(const ServerOptions& server, const MachineOptions& machine, const std::string& log_path) {
  const std::string p1 = server.validate();
  require(p1.empty(), p1);
  EventLog log(log_path);
  Machine m(machine, log);
  Server s(server, m);
  return s.run();
}

}  // namespace hdr::sim
