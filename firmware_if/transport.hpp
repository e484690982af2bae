#pragma once
// Transports move bytes and know nothing of frames (PROTOCOL.md §1). One interface over a TCP
// socket and a serial port (boost::asio::serial_port), fully asynchronous: every handler runs
// on the executor (strand) the stream was created on; nothing here blocks.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/serial_port.hpp>
#include <boost/system/error_code.hpp>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "firmware_if/address.hpp"
#include "firmware_if/wire.hpp"

namespace hdr::fw {



class ByteStream {
 public:
  using BytesHandler = std::function<void(std::span<const std::uint8_t>)>;
  using ClosedHandler = std::function<void(const boost::system::error_code&)>;
  virtual ~ByteStream() = default;
  // Starts the read loop: on_bytes for every chunk read, on_closed once when the peer or an
  // error ends the stream (never after close()).
  virtual void start(BytesHandler on_bytes, ClosedHandler on_closed) = 0;
  // Queues bytes; writes keep their order.
  virtual void send(Bytes bytes) = 0;
  // Ends the stream; pending handlers are dropped.
  virtual void close() = 0;
};

std::shared_ptr<ByteStream> make_stream(boost::asio::ip::tcp::socket socket);
std::shared_ptr<ByteStream> make_stream(boost::asio::serial_port port);

// Opens a stream to `address` on `executor`: TCP connect, or opening the serial device in raw
// 8N1 mode. The handler gets either an error (with a message) or the stream.
using OpenHandler = std::function<void(const std::string& error, std::shared_ptr<ByteStream>)>;
void async_open(const boost::asio::any_io_executor& executor, const Address& address, OpenHandler handler);

}  // namespace hdr::fw
