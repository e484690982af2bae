#pragma once
// The console's end of the afterloader link (PROTOCOL.md §4): one Asio I/O thread on one
// strand owns the transport, the frame parser, heartbeats and retransmission; callers on
// other threads (the delivery session's worker — never the UI thread) make blocking,
// bounded calls. Each request gets one typed RESPONSE matched by sequence number; no answer
// after `max_attempts` retransmissions means the link is lost, never that the command failed
// or succeeded: the caller must re-query.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "firmware_if/messages.hpp"
#include "firmware_if/address.hpp"

namespace hdr::fw {

struct LinkOptions {
  std::string console_name = "hdr";
  int heartbeat_ms = 100;         // console -> machine; the machine's watchdog is 1000 ms
  int response_timeout_ms = 150;  // per attempt, wall clock
  int max_attempts = 5;           // first send + retransmissions
  int connect_timeout_ms = 2000;
  // Empty when valid, else "LinkOptions::<field> = <value>: <rule>".
  std::string validate() const;
};

struct CallOutcome {
  bool answered = false;  // false: link lost or no answer; the command's effect is UNKNOWN
  ResponseMsg response;   // when answered
  std::string error;      // when not answered
  bool ok() const { return answered && response.result == Result::ok; }
};

struct LinkCounters {
  std::uint64_t frames_sent = 0, retransmissions = 0, naks_received = 0, crc_errors = 0, reconnects = 0;
};

class LinkClient {
 public:
  LinkClient(Address address, LinkOptions options);
  ~LinkClient();
  LinkClient(const LinkClient&) = delete;
  LinkClient& operator=(const LinkClient&) = delete;

  // Opens the transport (closing any previous one) and performs HELLO. Blocks the calling
  // worker thread for at most connect_timeout_ms + one call. The profile, or nullopt and `error`.
  std::optional<MachineProfile> connect(std::string& error);
  // One request, blocking until its answer or until the bounded retransmissions run out.
  // Thread-safe: calls from several threads are in flight together, each with its own seq.
  CallOutcome call(MsgType type, Bytes payload);
  void disconnect();
  bool connected() const;
  LinkCounters counters() const;
  // Called on the I/O thread for every NOTIFY the machine pushes (state changes).
  void set_notify_handler(std::function<void(const StatusReport&)> handler);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace hdr::fw
