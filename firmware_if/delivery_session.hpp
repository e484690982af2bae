#pragma once
// The delivery session: one treatment delivery (or the remainder of one) as an explicit state
// machine over the link (PROTOCOL.md §6). It knows plans and records, not bytes.
//
//   idle -> connecting -> verifying -> downloading -> ready -> delivering -> completed
//                             |             |           |          |
//                             v             v           v          v
//                          refused       refused     unknown <-> reconnecting -> interrupted
//
// Rules it enforces:
//  - Nothing is sent to the machine (no program) until every check passed: plan source model
//    = machine's, an accepted calibration exists for the machine's source (model + serial),
//    machine strength within `strength_tolerance` of that calibration decayed to now, and
//    the program fits the machine's profile.
//  - A link that stops answering makes the state UNKNOWN, never "retracted"; the session
//    reconnects and re-queries STATUS before any further command.
//  - Every machine report is committed to the records before it is shown.
//  - Resume delivers only the remainder: finished dwells skipped, a partly delivered dwell
//    gets its remaining time; if the machine still holds the earlier program, it is RESUMEd
//    (the machine's own record of what it delivered is the truth and is written back first).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "firmware_if/link_client.hpp"
#include "firmware_if/program_builder.hpp"
#include "planner/common/iso_time.hpp"
#include "planner/formats/types.hpp"

namespace hdr::fw {

enum class SessionState { idle, connecting, verifying, refused, downloading, ready, delivering, unknown, reconnecting, interrupted, completed };
const char* to_string(SessionState s);
// The transition table above; the session HDR_ASSERTs every transition against it.
bool transition_allowed(SessionState from, SessionState to);

struct RecordedDwell {
  int plan_dwell_index = 0;
  double planned_s = 0.0;
  double delivered_s = 0.0;
};

struct PriorSession {
  std::int64_t id = 0;
  std::string status;  // "in_progress" | "interrupted" | "completed" | "refused"
  std::vector<RecordedDwell> dwells;
};

struct SessionBegin {
  std::string source_model;
  std::string source_serial;
  double sk_used_U = 0.0;
  UtcTime console_clock;
  std::optional<UtcTime> machine_clock;
  std::vector<RecordedDwell> program;  // planned_s per dwell, delivered 0
};

// What the session needs from the record store (implemented over db::RecordStore by the
// tools; in memory by the tests). Every write is durable when it returns.
class DeliveryRecords {
 public:
  virtual ~DeliveryRecords() = default;
  // The source's accepted calibration decayed to `now`, or nullopt with `why`.
  virtual std::optional<double> calibrated_strength_U(const std::string& model, const std::string& serial, UtcTime now,
                                                      std::string& why) = 0;
  virtual std::vector<PriorSession> prior_sessions() = 0;  // of this plan, oldest first
  virtual std::int64_t begin_session(const SessionBegin& begin) = 0;
  // delivered_s replaces the session's previous value for that dwell (never lower).
  virtual void record_progress(std::int64_t session, int plan_dwell_index, double planned_s, double delivered_s) = 0;
  virtual void add_interruption(std::int64_t session, const std::string& reason) = 0;
  virtual void set_status(std::int64_t session, const std::string& status) = 0;  // interrupted|completed|refused
};

struct DeliveryOptions {
  bool resume = false;
  double strength_tolerance = 0.02;   // |machine - calibration now| / calibration now
  int poll_interval_ms = 50;          // STATUS polling while delivering (wall)
  int reconnect_window_ms = 30000;    // how long a lost link is retried before giving up (wall)
  int fractions = 1;                  // completed sessions after which the plan is delivered
  std::string plan_tag;               // the plan's identity inside program ids (e.g. hash prefix)
  std::string validate() const;
};

struct DeliveryReport {
  SessionState final_state = SessionState::idle;
  std::string message;                // what happened, one line
  std::optional<std::int64_t> session_id;
  bool completed() const { return final_state == SessionState::completed; }
};

class DeliverySession {
 public:
  // `show` receives human progress lines, each only after what it reports was recorded.
  DeliverySession(const formats::Plan& plan, DeliveryRecords& records, LinkClient& link, DeliveryOptions options,
                  std::function<void(const std::string&)> show);
  // Blocking; run it on a worker thread, never the UI thread.
  DeliveryReport run();
  SessionState state() const { return state_; }

 private:
  struct Active;
  void go(SessionState to);
  DeliveryReport finish(SessionState to, std::string message);
  std::optional<StatusReport> query_status();
  bool reconnect();
  DeliveryReport monitor(Active& a);
  void close_unfinished(const std::vector<PriorSession>& priors, std::int64_t completed_id);

  const formats::Plan& plan_;
  DeliveryRecords& records_;
  LinkClient& link_;
  DeliveryOptions options_;
  std::function<void(const std::string&)> show_;
  SessionState state_ = SessionState::idle;
  MachineProfile profile_;
  std::vector<DwellPlace> places_;
};

}  // namespace hdr::fw
