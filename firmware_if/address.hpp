#pragma once
// The afterloader's address as the command line gives it. No Asio here, so that callers of
// the link (tools, console) do not compile Asio.
#include <cstdint>
#include <string>

namespace hdr::fw {

// "tcp:HOST:PORT" or "serial:PATH" (../shared/CLI.md).
struct Address {
  enum class Kind { tcp, serial } kind = Kind::tcp;
  std::string host;       // tcp
  std::uint16_t port = 0; // tcp
  std::string path;       // serial
  std::string text;       // as given
};
// hdr::Error naming the text and the accepted forms when malformed.
Address parse_address(const std::string& text);

}  // namespace hdr::fw
