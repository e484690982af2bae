#pragma once
// The console's adapters to the project's libraries (planner/imaging, planner/optimize,
// calib, db, firmware_if). One file per capability (backend_<area>.cpp) converts between the
// libraries' types and the AppState's plain values, so the views and Console::apply() never
// see a library type. Each adapter is compiled against the real library; when a library is
// missing from the build the adapter throws hdr::Error saying so (never a mock).
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ui/state/app_state.hpp"

namespace hdr::ui::backend {

// ---- imaging (planner/imaging) -------------------------------------------------------------
// Where the live frames come from. Each kind is one entry of frame_source_kinds().
enum class FrameSourceKind { simulated, recorded_sweep, plus_file, video };
struct FrameSourceChoice {
  FrameSourceKind kind = FrameSourceKind::simulated;
  std::string location;  // hdr-trus/1 folder, PLUS .igs.mha/.mhd file, or video device/file/URL
  std::string preset;    // frame-grabber preset (PLUS file and video): crop, spacing, probe axis
};
// "simulated TRUS probe", "recorded sweep (hdr-trus/1 folder)", ... in FrameSourceKind order.
std::vector<std::string> frame_source_kinds();
// The names of the frame-grabber presets the console knows.
std::vector<std::string> grabber_preset_names();

// A live frame source, imaged at the stepper position the console commands. Thread-safe:
// the probe thread calls frame_at() while a worker may capture a sweep.
class Probe {
 public:
  virtual ~Probe() = default;
  virtual std::string name() const = 0;
  // The axial frame at stepper position z_mm (blocking; call from a worker thread). The same
  // pointer again when the image has not changed (a still probe over still tissue gives the
  // same B-mode: speckle is deterministic), so nothing is re-rendered or re-uploaded.
  virtual std::shared_ptr<const GrayImage> frame_at(double z_mm) = 0;
  // A sweep from z_min to z_max every step_mm (a recording: its own frames). Throws
  // hdr::Error when the source has no stepper positions (a video without a stepper link).
  virtual Sweep sweep(double step_mm, std::atomic<float>& progress) = 0;
  // Stepper range the source covers (mm).
  virtual double z_min_mm() const = 0;
  virtual double z_max_mm() const = 0;
};

// Opens `choice` (reads a recording whole, opens a device); `seed` fixes the simulated
// patient (phantom). Throws hdr::Error naming the location and what is wrong with it.
std::shared_ptr<Probe> make_probe(const FrameSourceChoice& choice, std::uint64_t seed);

std::vector<formats::Structure> segment_sweep(const Sweep& sweep, std::atomic<float>& progress);
std::vector<formats::Catheter> detect_needles(const Sweep& sweep, std::atomic<float>& progress);

// ---- planning (planner/anatomy + planner/optimize + planner/dose) ---------------------------
// Inverse optimisation of a case: plan, dose grid, DVH, metrics and protocol checks.
PlanResult plan_case(const formats::Case& c, std::atomic<float>& progress);
// Dose grid, DVH, metrics and checks for given dwell times (a dwell-time edit).
PlanResult evaluate_plan(const formats::Case& c, const formats::Plan& plan, std::atomic<float>& progress);

// ---- calibration (calib) --------------------------------------------------------------------
struct CalibrationResult {
  double sk_U = 0.0;
  double deviation_pct = 0.0;
  std::string status;  // pass / warn / fail
  std::string source_model;
  std::string source_serial;
  std::string summary;  // one line for the form
};
CalibrationResult compute_calibration(const std::string& measurement_json);

// ---- records (db) ---------------------------------------------------------------------------
// The record store the console works with (one SQLite file). Called from worker jobs only
// (after the console's startup), so the implementation serialises its calls.
class Records {
 public:
  virtual ~Records() = default;
  // Creates users with passwords if the store is new (demo); returns true when created.
  virtual void ensure_user(const std::string& admin, const std::string& admin_password, const std::string& user,
                           const std::string& role, const std::string& password) = 0;
  // Checks the password; returns the user's role. Throws hdr::Error when refused.
  virtual std::string login(const std::string& user, const std::string& password) = 0;
  // Ends the user's login session in the store and forgets it (no-op when not logged in).
  virtual void logout(const std::string& user) = 0;
  virtual std::int64_t import_plan(const std::string& user, const std::string& password,
                                   const std::string& patient_id, const formats::Plan& plan) = 0;
  virtual Approval approve(const std::string& user, const std::string& password, std::int64_t plan_id) = 0;
  virtual std::vector<Approval> approvals(std::int64_t plan_id) = 0;
  virtual void record_calibration(const std::string& user, const std::string& password,
                                  const std::string& measurement_json, bool accept, const std::string& reason) = 0;
  // Accepted calibration of a source (S_K at its measurement time).
  virtual std::optional<std::pair<double, std::string>> accepted_calibration(const std::string& model,
                                                                             const std::string& serial) = 0;
  // The patient's plans, their delivery sessions, the audit trail (newest kAuditRows) and the
  // store's users/sources for the records view.
  virtual RecordsView overview(const std::string& patient_id, std::optional<std::int64_t> plan_id) = 0;
  virtual std::string path() const = 0;
};
// Opens (creating if absent) the store at `path`; `admin`/`admin_password` initialise a new one.
std::unique_ptr<Records> open_records(const std::string& path, const std::string& admin,
                                      const std::string& admin_password);

// ---- delivery (firmware_if) -----------------------------------------------------------------
// A delivery run on its own thread; the UI polls snapshots and may interrupt at any time.
class Delivery {
 public:
  virtual ~Delivery() = default;
  virtual DeliveryView snapshot() const = 0;
  virtual bool finished() const = 0;  // the session ended (completed / interrupted / refused)
  virtual void interrupt(const std::string& reason) = 0;
  virtual void emergency_stop() = 0;
};
struct DeliveryRequest {
  std::string afterloader_address;  // tcp:127.0.0.1:PORT
  std::string records_path;
  std::string user;
  std::string password;
  std::int64_t plan_id = 0;
  bool resume = false;
};
std::unique_ptr<Delivery> start_delivery(const DeliveryRequest& request);
// Asks the machine what it is (profile, source) without starting anything.
DeliveryView query_afterloader(const std::string& address);

}  // namespace hdr::ui::backend
