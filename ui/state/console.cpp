#include "ui/state/console.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "planner/common/error.hpp"
#include "planner/common/iso_time.hpp"

namespace hdr::ui {

namespace {
bool has_target(const formats::Case& c) {
  for (const auto& s : c.structures)
    if (s.kind == formats::StructureKind::target) return true;
  return false;
}
// Ir-192 half-life (days), as calib and the CLI default it.
constexpr double kIr192HalfLife_days = 73.827;
}  // namespace

const char* to_string(View v) {
  switch (v) {
    case View::patient: return "patient";
    case View::trus: return "trus";
    case View::contours: return "contours";
    case View::needles: return "needles";
    case View::plan: return "plan";
    case View::approval: return "approval";
    case View::delivery: return "delivery";
    case View::calibration: return "calibration";
    case View::records: return "records";
  }
  return "?";
}

std::vector<std::string> PlanResult::protocol_failures() const {
  std::vector<std::string> out;
  for (const auto& c : checks) {
    if (c.pass) continue;
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s %s = %.2f, rule %s", c.structure.c_str(), c.metric.c_str(), c.value, c.rule.c_str());
    out.push_back(buf);
  }
  if (checks.empty()) out.push_back("no protocol constraint was evaluated");
  return out;
}

std::string ConsoleOptions::validate() const {
  auto bad = [](const std::string& field, const std::string& value, const std::string& rule) {
    return "ConsoleOptions::" + field + " = " + value + ": " + rule;
  };
  if (!(live_frame_period_ms >= 5.0 && live_frame_period_ms <= 1000.0))
    return bad("live_frame_period_ms", std::to_string(live_frame_period_ms), "must be in [5, 1000] ms");
  if (!(sweep_step_mm >= 0.5 && sweep_step_mm <= 10.0))
    return bad("sweep_step_mm", std::to_string(sweep_step_mm), "must be in [0.5, 10] mm");
  if (!(dwell_step_mm >= 1.0 && dwell_step_mm <= 10.0))
    return bad("dwell_step_mm", std::to_string(dwell_step_mm), "must be in [1, 10] mm");
  if (!records_path.empty() && records_admin_password.empty())
    return bad("records_admin_password", "\"\"", "a record store needs the admin's password");
  if (!afterloader_address.empty() && afterloader_address.rfind("tcp:", 0) != 0 &&
      afterloader_address.rfind("serial:", 0) != 0)
    return bad("afterloader_address", afterloader_address, "must start with tcp: or serial:");
  return {};
}

Console::Console(ConsoleOptions options) : options_(std::move(options)) {
  const std::string why = options_.validate();
  require(why.empty(), why);
  state_.frame_sources = backend::frame_source_kinds();
  state_.grabber_presets = backend::grabber_preset_names();
  if (!options_.records_path.empty()) {
    records_ = backend::open_records(options_.records_path, options_.records_admin, options_.records_admin_password);
    for (const auto& u : options_.ensure_users)
      records_->ensure_user(options_.records_admin, options_.records_admin_password, u.name, u.role, u.password);
    state_.calibration.source_serial = options_.calibration_source_serial;
    // Startup, before the first frame: plans need the accepted calibration from the start.
    refresh_calibration();
    refresh_records();  // a worker job like every later refresh
  }
  if (options_.live_probe && !state_.frame_sources.empty())
    probe_thread_ = std::thread([this] { probe_loop(); });
  note("console ready");
}

Console::~Console() {
  probe_stop_.store(true);
  if (probe_thread_.joinable()) probe_thread_.join();
  if (delivery_ && !delivery_->finished()) delivery_->interrupt("console closed");
  delivery_.reset();
  jobs_.wait_all();  // workers use records_: finish them before the store's last writes
  // Shutdown: end the logged-in user's login session in the store (not left open).
  if (state_.user && records_) {
    try {
      records_->logout(*state_.user);
    } catch (const std::exception&) {
      // The store ends it as 'aborted' when it next opens; a destructor does not throw.
    }
  }
}

void Console::probe_loop() {
  // The simulated probe is a physics simulation (~50 ms of CPU per frame here): it runs at
  // background priority and rests at least as long as it worked, so it never takes more than
  // half a core from the UI thread and the GL rasteriser, whatever the machine.
  lower_this_thread_priority();
  const auto nominal = std::chrono::duration<double, std::milli>(options_.live_frame_period_ms);
  while (!probe_stop_.load()) {
    const auto started = std::chrono::steady_clock::now();
    auto period = nominal;
    try {
      auto frame = probe()->frame_at(probe_z_mm_.load());
      const auto worked = std::chrono::steady_clock::now() - started;
      period = std::max(nominal, std::chrono::duration<double, std::milli>(2 * worked));
      std::lock_guard lock(frame_mutex_);
      newest_frame_ = std::move(frame);
      probe_error_.clear();
    } catch (const std::exception& e) {
      std::lock_guard lock(frame_mutex_);
      probe_error_ = e.what();
    }
    // Sleep in small steps so the destructor never waits a whole period.
    while (!probe_stop_.load() && std::chrono::steady_clock::now() - started < period)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::shared_ptr<backend::Probe> Console::probe() {
  std::lock_guard lock(probe_mutex_);
  if (!probe_) probe_ = backend::make_probe(backend::FrameSourceChoice{}, options_.phantom_seed);
  return probe_;
}

void Console::set_probe(std::shared_ptr<backend::Probe> probe) {
  std::lock_guard lock(probe_mutex_);
  probe_ = std::move(probe);
}

void Console::note(const std::string& message) {
  state_.messages.push_back(message);
  if (state_.messages.size() > 200) state_.messages.erase(state_.messages.begin());
}

bool Console::replan_pending() const {
  return state_.auto_replan && state_.plan && state_.plan->geometry_revision != state_.geometry_revision &&
         !state_.catheters.empty();
}

void Console::poll() {
  jobs_.collect(state_);
  {
    std::lock_guard lock(frame_mutex_);
    if (newest_frame_) state_.live_frame = newest_frame_;
    if (!probe_error_.empty() && state_.last_error != "live probe: " + probe_error_) {
      state_.last_error = "live probe: " + probe_error_;
      note(state_.last_error);
    }
  }
  if (delivery_) {
    const bool was_active = state_.delivery.session == "running";
    DeliveryView snap = delivery_->snapshot();
    state_.delivery = std::move(snap);
    if (delivery_->finished() && was_active) {
      note("delivery " + state_.delivery.session + (state_.delivery.message.empty() ? "" : ": " + state_.delivery.message));
      refresh_records();
    }
  }
  if (records_refresh_pending_ && !jobs_.running("records")) refresh_records();
  if (evaluate_pending_revision_ && !jobs_.running("evaluate")) {
    if (state_.plan && state_.plan->plan_revision == *evaluate_pending_revision_ && state_.plan->metrics_pending)
      start_evaluate(state_.plan->plan, state_.plan->plan_revision);
    else
      evaluate_pending_revision_.reset();  // superseded (re-optimised, or a newer edit took its place)
  }
  // Automatic re-optimisation: the geometry changed under an existing plan.
  if (replan_pending() && !jobs_.running("optimise")) {
    try {
      start_optimise();
      note("geometry changed: re-optimising");
    } catch (const std::exception& e) {
      state_.last_error = std::string("re-optimise: ") + e.what();
      state_.auto_replan = false;  // stop retrying every frame; the operator re-enables it
      note(state_.last_error + " (automatic re-optimisation paused)");
    }
  }
}

formats::Case Console::current_case() const {
  formats::Case c;
  c.id = state_.patient_id + "-F" + std::to_string(state_.fraction);
  c.source = state_.source;
  // Plan with the accepted calibration decayed to now, stated at now (dwell times are at the
  // plan's strength; delivery corrects for the decay from then to the treatment).
  if (c.source.reference_time) {
    const UtcTime ref = parse_iso8601(*c.source.reference_time, "accepted calibration time");
    const UtcTime now = utc_now();
    c.source.air_kerma_strength_U *= std::exp(-std::log(2.0) * days_between(ref, now) / kIr192HalfLife_days);
    c.source.reference_time = format_iso8601_utc(now);
  }
  c.prescription = state_.prescription;
  c.structures = state_.structures;
  c.catheters = state_.catheters;
  c.dwell_step_mm = options_.dwell_step_mm;
  return c;
}

void Console::geometry_changed(const std::string& what) {
  ++state_.geometry_revision;
  note(what);
  invalidate_approvals("geometry changed");
}

void Console::invalidate_approvals(const std::string& why) {
  if (state_.stored_plan_id || !state_.approvals.empty())
    note("plan approvals withdrawn: " + why + " (the approved plan stays in the records unchanged)");
  state_.stored_plan_id.reset();
  state_.approvals.clear();
}

void Console::start_optimise() {
  const formats::Case c = current_case();
  require(has_target(c), "optimise: no target structure (segment the sweep first)");
  require(!c.catheters.empty(), "optimise: no accepted needles (detect or add needles first)");
  const std::uint64_t revision = state_.geometry_revision;
  require(!jobs_.running("optimise"), "optimise: an optimisation is still running; wait for it to finish");
  jobs_.start("optimise", [c, revision](std::atomic<float>& progress) -> JobRunner::Commit {
    auto result = std::make_shared<PlanResult>(backend::plan_case(c, progress));
    result->geometry_revision = revision;
    std::shared_ptr<const PlanResult> frozen = std::move(result);
    return [frozen](AppState& s) {
      s.plan = frozen;
      s.stored_plan_id.reset();
      s.approvals.clear();
      s.messages.push_back("plan ready: " + frozen->summary);
    };
  });
}

void Console::start_evaluate(formats::Plan edited, std::uint64_t plan_revision) {
  if (jobs_.running("evaluate")) {
    // One evaluation at a time; the newest edit is evaluated when the running one ends (poll()).
    evaluate_pending_revision_ = plan_revision;
    return;
  }
  evaluate_pending_revision_.reset();
  const formats::Case c = current_case();
  const std::uint64_t geometry = state_.geometry_revision;
  jobs_.start("evaluate", [c, edited = std::move(edited), plan_revision, geometry](std::atomic<float>& progress)
                              -> JobRunner::Commit {
    auto result = std::make_shared<PlanResult>(backend::evaluate_plan(c, edited, progress));
    result->geometry_revision = geometry;
    result->plan_revision = plan_revision;
    std::shared_ptr<const PlanResult> frozen = std::move(result);
    return [frozen](AppState& s) {
      // Only the edit it evaluated: a newer edit or a re-optimisation (metrics not pending)
      // supersedes this evaluation.
      if (!s.plan || !s.plan->metrics_pending || s.plan->plan_revision != frozen->plan_revision) return;
      s.plan = frozen;
      s.messages.push_back("metrics updated for the edited dwell times");
    };
  });
}

void Console::refresh_records() {
  if (!records_) return;
  if (jobs_.running("records")) {
    records_refresh_pending_ = true;  // the running refresh may predate the change: read again after it
    return;
  }
  records_refresh_pending_ = false;
  backend::Records* records = records_.get();
  const std::string patient = state_.patient_id;
  const std::optional<std::int64_t> plan_id = state_.stored_plan_id;
  jobs_.start("records", [records, patient, plan_id](std::atomic<float>& progress) -> JobRunner::Commit {
    RecordsView view = records->overview(patient, plan_id);
    progress.store(0.7F);
    std::vector<Approval> approvals;
    if (plan_id) approvals = records->approvals(*plan_id);
    return [view = std::move(view), approvals = std::move(approvals), plan_id](AppState& s) {
      s.records = view;
      // Approvals are those of the plan still shown as stored (it may have been withdrawn meanwhile).
      if (plan_id && s.stored_plan_id == plan_id) s.approvals = approvals;
    };
  });
}

void Console::refresh_calibration() {
  if (!records_) return;
  auto& cal = state_.calibration;
  if (cal.source_serial.empty()) return;
  apply_accepted_calibration(state_, records_->accepted_calibration(cal.source_model, cal.source_serial));
}

void apply_accepted_calibration(AppState& s, const std::optional<std::pair<double, std::string>>& accepted) {
  auto& cal = s.calibration;
  if (!accepted) {
    cal.accepted_sk_U.reset();
    cal.accepted_at.reset();
    return;
  }
  cal.accepted_sk_U = accepted->first;
  cal.accepted_at = accepted->second;
  // Plans use the accepted calibration (CLI.md: "the console's workflow uses the accepted
  // calibration decayed to the time of planning"); the planner decays from reference_time.
  s.source.model = cal.source_model;
  s.source.air_kerma_strength_U = accepted->first;
  s.source.reference_time = accepted->second;
}

}  // namespace hdr::ui
