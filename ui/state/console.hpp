#pragma once
// The console's application object: owns the AppState, the worker jobs and the links to the
// libraries (probe, record store, afterloader). Views and scripts talk to it only through
// intents; apply() is the one place that acts on them (ui/state/apply_intent.cpp). Used by the
// window (ui/app), the headless demo and the tests alike.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ui/state/app_state.hpp"
#include "ui/state/backend.hpp"
#include "ui/state/intents.hpp"
#include "ui/state/jobs.hpp"

namespace hdr::ui {

// The source's accepted calibration (S_K, its time) becomes the strength plans use; none
// clears it. Used by the startup read and by the calibration job's commit.
void apply_accepted_calibration(AppState& s, const std::optional<std::pair<double, std::string>>& accepted);

struct UserSpec {
  std::string name, role, password;
};

struct ConsoleOptions {
  std::string records_path;         // SQLite record store; empty = no records (record intents refused)
  std::string records_admin = "admin";
  std::string records_admin_password;  // initialises a new store
  std::vector<UserSpec> ensure_users;   // created by the admin when absent (demo users)
  std::string calibration_source_serial;  // the source whose accepted calibration plans use
  std::string afterloader_address;  // "tcp:127.0.0.1:PORT"; empty = no afterloader
  // The simulated patient. Seed 1 (a ~29 cc gland, 15 needles) is one on which today's
  // automatic contours are close enough for a plan to pass the protocol end to end; on 9 of
  // the seeds 2-12 the contours (gland under-segmented among the needles) lead to plans the
  // simulated physician refuses, as the console's protocol gate must (issue 4's open goals).
  std::uint64_t phantom_seed = 1;
  bool live_probe = true;           // run the live TRUS thread
  double live_frame_period_ms = 40.0;  // 25 frames per second from the probe (at most: see probe_loop)
  double sweep_step_mm = 2.0;       // stepper increment of a captured sweep
  double dwell_step_mm = 5.0;       // candidate dwell spacing along each catheter

  // Empty when valid, else "ConsoleOptions::<field> = <value>: <rule>".
  std::string validate() const;
};

class Console {
 public:
  explicit Console(ConsoleOptions options);  // throws hdr::Error for invalid options
  ~Console();
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  const AppState& state() const { return state_; }
  const ConsoleOptions& options() const { return options_; }

  // Acts on one intent. A refused intent (bad input, wrong role, missing plan...) sets
  // state().last_error and returns false; it never throws for hdr::Error. Script-only wait
  // intents return true immediately (ScriptRunner evaluates them).
  bool apply(const Intent& intent);

  // Once per frame (or loop turn): hands finished jobs' results to the state, takes the
  // latest live frame and delivery snapshot, starts automatic re-optimisation.
  void poll();

  bool busy() const {
    return jobs_.any_running() || replan_pending() || records_refresh_pending_ || evaluate_pending_revision_.has_value();
  }
  bool delivery_active() const { return delivery_ && !delivery_->finished(); }
  // True while the named worker job runs or its result has not reached the state yet.
  bool job_running(const std::string& name) const { return jobs_.running(name); }

 private:
  friend struct IntentApplier;
  bool replan_pending() const;
  formats::Case current_case() const;
  void geometry_changed(const std::string& what);
  void invalidate_approvals(const std::string& why);
  void start_optimise();
  void start_evaluate(formats::Plan edited, std::uint64_t plan_revision);
  // Starts a worker job re-reading the records view (patients, sessions, audit trail) and the
  // stored plan's approvals; when one is running, another follows it (poll()).
  void refresh_records();
  void refresh_calibration();  // startup only (before the first frame): reads the store here
  void note(const std::string& message);
  void probe_loop();

  ConsoleOptions options_;
  AppState state_;
  std::unique_ptr<backend::Records> records_;
  std::unique_ptr<backend::Delivery> delivery_;
  // Declared after records_: members are destroyed in reverse order, so the workers (which
  // use records_) are joined before the record store closes.
  JobRunner jobs_;
  std::string password_;  // of the logged-in user, kept only while logged in (never in AppState)
  bool records_refresh_pending_ = false;  // a refresh was asked for while one was running
  std::optional<std::uint64_t> evaluate_pending_revision_;  // a dwell edit waiting for the running evaluation

  // Live probe thread: reads the commanded stepper position, publishes the newest frame.
  std::thread probe_thread_;
  std::atomic<bool> probe_stop_{false};
  std::atomic<double> probe_z_mm_{0.0};
  // The live frame source, shared by the probe thread and sweep captures: the one the last
  // SelectFrameSource opened, the simulated probe until then (opened on first use, off the UI
  // thread).
  std::shared_ptr<backend::Probe> probe();
  void set_probe(std::shared_ptr<backend::Probe> probe);
  std::mutex probe_mutex_;
  std::shared_ptr<backend::Probe> probe_;
  mutable std::mutex frame_mutex_;
  std::shared_ptr<const GrayImage> newest_frame_;
  std::string probe_error_;
};

}  // namespace hdr::ui
