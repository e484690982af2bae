#pragma once
// Scripted mode (`hdrconsole --script F.json`): a JSON list of intents driving the same
// Console the views drive, so UI workflows are tested without pixel-clicking.
//   [ {"intent": "capture_sweep"}, {"intent": "wait_idle", "timeout_s": 60},
//     {"intent": "login", "user": "dr.demo", "password": "..."},
//     {"intent": "expect", "path": "delivery.session", "equals": "completed"} ]
// Field names are the intent structs' member names (ui/state/intents.hpp).
#include <chrono>
#include <string>
#include <vector>

#include "ui/state/console.hpp"
#include "ui/state/intents.hpp"

namespace hdr::ui {

// One script line: an intent, and whether the console must refuse it ("refused": true), so a
// script can check that e.g. an unapproved plan cannot be delivered.
struct ScriptEntry {
  Intent intent;
  bool expect_refused = false;
};
using Script = std::vector<ScriptEntry>;

// Parses a script; throws hdr::Error naming the file, the entry index and the field.
Script parse_script(const std::string& json_text, const std::string& file);

// A state value by path, as text, for `expect` (e.g. "delivery.session", "approvals.count",
// "plan.present", "catheters.count"). Throws hdr::Error for an unknown path.
std::string state_value(const AppState& s, const std::string& path);

// Runs a script one step at a time without blocking, so the window keeps drawing frames:
// call step() once per frame (after Console::poll()). An intent whose work is a record-store
// job (login, approve, record_calibration, refresh_records, load_case) is judged when its job
// ends, and the next entry waits for it as an operator waits for the progress bar: the job's
// error fails the script, or satisfies `"refused": true`.
class ScriptRunner {
 public:
  enum class Status { running, done, failed };
  explicit ScriptRunner(Script script) : script_(std::move(script)) {}
  Status step(Console& console);
  Status status() const { return status_; }
  const std::string& failure() const { return failure_; }  // why it failed (entry and reason)
  size_t position() const { return next_; }

 private:
  Script script_;
  size_t next_ = 0;
  Status status_ = Status::running;
  std::string failure_;
  bool waiting_ = false;
  std::chrono::steady_clock::time_point wait_started_;
  std::string awaiting_job_;      // job started by the last entry, judged when it ends
  bool awaiting_refused_ = false; // that entry expects a refusal
  std::string awaiting_where_;
  std::chrono::steady_clock::time_point awaiting_since_;
};

// The worker job an accepted intent starts and the script waits for, or nullptr.
const char* awaited_job(const Intent& i);

}  // namespace hdr::ui
