#pragma once
// The console's one application state, owned outside ImGui (DESIGN.md, "State lives outside
// drawing"). Views read it as `const AppState&` and return intents; only Console::apply()
// (ui/state/console.hpp) and the results handed back by worker jobs change it. Large results
// (sweep, plan with dose grid) are immutable and shared (`shared_ptr<const ...>`), so a frame
// never waits for a worker and a worker never sees a half-edited value.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "planner/formats/types.hpp"

namespace hdr::ui {

// An 8-bit grayscale axial image in the patient frame (hdr-trus/1 geometry): pixel (i, j) lies
// at x = origin_x + i*sx, y = origin_y + (height-1-j)*sy, z = z_mm. Row 0 is anterior.
struct GrayImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;  // width*height, row-major
  double spacing_mm[2] = {0.2, 0.2};
  double origin_mm[2] = {0.0, 0.0};  // centre of the bottom-left pixel
  double z_mm = 0.0;                 // stepper position when the frame was taken
};

// A captured sweep: axial frames sorted by z (the volume the planner segments).
struct Sweep {
  std::vector<GrayImage> frames;
  std::string source_name;  // "simulated probe", recorded folder, ...
};

// One dose-volume histogram: cumulative, volume_pct[i] receives at least dose_Gy[i].
struct DvhCurve {
  std::string structure;
  std::vector<double> dose_Gy;
  std::vector<double> volume_pct;
};

// One protocol constraint evaluated on the plan's metrics (row of the metrics table).
struct MetricCheck {
  std::string structure;
  std::string metric;      // e.g. "V100_pct", "D10_Gy"
  double value = 0.0;
  std::string rule;        // human-readable, e.g. ">= 95 %", "<= 17.3 Gy"
  bool pass = false;
};

// Dose on a regular grid, for isodose lines (x fastest, then y, then z; voxel centres).
struct DoseVolume {
  double origin_mm[3] = {0, 0, 0};
  double spacing_mm[3] = {1, 1, 1};
  int dims[3] = {0, 0, 0};
  std::vector<float> dose_Gy;
  float at(int i, int j, int k) const {
    return dose_Gy[(static_cast<size_t>(k) * static_cast<size_t>(dims[1]) + static_cast<size_t>(j)) *
                       static_cast<size_t>(dims[0]) +
                   static_cast<size_t>(i)];
  }
};

// A finished plan as the console shows it. `geometry_revision` is the revision of structures +
// catheters it was computed for: a plan older than the geometry is shown as out of date.
struct PlanResult {
  formats::Plan plan;
  std::shared_ptr<const DoseVolume> dose;  // null until the dose grid job has finished
  std::vector<DvhCurve> dvh;
  std::vector<MetricCheck> checks;
  std::uint64_t geometry_revision = 0;
  std::uint64_t plan_revision = 0;  // bumps on every dwell-time edit
  std::string summary;              // optimiser's report, one line
  // Dwell times edited, their re-evaluation not back yet: dvh/checks/dose describe the
  // previous times, so the protocol does not count as passed.
  bool metrics_pending = false;
  // One line per failing constraint: "urethra D10_Gy = 19.03, rule <= 17.25 Gy".
  std::vector<std::string> protocol_failures() const;
  bool protocol_pass() const {
    if (metrics_pending) return false;
    for (const auto& c : checks)
      if (!c.pass) return false;
    return !checks.empty();
  }
};

struct Approval {
  std::string user;
  std::string role;
  std::string at;  // ISO-8601
};

// What the console knows about the afterloader link and the running session. The link state
// is what the firmware layer reports: a lost link is UNKNOWN, never "retracted".
struct ChannelProgress {
  int catheter = 0;
  double planned_s = 0.0;
  double delivered_s = 0.0;
};

struct DeliveryView {
  std::string link = "disconnected";      // disconnected / connected / unknown
  std::string session = "none";           // none / running / interrupted / completed / refused / ...
  std::string machine;                    // machine profile as reported (model, channels)
  std::string source;                     // source as reported (model, serial, S_K)
  std::string message;                    // last event or refusal reason
  std::vector<ChannelProgress> channels;  // plan order
  std::optional<std::int64_t> session_id;
  double planned_total_s() const {
    double t = 0;
    for (const auto& c : channels) t += c.planned_s;
    return t;
  }
  double delivered_total_s() const {
    double t = 0;
    for (const auto& c : channels) t += c.delivered_s;
    return t;
  }
};

struct CalibrationView {
  std::string source_model = "mHDR-v2";
  std::string source_serial;
  std::optional<double> accepted_sk_U;        // accepted calibration's S_K ...
  std::optional<std::string> accepted_at;     // ... at this time
  std::string last_result;                    // last computed measurement, one line
  std::string last_status;                    // pass / warn / fail
};

// One entry of the record store's audit trail (hash-chained audit_log).
struct AuditRow {
  std::int64_t seq = 0;
  std::string at;      // ISO-8601 UTC
  std::string user;
  std::string action;  // e.g. "approve", "login_failed"
  std::string entity;  // table and row id, e.g. "plans 3"
};

struct RecordsView {
  std::vector<std::string> patients;      // the patient's plans, one line each
  std::vector<std::string> sessions;      // one line each
  std::vector<std::string> store;         // users and sources (with their accepted calibration)
  std::vector<AuditRow> audit;            // newest first, the last kAuditRows entries
  static constexpr std::size_t kAuditRows = 200;
};

enum class View { patient, trus, contours, needles, plan, approval, delivery, calibration, records };
const char* to_string(View v);

// A background job's state as the UI shows it (progress bar, error line).
struct JobView {
  std::string name;
  bool running = false;
  float progress = 0.0F;  // 0..1
  std::string last_error;
  double last_duration_ms = 0.0;
};

struct AppState {
  View view = View::patient;

  // Patient and fraction.
  std::string patient_id = "DEMO-0001";
  std::string patient_name = "Demo Patient";
  int fraction = 1;
  formats::Prescription prescription{15.0, 1};

  // Live TRUS.
  std::vector<std::string> frame_sources;       // kinds of source the probe layer offers
  int frame_source_index = 0;                   // the kind now open
  std::string frame_source_location;            // its folder, file, device or URL ("" simulated)
  std::string frame_source_preset;              // its frame-grabber preset (PLUS file, video)
  std::vector<std::string> grabber_presets;     // names of the presets the console knows
  double stepper_z_mm = 0.0;                    // commanded stepper position
  std::shared_ptr<const GrayImage> live_frame;  // latest frame from the probe
  std::shared_ptr<const Sweep> sweep;           // last captured sweep

  // Geometry. Every edit bumps geometry_revision (auto re-optimisation keys on it).
  std::vector<formats::Structure> structures;
  std::vector<formats::Catheter> catheters;           // accepted needles
  std::vector<formats::Catheter> detected_needles;    // auto-detected, not yet accepted
  std::uint64_t geometry_revision = 0;
  bool auto_replan = true;

  // Plan and approvals.
  std::shared_ptr<const PlanResult> plan;
  std::optional<std::int64_t> stored_plan_id;  // id in the record store once saved
  std::vector<Approval> approvals;

  // Login.
  std::optional<std::string> user;
  std::optional<std::string> role;

  // Source, calibration, delivery, records.
  formats::SourceSpec source{"mHDR-v2", 40700.0, std::nullopt};
  CalibrationView calibration;
  DeliveryView delivery;
  RecordsView records;

  std::map<std::string, JobView> jobs;  // by job name
  std::vector<std::string> messages;    // status line history, newest last
  std::string last_error;               // shown in red until the next successful intent
};

}  // namespace hdr::ui
