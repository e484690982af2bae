#include "firmware_if/transport.hpp"

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <deque>

#include "planner/common/error.hpp"

namespace hdr::fw {

Address parse_address(const std::string& text) {
  Address a;
  a.text = text;
  const std::string usage = "afterloader address '" + text + "': expected tcp:HOST:PORT or serial:PATH";
  if (text.rfind("tcp:", 0) == 0) {
    const std::string rest = text.substr(4);
    const auto colon = rest.rfind(':');
    require(colon != std::string::npos && colon > 0 && colon + 1 < rest.size(), usage);
    a.kind = Address::Kind::tcp;
    a.host = rest.substr(0, colon);
    const std::string port = rest.substr(colon + 1);
    require(port.find_first_not_of("0123456789") == std::string::npos && port.size() <= 5, usage + " (port '" + port + "')");
    const unsigned long p = std::stoul(port);
    require(p >= 1 && p <= 65535, usage + " (port " + port + " outside 1..65535)");
    a.port = static_cast<std::uint16_t>(p);
    return a;
  }
  if (text.rfind("serial:", 0) == 0) {
    a.kind = Address::Kind::serial;
    a.path = text.substr(7);
    require(!a.path.empty(), usage);
    return a;
  }
  throw Error(usage);
}

namespace {

template <class S>
class AsioStream : public ByteStream, public std::enable_shared_from_this<AsioStream<S>> {
 public:
  explicit AsioStream(S s) : s_(std::move(s)) {}
  void start(BytesHandler on_bytes, ClosedHandler on_closed) override {
    on_bytes_ = std::move(on_bytes);
    on_closed_ = std::move(on_closed);
    read();
  }
  void send(Bytes bytes) override {
    if (closed_) return;
    queue_.push_back(std::move(bytes));
    if (queue_.size() == 1) write();
  }
  void close() override {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    s_.close(ignored);
    queue_.clear();
  }

 private:
  void read() {
    auto self = this->shared_from_this();
    s_.async_read_some(boost::asio::buffer(buf_), [self](const boost::system::error_code& ec, std::size_t n) {
      if (self->closed_) return;
      if (ec) return self->fail(ec);
      if (self->on_bytes_) self->on_bytes_(std::span<const std::uint8_t>(self->buf_.data(), n));
      if (!self->closed_) self->read();
    });
  }
  void write() {
    auto self = this->shared_from_this();
    boost::asio::async_write(s_, boost::asio::buffer(queue_.front()), [self](const boost::system::error_code& ec, std::size_t) {
      if (self->closed_) return;
      if (ec) return self->fail(ec);
      self->queue_.pop_front();
      if (!self->queue_.empty()) self->write();
    });
  }
  void fail(const boost::system::error_code& ec) {
    if (closed_) return;
    close();
    if (on_closed_) on_closed_(ec);
  }

  S s_;
  std::array<std::uint8_t, 4096> buf_{};
  std::deque<Bytes> queue_;
  BytesHandler on_bytes_;
  ClosedHandler on_closed_;
  bool closed_ = false;
};

}  // namespace

std::shared_ptr<ByteStream> make_stream(boost::asio::ip::tcp::socket socket) {
  boost::system::error_code ignored;
  socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);  // small frames, latency matters
  return std::make_shared<AsioStream<boost::asio::ip::tcp::socket>>(std::move(socket));
}

std::shared_ptr<ByteStream> make_stream(boost::asio::serial_port port) {
  return std::make_shared<AsioStream<boost::asio::serial_port>>(std::move(port));
}

void async_open(const boost::asio::any_io_executor& executor, const Address& address, OpenHandler handler) {
  if (address.kind == Address::Kind::serial) {
    boost::asio::serial_port port(executor);
    boost::system::error_code ec;
    port.open(address.path, ec);
    if (!ec) port.set_option(boost::asio::serial_port::baud_rate(115200), ec);
    if (!ec) port.set_option(boost::asio::serial_port::character_size(8), ec);
    if (!ec) port.set_option(boost::asio::serial_port::parity(boost::asio::serial_port::parity::none), ec);
    if (!ec) port.set_option(boost::asio::serial_port::stop_bits(boost::asio::serial_port::stop_bits::one), ec);
    if (!ec) port.set_option(boost::asio::serial_port::flow_control(boost::asio::serial_port::flow_control::none), ec);
    if (ec) {
      const std::string msg = address.text + ": " + ec.message();
      boost::asio::post(executor, [handler, msg] { handler(msg, nullptr); });
      return;
    }
    auto stream = make_stream(std::move(port));
    boost::asio::post(executor, [handler, stream] { handler({}, stream); });
    return;
  }
  auto resolver = std::make_shared<boost::asio::ip::tcp::resolver>(executor);
  resolver->async_resolve(
      address.host, std::to_string(address.port),
      [executor, resolver, handler, text = address.text](const boost::system::error_code& ec,
                                                          boost::asio::ip::tcp::resolver::results_type results) {
        if (ec) return handler(text + ": " + ec.message(), nullptr);
        auto socket = std::make_shared<boost::asio::ip::tcp::socket>(executor);
        boost::asio::async_connect(*socket, results,
                                   [socket, handler, text](const boost::system::error_code& ec2, const auto&) {
                                     if (ec2) return handler(text + ": " + ec2.message(), nullptr);
                                     handler({}, make_stream(std::move(*socket)));
                                   });
      });
}

}  // namespace hdr::fw
